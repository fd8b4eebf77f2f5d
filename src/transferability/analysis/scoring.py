"""Cross-model scoring: every model of a task on every signal of one source model (no ε here)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from transferability.analysis.explanations import ExplainedItem
from transferability.analysis.score_table import SIGNALS, STABILITY_FLAGS, empty_scores, score_rows
from transferability.models.contract import AudioClassifier
from transferability.models.labels import LabelMap
from transferability.models.probabilities import target_probabilities


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
    stability = {flag: record.stability[flag] for flag in STABILITY_FLAGS}
    return [
        ScoredSignal(record.clip_id, item.dataset, name, item.explained_class, waveforms[name], record.sample_rate, stability)
        for name in SIGNALS
        if name in waveforms
    ]


def score_on_models(
    signals: list[ScoredSignal],
    task: str,
    source_model: str,
    targets: dict[str, AudioClassifier],
    label_maps: dict[str, LabelMap],
    canonical: list[str],
    batch_size: int = 32,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """The scores table (``score_table``): one row per (signal, target model) with canonical probabilities."""
    described = pd.DataFrame({
        "dataset": [s.dataset for s in signals], "item_id": [s.item_id for s in signals],
        "signal": [s.signal for s in signals], "explained_class": [s.explained_class for s in signals],
        **{flag: [s.stability[flag] for s in signals] for flag in STABILITY_FLAGS},
    })
    by_rate: dict[int, list[int]] = defaultdict(list)
    for index, signal in enumerate(signals):
        by_rate[signal.sample_rate].append(index)
    frames = []
    for name, target in targets.items():
        model_probs = np.zeros((len(signals), target.n_classes))
        for rate, indices in by_rate.items():
            model_probs[indices] = target_probabilities([signals[i].waveform for i in indices], rate, target, batch_size)
        frame = score_rows(task, source_model, name, described, label_maps[name].to_canonical(model_probs), canonical)
        frames.append(frame)
        agree = (frame["predicted_class"] == frame["explained_class"]).mean() if len(frame) else float("nan")
        log(f"{source_model} -> {name}: {len(frame)} signals scored, {agree:.2f} keep the explained class")
    return pd.concat(frames, ignore_index=True) if frames else empty_scores(canonical)
