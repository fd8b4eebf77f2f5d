"""The score table: how every model of a task answered on every signal of every source model.

One row per (signal of a source model, target model), with the columns :data:`SCORE_COLUMNS`,
then ``p:<label>`` for each of the task's K canonical labels (the target's probabilities on the
signal, rows sum to 1), then the source explanation's stability flags :data:`STABILITY_FLAGS`.
``explained_class`` is the canonical label the source gave the original clip, ``predicted_class``
the target's canonical top-1 on the signal. A signal is identified by :data:`SIGNAL_KEY`. This
module is the one definition of the format: scoring writes it, the statistics read it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

SCORE_COLUMNS = (
    "task", "dataset", "item_id", "source_model", "signal",
    "explained_class", "target_model", "predicted_class",
)
SIGNALS = ("original", "sufficient", "complete", "inverse")  # the signals of an explanation scored across models
STABILITY_FLAGS = ("chain_stable", "converged")
PROB_PREFIX = "p:"
SIGNAL_KEY = ["dataset", "item_id", "source_model", "signal"]
ROW_ORDER = ["source_model", "item_id", "signal", "target_model"]  # the order every reader sorts rows in


def probability_columns(scores: pd.DataFrame) -> list[str]:
    return [c for c in scores.columns if str(c).startswith(PROB_PREFIX)]


def canonical_labels(scores: pd.DataFrame) -> list[str]:
    return [c[len(PROB_PREFIX):] for c in probability_columns(scores)]


def score_rows(
    task: str, source_model: str, target_model: str, signals: pd.DataFrame, probabilities: np.ndarray,
    labels: Sequence[str],
) -> pd.DataFrame:
    """The rows of one target model on ``signals`` (one row each: dataset, item_id, signal,
    explained_class and the stability flags) with its canonical ``probabilities [signals, K]``."""
    return pd.DataFrame({
        "task": task,
        "dataset": signals["dataset"].to_numpy(),
        "item_id": signals["item_id"].to_numpy(),
        "source_model": source_model,
        "signal": signals["signal"].to_numpy(),
        "explained_class": signals["explained_class"].to_numpy(),
        "target_model": target_model,
        "predicted_class": [labels[i] for i in probabilities.argmax(axis=1)] if len(signals) else [],
        **{f"{PROB_PREFIX}{label}": probabilities[:, j] for j, label in enumerate(labels)},
        **{flag: signals[flag].to_numpy() for flag in STABILITY_FLAGS},
    })


def empty_scores(labels: Sequence[str]) -> pd.DataFrame:
    """A score table with no rows."""
    return pd.DataFrame(columns=[*SCORE_COLUMNS, *(f"{PROB_PREFIX}{label}" for label in labels), *STABILITY_FLAGS])


def read_scores(paths: Sequence[Path]) -> pd.DataFrame:
    """Score files (any sharding) as one table in :data:`ROW_ORDER`, so nothing downstream depends on shards."""
    table = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    return table.sort_values(ROW_ORDER, kind="stable", ignore_index=True)


def validate_scores(scores: pd.DataFrame) -> None:
    """Raise ValueError naming the first problem with a scores table."""
    missing = [c for c in SCORE_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"scores table lacks column(s) {', '.join(missing)}")
    labels = canonical_labels(scores)
    if len(labels) < 2:
        raise ValueError(f"scores table needs at least 2 '{PROB_PREFIX}<label>' columns, has {len(labels)}")
    if scores["task"].nunique() > 1:
        tasks = ", ".join(map(str, scores["task"].unique()))
        raise ValueError(f"scores table holds several tasks ({tasks}); select one")
    unknown_signals = set(scores["signal"]) - set(SIGNALS)
    if unknown_signals:
        raise ValueError(f"unknown signal kind(s) {sorted(unknown_signals)}; expected one of {SIGNALS}")
    for column in ("explained_class", "predicted_class"):
        unknown = set(scores[column]) - set(labels)
        if unknown:
            raise ValueError(f"{column} has label(s) {sorted(map(str, unknown))} outside the canonical {labels}")
    probs = scores[probability_columns(scores)].to_numpy(dtype=float)
    if not np.all(np.isfinite(probs)) or np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("probability columns must be finite, non-negative and sum to 1 per row")
    duplicated = scores.duplicated(SIGNAL_KEY + ["target_model"])
    if duplicated.any():
        row = scores.loc[duplicated].iloc[0]
        raise ValueError(f"duplicate scores row for {dict(row[SIGNAL_KEY + ['target_model']])}")
