"""Entry points, valid and broken, for tests of transferability.models.entrypoint."""
from __future__ import annotations

from types import SimpleNamespace

import torch

CLASS_NAMES = ("low", "mid", "high")
SAMPLE_RATE = 8000


class BandEnergyNet(torch.nn.Module):
    """Logits = linear map of the energy in a few FFT bands."""

    def __init__(self, n_classes: int, n_bands: int = 4) -> None:
        super().__init__()
        self.n_bands = n_bands
        self.linear = torch.nn.Linear(n_bands, n_classes)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        power = torch.fft.rfft(waveforms).abs() ** 2
        bands = torch.stack([chunk.mean(dim=-1) for chunk in power.chunk(self.n_bands, dim=-1)], dim=-1)
        return self.linear(torch.log1p(bands))


def tiny_classifier(device: torch.device, n_classes: int = 3) -> dict:
    if not isinstance(device, torch.device):
        raise TypeError(f"device must be a torch.device, got {type(device).__name__}")
    torch.manual_seed(0)
    names = CLASS_NAMES if n_classes == 3 else tuple(f"class_{i}" for i in range(n_classes))
    return {"model": BandEnergyNet(n_classes), "class_names": names, "sample_rate": SAMPLE_RATE, "min_samples": 64}


def as_object(device: torch.device) -> SimpleNamespace:
    """The contract as attributes, with a plain function as model and a max_samples."""
    return SimpleNamespace(
        model=lambda x: torch.stack([x.mean(-1), x.std(-1)], dim=-1),
        class_names=["quiet", "loud"],
        sample_rate=SAMPLE_RATE,
        max_samples=SAMPLE_RATE,
    )


def wrong_return(device: torch.device) -> int:
    return 42


def missing_class_names(device: torch.device) -> dict:
    return {"model": BandEnergyNet(3), "sample_rate": SAMPLE_RATE}


def string_class_names(device: torch.device) -> dict:
    return {"model": BandEnergyNet(3), "class_names": "abc", "sample_rate": SAMPLE_RATE}


def wrong_shape(device: torch.device) -> dict:
    return {"model": BandEnergyNet(4), "class_names": CLASS_NAMES, "sample_rate": SAMPLE_RATE}


def nan_output(device: torch.device) -> dict:
    model = lambda x: torch.full((x.shape[0], 3), float("nan"))  # noqa: E731
    return {"model": model, "class_names": CLASS_NAMES, "sample_rate": SAMPLE_RATE}


def raises(device: torch.device) -> dict:
    raise RuntimeError("weights unavailable")


not_a_function = 3
