"""Transferability statistics (Definitions 4 and 5, Tables 1-3) on a scores table.

Computed on a score table (:mod:`transferability.analysis.score_table`: one row per signal of a
source model and target model, with the target's canonical probabilities).

Choices where the paper is silent or loose:

- The entropy bound is ``H <= epsilon * log2(K)`` with K the task's number of canonical labels
  (the target's distribution is over those after :class:`~transferability.models.labels.LabelMap`),
  where the paper uses the model's own n; the two agree whenever a model's classes are the task's.
  A tolerance of 1e-12 bits absorbs rounding, so epsilon = 1 accepts a uniform distribution.
- Rows where target == source (the diagonal) are kept in the table but never counted.
- Definition 5 per signal (:func:`per_signal_rates`) is the fraction of the *other* models with
  the indicator; a table cell (f, g) is the mean over f's signals of g's indicator and "Avg" the
  mean of f's off-diagonal cells. With every target scored on every signal the two agree.
- ``dataset=None`` pools every dataset of the table (also for the t-test); a table must hold a
  single task.
- Bootstrap: percentile intervals; each source model's signals are resampled with replacement
  (independently per source), and every cell, row average and column average is recomputed per
  resample.
- Outgoing transferability of a model is its row average (the others accept its signals),
  incoming its column average (the mean over the other sources of its cell: it accepts theirs).
- Alpha does not read epsilon: ``epsilon=None`` computes alpha only.
- The beta curve (:func:`beta_curve`) is beta's row average at every epsilon in [0, 1], from the
  same entropies and tolerance, so at any epsilon in (0, 1] it equals the beta table's ``Avg``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from transferability.analysis.score_table import (
    SIGNAL_KEY,
    SIGNALS,
    STABILITY_FLAGS,
    probability_columns,
    validate_scores,
)

ROW_AVERAGE = "row_average"
INDICATORS = {"alpha": "same_class", "beta": "low_entropy", "joint": "transfers"}
_ENTROPY_TOLERANCE = 1e-12
_CHUNK_ELEMENTS = 4_000_000


def entropy_bits(probs: np.ndarray) -> np.ndarray:
    """Shannon entropy in bits along the last axis (0 log 0 = 0)."""
    probs = np.asarray(probs, dtype=float)
    terms = np.zeros_like(probs)
    positive = probs > 0
    terms[positive] = probs[positive] * np.log2(probs[positive])
    return -terms.sum(axis=-1)


def _check_epsilon(epsilon: float) -> None:
    if not 0.0 < epsilon <= 1.0:
        raise ValueError(f"epsilon must be in (0, 1], got {epsilon!r}")


def per_signal_indicators(scores: pd.DataFrame, epsilon: float | None) -> pd.DataFrame:
    """The scores table plus ``entropy_bits``, ``same_class`` and, given epsilon, ``low_entropy`` and ``transfers``."""
    validate_scores(scores)
    if epsilon is not None:
        _check_epsilon(epsilon)
    probs = scores[probability_columns(scores)].to_numpy(dtype=float)
    entropy = entropy_bits(probs)
    out = scores.copy()
    out["entropy_bits"] = entropy
    out["same_class"] = (scores["predicted_class"] == scores["explained_class"]).to_numpy(dtype=bool)
    if epsilon is not None:
        out["low_entropy"] = entropy <= epsilon * np.log2(probs.shape[1]) + _ENTROPY_TOLERANCE
        out["transfers"] = out["same_class"] & out["low_entropy"]
    return out


def _check_metric(metric: str, epsilon: float | None) -> str:
    if metric not in INDICATORS:
        raise ValueError(f"metric must be one of {sorted(INDICATORS)}, got {metric!r}")
    if epsilon is None and metric != "alpha":
        raise ValueError(f"metric {metric!r} needs epsilon; only alpha is computed without it")
    return INDICATORS[metric]


def _check_signal(signal: str) -> None:
    if signal not in SIGNALS:
        raise ValueError(f"signal must be one of {SIGNALS}, got {signal!r}")


def off_diagonal_indicators(
    scores: pd.DataFrame, signal: str, metric: str, epsilon: float | None, dataset: str | None = None
) -> pd.DataFrame:
    """Off-diagonal rows of one signal kind (and dataset) with the metric's indicator as ``value`` (0/1)."""
    column = _check_metric(metric, epsilon)
    _check_signal(signal)
    rows = per_signal_indicators(scores, epsilon)
    rows = rows[(rows["signal"] == signal) & (rows["source_model"] != rows["target_model"])]
    if dataset is not None:
        rows = rows[rows["dataset"] == dataset]
    return rows.assign(value=rows[column].astype(float))


def models_of(scores: pd.DataFrame) -> list[str]:
    """Every source and target model, in order of first appearance."""
    return list(pd.unique(pd.concat([scores["source_model"], scores["target_model"]], ignore_index=True)))


def _square(cells: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Cells indexed by source, columns target, NaN diagonal, plus the row average column."""
    matrix = cells.reindex(index=models, columns=models).astype(float)
    for model in models:
        matrix.loc[model, model] = np.nan
    matrix[ROW_AVERAGE] = matrix[models].mean(axis=1, skipna=True)
    matrix.index.name, matrix.columns.name = "source_model", "target_model"
    return matrix


def pair_matrix(
    scores: pd.DataFrame, signal: str, metric: str, epsilon: float | None, dataset: str | None = None
) -> pd.DataFrame:
    """Mean indicator per (source, target) over the source's signals; ``row_average`` = mean off-diagonal cell."""
    rows = off_diagonal_indicators(scores, signal, metric, epsilon, dataset)
    cells = rows.groupby(["source_model", "target_model"], sort=False)["value"].mean().unstack()
    return _square(cells, models_of(scores))


def per_signal_rates(
    scores: pd.DataFrame, signal: str, metric: str, epsilon: float, dataset: str | None = None
) -> pd.DataFrame:
    """Definition 5 per signal: the fraction of the other models with the indicator, as ``rate``."""
    rows = off_diagonal_indicators(scores, signal, metric, epsilon, dataset)
    return rows.groupby(SIGNAL_KEY, sort=False)["value"].mean().rename("rate").reset_index()


def _resampled_means(values: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Column means of ``values[draws[b]]`` per resample b, ignoring NaN (no signal for that target).

    Resamples are processed in chunks so memory stays near ``_CHUNK_ELEMENTS`` floats.
    """
    chunk = max(1, _CHUNK_ELEMENTS // max(1, values.size))
    out = np.full((draws.shape[0], values.shape[1]), np.nan)
    for start in range(0, draws.shape[0], chunk):
        picked = values[draws[start:start + chunk]]  # [chunk, n_items, n_targets]
        present = ~np.isnan(picked)
        counts = present.sum(axis=1)
        sums = np.where(present, picked, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + chunk] = np.where(counts > 0, sums / counts, np.nan)
    return out


def nan_mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Mean over ``axis`` of the non-NaN entries; NaN where there is none."""
    present = ~np.isnan(values)
    counts = present.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, np.where(present, values, 0.0).sum(axis=axis) / counts, np.nan)


@dataclass(frozen=True)
class BootstrapCells:
    """A block's cells (source x target, NaN diagonal) at the estimate and per resample."""

    models: list[str]
    point: np.ndarray  # [models, models]
    resampled: np.ndarray  # [resamples, models, models]
    n_signals: list[int]  # explained items of each source in the block


def bootstrap_cells(
    scores: pd.DataFrame,
    signal: str,
    metric: str,
    epsilon: float | None,
    n_resamples: int,
    seed: int,
    dataset: str | None = None,
) -> BootstrapCells:
    """Every cell recomputed on ``n_resamples`` resamples of each source's items (independently per source)."""
    if n_resamples < 1:
        raise ValueError(f"need n_resamples >= 1, got {n_resamples}")
    rows = off_diagonal_indicators(scores, signal, metric, epsilon, dataset)
    models = models_of(scores)
    rng = np.random.default_rng(seed)
    point = np.full((len(models), len(models)), np.nan)
    resampled = np.full((n_resamples, len(models), len(models)), np.nan)
    n_signals = []
    for i, source in enumerate(models):
        targets = [j for j, m in enumerate(models) if m != source]
        own = rows[rows["source_model"] == source]
        table = own.pivot_table(index=["dataset", "item_id"], columns="target_model", values="value", aggfunc="mean")
        values = table.reindex(columns=[models[j] for j in targets]).to_numpy(dtype=float)
        n_signals.append(values.shape[0])
        if values.shape[0]:
            draws = rng.integers(0, values.shape[0], size=(n_resamples, values.shape[0]))
            resampled[:, i, targets] = _resampled_means(values, draws)
            point[i, targets] = nan_mean(values.T)
    return BootstrapCells(models, point, resampled, n_signals)


def _interval_level(confidence: float) -> list[float]:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"need 0 < confidence < 1, got {confidence}")
    return [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0]


def bootstrap_interval(
    scores: pd.DataFrame,
    signal: str,
    metric: str,
    epsilon: float | None,
    n_resamples: int,
    seed: int,
    confidence: float = 0.95,
    dataset: str | None = None,
) -> pd.DataFrame:
    """Percentile intervals per off-diagonal cell and row average (target ``row_average``).

    Columns: source_model, target_model, estimate, ci_low, ci_high, n_signals.
    """
    quantiles = _interval_level(confidence)
    cells = bootstrap_cells(scores, signal, metric, epsilon, n_resamples, seed, dataset)
    records: list[dict[str, Any]] = []
    for i, source in enumerate(cells.models):
        targets = [j for j, m in enumerate(cells.models) if m != source]
        resampled = cells.resampled[:, i, targets]
        resampled = np.column_stack([resampled, nan_mean(resampled)])
        estimates = np.append(cells.point[i, targets], nan_mean(cells.point[i, targets]))
        low, high = _nan_quantiles(resampled, quantiles)
        for j, target in enumerate([cells.models[t] for t in targets] + [ROW_AVERAGE]):
            records.append({
                "source_model": source, "target_model": target, "estimate": estimates[j],
                "ci_low": low[j], "ci_high": high[j], "n_signals": cells.n_signals[i],
            })
    return pd.DataFrame.from_records(records)


def direction_intervals(cells: BootstrapCells, confidence: float = 0.95) -> pd.DataFrame:
    """Per model: outgoing (row average) and incoming (column average) rates with percentile intervals.

    Columns: model, outgoing, outgoing_low, outgoing_high, incoming, incoming_low, incoming_high, n_signals.
    """
    quantiles = _interval_level(confidence)
    rows_point, cols_point = nan_mean(cells.point), nan_mean(cells.point.T)
    rows_resampled = nan_mean(cells.resampled)
    cols_resampled = nan_mean(np.swapaxes(cells.resampled, 1, 2))
    out_low, out_high = _nan_quantiles(rows_resampled, quantiles)
    in_low, in_high = _nan_quantiles(cols_resampled, quantiles)
    return pd.DataFrame({
        "model": cells.models, "outgoing": rows_point, "outgoing_low": out_low, "outgoing_high": out_high,
        "incoming": cols_point, "incoming_low": in_low, "incoming_high": in_high, "n_signals": cells.n_signals,
    })


def beta_breakpoints(scores: pd.DataFrame, signal: str, dataset: str | None = None) -> np.ndarray:
    """0, 1 and every epsilon in between at which a beta indicator of the block changes (sorted, unique)."""
    rows = off_diagonal_indicators(scores, signal, "alpha", None, dataset)
    levels = rows["entropy_bits"].to_numpy() / np.log2(len(probability_columns(scores)))
    return np.unique(np.concatenate([[0.0, 1.0], np.clip(levels, 0.0, 1.0)]))


def beta_curve(
    scores: pd.DataFrame, signal: str, epsilons: Sequence[float], dataset: str | None = None
) -> pd.DataFrame:
    """Beta's row average per source model (index) at each epsilon in [0, 1] (columns)."""
    epsilons = np.asarray(epsilons, dtype=float)
    if epsilons.ndim != 1 or np.any((epsilons < 0.0) | (epsilons > 1.0)):
        raise ValueError(f"epsilons must be a list of values in [0, 1], got {epsilons!r}")
    rows = off_diagonal_indicators(scores, signal, "alpha", None, dataset)
    bound = epsilons * np.log2(len(probability_columns(scores))) + _ENTROPY_TOLERANCE
    low = rows["entropy_bits"].to_numpy()[:, None] <= bound[None, :]
    frame = pd.DataFrame(low.astype(float), index=pd.MultiIndex.from_frame(rows[["source_model", "target_model"]]))
    cells = frame.groupby(level=["source_model", "target_model"], sort=False).mean()
    curve = cells.groupby(level="source_model", sort=False).mean()
    curve.columns = epsilons
    return curve.reindex([m for m in models_of(scores) if m in curve.index])


def _nan_quantiles(samples: np.ndarray, quantiles: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Per-column quantiles ignoring NaN; all-NaN columns give NaN without a warning."""
    low, high = np.full(samples.shape[1], np.nan), np.full(samples.shape[1], np.nan)
    for j in range(samples.shape[1]):
        column = samples[:, j][~np.isnan(samples[:, j])]
        if column.size:
            low[j], high[j] = np.quantile(column, quantiles)
    return low, high


def paired_t_test(
    scores: pd.DataFrame, epsilon: float, metric: str = "alpha", dataset: str | None = None
) -> dict[str, Any]:
    """Paired t-test of sufficient vs complete over the off-diagonal (source, target) cells present in both."""
    cells = {}
    for signal in ("sufficient", "complete"):
        matrix = pair_matrix(scores, signal, metric, epsilon, dataset).drop(columns=ROW_AVERAGE)
        cells[signal] = matrix.stack().dropna()
    both = pd.concat(cells, axis=1, join="inner")
    sufficient, complete = both["sufficient"].to_numpy(), both["complete"].to_numpy()
    result: dict[str, Any] = {
        "statistic": float("nan"), "p_value": float("nan"), "n_pairs": int(len(both)),
        "mean_sufficient": float(sufficient.mean()) if len(both) else float("nan"),
        "mean_complete": float(complete.mean()) if len(both) else float("nan"),
        "note": None,
    }
    if len(both) < 2:
        result["note"] = f"fewer than 2 model pairs with both signals ({len(both)})"
    elif np.ptp(sufficient - complete) == 0:
        result["note"] = "sufficient - complete differences have zero variance; t is undefined"
    else:
        test = stats.ttest_rel(sufficient, complete)
        result["statistic"], result["p_value"] = float(test.statistic), float(test.pvalue)
    return result


def filter_stable(scores: pd.DataFrame, require_chain_stable: bool, require_converged: bool) -> pd.DataFrame:
    """Drop the explanation signals whose flags fail; ``original`` rows are no explanation and stay.

    A missing flag value on an explanation row counts as False; a required flag column that is
    absent is an error.
    """
    required = [flag for flag, want in zip(STABILITY_FLAGS, (require_chain_stable, require_converged)) if want]
    absent = [flag for flag in required if flag not in scores.columns]
    if absent:
        raise ValueError(f"scores table lacks stability column(s) {', '.join(absent)}")
    keep = np.ones(len(scores), dtype=bool)
    for flag in required:
        keep &= scores[flag].fillna(False).astype(bool).to_numpy()
    keep |= (scores["signal"] == "original").to_numpy()
    return scores[keep]
