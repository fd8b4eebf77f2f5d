"""Classifiers whose decision provably depends on known frequency bands, and clips for them."""
from __future__ import annotations

import numpy as np
import torch

from transferability.models import toy as toy_models
from transferability.models.contract import AudioClassifier
from transferability.models.toy import EPS

SAMPLE_RATE = 16_000


def band_energy(waveforms: torch.Tensor, band: tuple[float, float]) -> torch.Tensor:
    return toy_models.band_energy(waveforms, band, SAMPLE_RATE)


class BothBandsAboveFloor(torch.nn.Module):
    """Class "both" iff each of two bands holds more than ``floor`` energy, else class "not"."""

    def __init__(self, band_a: tuple[float, float], band_b: tuple[float, float], floor: float) -> None:
        super().__init__()
        self.band_a, self.band_b, self.floor = band_a, band_b, floor

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        weakest = torch.minimum(band_energy(waveforms, self.band_a), band_energy(waveforms, self.band_b))
        floor = torch.full_like(weakest, self.floor)
        return torch.stack([torch.log(weakest + EPS), torch.log(floor)], dim=-1).float()


class BinAboveFloor(torch.nn.Module):
    """Class "tone" iff the energy in ``band`` (narrow: one bin) exceeds ``floor``, else "none"."""

    def __init__(self, band: tuple[float, float], floor: float) -> None:
        super().__init__()
        self.band, self.floor = band, floor

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        energy = band_energy(waveforms, self.band)
        return torch.stack([torch.log(energy + EPS), torch.log(torch.full_like(energy, self.floor))], dim=-1).float()


def classifier(module: torch.nn.Module, class_names: tuple[str, ...], name: str) -> AudioClassifier:
    return AudioClassifier(name=name, forward=module, class_names=class_names, sample_rate=SAMPLE_RATE)


def tones(freqs_amps: list[tuple[float, float]], seconds: float = 1.0, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """A sum of sines (frequency Hz, amplitude) plus optional white noise, float32."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    x = sum(a * np.sin(2 * np.pi * f * t) for f, a in freqs_amps)
    x = x + noise * np.random.default_rng(seed).standard_normal(t.shape[0])
    return np.asarray(x, dtype=np.float32)


def bins_in(band: tuple[float, float], n_samples: int) -> np.ndarray:
    """Boolean mask of the rfft bins of an ``n_samples`` clip that lie in ``band``."""
    freqs = np.fft.rfftfreq(n_samples, 1.0 / SAMPLE_RATE)
    return (freqs >= band[0]) & (freqs < band[1])
