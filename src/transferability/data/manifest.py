"""The item manifest every dataset is described by (synthetic or downloaded)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ("item_id", "path", "label", "split", "duration", "dataset", "task")
SPLITS = ("train", "heldout", "explain")
TEXT_COLUMN = "text"  # optional column: the words spoken in the clip ("" for none), where the data knows them


class ManifestError(ValueError):
    """A manifest file is missing, malformed or inconsistent."""


def validate_manifest(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The manifest with its required columns first; refuses missing columns, duplicate ids, unknown splits."""
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise ManifestError(f"manifest {str(path)!r}: missing column(s) {', '.join(map(repr, missing))}")
    duplicated = frame["item_id"][frame["item_id"].duplicated()]
    if len(duplicated):
        raise ManifestError(f"manifest {str(path)!r}: duplicate item_id {duplicated.iloc[0]!r}")
    bad_splits = sorted(set(frame["split"]) - set(SPLITS))
    if bad_splits:
        raise ManifestError(f"manifest {str(path)!r}: unknown split(s) {bad_splits}; expected {SPLITS}")
    extra = [column for column in frame.columns if column not in COLUMNS]
    return frame.loc[:, [*COLUMNS, *extra]]


def write_manifest(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a manifest CSV, the required columns first (extra columns are kept after them)."""
    path = Path(path)
    table = validate_manifest(frame, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


def read_manifest(path: str | Path) -> pd.DataFrame:
    """Read and validate a manifest CSV."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"manifest {str(path)!r}: not found")
    text_columns = {column: str for column in COLUMNS if column != "duration"}
    try:
        frame = pd.read_csv(path, dtype={**text_columns, "duration": float}, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        raise ManifestError(f"manifest {str(path)!r}: unreadable ({error})") from None
    return validate_manifest(frame, path)
