"""Content fingerprints that decide whether a cached result still belongs to its inputs."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def model_fingerprint(spec: str) -> str:
    """Hash of a model directory's files (names and contents), or of the spec for hub ids and entry points."""
    path = Path(spec)
    if not path.is_dir():
        return hashlib.sha256(spec.encode()).hexdigest()
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file_digest(file).encode())
    return digest.hexdigest()


def settings_fingerprint(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()
