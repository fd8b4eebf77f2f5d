"""The item manifest every dataset is described by (synthetic or downloaded)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ("item_id", "path", "label", "split", "duration", "dataset", "task")
SPLITS = ("train", "heldout", "explain")


class ManifestError(ValueError):
    """A manifest file is missing, malformed or inconsistent."""


def validate_manifest(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ManifestError(f"manifest {source}: missing column(s) {', '.join(missing)}")
    duplicated = frame["item_id"][frame["item_id"].duplicated()].tolist()
    if duplicated:
        raise ManifestError(f"manifest {source}: duplicate item_id(s) {', '.join(map(str, duplicated[:5]))}")
    bad_split = sorted(set(frame["split"]) - set(SPLITS))
    if bad_split:
        raise ManifestError(f"manifest {source}: unknown split(s) {', '.join(bad_split)} (known: {', '.join(SPLITS)})")
    return frame


def read_manifest(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype={"item_id": str, "path": str, "label": str, "split": str, "dataset": str, "task": str})
    except FileNotFoundError:
        raise ManifestError(f"manifest {path}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ManifestError(f"manifest {path}: unreadable ({error})") from None
    return validate_manifest(frame, str(path))


def write_manifest(frame: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    validate_manifest(frame, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.loc[:, list(COLUMNS)].to_csv(path, index=False)
    return path
