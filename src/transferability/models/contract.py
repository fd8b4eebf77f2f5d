"""The one interface every classifier is explained through: the classifier, and the waveforms it accepts."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    import torch

# torch is imported where a classifier needs it: reading and checking audio (the data layer) runs without it.


class ModelLoadError(RuntimeError):
    """A model could not be loaded or does not honour the classifier contract."""


class AudioInputError(ValueError):
    """An audio file or waveform that cannot be used; the message names the file or clip."""


def _as_array(waveform: np.ndarray | torch.Tensor) -> np.ndarray:
    """``waveform`` as a numpy array, a tensor copied to the CPU (a tensor exists only once torch is loaded)."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(waveform, torch.Tensor):
        waveform = waveform.detach().cpu().numpy()
    return np.asarray(waveform)


def validate_waveform(waveform: np.ndarray | torch.Tensor, clip_id: str) -> np.ndarray:
    """Return ``waveform`` as a 1-D float32 array; raise AudioInputError if it is not a finite mono signal."""
    array = _as_array(waveform)
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1:
        raise AudioInputError(f"clip {clip_id!r}: expected a 1-D waveform (or [1, N]), got shape {tuple(array.shape)}")
    if array.size == 0:
        raise AudioInputError(f"clip {clip_id!r}: waveform has 0 samples")
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise AudioInputError(f"clip {clip_id!r}: expected real numeric samples, got dtype {array.dtype}")
    array = array.astype(np.float32, copy=False)
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise AudioInputError(f"clip {clip_id!r}: {bad} of {array.size} samples are NaN or Inf")
    return array


def is_silent(waveform: np.ndarray | torch.Tensor, threshold: float = 1e-8) -> bool:
    """True when every sample's magnitude is below ``threshold``."""
    array = _as_array(waveform)
    return array.size == 0 or float(np.max(np.abs(array))) < threshold


@dataclass
class AudioClassifier:
    """A batch of mono waveforms at ``sample_rate`` -> logits over ``class_names``.

    ``forward`` receives a float32 tensor ``[batch, samples]`` on ``device`` and returns
    logits ``[batch, len(class_names)]``. ``min_samples`` is the shortest clip the model
    accepts; ``max_samples`` (or None) the longest it looks at: samples beyond it are ignored
    by the model's own preprocessing. ``autocast_dtype`` (None: float32) runs ``forward`` under
    ``torch.autocast`` in that reduced precision; logits are returned as float32 either way.
    """

    name: str
    forward: Callable[[torch.Tensor], torch.Tensor]
    class_names: tuple[str, ...]
    sample_rate: int
    device: torch.device | str = "cpu"  # held as a torch.device
    min_samples: int = 1
    max_samples: int | None = None
    parameter_count: int | None = None
    autocast_dtype: torch.dtype | None = None

    def __post_init__(self) -> None:
        import torch

        self.class_names = tuple(str(c) for c in self.class_names)
        if len(self.class_names) < 2:
            raise ModelLoadError(f"model {self.name!r}: needs at least 2 class names, got {list(self.class_names)}")
        if len(set(self.class_names)) != len(self.class_names):
            raise ModelLoadError(f"model {self.name!r}: duplicate class names {list(self.class_names)}")
        if int(self.sample_rate) <= 0:
            raise ModelLoadError(f"model {self.name!r}: sample rate must be positive, got {self.sample_rate}")
        self.sample_rate = int(self.sample_rate)
        self.device = torch.device(self.device)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def fit_window(self, waveform: np.ndarray) -> np.ndarray:
        """The clip cropped to the last sample the model looks at and zero-padded to the fewest it accepts."""
        if self.max_samples is not None:
            waveform = waveform[: self.max_samples]
        return np.pad(waveform, (0, max(0, self.min_samples - waveform.shape[0])))

    def logits(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Logits for a batch ``[batch, samples]``; checks the shape the model returns."""
        import torch

        if waveforms.ndim != 2:
            raise ValueError(f"model {self.name!r}: expected a [batch, samples] tensor, got shape {tuple(waveforms.shape)}")
        with torch.inference_mode():
            with torch.autocast(self.device.type, dtype=self.autocast_dtype, enabled=self.autocast_dtype is not None):
                out = self.forward(waveforms.to(self.device, torch.float32))
            if not isinstance(out, torch.Tensor) or out.shape != (waveforms.shape[0], self.n_classes):
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise ModelLoadError(
                    f"model {self.name!r}: returned {shape} for a batch of {waveforms.shape[0]}, "
                    f"expected logits of shape ({waveforms.shape[0]}, {self.n_classes})"
                )
            return out.float()

    def probabilities(self, waveforms: torch.Tensor) -> torch.Tensor:
        return self.logits(waveforms).softmax(dim=-1)


def count_parameters(module: object) -> int | None:
    """Number of parameters of a torch module, or None for a plain callable."""
    import torch

    if isinstance(module, torch.nn.Module):
        return sum(p.numel() for p in module.parameters())
    return None


def as_class_names(labels: Sequence[str] | dict[int, str]) -> tuple[str, ...]:
    """Class names in index order from a list or an ``id2label`` mapping."""
    if isinstance(labels, dict):
        keys = sorted(int(k) for k in labels)
        if keys != list(range(len(keys))):
            raise ModelLoadError(f"id2label indices must be 0..{len(keys) - 1}, got {keys}")
        return tuple(str(labels[k] if k in labels else labels[str(k)]) for k in keys)
    return tuple(str(x) for x in labels)
