"""Probabilities of whole signals under a model: resampled, fitted to its window, batched by length."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from transferability.data.audio import resample
from transferability.models.contract import AudioClassifier


def fit_to_target(waveform: np.ndarray, sample_rate: int, target: AudioClassifier) -> np.ndarray:
    """Resample to the target's rate, crop to what it looks at, zero-pad to what it accepts."""
    return target.fit_window(resample(waveform, sample_rate, target.sample_rate))


def target_probabilities(waveforms: list[np.ndarray], sample_rate: int, target: AudioClassifier, batch_size: int) -> np.ndarray:
    """Softmax outputs ``[len(waveforms), target classes]``, batching clips of equal length."""
    import torch

    fitted = [fit_to_target(w, sample_rate, target) for w in waveforms]
    by_length: dict[int, list[int]] = defaultdict(list)
    for index, waveform in enumerate(fitted):
        by_length[waveform.shape[0]].append(index)
    probs = np.zeros((len(waveforms), target.n_classes))
    for indices in by_length.values():
        for start in range(0, len(indices), batch_size):
            chunk = indices[start : start + batch_size]
            batch = torch.from_numpy(np.stack([fitted[i] for i in chunk]))
            probs[chunk] = target.probabilities(batch).cpu().numpy()
    return probs
