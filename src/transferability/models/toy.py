"""A classifier whose decision provably depends on known frequency bands: the demo and the tests' oracle."""
from __future__ import annotations

import torch

EPS = 1e-3  # energy floor far above float32 irfft round-off, so empty bands tie exactly
DEMO_BANDS = {"low": (100.0, 1000.0), "mid": (1000.0, 4000.0), "high": (4000.0, 7900.0)}


def band_energy(waveforms: torch.Tensor, band: tuple[float, float], sample_rate: int) -> torch.Tensor:
    """Energy of each waveform's rfft bins whose frequency lies in ``[lo, hi)`` Hz."""
    spectrum = torch.fft.rfft(waveforms.double(), dim=-1)
    freqs = torch.fft.rfftfreq(waveforms.shape[-1], 1.0 / sample_rate).to(waveforms.device)
    inside = (freqs >= band[0]) & (freqs < band[1])
    return (spectrum.abs() ** 2 * inside).sum(dim=-1)


class LoudestBand(torch.nn.Module):
    """Class ``i`` wins when band ``i`` holds the most energy: the logits are log band energies."""

    def __init__(self, bands: list[tuple[float, float]], sample_rate: int = 16_000) -> None:
        super().__init__()
        self.bands = bands
        self.sample_rate = sample_rate

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """One float64 rfft per clip, its power summed over each band."""
        power = torch.fft.rfft(waveforms.double(), dim=-1).abs() ** 2
        freqs = torch.fft.rfftfreq(waveforms.shape[-1], 1.0 / self.sample_rate).to(waveforms.device)
        inside = torch.stack([(freqs >= lo) & (freqs < hi) for lo, hi in self.bands], dim=-1).double()
        return torch.log(power @ inside + EPS).float()


def loudest_band(device: torch.device | str = "cpu") -> dict:
    """Entry point (``transferability.models.toy:loudest_band``) following the model contract."""
    return {
        "model": LoudestBand(list(DEMO_BANDS.values())).to(device),
        "class_names": list(DEMO_BANDS),
        "sample_rate": 16_000,
    }
