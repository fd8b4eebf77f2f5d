"""Flat-earther tests: are a model's outgoing and incoming transferability lower than the other models'?

For one block of a score table (a signal kind and a dataset), with the indicator of a metric
(alpha by default) for every off-diagonal (signal, target) pair:

- **Outgoing** (others accept the model's signals). Each signal's rate is the fraction of the
  other models that accept it (Definition 5); the model's outgoing rate is the mean rate of its
  signals (its row average when every target scored every signal), and the statistic is that
  minus the mean of the other models' outgoing rates. Permutation: within each item, the rates of
  the item's signals are shuffled among the sources that explained it (items explained by one
  source only are fixed), so items of different difficulty are compared with themselves.
- **Incoming** (the model accepts the others' signals). A cell (f, g) is the mean of g's
  indicators over f's signals; the model's incoming rate is the mean of its column over the other
  sources (its column average), and the statistic is that minus the mean of the other models'
  incoming rates. Permutation: within each signal, the indicators are shuffled among the models
  that judged it (every model but the source), so each signal is its own control. A model needs
  at least two judges per signal, hence at least three models in the task.

Both tests are one-sided (lower), share one seeded permutation stream per block, and give the
Monte Carlo p-value ``(1 + #{T* <= T}) / (1 + resamples)``; a model with no informative item or
signal (nothing to permute) gets NaN. P-values are adjusted across the block's models per
direction (Holm by default). A model is a **flat-earther** when both adjusted p-values are at most
the level alpha: by the intersection-union principle, requiring both needs no further correction
across the two directions.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from transferability.analysis.transfer_statistics import models_of, nan_mean, off_diagonal_indicators

DIRECTIONS = ("outgoing", "incoming")
CORRECTIONS = ("holm", "bonferroni", "none")
_CHUNK_ELEMENTS = 4_000_000
_TIE_TOLERANCE = 1e-12


def shuffled_within_rows(values: np.ndarray, n_resamples: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Chunks ``[chunk, rows, columns]`` of ``values`` with each row's non-NaN entries permuted among
    that row's non-NaN positions (NaN positions stay put); ``n_resamples`` in all."""
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    slots = np.argsort(~present, axis=-1, kind="stable")  # each row's present positions first, in order
    chunk = max(1, _CHUNK_ELEMENTS // max(1, values.size))
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        keys = rng.random((size, *values.shape))
        keys[:, ~present] = np.inf
        order = np.argsort(keys, axis=-1)  # present positions in random order first, NaN positions last
        picked = np.take_along_axis(np.broadcast_to(values, keys.shape), order, axis=-1)
        shuffled = np.empty(keys.shape)
        np.put_along_axis(shuffled, np.broadcast_to(slots, keys.shape), picked, axis=-1)
        yield shuffled


def versus_others(rates: np.ndarray) -> np.ndarray:
    """Each model's rate minus the mean rate of the other models with one (last axis); NaN where undefined."""
    present = ~np.isnan(rates)
    total = np.where(present, rates, 0.0).sum(axis=-1, keepdims=True)
    others = present.sum(axis=-1, keepdims=True) - present
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(present & (others > 0), rates - (total - np.where(present, rates, 0.0)) / others, np.nan)


def _p_values(observed: np.ndarray, resampled: list[np.ndarray], informative: np.ndarray) -> np.ndarray:
    """One-sided (lower) Monte Carlo p-values; NaN where the observed statistic or the permutations are undefined."""
    stacked = np.concatenate(resampled, axis=0)
    at_most = (stacked <= observed[None, :] + _TIE_TOLERANCE).sum(axis=0)
    p = (1.0 + at_most) / (1.0 + stacked.shape[0])
    return np.where(np.isnan(observed) | (informative == 0), np.nan, p)


def outgoing_matrix(rows: pd.DataFrame, models: list[str]) -> np.ndarray:
    """Per-signal rates (the fraction of judges accepting it) as ``[items, sources]``, NaN where absent."""
    rates = rows.groupby(["dataset", "item_id", "source_model"], sort=True)["value"].mean()
    return rates.unstack("source_model").reindex(columns=models).to_numpy(dtype=float)


def incoming_matrix(rows: pd.DataFrame, models: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Indicators ``[signals, judges]`` (NaN for the source and unscored pairs) and each signal's source index."""
    table = rows.pivot_table(index=["dataset", "item_id", "source_model"], columns="target_model", values="value",
                             aggfunc="mean").sort_index()
    sources = table.index.get_level_values("source_model").map({m: i for i, m in enumerate(models)})
    return table.reindex(columns=models).to_numpy(dtype=float), np.asarray(sources, dtype=int)


def _informative(values: np.ndarray) -> np.ndarray:
    """Per column: rows where it has a value and at least one other column has one (something to permute)."""
    present = ~np.isnan(values)
    return (present & (present.sum(axis=1, keepdims=True) >= 2)).sum(axis=0)


Tested = tuple[np.ndarray, np.ndarray, np.ndarray]  # per model: statistic, p-value, informative rows


def outgoing_test(rates: np.ndarray, n_resamples: int, rng: np.random.Generator) -> Tested:
    """Per source: (statistic, p-value, informative items) of ``rates [items, sources]``."""
    observed = versus_others(nan_mean(rates, axis=0))
    resampled = [versus_others(nan_mean(chunk, axis=1)) for chunk in shuffled_within_rows(rates, n_resamples, rng)]
    informative = _informative(rates)
    return observed, _p_values(observed, resampled, informative), informative


def _column_averages(indicators: np.ndarray, present: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """Column averages of the cell matrix built from ``indicators [..., signals, judges]`` (NaN taken as absent)."""
    sums = np.einsum("fs,...sg->...fg", membership, np.where(present, indicators, 0.0))
    counts = membership @ present.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        cells = np.where(counts > 0, sums / counts, np.nan)
    return nan_mean(cells, axis=-2)


def incoming_test(
    indicators: np.ndarray, sources: np.ndarray, n_models: int, n_resamples: int, rng: np.random.Generator
) -> Tested:
    """Per judge: (statistic, p-value, informative signals) of ``indicators [signals, judges]``."""
    present = ~np.isnan(indicators)
    membership = (sources[None, :] == np.arange(n_models)[:, None]).astype(float)  # [sources, signals]
    observed = versus_others(_column_averages(indicators, present, membership))
    resampled = [versus_others(_column_averages(chunk, present, membership))
                 for chunk in shuffled_within_rows(indicators, n_resamples, rng)]
    informative = _informative(indicators)
    return observed, _p_values(observed, resampled, informative), informative


def adjust_p_values(p_values: np.ndarray, correction: str) -> np.ndarray:
    """Holm or Bonferroni adjustment over the non-NaN p-values (``none``: unchanged)."""
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    p = np.asarray(p_values, dtype=float)
    tested = np.flatnonzero(~np.isnan(p))
    adjusted = p.copy()
    if correction == "bonferroni":
        adjusted[tested] = np.minimum(1.0, p[tested] * len(tested))
    elif correction == "holm":
        order = tested[np.argsort(p[tested], kind="stable")]
        steps = np.minimum(1.0, p[order] * (len(order) - np.arange(len(order))))
        adjusted[order] = np.maximum.accumulate(steps)
    return adjusted


def flat_earth_tests(
    scores: pd.DataFrame,
    signal: str,
    n_resamples: int,
    seed: int,
    level: float,
    correction: str = "holm",
    dataset: str | None = None,
    metric: str = "alpha",
    epsilon: float | None = None,
) -> pd.DataFrame:
    """One row per model of the block: for each direction the statistic (``<direction>_difference``),
    ``_p_value``, ``_p_adjusted``, ``_informative`` and ``_significant``, and ``flat_earther``."""
    if n_resamples < 1 or not 0.0 < level < 1.0:
        raise ValueError(f"need resamples >= 1 and 0 < level < 1, got {n_resamples} and {level}")
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    rows = off_diagonal_indicators(scores, signal, metric, epsilon, dataset)
    models = models_of(scores)
    rng = np.random.default_rng(seed)
    results = {"outgoing": outgoing_test(outgoing_matrix(rows, models), n_resamples, rng)}
    indicators, sources = incoming_matrix(rows, models)
    results["incoming"] = incoming_test(indicators, sources, len(models), n_resamples, rng)
    frame = pd.DataFrame({"model": models})
    for direction, (statistic, p_value, informative) in results.items():
        adjusted = adjust_p_values(p_value, correction)
        frame[f"{direction}_difference"] = statistic
        frame[f"{direction}_p_value"] = p_value
        frame[f"{direction}_p_adjusted"] = adjusted
        frame[f"{direction}_informative"] = informative
        frame[f"{direction}_significant"] = adjusted <= level  # NaN compares False
    frame["flat_earther"] = frame["outgoing_significant"] & frame["incoming_significant"]
    return frame
