"""One entry point for every kind of classifier: native, entry point or Hugging Face, by its spec."""
from __future__ import annotations

from pathlib import Path

import torch

from transferability.models.contract import AudioClassifier
from transferability.models.entrypoint import load_entrypoint
from transferability.models.huggingface import load_huggingface
from transferability.models.native import CONFIG_FILE as NATIVE_CONFIG_FILE
from transferability.models.native import load_native


def load_classifier(spec: str, device: str | torch.device = "cpu", name: str | None = None) -> AudioClassifier:
    """Load the classifier named by ``spec``.

    Dispatch rule: a local directory containing ``transferability_model.json`` is a native model
    saved by ``save_native``, see ``native.py``. Otherwise a spec containing ':' that is not an
    existing local path is an entry point, ``module:function`` or ``path/to/file.py:function``
    (split at the last ':'; the part before it is imported as a module unless it ends in ``.py``),
    see ``entrypoint.py``. Anything else is a Hugging Face model: a local directory saved with
    ``save_pretrained`` (safetensors weights) or a hub id ``owner/name``, see ``huggingface.py``.
    Hub ids never contain ':', so a spec with ':' whose module cannot be imported fails as an
    entry point, with the import error.
    """
    if (Path(spec).expanduser() / NATIVE_CONFIG_FILE).is_file():
        return load_native(spec, device=device, name=name)
    if ":" in spec and not Path(spec).expanduser().exists():
        return load_entrypoint(spec, device=device, name=name)
    return load_huggingface(spec, device=device, name=name)
