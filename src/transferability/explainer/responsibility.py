"""Causal responsibility of frequency bins: random 4-way partitions refined in lock-step."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

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


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
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
    """The responsibility map, its stability record and the smallest sufficient mutant met on the way."""

    responsibility: np.ndarray
    chain_lengths: list[int] = field(default_factory=list)
    iterations_counted: int = 0
    jaccard_history: list[float] = field(default_factory=list)
    converged: bool = False
    smallest_sufficient: np.ndarray | None = None  # bins of the smallest refinement mutant that was sufficient

    @property
    def iterations_run(self) -> int:
        return len(self.chain_lengths)

    def offer(self, bins: np.ndarray) -> None:
        """Keep ``bins`` if it is the smallest sufficient set seen so far (the first one wins ties)."""
        if self.smallest_sufficient is None or bins.shape[0] < self.smallest_sufficient.shape[0]:
            self.smallest_sufficient = bins


def _split(active: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Four non-empty contiguous runs of ``active`` at three distinct uniform cut points."""
    cuts = np.sort(rng.choice(active.shape[0] - 1, size=N_CHILDREN - 1, replace=False) + 1)
    return np.split(active, cuts)


def _subset_masks(partitions: list[list[np.ndarray]], n_bins: int) -> np.ndarray:
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
    return keep.reshape(-1, n_bins)


def _advance_in_lock_step(
    iterations: list[_Iteration], oracle: Oracle, cfg: ExplainerConfig, threshold: float,
    sufficient_confidence: float, result: ResponsibilityResult,
) -> None:
    """Refine every live iteration by one round, all their mutants in one batched query.

    A mutant that keeps the explained class with ``sufficient_confidence`` is a verified
    sufficient set: the smallest one met is offered to ``result``.
    """
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
    verdicts = oracle.verdicts(_subset_masks(partitions, n_bins))
    passed = verdicts.keeps(oracle.target, threshold).reshape(len(live), PROPER_SUBSETS.shape[0])
    sufficient = verdicts.keeps(oracle.target, sufficient_confidence).reshape(len(live), PROPER_SUBSETS.shape[0])
    for it, children, outcome, enough in zip(live, partitions, passed, sufficient):
        it.rounds += 1
        passing = np.concatenate([[False], outcome, [True]])
        for child, degree in zip(children, degrees_of_responsibility(passing)):
            it.responsibility[child] += degree / child.shape[0] if cfg.normalise_by_size else degree
        sizes = np.array([sum(children[j].shape[0] for j in np.flatnonzero(_SUBSET_HAS_CHILD[s])) for s in PROPER_SUBSETS])
        if enough.any():
            best = PROPER_SUBSETS[enough][np.argmin(sizes[enough])]
            result.offer(np.concatenate([children[j] for j in np.flatnonzero(_SUBSET_HAS_CHILD[best])]))
        candidates = PROPER_SUBSETS[outcome]
        if candidates.shape[0] == 0:
            it.done = True
            continue
        candidate_sizes = sizes[outcome]
        chosen = it.rng.choice(candidates[candidate_sizes == candidate_sizes.min()])
        it.active = np.concatenate([children[j] for j in np.flatnonzero(_SUBSET_HAS_CHILD[chosen])])
        it.chain_length += 1


def compute_responsibility(
    oracle: Oracle,
    cfg: ExplainerConfig,
    threshold: float,
    sufficient_confidence: float,
    extracted_sets: Callable[[np.ndarray], Sequence[frozenset[int]]],
    on_round: Callable[[int], None] | None = None,
) -> ResponsibilityResult:
    """Sum of per-iteration responsibility maps, run in rounds until the extracted sets are stable.

    Iteration ``i`` draws from ``default_rng([cfg.seed, i])``. Only iterations whose chain
    length reaches ``cfg.min_chain_length`` enter the map; if none does, all of them do and
    ``iterations_counted`` stays 0 so that the record marks the explanation chain-unstable.

    Stability: after every round that ends with at least ``cfg.min_iterations`` run,
    ``extracted_sets(map)`` gives the sets the current ranking yields (the smallest passing
    prefixes), and each is compared with as many top-ranked bins of the previous round's map; the
    run stops when every Jaccard is >= ``cfg.stability_jaccard`` (``converged``), else at
    ``cfg.max_iterations``. The previous round's ranking is compared at the current set's size, so
    no round whose sets cannot stop the run spends queries on extracting them.
    """
    n_bins = oracle.mutator.n_bins
    magnitude = oracle.mutator.magnitude
    counted = np.zeros(n_bins)
    everything = np.zeros(n_bins)
    result = ResponsibilityResult(responsibility=counted)
    previous: np.ndarray | None = None  # the map after the round before, where this round can stop the run
    while result.iterations_run < cfg.max_iterations:
        start = result.iterations_run
        size = min(cfg.round_size, cfg.max_iterations - start)
        iterations = [
            _Iteration(np.random.default_rng([cfg.seed, i]), np.arange(n_bins), np.zeros(n_bins, dtype=np.float32))
            for i in range(start, start + size)
        ]
        while not all(it.done for it in iterations):
            _advance_in_lock_step(iterations, oracle, cfg, threshold, sufficient_confidence, result)
        for it in iterations:
            result.chain_lengths.append(it.chain_length)
            everything += it.responsibility
            if it.chain_length >= cfg.min_chain_length:
                counted += it.responsibility
                result.iterations_counted += 1
        result.responsibility = counted if result.iterations_counted else everything
        if on_round is not None:
            on_round(size)
        if previous is not None:
            before = rank_bins(previous, magnitude)
            current = extracted_sets(result.responsibility)
            result.jaccard_history.append(min(jaccard(frozenset(before[: len(s)].tolist()), s) for s in current))
            if result.jaccard_history[-1] >= cfg.stability_jaccard:
                result.converged = True
                break
        if result.iterations_run + cfg.round_size >= cfg.min_iterations:
            previous = result.responsibility.copy()
    return result
