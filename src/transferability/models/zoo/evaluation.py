"""Held-out accuracy and table facts of a loaded classifier."""
from __future__ import annotations

import numpy as np
import torch

from transferability.models.contract import AudioClassifier


def accuracy(classifier: AudioClassifier, waveforms: np.ndarray, labels: np.ndarray, batch_size: int = 32) -> float:
    """Fraction of ``waveforms [n, samples]`` whose arg-max logit is ``labels [n]``."""
    x = torch.from_numpy(np.asarray(waveforms, dtype=np.float32))
    y = np.asarray(labels)
    if x.ndim != 2 or y.shape != (x.shape[0],) or x.shape[0] == 0:
        raise ValueError(f"expected waveforms [n, samples] and labels [n], got {tuple(x.shape)} and {y.shape}")
    predictions = torch.cat([classifier.logits(chunk).argmax(dim=-1).cpu() for chunk in x.split(batch_size)])
    return float((predictions.numpy() == y).mean())


def model_facts(classifier: AudioClassifier) -> dict:
    """Parameter count in millions (None when unknown), class names and sample rate."""
    count = classifier.parameter_count
    return {
        "parameters_millions": None if count is None else count / 1e6,
        "class_names": list(classifier.class_names),
        "sample_rate": classifier.sample_rate,
    }
