"""Seeded per-class sampling of a dataset's rows into manifest items, converted to 16 kHz mono WAV.

Sampling is deterministic and independent of the order the rows come in: rows are sorted, and each
class is shuffled by its own generator, seeded from ``(seed, dataset, label)``, so adding or removing
another class changes nothing in this one. Each class takes its ``explain`` items first, then its
``heldout`` items (then ``train``, when asked for) from the rest, in the shuffled order; a clip that
cannot be used (unreadable, corrupt, non-finite or silent) is reported and replaced by the next
candidate of its class. A class with too few usable clips gives what it has, with a warning.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from transferability.data.audio import load_audio, write_wav
from transferability.data.datasets.layouts import ROW_COLUMNS
from transferability.data.manifest import COLUMNS, SPLITS, ManifestError, read_manifest, write_manifest
from transferability.models.contract import AudioInputError, is_silent

Log = Callable[[str], None]
SAMPLING_ORDER = ("explain", "heldout", "train")
EXTRA_COLUMNS = ("original_id", "speaker")


def sample_dataset(
    rows: pd.DataFrame,
    dataset: str,
    task: str,
    out_dir: Path,
    counts: Mapping[str, int],
    seed: int,
    *,
    sample_rate: int = 16000,
    label_map: Mapping[str, str] | None = None,
    labels: Sequence[str] | None = None,
    max_seconds: float | None = None,
    log: Log = print,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Sample ``counts[split]`` items per class from ``rows`` (a layout's output), write them as mono WAV at
    ``sample_rate`` under ``out_dir/<dataset>/<label>/<item_id>.wav`` and return (manifest, report).

    ``label_map`` maps every dataset label to the task's label; ``labels`` (the task's labels) keeps only
    rows with those labels. ``max_seconds`` keeps the first ``max_seconds`` of each clip (None: whole clips).
    The manifest's paths are relative to ``out_dir``; it also carries ``original_id`` and ``speaker``.
    """
    counts = _check_counts(counts)
    if max_seconds is not None and max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive or None, got {max_seconds!r}")
    max_samples = int(round(max_seconds * sample_rate)) if max_seconds is not None else None
    table, excluded = _canonical_rows(rows, dataset, label_map, labels, log)
    classes = list(labels) if labels is not None else sorted(set(table["label"]))
    report: dict[str, Any] = {
        "dataset": dataset, "task": task, "seed": int(seed), "sample_rate": int(sample_rate),
        "max_seconds": max_seconds,
        "crop": "none: whole clips" if max_seconds is None else f"the first {max_seconds} s of each clip",
        "requested_per_class": counts, "available": {}, "counts": {}, "shortfalls": [],
        "excluded_labels": excluded,
        "skipped": [{**entry, "stage": "layout"} for entry in rows.attrs.get("skipped", [])],
    }
    job = _Job(dataset, task, Path(out_dir), counts, int(sample_rate), max_samples, log)
    items: list[dict[str, Any]] = []
    for label in classes:
        candidates = table[table["label"] == label]
        if candidates.empty:
            log(f"warning: {dataset}: no rows with label {label!r}")
        shuffled = candidates.iloc[_class_rng(seed, dataset, label).permutation(len(candidates))]
        made = _sample_class(job, label, shuffled, report)
        report["available"][label] = len(candidates)
        report["counts"][label] = {split: sum(item["split"] == split for item in made) for split in SAMPLING_ORDER}
        items.extend(made)
    manifest = pd.DataFrame(items, columns=[*COLUMNS, *EXTRA_COLUMNS])
    log(f"{dataset}: {len(manifest)} items for task {task!r}; {len(report['skipped'])} files skipped")
    return manifest, report


def _check_counts(counts: Mapping[str, int]) -> dict[str, int]:
    unknown = sorted(set(counts) - set(SPLITS))
    if unknown:
        raise ValueError(f"unknown split(s) {unknown} in counts; expected keys among {SPLITS}")
    for split, count in counts.items():
        if int(count) != count or count < 0:
            raise ValueError(f"count of split {split!r} must be a non-negative integer, got {count!r}")
    return {split: int(counts.get(split, 0)) for split in SAMPLING_ORDER}


def _safe_name(text: str) -> str:
    """``text`` with every character other than letters, digits, ``.``, ``_`` and ``-`` replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


def _canonical_rows(
    rows: pd.DataFrame, dataset: str, label_map: Mapping[str, str] | None, labels: Sequence[str] | None, log: Log
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Rows with task labels, an ``item_id`` each, sorted; and the count of rows left out per label."""
    missing = [column for column in ROW_COLUMNS if column not in rows.columns and column != "speaker"]
    if missing:
        raise ValueError(f"dataset {dataset!r}: rows lack column(s) {missing}; expected {ROW_COLUMNS}")
    table = rows.reindex(columns=list(ROW_COLUMNS), fill_value="").astype(str)
    if label_map is not None:
        unmapped = sorted(set(table["label"]) - set(label_map))
        if unmapped:
            raise ValueError(f"dataset {dataset!r}: label(s) {unmapped} missing from label_map {dict(label_map)}")
        table["label"] = table["label"].map(dict(label_map))
    excluded: dict[str, int] = {}
    if labels is not None:
        outside = ~table["label"].isin(list(labels))
        excluded = {str(label): int(n) for label, n in table.loc[outside, "label"].value_counts().items()}
        if excluded:
            log(f"warning: {dataset}: rows with labels outside the task's {list(labels)} left out: {excluded}")
        table = table[~outside]
    table = table.assign(item_id=dataset + "-" + table["original_id"].map(_safe_name))
    duplicated = table[table["item_id"].duplicated(keep=False)]
    if len(duplicated):
        first = duplicated.iloc[0]["item_id"]
        paths = duplicated.loc[duplicated["item_id"] == first, "source_path"].tolist()
        raise ValueError(f"dataset {dataset!r}: item id {first!r} is not unique; it comes from {paths}")
    return table.sort_values(["label", "item_id", "source_path"]).reset_index(drop=True), excluded


def _class_rng(seed: int, dataset: str, label: str) -> np.random.Generator:
    digest = int.from_bytes(hashlib.sha256(f"{dataset}\x1f{label}".encode("utf-8")).digest()[:8], "little")
    return np.random.default_rng(np.random.SeedSequence([int(seed), digest]))


@dataclass(frozen=True)
class _Job:
    """Where and how one dataset's items are written."""

    dataset: str
    task: str
    out_dir: Path
    counts: dict[str, int]
    sample_rate: int
    max_samples: int | None
    log: Log


def _sample_class(job: _Job, label: str, shuffled: pd.DataFrame, report: dict[str, Any]) -> list[dict[str, Any]]:
    """Convert one class's ``shuffled`` candidates in order until each split has its count; the items made.
    Unusable clips go to ``report["skipped"]`` and splits left short to ``report["shortfalls"]``."""
    candidates = iter(shuffled.itertuples(index=False))
    items: list[dict[str, Any]] = []
    for split in SAMPLING_ORDER:
        taken = 0
        while taken < job.counts[split] and (row := next(candidates, None)) is not None:
            relative = Path(job.dataset) / _safe_name(label) / f"{row.item_id}.wav"
            try:
                duration = _convert(Path(row.source_path), job.out_dir / relative, job.sample_rate, job.max_samples)
            except AudioInputError as error:
                report["skipped"].append({"path": row.source_path, "reason": str(error), "stage": "conversion"})
                job.log(f"warning: {job.dataset}: skipped {row.source_path}: {error}")
                continue
            items.append({
                "item_id": row.item_id, "path": relative.as_posix(), "label": label, "split": split,
                "duration": duration, "dataset": job.dataset, "task": job.task,
                "original_id": row.original_id, "speaker": row.speaker,
            })
            taken += 1
        if taken < job.counts[split]:
            shortfall = {"label": label, "split": split, "requested": job.counts[split], "taken": taken}
            report["shortfalls"].append(shortfall)
            job.log(f"warning: {job.dataset}: class {label!r} has {taken} usable {split} items"
                    f" of the {job.counts[split]} asked for")
    return items


def _convert(source: Path, destination: Path, sample_rate: int, max_samples: int | None) -> float:
    """Write ``source`` as mono WAV at ``sample_rate`` (cropped to ``max_samples``); its duration in seconds."""
    waveform = load_audio(source, sample_rate).waveform[:max_samples]
    if is_silent(waveform):
        raise AudioInputError(f"audio file {str(source)!r}: silent")
    write_wav(destination, waveform, sample_rate)
    return waveform.size / sample_rate


def combine_manifests(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One task's manifest from its datasets' manifests (paths relative to the same folder)."""
    if not frames:
        raise ValueError("no manifests to combine")
    combined = pd.concat(list(frames), ignore_index=True)
    tasks = sorted(set(combined["task"]))
    if len(tasks) != 1:
        raise ManifestError(f"manifests of several tasks {tasks} cannot be combined")
    duplicated = combined[combined["item_id"].duplicated(keep=False)]
    if len(duplicated):
        first = duplicated.iloc[0]["item_id"]
        datasets = sorted(set(duplicated.loc[duplicated["item_id"] == first, "dataset"]))
        raise ManifestError(f"item_id {first!r} occurs more than once (datasets {datasets})")
    return combined


def combine_manifest_files(paths: Sequence[Path], output: Path) -> pd.DataFrame:
    """Read manifests, rebase their paths onto ``output``'s folder, combine them and write ``output``."""
    output = Path(output)
    frames = []
    for path in map(Path, paths):
        frame = read_manifest(path)
        frame["path"] = [
            Path(os.path.relpath(os.path.abspath(path.parent / item), os.path.abspath(output.parent))).as_posix()
            for item in frame["path"]
        ]
        frames.append(frame)
    combined = combine_manifests(frames)
    write_manifest(combined, output)
    return combined
