"""What every table shows beside a model: its held-out accuracy with an interval, whether that is at or
below chance, and whether it is confident on the all-zero signal (read from the model facts files).

Accuracy intervals are Wilson score intervals of the held-out proportion (the facts hold the
accuracy and the number of held-out clips). Chance is 1/K with K the task's canonical labels; a
model "at or below chance" on a dataset has accuracy <= 1/K there.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import pandas as pd
from scipy import stats

REQUIRED_FACTS = ("model", "backbone", "size_m", "accuracy", "heldout_items", "zero_signal", "zero_signal_confident")


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of the proportion ``successes / n``; (NaN, NaN) when n is 0."""
    if not 0.0 < confidence < 1.0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 < confidence < 1 and 0 <= successes <= n, got {confidence}, {successes}, {n}")
    if n == 0:
        return float("nan"), float("nan")
    z = stats.norm.ppf((1.0 + confidence) / 2.0)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def read_model_facts(paths: Sequence[Path]) -> list[dict]:
    """The facts files, each checked for what the tables need (stale files name the rule to rerun)."""
    facts = []
    for path in paths:
        entry = json.loads(Path(path).read_text())
        missing = [key for key in REQUIRED_FACTS if key not in entry]
        if missing:
            raise ValueError(f"model facts {path} lack {', '.join(missing)}: rerun model_facts "
                             f"(snakemake --forcerun model_facts)")
        facts.append(entry)
    return facts


def competence_frame(facts: Sequence[dict], datasets: Sequence[str], n_labels: int, confidence: float) -> pd.DataFrame:
    """One row per model and dataset: model, dataset, backbone, size_m, accuracy, accuracy_low,
    accuracy_high, heldout_items, below_chance, zero_signal_class, zero_signal_probability and
    zero_signal_confident (the model's flag, over all its datasets)."""
    if n_labels < 2:
        raise ValueError(f"need at least 2 labels, got {n_labels}")
    rows = []
    for entry in facts:
        for dataset in datasets:
            if dataset not in entry["accuracy"] or dataset not in entry["zero_signal"]:
                raise ValueError(f"model facts of {entry['model']} have no entry for dataset {dataset!r}")
            accuracy, n = float(entry["accuracy"][dataset]), int(entry["heldout_items"][dataset])
            low, high = wilson_interval(round(accuracy * n), n, confidence)
            zero = entry["zero_signal"][dataset]
            rows.append({
                "model": entry["model"], "dataset": dataset, "backbone": entry["backbone"], "size_m": entry["size_m"],
                "accuracy": accuracy, "accuracy_low": low, "accuracy_high": high, "heldout_items": n,
                "below_chance": accuracy <= 1.0 / n_labels + 1e-12,
                "zero_signal_class": zero["label"], "zero_signal_probability": float(zero["probability"]),
                "zero_signal_confident": bool(entry["zero_signal_confident"]),
            })
    return pd.DataFrame(rows)
