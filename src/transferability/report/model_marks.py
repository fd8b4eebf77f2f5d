"""Model competence beside every table: the model name with its all-zero-signal mark, the accuracy
cell with its interval and chance mark, and the caption sentences that explain both.

``facts`` is a :func:`transferability.analysis.model_competence.competence_frame` (one row per
model and dataset). The interval, chance and zero-signal columns are optional: without them the
cells show the bare name and accuracy.
"""
from __future__ import annotations

import pandas as pd

from transferability.models.zero_signal import ZERO_SIGNAL_CONFIDENCE
from transferability.report.latex import MISSING, format_interval, format_number, format_percent, latex_escape

CHANCE_MARK = r"$^{*}$"
ZERO_SIGNAL_MARK = r"$^{\dagger}$"


def _rows(facts: pd.DataFrame, model: str, dataset: str | None) -> pd.DataFrame:
    rows = facts[facts["model"] == model]
    if "dataset" in facts.columns and dataset is not None:
        rows = rows[rows["dataset"] == dataset]
    return rows


def zero_signal_flagged(facts: pd.DataFrame, model: str) -> bool:
    rows = facts[facts["model"] == model]
    return "zero_signal_confident" in facts.columns and bool(rows["zero_signal_confident"].any())


def model_cell(facts: pd.DataFrame, model: str) -> str:
    """The escaped model name, with a dagger when it is confident on the all-zero signal."""
    return latex_escape(model) + (ZERO_SIGNAL_MARK if zero_signal_flagged(facts, model) else "")


def accuracy_cell(facts: pd.DataFrame, model: str, dataset: str | None) -> str:
    """Held-out accuracy on the dataset, with its interval when known and a mark when at or below chance."""
    rows = _rows(facts, model, dataset)
    if not len(rows):
        return MISSING
    first = rows.iloc[0]
    if "accuracy_low" in rows.columns:
        cell = format_interval(first["accuracy"], first["accuracy_low"], first["accuracy_high"], 2)
    else:
        cell = format_number(first["accuracy"], 2)
    return cell + (CHANCE_MARK if "below_chance" in rows.columns and bool(first["below_chance"]) else "")


def competence_note(facts: pd.DataFrame, n_labels: int, confidence: float) -> str:
    """Caption sentences: what Acc. shows, which models are at or below chance, every model's verdict on
    the all-zero signal and which are daggered."""
    many = facts["dataset"].nunique() > 1
    chance = facts[facts["below_chance"]]
    where = [latex_escape(r.model) + (f" ({latex_escape(r.dataset)})" if many else "") for r in chance.itertuples()]
    sentences = [
        f"Acc.: held-out accuracy with its {format_percent(confidence)} Wilson interval; "
        + (f"{CHANCE_MARK} marks accuracy at or below chance (1/K = {1 / n_labels:.2f}): {', '.join(where)}."
           if where else f"no model is at or below chance (1/K = {1 / n_labels:.2f}).")
    ]
    verdicts = []
    for model, rows in facts.groupby("model", sort=False):
        answers = [f"{latex_escape(r.zero_signal_class)} {r.zero_signal_probability:.2f}"
                   + (f" on {latex_escape(r.dataset)}" if many else "") for r in rows.itertuples()]
        verdicts.append(f"{model_cell(facts, model)} {', '.join(answers)}")
    flagged = [m for m in pd.unique(facts["model"]) if zero_signal_flagged(facts, m)]
    sentences.append(
        f"All-zero signal (class, probability): {'; '.join(verdicts)}. "
        + (f"{ZERO_SIGNAL_MARK}: probability at least {ZERO_SIGNAL_CONFIDENCE} for one class, so every occlusion "
           "explanation of that model (removed bins set to zero) is biased toward that class."
           if flagged else f"No model gives one class probability {ZERO_SIGNAL_CONFIDENCE} or more on it.")
    )
    return " ".join(sentences)
