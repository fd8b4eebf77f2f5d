"""Layouts of a researcher's own data: ``folder`` (one sub-folder per class) and ``csv`` (a table of files).

Both read a folder as it is (a local ``path`` or an extracted archive) and return rows like the paper's
layouts (:data:`~transferability.data.datasets.layouts.ROW_COLUMNS`; the ``csv`` layout adds ``split``
when its table has that column). Hidden files and folders (names starting with ``.``) are ignored.
Files that cannot be rows are listed in ``frame.attrs["skipped"]`` with the reason: files outside any
class folder or with a name that is not audio, files a table names that are missing or lie outside the
dataset's folder, rows naming a file again, unknown splits, and byte-identical copies of a file already kept.
"""
from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path
from typing import Iterator, Sequence

import pandas as pd

from transferability.data.datasets.download import file_checksum
from transferability.data.datasets.layouts import ROW_COLUMNS, SEARCH_DEPTH, LayoutError, Skipped, find_one, rows_frame
from transferability.data.manifest import SPLITS

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".opus", ".mp3", ".aif", ".aiff", ".aifc", ".au", ".caf")
TABLE_COLUMNS = ("path", "label")  # required; "speaker" and "split" are optional
DEFAULT_TABLE = "labels.csv"


def visible_files(folder: Path) -> Iterator[Path]:
    """Every file below ``folder`` (links to files included, linked folders not entered), hidden names left out."""
    for current, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(current) / name


def _visible_entries(folder: Path) -> list[Path]:
    return [path for path in folder.iterdir() if not path.name.startswith(".")]


def class_folder_parent(root: Path) -> Path:
    """The folder whose sub-folders are the classes: ``root``, or the lone folder an archive wraps them in
    (followed down while a folder holds nothing but one folder, at most two levels)."""
    folder = root
    for _ in range(SEARCH_DEPTH - 1):
        entries = _visible_entries(folder)
        if len(entries) != 1 or not entries[0].is_dir():
            break
        folder = entries[0]
    return folder


def folder_rows(root: Path) -> pd.DataFrame:
    """``<class>/<any sub-folders>/<file>.<audio suffix>``: the label is the class folder's name, the
    original id the path below the class folders without its suffix (``dog/park/001``)."""
    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"{root}: not a folder (the folder layout expects <class>/<audio files>)")
    base = class_folder_parent(root)
    rows: list[tuple[str, ...]] = []
    skipped: list[Skipped] = []
    for path in visible_files(base):
        relative = path.relative_to(base)
        if len(relative.parts) == 1:
            skipped.append({"path": str(path), "reason": f"not inside a class folder of {base}"})
        elif path.suffix.lower() not in AUDIO_SUFFIXES:
            skipped.append({"path": str(path), "reason": f"not an audio file name (expected one of {', '.join(AUDIO_SUFFIXES)})"})
        else:
            rows.append((str(path), relative.parts[0], relative.with_suffix("").as_posix(), ""))
    return rows_frame(without_identical_copies(rows, skipped), skipped, root, "folder-layout")


def _inside(folder: Path, path: Path) -> bool:
    resolved, base = os.path.abspath(path), os.path.abspath(folder)
    return resolved.startswith(base + os.sep)


def csv_rows(root: Path, table: str = DEFAULT_TABLE) -> pd.DataFrame:
    """A table ``<table>`` (at the root or up to two folders below it) with the columns ``path,label`` and
    optionally ``speaker`` and ``split`` (train, heldout or explain); paths are relative to the table's folder
    and must stay inside ``root``. The original id is the file's path below ``root`` without its suffix."""
    root = Path(root)
    table_path = find_one(root, (table,), False, f"{table} with the columns path,label[,speaker][,split]")
    folder = table_path.parent
    rows: list[tuple[str, ...]] = []
    skipped: list[Skipped] = []
    first_line: dict[Path, int] = {}
    with open(table_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        missing = [column for column in TABLE_COLUMNS if column not in header]
        if missing:
            raise LayoutError(f"{table_path}: missing column(s) {missing}; expected a header with path,label"
                              " and optionally speaker,split")
        has_split = "split" in header
        for record in reader:
            line = reader.line_num
            name, label, speaker, split = (str(record.get(column) or "").strip()
                                           for column in ("path", "label", "speaker", "split"))
            path = Path(os.path.normpath(folder / name))
            if not name or not label:
                skipped.append({"path": f"{table_path}:{line}", "reason": "empty path or label"})
            elif not _inside(root, path):
                skipped.append({"path": f"{table_path}:{line}", "reason": f"{name!r} lies outside {root}"})
            elif not path.is_file():
                skipped.append({"path": str(path), "reason": f"listed in {table_path.name} (line {line}) but missing"})
            elif path in first_line:
                skipped.append({"path": str(path), "reason": f"listed again in {table_path.name} (line {line});"
                                                            f" line {first_line[path]} kept"})
            elif has_split and split not in SPLITS:
                skipped.append({"path": str(path), "reason": f"split {split!r} (line {line}) is not one of {SPLITS}"})
            else:
                first_line[path] = line
                original_id = Path(os.path.relpath(path, root)).with_suffix("").as_posix()
                rows.append((str(path), label, original_id, speaker, *((split,) if has_split else ())))
    columns = (*ROW_COLUMNS, *(("split",) if has_split else ()))
    return rows_frame(without_identical_copies(rows, skipped), skipped, root, f"{table}-listed", columns)


def without_identical_copies(rows: Sequence[tuple[str, ...]], skipped: list[Skipped]) -> list[tuple[str, ...]]:
    """``rows`` without files whose bytes equal an earlier row's file (each listed in ``skipped``); only
    files sharing their size with another one are read."""
    sizes = Counter(os.path.getsize(row[0]) for row in rows)
    first_of: dict[str, str] = {}
    kept: list[tuple[str, ...]] = []
    for row in rows:
        if sizes[os.path.getsize(row[0])] > 1:
            digest = file_checksum(Path(row[0]))
            if digest in first_of:
                skipped.append({"path": row[0], "reason": f"same bytes as {first_of[digest]}"})
                continue
            first_of[digest] = row[0]
        kept.append(row)
    return kept
