"""Causal responsibility of frequency bins: random 4-way partitions refined in lock-step."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from transferability.explainer.config import ExplainerConfig
from transferability.explainer.oracle import Oracle

N_CHILDREN = 4
PROPER_SUBSETS = np.arange(1, 2**N_CHILDREN - 1)  # the 14 non-empty proper subsets, as bit patterns
_SUBSET_HAS_CHILD = np.array([[(s >> j) & 1 for j in range(N_CHILDREN)] for s in range(2**N_CHILDREN)], dtype=bool)
_SUBSET_BITS = PROPER_SUBSETS.astype(np.uint8)  # bit j set <=> the subset keeps child j


def _counterfactual_table() -> list[tuple[int, int, float]]:
    """(subset T, child j, 1/(k+1)) for every child j in T, k = children removed to reach T."""
    table = []
    for subset in range(1, 2**N_CHILDREN):
        removed = N_CHILDREN - int(_SUBSET_HAS_CHILD[subset].sum())
        for child in np.flatnonzero(_SUBSET_HAS_CHILD[subset]):
            table.append((subset, int(child), 1.0 / (removed + 1)))
    return table


_COUNTERFACTUALS = _counterfactual_table()


def degrees_of_responsibility(passing: np.ndarray) -> np.ndarray:
    """Per child, ``1/(k+1)`` for the smallest ``k`` at which it is counterfactual, else 0.

    ``passing`` holds the pass/fail outcome of all 16 subsets indexed by bit pattern (the
    empty subset fails, the full one passes). A child is counterfactual in ``T`` when ``T``
    passes and ``T`` without the child fails.
    """
    degrees = np.zeros(N_CHILDREN)
    for subset, child, value in _COUNTERFACTUALS:
        if passing[subset] and not passing[subset & ~(1 << child)]:
            degrees[child] = max(degrees[child], value)
    return degrees


def rank_bins(responsibility: np.ndarray, magnitude: np.ndarray) -> np.ndarray:
    """Bin indices by decreasing responsibility, ties broken by larger ``|X|`` first."""
    return np.lexsort((-magnitude, -responsibility))


def top_set(responsibility: np.ndarray, magnitude: np.ndarray, fraction: float) -> set[int]:
    k = max(1, int(np.ceil(fraction * responsibility.shape[0])))
    return set(rank_bins(responsibility, magnitude)[:k].tolist())


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


@dataclass
class _Iteration:
    """One refinement chain: the region it refines, its own RNG and its responsibility map."""

    rng: np.random.Generator
    active: np.ndarray
    responsibility: np.ndarray
    chain_length: int = 0
    rounds: int = 0
    done: bool = False


@dataclass
class ResponsibilityResult:
    responsibility: np.ndarray
    chain_lengths: list[int] = field(default_factory=list)
    iterations_counted: int = 0
    jaccard_history: list[float] = field(default_factory=list)
    converged: bool = False

    @property
    def iterations_run(self) -> int:
        return len(self.chain_lengths)


def _split(active: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Four non-empty contiguous runs of ``active`` at three distinct uniform cut points."""
    cuts = np.sort(rng.choice(active.shape[0] - 1, size=N_CHILDREN - 1, replace=False) + 1)
    return np.split(active, cuts)


def _subset_masks(partitions: list[list[np.ndarray]], n_bins: int, device: torch.device) -> torch.Tensor:
    """The 14 masks keeping each non-empty proper subset of each partition's children.

    Returns ``[14 * len(partitions), n_bins]``: partition ``p``'s masks are rows ``14p .. 14p + 13``,
    in ``PROPER_SUBSETS`` order. Each bin is labelled with its child's bit (``1 << j``; 0 outside
    every child) and a subset keeps the bins whose bit it contains: one vectorised AND for all
    partitions.
    """
    bits = np.zeros((len(partitions), n_bins), dtype=np.uint8)
    for row, children in zip(bits, partitions):
        for j, child in enumerate(children):
            row[child] = 1 << j
    keep = (bits[:, None, :] & _SUBSET_BITS[None, :, None]) != 0  # [partitions, 14, n_bins]
    return torch.from_numpy(keep.reshape(-1, n_bins)).to(device)


def _advance_in_lock_step(iterations: list[_Iteration], oracle: Oracle, cfg: ExplainerConfig, threshold: float) -> None:
    """Refine every live iteration by one round, all their mutants in one batched query."""
    n_bins = oracle.mutator.n_bins
    live, partitions = [], []
    for it in iterations:
        if it.done:
            continue
        if it.active.shape[0] < cfg.min_box_size or it.rounds >= cfg.max_depth:
            it.done = True
            continue
        children = _split(it.active, it.rng)
        live.append(it)
        partitions.append(children)
    if not live:
        return
    masks = _subset_masks(partitions, n_bins, oracle.mutator.device)
    passed = oracle.passes(masks, threshold).reshape(len(live), PROPER_SUBSETS.shape[0])
    for it, children, outcome in zip(live, partitions, passed):
        it.rounds += 1
        passing = np.concatenate([[False], outcome, [True]])
        for child, degree in zip(children, degrees_of_responsibility(passing)):
            it.responsibility[child] += degree / child.shape[0] if cfg.normalise_by_size else degree
        candidates = PROPER_SUBSETS[outcome]
        if candidates.shape[0] == 0:
            it.done = True
            continue
        sizes = np.array([sum(children[j].shape[0] for j in np.flatnonzero(_SUBSET_HAS_CHILD[s])) for s in candidates])
        chosen = it.rng.choice(candidates[sizes == sizes.min()])
        it.active = np.concatenate([children[j] for j in np.flatnonzero(_SUBSET_HAS_CHILD[chosen])])
        it.chain_length += 1


def compute_responsibility(
    oracle: Oracle,
    magnitude: np.ndarray,
    cfg: ExplainerConfig,
    threshold: float,
    on_round: Callable[[int], None] | None = None,
) -> ResponsibilityResult:
    """Sum of per-iteration responsibility maps, run in rounds until the top bins are stable.

    Iteration ``i`` draws from ``default_rng([cfg.seed, i])``. Only iterations whose chain
    length reaches ``cfg.min_chain_length`` enter the map; if none does, all of them do and
    ``iterations_counted`` stays 0 so that the record marks the explanation chain-unstable.
    """
    n_bins = oracle.mutator.n_bins
    counted = np.zeros(n_bins)
    everything = np.zeros(n_bins)
    result = ResponsibilityResult(responsibility=counted)
    previous_top: set[int] | None = None
    while result.iterations_run < cfg.max_iterations:
        start = result.iterations_run
        size = min(cfg.round_size, cfg.max_iterations - start)
        iterations = [
            _Iteration(np.random.default_rng([cfg.seed, i]), np.arange(n_bins), np.zeros(n_bins, dtype=np.float32))
            for i in range(start, start + size)
        ]
        while not all(it.done for it in iterations):
            _advance_in_lock_step(iterations, oracle, cfg, threshold)
        for it in iterations:
            result.chain_lengths.append(it.chain_length)
            everything += it.responsibility
            if it.chain_length >= cfg.min_chain_length:
                counted += it.responsibility
                result.iterations_counted += 1
        result.responsibility = counted if result.iterations_counted else everything
        if on_round is not None:
            on_round(size)
        top = top_set(result.responsibility, magnitude, cfg.stability_top_fraction)
        if previous_top is not None:
            result.jaccard_history.append(jaccard(previous_top, top))
            if result.iterations_run >= cfg.min_iterations and result.jaccard_history[-1] >= cfg.stability_jaccard:
                result.converged = True
                break
        previous_top = top
    return result
