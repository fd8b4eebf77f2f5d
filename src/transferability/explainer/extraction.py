"""Sufficient, delta-complete and 1-complete sets of bins: their tests, prefix searches, minimality.

A set passes a :class:`SetTest` when the bins it keeps give the explained class with at least the
test's confidence and, for the complete tests (Definition 3), the remaining bins alone lose the
class. The remaining bins are queried only for sets whose own verdict passes, so a complete test
costs one query per set that fails and two per set that passes. Every query goes through the
:class:`~transferability.explainer.oracle.Oracle`, which remembers verdicts by mask.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from transferability.explainer.oracle import Oracle

RESTART_FRACTION = 0.75  # a chunk level that leaves at most this fraction of the set restarts the pass
# a complete test asks about the rest first when the set's confidence is this many times the test's minimum
REST_FIRST_MARGIN = 1.5


@dataclass(frozen=True)
class SetTest:
    """What a set of bins must do to count as sufficient, complete or 1-complete."""

    min_confidence: float
    rest_loses: bool = False

    def passes(self, oracle: Oracle, masks: np.ndarray, rest_first: bool = False) -> np.ndarray:
        """One boolean per mask ``[batch, bins]``.

        A complete test asks about the remaining bins only for the masks that keep the class or,
        with ``rest_first``, about the kept bins only for the masks whose remaining bins lose it:
        a mask that fails costs one query either way if its failing half is asked first.
        """
        if not self.rest_loses:
            return oracle.verdicts(masks).keeps(oracle.target, self.min_confidence)
        if rest_first:
            ok = oracle.verdicts(~masks).top1 != oracle.target
            if ok.any():
                ok[ok] = oracle.verdicts(masks[ok]).keeps(oracle.target, self.min_confidence)
            return ok
        ok = oracle.verdicts(masks).keeps(oracle.target, self.min_confidence)
        if ok.any():
            ok[ok] = oracle.verdicts(~masks[ok]).top1 != oracle.target
        return ok


@dataclass
class MinimalityReport:
    """How far the minimality pass got from its starting set.

    ``one_minimal``: removing any single bin from the final set was tested and fails the test.
    Otherwise ``smallest_chunk`` is the smallest chunk size whose level the pass completed (0:
    none), and ``budget_exhausted`` says whether the candidate budget stopped the pass.
    """

    start_size: int
    removed_bins: int
    smallest_chunk: int
    one_minimal: bool
    budget_exhausted: bool
    candidates: int
    queries: int


def prefix_masks(order: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Masks ``[len(sizes), bins]`` keeping exactly the ``k`` top-ranked bins for each ``k``."""
    position = np.empty_like(order)
    position[order] = np.arange(order.shape[0])
    return position[None, :] < np.asarray(sizes)[:, None]


def mask_of(bins: np.ndarray, n_bins: int) -> np.ndarray:
    mask = np.zeros(n_bins, dtype=bool)
    mask[bins] = True
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


def smallest_passing_prefix(predicate, n_bins: int, points: int) -> int:
    """Smallest prefix size the predicate accepts, searched a batch of sizes at a time.

    Assumes the full set (``n_bins``) passes and the empty set fails; each round narrows the
    gap between the largest failing and the smallest passing size found so far, so the answer
    passes and every size tested below it failed (exact when the predicate is monotone).
    """
    return smallest_passing_prefixes({"only": predicate}, n_bins, points)["only"]


def smallest_passing_prefixes(predicates: Mapping[str, object], n_bins: int, points: int, before_round=None) -> dict[str, int]:
    """:func:`smallest_passing_prefix` for several predicates at once, round by round.

    ``before_round(sizes)`` (optional) sees every size any search will test this round first, so
    that the queries of all searches can be sent together.
    """
    bounds = {name: (0, n_bins) for name in predicates}
    while any(hi - lo > 1 for lo, hi in bounds.values()):
        grids = {name: _grid(lo, hi, points) for name, (lo, hi) in bounds.items() if hi - lo > 1}
        if before_round is not None:
            before_round(np.unique(np.concatenate(list(grids.values()))))
        for name, sizes in grids.items():
            lo, hi = bounds[name]
            ok = np.asarray(predicates[name](sizes), dtype=bool)
            if ok.any():
                hi = int(sizes[ok].min())
                failing_below = sizes[~ok & (sizes < hi)]
                lo = int(failing_below.max()) if failing_below.size else lo
            else:
                lo = int(sizes.max())
            bounds[name] = (lo, hi)
    return {name: hi for name, (_, hi) in bounds.items()}


def prefix_sizes(oracle: Oracle, order: np.ndarray, tests: Mapping[str, SetTest], points: int) -> dict[str, int]:
    """Per test, the smallest number of top-ranked bins that passes it, all searches sharing queries.

    Each round's prefix masks go to the model in one call; then the remaining bins of the ones
    that keep the class, for the complete tests, in a second.
    """
    def fetch_round(sizes: np.ndarray) -> None:
        masks = prefix_masks(order, sizes)
        verdicts = oracle.verdicts(masks)
        needs_rest = np.zeros(len(sizes), dtype=bool)
        for test in tests.values():
            if test.rest_loses:
                needs_rest |= verdicts.keeps(oracle.target, test.min_confidence)
        if needs_rest.any():
            oracle.verdicts(~masks[needs_rest])

    predicates = {name: (lambda sizes, test=test: test.passes(oracle, prefix_masks(order, sizes)))
                  for name, test in tests.items()}
    return smallest_passing_prefixes(predicates, order.shape[0], points, before_round=fetch_round)


def smallest_passing_extension(
    oracle: Oracle, base: np.ndarray, order: np.ndarray, test: SetTest, points: int, max_size: int | None = None,
) -> np.ndarray | None:
    """``base`` plus the fewest of the next-ranked bins outside it that together pass ``test``.

    Searched like a prefix of the ranking with ``base`` always kept, among sets of at most
    ``max_size`` bins (default: all); returns the bins in ranking order, or None when even the
    largest of those sets fails.
    """
    n_bins = order.shape[0]
    rest = order[~np.isin(order, base)]
    limit = rest.shape[0] if max_size is None else min(rest.shape[0], max_size - base.shape[0])
    base_mask = mask_of(base, n_bins)
    rank_in_rest = np.full(n_bins, n_bins)
    rank_in_rest[rest] = np.arange(rest.shape[0])

    def masks(sizes: np.ndarray) -> np.ndarray:
        return base_mask[None, :] | (rank_in_rest[None, :] < np.asarray(sizes)[:, None])

    if limit < 0:
        return None
    if test.passes(oracle, masks(np.array([0])))[0]:
        added = 0
    elif limit == 0 or not test.passes(oracle, masks(np.array([limit])))[0]:
        return None
    else:
        added = smallest_passing_prefix(lambda sizes: test.passes(oracle, masks(sizes)), limit, points)
    kept = masks(np.array([added]))[0]
    return order[kept[order]]


def _largest_passing_count(passes, count: int, points: int, max_tests: int | None = None) -> tuple[int, bool]:
    """Largest ``j`` in ``0..count`` with ``passes(j)`` true, given ``passes(0)``, searched a batch at a time.

    Exact when ``passes`` is monotone (true up to some ``j``, false after); otherwise a ``j``
    that passed with ``j + 1`` failing (or ``j = count``). With ``max_tests``, rounds test fewer
    counts once fewer are left, and the search stops with the largest passing count found when
    none are left. Returns the count and whether the search finished.
    """
    lo, hi = 0, count + 1  # lo passes; hi fails (count + 1 stands for "beyond the list")
    left = count if max_tests is None else max_tests
    while hi - lo > 1 and left > 0:
        sizes = _grid(lo, hi, min(points, left))
        left -= sizes.shape[0]
        ok = np.asarray(passes(sizes), dtype=bool)
        failing = sizes[~ok]
        hi = int(failing.min()) if failing.size else hi
        passing = sizes[ok & (sizes < hi)]
        lo = int(passing.max()) if passing.size else lo
    return lo, hi - lo <= 1


def minimise(
    oracle: Oracle, bins: np.ndarray, test: SetTest, min_chunk: int, max_candidates: int, points: int = 8,
) -> tuple[np.ndarray, MinimalityReport]:
    """Drop chunks of a passing set of ``bins`` while it still passes ``test``.

    Chunks are runs of the set's bins in frequency order: bands, which an audio model tends to
    need or not need as a whole (measured on the benchmark's noise-like decisions, band chunks
    shrank large sets to about half the size that chunks in responsibility order reached with
    the same budget). Chunk sizes start at a quarter of the set and halve down to ``min_chunk``. At each size every chunk's removal is tested alone,
    in one batch; of the chunks that can go alone, ordered by the confidence left without them
    (highest first), the longest run that can go together is found by a batched bracketing
    search and removed, the chunk that stopped it is
    kept, the others are tested alone again against the smaller set, and so on. A chunk that
    could not go is not tried again at that size, nor is any later chunk of two or more bins that
    holds all of its remaining bins: its removal would leave a subset of a set that failed, which
    fails when removals are monotone (chiefly the coarse chunks after a restart). At single bins the
    level repeats until no removal of one bin passes: the set is then 1-minimal, every single
    removal tested against the final set. At most ``max_candidates`` candidate sets are tested: when
    the next level does not fit, one last level of chunks sized to the budget left runs instead,
    and the report says the budget ran out.
    """
    n_bins = oracle.mutator.n_bins
    kept = np.sort(bins)
    start, tested = oracle.queries, 0
    chunk = max(min_chunk, int(np.ceil(kept.shape[0] / 4)))
    smallest_done, exhausted = 0, False

    def removal_masks(removals: list[np.ndarray]) -> np.ndarray:
        masks = np.zeros((len(removals), n_bins), dtype=bool)
        masks[:, kept] = True
        rows = np.repeat(np.arange(len(removals)), [removed.shape[0] for removed in removals])
        masks[rows, np.concatenate(removals) if removals else rows] = False
        return masks

    def without(removals: list[np.ndarray]) -> np.ndarray:
        nonlocal tested
        tested += len(removals)
        return test.passes(oracle, removal_masks(removals), rest_first=rest_first)

    def least_needed_first(removals: list[np.ndarray]) -> list[np.ndarray]:
        """Chunks that can go alone, those whose removal keeps the most confidence first (their
        verdicts are remembered: no query)."""
        confidence = oracle.verdicts(removal_masks(removals)).confidence
        return [removals[i] for i in np.argsort(-confidence, kind="stable")]

    # chunks whose removal failed, as (lowest, highest) bin: each was a run of the set at the time, so
    # the bins of it still kept are a run of every later set, and removing a run that holds them fails
    failed_lo: list[int] = []
    failed_hi: list[int] = []

    def failed(chunks: list[np.ndarray]) -> None:
        failed_lo.extend(int(c[0]) for c in chunks)
        failed_hi.extend(int(c[-1]) for c in chunks)

    def chunks_of(size: int) -> list[np.ndarray]:
        """The chunks of this size worth testing: not all of the set and, above single bins, holding no failed chunk."""
        starts = np.arange(0, kept.shape[0], size)
        ends = np.minimum(starts + size, kept.shape[0])
        if size > 1 and failed_lo:
            first = np.searchsorted(kept, failed_lo, side="left")
            after = np.searchsorted(kept, failed_hi, side="right")
            still_kept = after > first
            holds = ((starts[:, None] <= first) & (after <= ends[:, None]) & still_kept).any(axis=1)
            starts, ends = starts[~holds], ends[~holds]
        return [kept[a:b] for a, b in zip(starts, ends) if b - a < kept.shape[0]]

    def alone(chunks: list[np.ndarray]) -> list[np.ndarray]:
        """The chunks whose removal alone passes; the others are remembered as failed."""
        ok = without(chunks)
        failed([c for c, passed in zip(chunks, ok) if not passed])
        return [c for c, passed in zip(chunks, ok) if passed]

    certified = False  # a whole pass of single-bin removals against the final set found none
    last_level = False  # a level sized to the budget left: the pass ends after it
    while kept.shape[0] > 1:
        # a set far above the test's confidence rarely loses it to a removal, while the removed bins,
        # joining the rest, often give the rest the class back: then the rest is the half to ask first
        rest_first = test.rest_loses and (
            oracle.verdicts(mask_of(kept, n_bins)[None, :]).confidence[0] >= REST_FIRST_MARGIN * test.min_confidence
        )
        chunks = chunks_of(chunk)
        if tested + len(chunks) > max_candidates:
            left = max_candidates - tested - 2 * points  # room for the level and one run search
            coarser = int(np.ceil(kept.shape[0] / left)) if left >= 4 else 0
            if last_level or not coarser:
                exhausted = True
                break
            chunk, last_level = coarser, True  # coarser chunks, as many as fit
            chunks = chunks_of(chunk)
            if not chunks:  # each holds a chunk that failed (as when coarser than the level just completed)
                exhausted = True
                break
        removable = least_needed_first(alone(chunks))
        removed_any = bool(removable)
        level_start = kept.shape[0]
        while removable:  # the longest run that can go together; the rest tried alone again after it
            # never all of the set: the empty signal fails by convention
            limit = len(removable) - int(sum(c.shape[0] for c in removable) == kept.shape[0])
            run, finished = _largest_passing_count(
                lambda counts: without([np.concatenate(removable[:j]) for j in counts]),
                limit, points, max_tests=max_candidates - tested,
            )
            if run:
                kept = kept[~np.isin(kept, np.concatenate(removable[:run]))]
            if not finished:  # the budget stopped the search: what it found can go, nothing more is tried
                exhausted = True
                break
            failed(removable[run : run + 1])  # could not go with the run: not tried again at this size
            rest = removable[run + 1 :]
            if rest and tested + len(rest) > max_candidates:
                exhausted = True
                break
            removable = least_needed_first(alone(rest))
        if exhausted:
            break
        smallest_done = chunk
        if last_level:
            exhausted = True
            break
        if kept.shape[0] <= RESTART_FRACTION * level_start:  # much went: start again from coarse chunks of what is left
            chunk = max(min_chunk, int(np.ceil(kept.shape[0] / 4)))
        elif chunk > min_chunk:
            chunk = max(min_chunk, chunk // 2)
        elif not removed_any:
            certified = True
            break
    if kept.shape[0] <= 1 and not exhausted:
        smallest_done, certified = 1, True  # a single bin cannot shrink: the empty signal fails by convention
    report = MinimalityReport(
        start_size=int(bins.shape[0]),
        removed_bins=int(bins.shape[0] - kept.shape[0]),
        smallest_chunk=smallest_done,
        one_minimal=certified and smallest_done == 1,
        budget_exhausted=exhausted,
        candidates=tested,
        queries=oracle.queries - start,
    )
    return mask_of(kept, n_bins), report
