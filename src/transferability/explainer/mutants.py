"""Frequency-bin masks -> time-domain mutants, batched on the model's device."""
from __future__ import annotations

import numpy as np
import torch


def n_bins(n_samples: int) -> int:
    """Number of rfft bins of a real signal of ``n_samples`` samples."""
    return n_samples // 2 + 1


class SpectralMutator:
    """Holds ``X = rfft(x)`` on a device and renders ``irfft(X * m + occlusion * (1 - m))``."""

    def __init__(self, waveform: torch.Tensor, occlusion: float = 0.0) -> None:
        if waveform.ndim != 1:
            raise ValueError(f"expected a 1-D waveform, got shape {tuple(waveform.shape)}")
        self.n_samples = int(waveform.shape[0])
        self.device = waveform.device
        self.spectrum = torch.fft.rfft(waveform.to(torch.float32))
        self.occlusion = torch.tensor(complex(occlusion), dtype=self.spectrum.dtype, device=self.device)

    @property
    def n_bins(self) -> int:
        return int(self.spectrum.shape[0])

    @property
    def magnitude(self) -> np.ndarray:
        return self.spectrum.abs().cpu().numpy()

    def mutants(self, masks: torch.Tensor) -> torch.Tensor:
        """Waveforms ``[batch, samples]`` keeping the bins where ``masks [batch, bins]`` is True."""
        if masks.ndim != 2 or masks.shape[1] != self.n_bins:
            raise ValueError(f"masks must have shape [batch, {self.n_bins}], got {tuple(masks.shape)}")
        kept = torch.where(masks.to(self.device, torch.bool), self.spectrum[None, :], self.occlusion)
        return torch.fft.irfft(kept, n=self.n_samples, dim=-1)

    def render(self, mask: np.ndarray | torch.Tensor) -> np.ndarray:
        """One mutant as a float32 numpy waveform."""
        mask_t = torch.as_tensor(np.asarray(mask, dtype=bool), device=self.device)
        return self.mutants(mask_t[None, :])[0].cpu().numpy().astype(np.float32)
