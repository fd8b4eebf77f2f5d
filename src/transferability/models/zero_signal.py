"""A model's verdict on the all-zero signal: the input every occlusion explanation starts from.

The explainer removes frequency bins by setting them to the occlusion value, 0 by default, so the
mutant with every bin removed is the all-zero signal. A model that gives one class to that signal
with high confidence calls most heavily occluded mutants that class, and its explanations of that
class are easy (tiny sufficient sets) and of the others hard: every occlusion explanation of such
a model is biased toward that class. The verdict is on the task's canonical labels (merged
classes summed), like every table.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from transferability.models.contract import AudioClassifier
from transferability.models.labels import LabelMap
from transferability.models.probabilities import target_probabilities

ZERO_SIGNAL_CONFIDENCE = 0.9  # at least this probability for one class on the all-zero signal flags the model


@dataclass(frozen=True)
class ZeroSignalVerdict:
    """The canonical class a model gives an all-zero clip of ``samples`` samples, and its probability."""

    label: str
    probability: float
    samples: int

    @property
    def confident(self) -> bool:
        return self.probability >= ZERO_SIGNAL_CONFIDENCE

    def as_dict(self) -> dict:
        return {**asdict(self), "confident": self.confident}


def zero_signal_verdict(classifier: AudioClassifier, label_map: LabelMap, samples: int) -> ZeroSignalVerdict:
    """The model's canonical top-1 class and probability on ``samples`` zeros at its own sample rate."""
    if samples < 1:
        raise ValueError(f"model {classifier.name!r}: the all-zero signal needs at least 1 sample, got {samples}")
    probs = target_probabilities([np.zeros(samples, dtype=np.float32)], classifier.sample_rate, classifier, 1)
    canonical = label_map.to_canonical(probs)[0]
    best = int(np.argmax(canonical))
    return ZeroSignalVerdict(label_map.canonical[best], float(canonical[best]), int(samples))
