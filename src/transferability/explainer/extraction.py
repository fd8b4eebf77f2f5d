"""Sufficient, delta-complete and inverse subsets from a responsibility ranking."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from transferability.explainer.oracle import Oracle


@dataclass
class Subset:
    """A set of bins with the explained model's verdict on the signal it keeps."""

    mask: np.ndarray
    top1: int
    confidence: float

    @property
    def size(self) -> int:
        return int(self.mask.sum())


@dataclass
class MinimalityReport:
    """How far the minimality pass got: no removable chunk of ``smallest_chunk`` bins remained."""

    removed_bins: int
    smallest_chunk: int
    one_minimal: bool
    queries: int


class PrefixMasks:
    """Masks keeping the ``k`` top-ranked bins, built on the device for many ``k`` at once."""

    def __init__(self, order: np.ndarray, device: torch.device) -> None:
        position = np.empty_like(order)
        position[order] = np.arange(order.shape[0])
        self.order = order
        self.position = torch.from_numpy(position).to(device)

    @property
    def n_bins(self) -> int:
        return int(self.order.shape[0])

    def masks(self, sizes: np.ndarray) -> torch.Tensor:
        k = torch.as_tensor(sizes, device=self.position.device)
        return self.position[None, :] < k[:, None]

    def mask(self, size: int) -> np.ndarray:
        mask = np.zeros(self.n_bins, dtype=bool)
        mask[self.order[:size]] = True
        return mask


def _grid(lo: int, hi: int, points: int) -> np.ndarray:
    """Up to ``points`` distinct sizes strictly between ``lo`` and ``hi``, geometric when the gap is wide."""
    if hi - lo <= 1:
        return np.zeros(0, dtype=np.int64)
    if hi - lo - 1 <= points:
        return np.arange(lo + 1, hi, dtype=np.int64)
    if hi > 4 * (lo + 1):
        raw = np.geomspace(lo + 1, hi - 1, points)
    else:
        raw = np.linspace(lo + 1, hi - 1, points)
    return np.unique(np.clip(np.round(raw).astype(np.int64), lo + 1, hi - 1))


def smallest_passing_prefix(predicate: Callable[[np.ndarray], np.ndarray], n_bins: int, points: int) -> int:
    """Smallest prefix size the predicate accepts, searched a batch of sizes at a time.

    Assumes the full set (``n_bins``) passes and the empty set fails; each round narrows the
    gap between the largest failing and the smallest passing size found so far, so the answer
    passes and every size tested below it failed (exact when the predicate is monotone).
    """
    lo, hi = 0, n_bins
    while hi - lo > 1:
        sizes = _grid(lo, hi, points)
        ok = predicate(sizes)
        if ok.any():
            hi = int(sizes[ok].min())
            failing_below = sizes[~ok & (sizes < hi)]
            lo = int(failing_below.max()) if failing_below.size else lo
        else:
            lo = int(sizes.max())
    return hi


MaskTest = Callable[[torch.Tensor], np.ndarray]


def keeps_class(oracle: Oracle, min_confidence: float) -> MaskTest:
    """Sufficiency test: the kept bins alone give the explained class with enough confidence."""
    return lambda masks: oracle.passes(masks, min_confidence)


def keeps_class_and_rest_loses_it(oracle: Oracle, min_confidence: float) -> MaskTest:
    """Completeness test (Definition 3): the kept bins pass and the remaining bins alone lose the class."""

    def test(masks: torch.Tensor) -> np.ndarray:
        verdicts = oracle.verdicts(torch.cat([masks, ~masks]))
        n = masks.shape[0]
        kept_ok = (verdicts.top1[:n] == oracle.target) & (verdicts.confidence[:n] >= min_confidence)
        return kept_ok & (verdicts.top1[n:] != oracle.target)

    return test


def smallest_prefix(test: MaskTest, prefixes: PrefixMasks, points: int) -> int:
    """Smallest number of top-ranked bins whose mask passes ``test``."""
    return smallest_passing_prefix(lambda sizes: test(prefixes.masks(sizes)), prefixes.n_bins, points)


def minimise(
    oracle: Oracle,
    ranked_bins: np.ndarray,
    test: MaskTest,
    min_chunk: int,
    max_candidates: int,
) -> tuple[np.ndarray, MinimalityReport]:
    """Drop chunks of a passing set, lowest responsibility first, while it still passes ``test``.

    ``ranked_bins`` is the set in decreasing responsibility. At each chunk size every chunk's
    removal is tested in one batch; the passing removals are then applied cumulatively (one
    more batch) up to the first combination that fails, and the round repeats until no chunk
    of that size can go; then the chunk size halves, down to ``min_chunk``. At most
    ``max_candidates`` candidate sets are tested; a batch that would exceed it is not run.
    """
    device = oracle.mutator.device
    n_bins = oracle.mutator.n_bins
    kept = ranked_bins[::-1].copy()  # lowest responsibility first
    start, tested = oracle.queries, 0
    chunk = max(min_chunk, int(np.ceil(kept.shape[0] / 4)))
    smallest_done = 0

    def test_without(removals: list[np.ndarray]) -> np.ndarray:
        # built in numpy with one scatter for all rows: a torch index_put per row costs far more on the CPU
        masks = np.zeros((len(removals), n_bins), dtype=bool)
        masks[:, kept] = True
        rows = np.repeat(np.arange(len(removals)), [removed.shape[0] for removed in removals])
        masks[rows, np.concatenate(removals) if removals else rows] = False
        return test(torch.from_numpy(masks).to(device))

    while kept.shape[0] > 1:
        chunks = [c for c in (kept[i : i + chunk] for i in range(0, kept.shape[0], chunk)) if c.shape[0] < kept.shape[0]]
        if tested + len(chunks) > max_candidates:
            break
        tested += len(chunks)
        candidates = [c for c, ok in zip(chunks, test_without(chunks)) if ok]
        if candidates:
            cumulative = [np.concatenate(candidates[: j + 1]) for j in range(1, len(candidates))]
            cumulative = [c for c in cumulative if c.shape[0] < kept.shape[0]]
            if tested + len(cumulative) > max_candidates:
                cumulative = []
            tested += len(cumulative)
            ok = test_without(cumulative) if cumulative else np.zeros(0, dtype=bool)
            accepted = int(np.argmin(ok)) if not ok.all() else ok.shape[0]  # leading passes
            kept = kept[~np.isin(kept, np.concatenate(candidates[: accepted + 1]))]
            continue
        smallest_done = chunk
        if chunk <= min_chunk:
            break
        chunk = max(min_chunk, chunk // 2)
    if kept.shape[0] <= 1:
        smallest_done = 1  # a single bin cannot shrink: the empty signal fails by convention
    mask = np.zeros(n_bins, dtype=bool)
    mask[kept] = True
    report = MinimalityReport(
        removed_bins=int(ranked_bins.shape[0] - kept.shape[0]),
        smallest_chunk=smallest_done,
        one_minimal=smallest_done == 1,
        queries=oracle.queries - start,
    )
    return mask, report


def evaluate(oracle: Oracle, mask: np.ndarray) -> Subset:
    """Query one mask and wrap it with the model's verdict."""
    verdict = oracle.verdicts(torch.from_numpy(mask).to(oracle.mutator.device)[None, :])
    return Subset(mask=mask, top1=int(verdict.top1[0]), confidence=float(verdict.confidence[0]))
