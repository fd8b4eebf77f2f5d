"""Seconds per query of a model: timed batches of what the oracle does per model call."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from transferability.explainer.config import ExplainerConfig
from transferability.explainer.mutants import SpectralMutator
from transferability.explainer.oracle import Oracle, memory_bounded_batch_size
from transferability.models.contract import AudioClassifier

DEFAULT_BATCHES = 3  # timed batches per model and length (after one warm-up batch)


@dataclass(frozen=True)
class QueryTiming:
    """Seconds per mutant of a model at one clip length, from timed batches of ``batch_size``."""

    n_samples: int
    batch_size: int
    batch_seconds: tuple[float, ...]  # wall time of each timed batch

    @property
    def batches(self) -> int:
        return len(self.batch_seconds)

    @property
    def seconds(self) -> float:
        return float(sum(self.batch_seconds))

    @property
    def seconds_per_query(self) -> float:
        """The median batch's time per mutant: robust to other work briefly sharing the device."""
        return float(np.median(self.batch_seconds)) / self.batch_size


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def seconds_per_query(classifier: AudioClassifier, n_samples: int, settings: ExplainerConfig,
                      batches: int = DEFAULT_BATCHES, warmup: int = 1, max_batch_size: int | None = None,
                      seed: int = 0) -> QueryTiming:
    """Time what the oracle does per model call on random mutants of a random ``n_samples`` clip.

    Batch size: ``memory_bounded_batch_size(classifier, n_samples, cap=settings.max_batch_size)``
    (further capped by ``max_batch_size``, e.g. to keep a CPU measurement short). Each batch
    renders its mutants (``SpectralMutator.mutants``, irfft on the device), runs the model and
    brings the probabilities to the CPU through ``Oracle.probabilities``; masks are made before
    the clock starts. ``warmup`` untimed batches go first; each batch is timed on its own and the
    median batch gives the seconds per query.
    """
    cap = settings.max_batch_size if max_batch_size is None else min(settings.max_batch_size, max_batch_size)
    batch = memory_bounded_batch_size(classifier, n_samples, cap=cap)
    generator = torch.Generator().manual_seed(seed)
    clip = torch.randn(n_samples, generator=generator) * 0.1
    mutator = SpectralMutator(clip.to(classifier.device), settings.occlusion)
    keep = torch.rand(batch, 1, generator=generator)  # mutants keep from almost none to almost all bins
    masks = [(torch.rand(batch, mutator.n_bins, generator=generator) < keep).to(classifier.device)
             for _ in range(warmup + batches)]
    oracle = Oracle(classifier, mutator, target=0, batch_size=batch)
    for mask in masks[:warmup]:
        oracle.probabilities(mask)
    timed = []
    for mask in masks[warmup:]:
        _synchronize(classifier.device)
        started = time.perf_counter()
        oracle.probabilities(mask)  # one model call: the batch is exactly the oracle's batch size
        _synchronize(classifier.device)
        timed.append(time.perf_counter() - started)
    return QueryTiming(n_samples=n_samples, batch_size=batch, batch_seconds=tuple(timed))
