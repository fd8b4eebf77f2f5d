"""Batched, counted and remembered queries of a classifier on spectral mutants of one clip."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np
import torch

from transferability.explainer.mutants import SpectralMutator
from transferability.models.contract import AudioClassifier

# On the CPU a forward pass's memory cannot be measured cheaply; assume this many bytes of
# activations per input sample (generous for the small transformers and CNNs used here).
CPU_BYTES_PER_SAMPLE_ESTIMATE = 1024
MEMORY_FRACTION = 0.5


def memory_bounded_batch_size(classifier: AudioClassifier, n_samples: int, cap: int) -> int:
    """Largest batch of ``n_samples``-long mutants that fits in free memory, at most ``cap``.

    On CUDA the per-clip memory is measured with a probe forward pass of two clips; on the
    CPU it is estimated from ``CPU_BYTES_PER_SAMPLE_ESTIMATE``.
    """
    if classifier.device.type == "cuda":
        device = classifier.device
        torch.cuda.synchronize(device)
        free, _ = torch.cuda.mem_get_info(device)
        base = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        probe = torch.zeros(2, n_samples, device=device)
        classifier.logits(probe)
        per_clip = max(1, (torch.cuda.max_memory_allocated(device) - base) // 2)
        fitting = int(free * MEMORY_FRACTION // per_clip)
    else:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        fitting = int(available * MEMORY_FRACTION // (n_samples * CPU_BYTES_PER_SAMPLE_ESTIMATE))
    return max(1, min(cap, fitting))


@dataclass
class Verdicts:
    """Per mutant: the top-1 class and the probability of the explained class."""

    top1: np.ndarray
    confidence: np.ndarray

    def keeps(self, target: int, min_confidence: float) -> np.ndarray:
        """True where the mutant keeps the explained class with at least ``min_confidence``."""
        return (self.top1 == target) & (self.confidence >= min_confidence)


def mask_key(mask: np.ndarray) -> bytes:
    """A digest of one boolean mask: equal masks, equal keys."""
    return hashlib.blake2b(np.packbits(mask).tobytes(), digest_size=16).digest()


class Oracle:
    """Answers "which class, how confident" for batches of bin masks, counting every mutant.

    Every verdict is remembered by its mask: a mask asked about again (the final sets, a
    minimality pass retracing a search, the complete searches sharing prefixes) costs no query.
    ``queries`` counts mutants the model saw, ``reused`` the verdicts answered from memory.
    """

    def __init__(self, classifier: AudioClassifier, mutator: SpectralMutator, target: int, batch_size: int) -> None:
        self.classifier = classifier
        self.mutator = mutator
        self.target = target
        self.batch_size = batch_size
        self.queries = 0
        self.model_calls = 0
        self.reused = 0
        self._known: dict[bytes, tuple[int, float]] = {}

    def probabilities(self, masks: torch.Tensor) -> torch.Tensor:
        """Softmax outputs ``[batch, classes]`` (on the CPU) for a batch of masks of any size."""
        outputs = []
        for start in range(0, masks.shape[0], self.batch_size):
            chunk = masks[start : start + self.batch_size]
            outputs.append(self.classifier.probabilities(self.mutator.mutants(chunk)).cpu())
            self.queries += chunk.shape[0]
            self.model_calls += 1
        if not outputs:
            return torch.zeros(0, self.classifier.n_classes)
        return torch.cat(outputs)

    def verdicts(self, masks: np.ndarray) -> Verdicts:
        """Top-1 class and explained-class probability of each mask ``[batch, bins]`` (numpy bool)."""
        masks = np.asarray(masks, dtype=bool).reshape(-1, self.mutator.n_bins)
        keys = [mask_key(mask) for mask in masks]
        missing = list(dict.fromkeys(key for key in keys if key not in self._known))
        if missing:
            rows = {key: row for row, key in reversed(list(enumerate(keys)))}
            new = torch.from_numpy(masks[[rows[key] for key in missing]]).to(self.mutator.device)
            probs = self.probabilities(new)
            for key, top1, confidence in zip(missing, probs.argmax(dim=-1).tolist(), probs[:, self.target].tolist()):
                self._known[key] = (top1, confidence)
        self.reused += len(keys) - len(missing)
        known = [self._known[key] for key in keys]
        return Verdicts(
            top1=np.array([top1 for top1, _ in known], dtype=np.int64),
            confidence=np.array([confidence for _, confidence in known], dtype=np.float64),
        )
