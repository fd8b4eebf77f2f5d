"""Hugging Face audio classifiers (safetensors weights only) behind the AudioClassifier interface."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence, TypeVar

import torch
from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

from transferability.models.contract import AudioClassifier, ModelLoadError, as_class_names, count_parameters
from transferability.models.features import feature_module_for

T = TypeVar("T")


def load_huggingface(
    model_id_or_dir: str, device: str | torch.device = "cpu", name: str | None = None
) -> AudioClassifier:
    """Load an audio-classification model and its feature extractor from a local directory or hub id.

    Features are computed batched in torch on ``device`` (see ``features.py``); the hub is
    reached only when the id is not a local directory (``HF_HUB_OFFLINE`` is honoured).
    """
    spec = str(model_id_or_dir)
    device = torch.device(device)

    def load(source: str) -> tuple[torch.nn.Module, object]:
        model = AutoModelForAudioClassification.from_pretrained(
            source, use_safetensors=True, trust_remote_code=False, dtype=torch.float32
        )
        return model, AutoFeatureExtractor.from_pretrained(source, trust_remote_code=False)

    model, extractor = load_pretrained(spec, "model", load)
    local = Path(spec).expanduser()
    try:
        features = feature_module_for(extractor)
    except ModelLoadError as exc:
        raise ModelLoadError(f"model {spec!r}: {exc}") from exc
    model.eval().to(device)
    features.to(device)
    min_samples = max(features.min_samples, _receptive_field(model.config))

    def forward(waveforms: torch.Tensor) -> torch.Tensor:
        if waveforms.shape[-1] < min_samples:
            raise ValueError(
                f"model {spec!r}: clips of {waveforms.shape[-1]} samples are shorter than min_samples={min_samples}"
            )
        return model(**{features.input_name: features(waveforms)}).logits

    return AudioClassifier(
        name=name or (local.resolve().name if local.is_dir() else spec),
        forward=forward,
        class_names=as_class_names(model.config.id2label),
        sample_rate=int(extractor.sampling_rate),
        device=device,
        min_samples=min_samples,
        max_samples=features.max_samples,
        parameter_count=count_parameters(model),
    )


def load_pretrained(spec: str, what: str, load: Callable[[str], T]) -> T:
    """``load(source)`` for a local directory (safetensors required) or hub id; failures become a
    ModelLoadError naming ``what`` and ``spec``."""
    local = Path(spec).expanduser()
    if local.is_dir():
        _require_safetensors(spec, local)
    elif _is_path_like(spec):
        raise ModelLoadError(f"{what} {spec!r}: no such directory")
    try:
        return load(str(local) if local.is_dir() else spec)
    except Exception as exc:  # from_pretrained raises OSError, ValueError, KeyError, ... for bad input
        where = "could not be loaded" if local.is_dir() else "not found locally and could not be downloaded"
        raise ModelLoadError(f"{what} {spec!r}: {where} ({_one_line(exc)})") from exc


def _require_safetensors(spec: str, directory: Path) -> None:
    """Refuse a local directory without ``.safetensors`` weights (pickled .bin weights are not loaded)."""
    if any(directory.glob("*.safetensors")):
        return
    pickled = sorted(p.name for p in directory.glob("*.bin"))
    found = f"only pickled weights ({', '.join(pickled)})" if pickled else "no weight files"
    raise ModelLoadError(f"model {spec!r}: {found} in {directory}; safetensors weights are required")


def _is_path_like(spec: str) -> bool:
    """True for strings that cannot be a hub id ``name`` or ``owner/name``."""
    return spec.startswith((".", "~", "/")) or "\\" in spec or spec.count("/") > 1


def _receptive_field(config: object) -> int:
    """Shortest waveform the conv feature encoder maps to one frame (1 when the model has none)."""
    kernels: Sequence[int] | None = getattr(config, "conv_kernel", None)
    strides: Sequence[int] | None = getattr(config, "conv_stride", None)
    if not kernels or not strides:
        return 1
    length = 1
    for kernel, stride in reversed(list(zip(kernels, strides))):
        length = (length - 1) * stride + kernel
    return length


def _one_line(exc: BaseException) -> str:
    """``Type: first line of the message``, shortened."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return text if len(text) <= 240 else text[:237] + "..."
