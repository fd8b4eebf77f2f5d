"""Global composition (Section 5.1): superimpose one model's sufficient signals of one class.

For model ``f`` and class ``c``, the sufficient signals of the items ``f`` puts in ``c`` are tried
one by one in a seeded order; a signal joins the set ``K`` only if ``f`` still gives ``c`` for the
mean of ``K`` with it. The degree of compositionality is ``|K| / tried`` and the mean of ``K`` is
the class's composite, a proxy for the model's global sufficient signature of ``c``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from transferability.models.contract import AudioClassifier
from transferability.models.labels import LabelMap
from transferability.models.probabilities import target_probabilities


@dataclass(frozen=True)
class Trial:
    """One signal tried: the class the model gave the mean of ``K`` with it, and whether it was kept."""

    item_id: str
    predicted: str
    probability: float
    kept: bool


@dataclass
class Composite:
    """The greedy composite of one model, dataset and (canonical) class."""

    model: str
    dataset: str
    class_name: str
    sample_rate: int
    trials: list[Trial] = field(default_factory=list)
    waveform: np.ndarray | None = None  # mean of the kept signals; None when nothing was kept

    @property
    def tried(self) -> int:
        return len(self.trials)

    @property
    def kept(self) -> list[str]:
        return [t.item_id for t in self.trials if t.kept]

    @property
    def degree(self) -> float:
        """|K| / number tried (NaN when the model put no explained item in this class)."""
        return len(self.kept) / self.tried if self.trials else float("nan")

    def summary(self) -> dict:
        return {
            "model": self.model, "dataset": self.dataset, "class": self.class_name, "tried": self.tried,
            "kept": len(self.kept), "degree": self.degree, "kept_items": self.kept,
            "trials": [t.__dict__ for t in self.trials],
        }


def mean_signal(signals: Sequence[np.ndarray]) -> np.ndarray:
    """Sample-wise mean, shorter signals zero-padded to the longest."""
    length = max(s.shape[0] for s in signals)
    total = np.zeros(length, dtype=np.float64)
    for s in signals:
        total[: s.shape[0]] += s
    return (total / len(signals)).astype(np.float32)


def greedy_composite(
    signals: Sequence[tuple[str, np.ndarray]],
    model: str,
    dataset: str,
    class_name: str,
    classifier: AudioClassifier,
    label_map: LabelMap,
    canonical: Sequence[str],
    sample_rate: int,
    seed: int,
    max_signals: int | None = None,
) -> Composite:
    """Grow ``K`` over ``(item_id, sufficient signal)`` pairs in a seeded order (at most ``max_signals`` tried)."""
    target = list(canonical).index(class_name)
    order = np.random.default_rng(seed).permutation(len(signals))
    if max_signals is not None:
        order = order[:max_signals]
    composite = Composite(model, dataset, class_name, sample_rate)
    kept: list[np.ndarray] = []
    for index in order:
        item_id, signal = signals[index]
        candidate = mean_signal(kept + [signal])
        probs = label_map.to_canonical(target_probabilities([candidate], sample_rate, classifier, 1))[0]
        predicted = int(np.argmax(probs))
        keep = predicted == target
        composite.trials.append(Trial(item_id, str(canonical[predicted]), float(probs[target]), keep))
        if keep:
            kept.append(signal)
            composite.waveform = candidate
    return composite
