"""Classifiers whose decision provably depends on known frequency bands: the demo and the tests' oracles.

:class:`LoudestBand` compares raw band energies: it is scale-invariant, so one faint noise bin in
the winning band is enough for it (the tests and the compute estimate rely on that exact rule).
:class:`LoudestAudibleBand` adds an absolute power floor to every band and a "silent" class that
wins unless some band holds more power than the floor: a faint bin cannot carry a decision (nor
can silence), so its sufficient bins are the clip's loudest peaks in the winning band, which a
reader can check on the spectrum (the ``transferability demo`` classifier).
"""
from __future__ import annotations

import torch

EPS = 1e-3  # energy floor far above float32 irfft round-off, so empty bands tie exactly
DEMO_BANDS = {"low": (100.0, 1000.0), "mid": (1000.0, 4000.0), "high": (4000.0, 7900.0)}
DEMO_FLOOR_DB = -40.0  # the demo's power floor: a band quieter than -40 dB re a full-scale square wave is "silent"


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


def band_power(waveforms: torch.Tensor, bands: list[tuple[float, float]], sample_rate: int) -> torch.Tensor:
    """Mean power ``[batch, bands]`` of each waveform's band-limited part (Parseval: the mean square of
    ``irfft`` of the band's bins), in float64; independent of the clip length."""
    n = waveforms.shape[-1]
    power = torch.fft.rfft(waveforms.double(), dim=-1).abs() ** 2
    weights = torch.full((power.shape[-1],), 2.0, dtype=torch.float64, device=waveforms.device)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0  # the Nyquist bin has no mirror image
    freqs = torch.fft.rfftfreq(n, 1.0 / sample_rate).to(waveforms.device)
    inside = torch.stack([(freqs >= lo) & (freqs < hi) for lo, hi in bands], dim=-1).double()
    return (power * weights) @ inside / float(n) ** 2


class LoudestAudibleBand(torch.nn.Module):
    """Class ``i`` wins when band ``i`` holds the most power and more than the floor; otherwise the
    last class, "silent", wins. The logits are ``log(power_i + floor)`` for the bands and
    ``log(2 floor)`` for silent, so the probabilities are proportional to them: a band quieter than
    the floor weighs about as much as an empty one, and no band beats silent below the floor."""

    def __init__(self, bands: list[tuple[float, float]], sample_rate: int = 16_000,
                 floor_db: float = DEMO_FLOOR_DB) -> None:
        super().__init__()
        self.bands = bands
        self.sample_rate = sample_rate
        self.floor = 10.0 ** (floor_db / 10.0)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Logits ``[batch, bands + 1]``: the bands', then silent's."""
        power = band_power(waveforms, self.bands, self.sample_rate)
        silent = torch.full_like(power[:, :1], 2.0 * self.floor)
        return torch.log(torch.cat([power + self.floor, silent], dim=-1)).float()


def loudest_audible_band(device: torch.device | str = "cpu") -> dict:
    """Entry point (``transferability.models.toy:loudest_audible_band``): the demo's classifier."""
    return {
        "model": LoudestAudibleBand(list(DEMO_BANDS.values())).to(device),
        "class_names": [*DEMO_BANDS, "silent"],
        "sample_rate": 16_000,
    }


def loudest_band(device: torch.device | str = "cpu") -> dict:
    """Entry point (``transferability.models.toy:loudest_band``) following the model contract."""
    return {
        "model": LoudestBand(list(DEMO_BANDS.values())).to(device),
        "class_names": list(DEMO_BANDS),
        "sample_rate": 16_000,
    }
