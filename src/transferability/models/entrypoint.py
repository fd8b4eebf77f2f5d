"""User-supplied classifiers: a ``module:function`` or ``path/to/file.py:function`` entry point.

The function is called as ``function(device=torch.device, **kwargs)`` and returns a dict or an
object with ``model`` (a torch module or callable mapping a float32 ``[batch, samples]`` tensor to
logits ``[batch, n_classes]``), ``class_names`` (sequence of str), ``sample_rate`` (int) and
optionally ``min_samples`` (int) and ``max_samples`` (int or None).
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from transferability.models.contract import AudioClassifier, ModelLoadError, count_parameters

PROBE_BATCH = 2


def _split_spec(spec: str) -> tuple[str, str]:
    """``(module or file, function)`` of an entry-point spec; the last ':' separates them."""
    target, sep, function = spec.rpartition(":")
    if not sep or not target or not function:
        raise ModelLoadError(f"entry point {spec!r}: expected 'module:function' or 'path/to/file.py:function'")
    return target, function


def load_entrypoint(
    spec: str, device: str | torch.device = "cpu", name: str | None = None, **kwargs: Any
) -> AudioClassifier:
    """Import the entry point, call it, validate what it returns and probe it on a short random batch."""
    device = torch.device(device)
    target, function_name = _split_spec(spec)
    module = _import_target(spec, target)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ModelLoadError(f"entry point {spec!r}: {target!r} has no function {function_name!r}")
    try:
        returned = function(device=device, **kwargs)
    except Exception as exc:
        raise ModelLoadError(
            f"entry point {spec!r}: calling {function_name}() failed ({type(exc).__name__}: {exc})"
        ) from exc
    fields = _fields(spec, returned)
    model = fields["model"]
    if isinstance(model, torch.nn.Module):
        model = model.to(device).eval()
    try:
        classifier = AudioClassifier(
            name=name or spec,
            forward=model,
            class_names=fields["class_names"],
            sample_rate=fields["sample_rate"],
            device=device,
            min_samples=fields["min_samples"],
            max_samples=fields["max_samples"],
            parameter_count=count_parameters(model),
        )
    except ModelLoadError as exc:
        raise ModelLoadError(f"entry point {spec!r}: {exc}") from exc
    _probe(spec, classifier)
    return classifier


def _import_target(spec: str, target: str) -> ModuleType:
    """The module named by ``target``: a ``.py`` file path or an importable module name."""
    if target.endswith(".py"):
        path = Path(target).expanduser().resolve()
        if not path.is_file():
            raise ModelLoadError(f"entry point {spec!r}: file {target!r} does not exist")
        module_name = f"_transferability_entry_{path.stem}_{hashlib.sha1(str(path).encode()).hexdigest()[:8]}"
        loader_spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(loader_spec)
        sys.modules[module_name] = module  # dataclasses and pickling look the module up here
        try:
            loader_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[module_name]
            raise ModelLoadError(
                f"entry point {spec!r}: importing {target!r} failed ({type(exc).__name__}: {exc})"
            ) from exc
        return module
    try:
        return importlib.import_module(target)
    except Exception as exc:
        raise ModelLoadError(
            f"entry point {spec!r}: cannot import module {target!r} ({type(exc).__name__}: {exc})"
        ) from exc


def _fields(spec: str, returned: object) -> dict[str, Any]:
    """The contract's fields from a dict or an object, type-checked."""
    keys = ("model", "class_names", "sample_rate", "min_samples", "max_samples")
    if isinstance(returned, dict):
        fields = {key: returned.get(key) for key in keys}
    else:
        fields = {key: getattr(returned, key, None) for key in keys}
    what = f"entry point {spec!r}: returned {type(returned).__name__}"
    missing = [key for key in ("model", "class_names", "sample_rate") if fields[key] is None]
    if missing:
        raise ModelLoadError(f"{what} without {', '.join(missing)} (needs model, class_names, sample_rate)")
    if not callable(fields["model"]):
        kind = type(fields["model"]).__name__
        raise ModelLoadError(f"{what} whose model is a {kind}, not a torch module or callable")
    names = fields["class_names"]
    if not isinstance(names, Sequence) or isinstance(names, str) or not all(isinstance(c, str) for c in names):
        raise ModelLoadError(f"{what} whose class_names is not a sequence of str: {names!r}")
    if not _is_int(fields["sample_rate"]) or fields["sample_rate"] <= 0:
        raise ModelLoadError(f"{what} whose sample_rate is not a positive int: {fields['sample_rate']!r}")
    fields["min_samples"] = 1 if fields["min_samples"] is None else fields["min_samples"]
    if not _is_int(fields["min_samples"]) or fields["min_samples"] < 1:
        raise ModelLoadError(f"{what} whose min_samples is not a positive int: {fields['min_samples']!r}")
    max_samples = fields["max_samples"]
    if max_samples is not None and (not _is_int(max_samples) or max_samples < fields["min_samples"]):
        raise ModelLoadError(f"{what} whose max_samples is not an int >= min_samples: {max_samples!r}")
    return fields


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _probe(spec: str, classifier: AudioClassifier) -> None:
    """Run the model on random clips of max(min_samples, sample_rate // 2) samples; expect finite logits."""
    n_samples = max(classifier.min_samples, classifier.sample_rate // 2)
    generator = torch.Generator().manual_seed(0)
    clips = 0.1 * torch.randn(PROBE_BATCH, n_samples, generator=generator)
    expected = (PROBE_BATCH, classifier.n_classes)
    try:
        with torch.inference_mode():
            logits = classifier.forward(clips.to(classifier.device))
    except Exception as exc:
        raise ModelLoadError(
            f"entry point {spec!r}: probe forward on a {list(clips.shape)} batch failed ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(logits, torch.Tensor):
        raise ModelLoadError(f"entry point {spec!r}: probe forward returned {type(logits).__name__}, not a tensor")
    if tuple(logits.shape) != expected:
        raise ModelLoadError(
            f"entry point {spec!r}: probe forward returned shape {tuple(logits.shape)}, expected {expected} "
            f"({classifier.n_classes} class names)"
        )
    if not torch.isfinite(logits).all():
        raise ModelLoadError(f"entry point {spec!r}: probe forward returned non-finite logits")
