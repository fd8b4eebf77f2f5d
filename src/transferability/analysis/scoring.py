"""Cross-model scoring: every model of a task on every signal of one source model (no ε here)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from transferability.analysis.explanations import ExplainedItem
from transferability.models.contract import AudioClassifier
from transferability.models.labels import LabelMap
from transferability.models.probabilities import target_probabilities

SIGNALS = ("original", "sufficient", "complete", "inverse")


@dataclass(frozen=True)
class ScoredSignal:
    """One signal of one explained item, at the source model's sample rate."""

    item_id: str
    dataset: str
    signal: str
    explained_class: str
    waveform: np.ndarray
    sample_rate: int
    stability: dict[str, Any]


def item_signals(item: ExplainedItem) -> list[ScoredSignal]:
    """The original clip as the source model saw it, and its sufficient, complete and inverse signals."""
    record = item.record
    waveforms = item.signals()
    stability = {"chain_stable": record.stability["chain_stable"], "converged": record.stability["converged"]}
    return [
        ScoredSignal(record.clip_id, item.dataset, name, item.explained_class, waveforms[name], record.sample_rate, stability)
        for name in SIGNALS
        if name in waveforms
    ]


def score_signals(
    signals: list[ScoredSignal],
    task: str,
    source_model: str,
    targets: dict[str, AudioClassifier],
    label_maps: dict[str, LabelMap],
    canonical: list[str],
    batch_size: int = 32,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """The scores table: one row per (signal, target model) with canonical probabilities."""
    frames = []
    for name, target in targets.items():
        by_rate: dict[int, list[int]] = defaultdict(list)
        for index, signal in enumerate(signals):
            by_rate[signal.sample_rate].append(index)
        model_probs = np.zeros((len(signals), target.n_classes))
        for rate, indices in by_rate.items():
            model_probs[indices] = target_probabilities([signals[i].waveform for i in indices], rate, target, batch_size)
        probs = label_maps[name].to_canonical(model_probs)
        frame = pd.DataFrame(
            {
                "task": task,
                "dataset": [s.dataset for s in signals],
                "item_id": [s.item_id for s in signals],
                "source_model": source_model,
                "signal": [s.signal for s in signals],
                "explained_class": [s.explained_class for s in signals],
                "target_model": name,
                "predicted_class": [canonical[i] for i in probs.argmax(axis=1)],
                **{f"p:{label}": probs[:, j] for j, label in enumerate(canonical)},
                "chain_stable": [s.stability["chain_stable"] for s in signals],
                "converged": [s.stability["converged"] for s in signals],
            }
        )
        frames.append(frame)
        agree = (frame["predicted_class"] == frame["explained_class"]).mean() if len(frame) else float("nan")
        log(f"{source_model} -> {name}: {len(frame)} signals scored, {agree:.2f} keep the explained class")
    columns = ["task", "dataset", "item_id", "source_model", "signal", "explained_class", "target_model", "predicted_class"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
