"""The package's own small audio classifiers, saved as ``transferability_model.json`` + ``model.safetensors``.

``transferability_model.json`` holds ``architecture`` (a key of ``NATIVE_ARCHITECTURES``),
``config`` (the keyword arguments of that module's constructor besides ``n_classes`` and
``sample_rate``), ``class_names``, ``sample_rate`` and ``min_samples``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import torch
from safetensors.torch import load_file, save_file
from transformers.audio_utils import mel_filter_bank

from transferability.models.contract import AudioClassifier, ModelLoadError, count_parameters

CONFIG_FILE = "transferability_model.json"
WEIGHTS_FILE = "model.safetensors"


class LogMel(torch.nn.Module):
    """Waveforms ``[batch, samples]`` -> log-mel power spectrogram ``[batch, n_mels, frames]`` (no parameters)."""

    def __init__(self, sample_rate: int, n_mels: int, n_fft: int, hop_length: int) -> None:
        super().__init__()
        self.n_fft = n_fft
        self.hop_length = hop_length
        mel = mel_filter_bank(
            num_frequency_bins=n_fft // 2 + 1,
            num_mel_filters=n_mels,
            min_frequency=0.0,
            max_frequency=sample_rate / 2,
            sampling_rate=sample_rate,
            norm="slaney",
            mel_scale="slaney",
        )
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.register_buffer("mel_filters_t", torch.tensor(mel.T, dtype=torch.float32), persistent=False)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        stft = torch.stft(waveforms, self.n_fft, self.hop_length, window=self.window, return_complex=True)
        return torch.log(self.mel_filters_t @ stft.abs().square() + 1e-6)


class AudioCNN(torch.nn.Module):
    """Log-mel front end normalised per mel bin, 2-D conv blocks, time-averaged features of every band -> linear."""

    architecture = "cnn"

    def __init__(
        self,
        n_classes: int,
        sample_rate: int,
        n_mels: int = 40,
        n_fft: int = 400,
        hop_length: int = 320,
        channels: Sequence[int] = (16, 32, 64),
    ) -> None:
        super().__init__()
        self.min_samples = n_fft
        self.front_end = LogMel(sample_rate, n_mels, n_fft, hop_length)
        self.input_norm = torch.nn.BatchNorm1d(n_mels)
        blocks: list[torch.nn.Module] = []
        in_channels, bands = 1, n_mels
        for out_channels in channels:
            blocks += [
                torch.nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
                torch.nn.BatchNorm2d(out_channels),
                torch.nn.ReLU(),
                torch.nn.MaxPool2d(2, ceil_mode=True),
            ]
            in_channels, bands = out_channels, -(-bands // 2)
        self.blocks = torch.nn.Sequential(*blocks)
        self.head = torch.nn.Linear(in_channels * bands, n_classes)  # keeps which band is where

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        features = self.input_norm(self.front_end(waveforms)).unsqueeze(1)
        return self.head(self.blocks(features).mean(dim=3).flatten(1))


NATIVE_ARCHITECTURES: dict[str, type[torch.nn.Module]] = {AudioCNN.architecture: AudioCNN}


def save_native(
    model: torch.nn.Module, directory: str | Path, class_names: Sequence[str], sample_rate: int, config: dict
) -> Path:
    """Write ``model`` (built as ``type(model)(len(class_names), sample_rate, **config)``) into ``directory``."""
    if NATIVE_ARCHITECTURES.get(getattr(model, "architecture", "")) is not type(model):
        raise ValueError(f"{type(model).__name__} is not a native architecture ({', '.join(NATIVE_ARCHITECTURES)})")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    description = {
        "architecture": model.architecture,
        "config": config,
        "class_names": [str(c) for c in class_names],
        "sample_rate": int(sample_rate),
        "min_samples": int(model.min_samples),
    }
    (directory / CONFIG_FILE).write_text(json.dumps(description, indent=2) + "\n")
    state = {key: value.detach().cpu().contiguous() for key, value in model.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_FILE))
    return directory


def load_native(directory: str | Path, device: str | torch.device = "cpu", name: str | None = None) -> AudioClassifier:
    """Rebuild a model saved by ``save_native`` in eval mode on ``device``."""
    directory = Path(directory).expanduser()
    device = torch.device(device)
    description = _read_description(directory)
    architecture = description["architecture"]
    module_class = NATIVE_ARCHITECTURES.get(architecture)
    if module_class is None:
        known = ", ".join(NATIVE_ARCHITECTURES)
        raise ModelLoadError(f"model {str(directory)!r}: unknown native architecture {architecture!r} (known: {known})")
    class_names = description["class_names"]
    try:
        model = module_class(len(class_names), description["sample_rate"], **description["config"])
        model.load_state_dict(load_file(str(directory / WEIGHTS_FILE)))
    except Exception as exc:  # missing/corrupt safetensors, bad config keys, mismatched shapes
        raise ModelLoadError(
            f"model {str(directory)!r}: could not rebuild {architecture!r} from {WEIGHTS_FILE} "
            f"({type(exc).__name__}: {_first_line(exc)})"
        ) from exc
    model.eval().to(device)
    return AudioClassifier(
        name=name or directory.resolve().name,
        forward=model,
        class_names=class_names,
        sample_rate=description["sample_rate"],
        device=device,
        min_samples=int(description["min_samples"]),
        parameter_count=count_parameters(model),
    )


def _read_description(directory: Path) -> dict:
    """The parsed ``transferability_model.json`` of ``directory``, with its required keys checked."""
    path = directory / CONFIG_FILE
    try:
        description = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelLoadError(
            f"model {str(directory)!r}: cannot read {CONFIG_FILE} ({type(exc).__name__}: {_first_line(exc)})"
        ) from exc
    required = ("architecture", "config", "class_names", "sample_rate", "min_samples")
    missing = [key for key in required if key not in description] if isinstance(description, dict) else list(required)
    if missing:
        raise ModelLoadError(f"model {str(directory)!r}: {CONFIG_FILE} lacks {', '.join(missing)}")
    return description


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else ""
