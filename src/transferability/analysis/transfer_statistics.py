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
  (independently per source), and every cell and the row average are recomputed per resample.
"""
from __future__ import annotations

from typing import Any

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


def per_signal_indicators(scores: pd.DataFrame, epsilon: float) -> pd.DataFrame:
    """The scores table plus ``entropy_bits``, ``same_class``, ``low_entropy`` and ``transfers``."""
    validate_scores(scores)
    _check_epsilon(epsilon)
    probs = scores[probability_columns(scores)].to_numpy(dtype=float)
    entropy = entropy_bits(probs)
    out = scores.copy()
    out["entropy_bits"] = entropy
    out["same_class"] = (scores["predicted_class"] == scores["explained_class"]).to_numpy(dtype=bool)
    out["low_entropy"] = entropy <= epsilon * np.log2(probs.shape[1]) + _ENTROPY_TOLERANCE
    out["transfers"] = out["same_class"] & out["low_entropy"]
    return out


def _check_metric(metric: str) -> str:
    if metric not in INDICATORS:
        raise ValueError(f"metric must be one of {sorted(INDICATORS)}, got {metric!r}")
    return INDICATORS[metric]


def _models(scores: pd.DataFrame) -> list[str]:
    """Every source and target model, in order of first appearance."""
    return list(pd.unique(pd.concat([scores["source_model"], scores["target_model"]], ignore_index=True)))


def _off_diagonal(
    scores: pd.DataFrame, signal: str, metric: str, epsilon: float, dataset: str | None
) -> pd.DataFrame:
    """Off-diagonal rows of one signal kind (and dataset) with the metric's indicator as ``value``."""
    column = _check_metric(metric)
    if signal not in SIGNALS:
        raise ValueError(f"signal must be one of {SIGNALS}, got {signal!r}")
    rows = per_signal_indicators(scores, epsilon)
    rows = rows[(rows["signal"] == signal) & (rows["source_model"] != rows["target_model"])]
    if dataset is not None:
        rows = rows[rows["dataset"] == dataset]
    return rows.assign(value=rows[column].astype(float))


def _square(cells: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Cells indexed by source, columns target, NaN diagonal, plus the row average column."""
    matrix = cells.reindex(index=models, columns=models).astype(float)
    for model in models:
        matrix.loc[model, model] = np.nan
    matrix[ROW_AVERAGE] = matrix[models].mean(axis=1, skipna=True)
    matrix.index.name, matrix.columns.name = "source_model", "target_model"
    return matrix


def pair_matrix(
    scores: pd.DataFrame, signal: str, metric: str, epsilon: float, dataset: str | None = None
) -> pd.DataFrame:
    """Mean indicator per (source, target) over the source's signals; ``row_average`` = mean off-diagonal cell."""
    rows = _off_diagonal(scores, signal, metric, epsilon, dataset)
    cells = rows.groupby(["source_model", "target_model"], sort=False)["value"].mean().unstack()
    return _square(cells, _models(scores))


def per_signal_rates(
    scores: pd.DataFrame, signal: str, metric: str, epsilon: float, dataset: str | None = None
) -> pd.DataFrame:
    """Definition 5 per signal: the fraction of the other models with the indicator, as ``rate``."""
    rows = _off_diagonal(scores, signal, metric, epsilon, dataset)
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


def _nan_row_mean(cells: np.ndarray) -> np.ndarray:
    present = ~np.isnan(cells)
    counts = present.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, np.where(present, cells, 0.0).sum(axis=-1) / counts, np.nan)


def bootstrap_interval(
    scores: pd.DataFrame,
    signal: str,
    metric: str,
    epsilon: float,
    n_resamples: int,
    seed: int,
    confidence: float = 0.95,
    dataset: str | None = None,
) -> pd.DataFrame:
    """Percentile intervals per off-diagonal cell and row average (target ``row_average``).

    Columns: source_model, target_model, estimate, ci_low, ci_high, n_signals.
    """
    if n_resamples < 1 or not 0.0 < confidence < 1.0:
        raise ValueError(f"need n_resamples >= 1 and 0 < confidence < 1, got {n_resamples}, {confidence}")
    rows = _off_diagonal(scores, signal, metric, epsilon, dataset)
    models = _models(scores)
    rng = np.random.default_rng(seed)
    quantiles = [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0]
    records: list[dict[str, Any]] = []
    for source in models:
        targets = [m for m in models if m != source]
        own = rows[rows["source_model"] == source]
        table = own.pivot_table(index=["dataset", "item_id"], columns="target_model", values="value", aggfunc="mean")
        values = table.reindex(columns=targets).to_numpy(dtype=float)
        n_items = values.shape[0]
        if n_items == 0:
            estimates, low, high = (np.full(len(targets) + 1, np.nan) for _ in range(3))
        else:
            draws = rng.integers(0, n_items, size=(n_resamples, n_items))
            cells = _resampled_means(values, draws)
            resampled = np.column_stack([cells, _nan_row_mean(cells)])
            point = _nan_row_mean(values.T)
            estimates = np.append(point, _nan_row_mean(point))
            low, high = _nan_quantiles(resampled, quantiles)
        for j, target in enumerate(targets + [ROW_AVERAGE]):
            records.append({
                "source_model": source, "target_model": target, "estimate": estimates[j],
                "ci_low": low[j], "ci_high": high[j], "n_signals": n_items,
            })
    return pd.DataFrame.from_records(records)


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
