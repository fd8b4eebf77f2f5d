"""Seeded per-class sampling of a dataset's rows into manifest items, converted to 16 kHz mono WAV.

Sampling is deterministic and independent of the order the rows come in: rows are sorted, and each
class is shuffled by its own generator, seeded from ``(seed, dataset, label)``, so adding or removing
another class changes nothing in this one. Each class takes its ``explain`` items first, then its
``heldout`` items, then its ``train`` items from the rest, in the shuffled order; when the rows carry
a ``split`` (a table that gives one), each split takes its items from its own rows only, in the same
shuffled order. A clip that cannot be used (unreadable, corrupt, non-finite or silent) is reported and
replaced by the next candidate of its class. A class with too few usable clips gives what it has, with
a warning; with ``require_every_class`` (the generic layouts) a class with none stops the preparation.
Rows whose label is not one of the task's, and rows repeating an item id, are reported as skipped.
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
REASONS_SHOWN = 3  # unusable files quoted per empty class in its error
SAMPLING_ORDER = ("explain", "heldout", "train")
EXTRA_COLUMNS = ("original_id", "speaker")


class EmptyClassError(ValueError):
    """A class of the task has no usable file in a dataset; the message names the class and the dataset's folder."""


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
    require_every_class: bool = False,
    log: Log = print,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Sample ``counts[split]`` items per class from ``rows`` (a layout's output), write them as mono WAV at
    ``sample_rate`` under ``out_dir/<dataset>/<label>/<item_id>.wav`` and return (manifest, report).

    ``label_map`` maps dataset labels to the task's labels (a label it does not name stays as it is);
    ``labels`` (the task's labels) keeps only rows with those labels, the others are reported as skipped.
    ``max_seconds`` keeps the first ``max_seconds`` of each clip (None: whole clips). With
    ``require_every_class``, a class of ``labels`` left without any item raises :class:`EmptyClassError`.
    The manifest's paths are relative to ``out_dir``; it also carries ``original_id`` and ``speaker``.
    """
    counts = _check_counts(counts)
    if max_seconds is not None and max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive or None, got {max_seconds!r}")
    max_samples = int(round(max_seconds * sample_rate)) if max_seconds is not None else None
    table, excluded, dropped = _canonical_rows(rows, dataset, label_map, labels, log)
    classes = list(labels) if labels is not None else sorted(set(table["label"]))
    report: dict[str, Any] = {
        "dataset": dataset, "task": task, "seed": int(seed), "sample_rate": int(sample_rate),
        "max_seconds": max_seconds,
        "crop": "none: whole clips" if max_seconds is None else f"the first {max_seconds} s of each clip",
        "splits": "as the table gives them" if "split" in table.columns else "sampled per class",
        "requested_per_class": counts, "available": {}, "counts": {}, "shortfalls": [],
        "excluded_labels": excluded,
        "skipped": [*({**entry, "stage": "layout"} for entry in rows.attrs.get("skipped", [])), *dropped],
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
    if require_every_class:
        _require_every_class(report, rows.attrs.get("root", "?"), label_map or {})
    manifest = pd.DataFrame(items, columns=[*COLUMNS, *EXTRA_COLUMNS])
    log(f"{dataset}: {len(manifest)} items for task {task!r}; {len(report['skipped'])} files skipped")
    return manifest, report


def _require_every_class(report: dict[str, Any], root: str, label_map: Mapping[str, str]) -> None:
    """Raise :class:`EmptyClassError` naming every class that got no item, the folder read and why."""
    problems = []
    for label, taken in report["counts"].items():
        if sum(taken.values()):
            continue
        names = sorted({name for name, mapped in label_map.items() if mapped == label}
                       | ({label} if label_map.get(label, label) == label else set()))
        available = report["available"][label]
        reasons = [entry["reason"] for entry in report["skipped"] if entry.get("label") == label]
        if not available:
            why = f"no file is labelled {' or '.join(map(repr, names))}"
        elif reasons:
            more = "; ..." if len(reasons) > REASONS_SHOWN else ""
            why = f"none of its {available} file(s) is usable ({'; '.join(reasons[:REASONS_SHOWN])}{more})"
        else:
            why = f"none of its {available} file(s) is in a split asked for ({report['requested_per_class']})"
        problems.append(f"class {label!r}: {why}")
    if problems:
        raise EmptyClassError(f"dataset {report['dataset']!r} ({root}), task {report['task']!r}: every class of the"
                              f" task needs a usable audio file; " + "; ".join(problems))


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
) -> tuple[pd.DataFrame, dict[str, int], list[dict[str, str]]]:
    """Rows with task labels and an ``item_id`` each, sorted; the count of rows left out per label; and the
    skipped entries of the rows left out (labels outside the task, item ids already taken)."""
    missing = [column for column in ROW_COLUMNS if column not in rows.columns and column != "speaker"]
    if missing:
        raise ValueError(f"dataset {dataset!r}: rows lack column(s) {missing}; expected {ROW_COLUMNS}")
    columns = [*ROW_COLUMNS, *(["split"] if "split" in rows.columns else [])]
    table = rows.reindex(columns=columns, fill_value="").astype(str)
    own_labels = table["label"]
    if label_map:
        table["label"] = own_labels.map(lambda label: label_map.get(label, label))
    skipped: list[dict[str, str]] = []
    excluded: dict[str, int] = {}
    if labels is not None:
        outside = ~table["label"].isin(list(labels))
        excluded = {str(label): int(n) for label, n in table.loc[outside, "label"].value_counts().items()}
        if excluded:
            log(f"warning: {dataset}: rows with labels outside the task's {list(labels)} left out: {excluded}")
        for path, own, mapped in zip(table.loc[outside, "source_path"], own_labels[outside], table.loc[outside, "label"]):
            as_mapped = f" (mapped to {mapped!r})" if mapped != own else ""
            skipped.append({"path": path, "reason": f"label {own!r}{as_mapped} is not one of the task's labels"
                                                    f" {list(labels)}", "stage": "labels"})
        table = table[~outside]
    table = table.assign(item_id=dataset + "-" + table["original_id"].map(_safe_name))
    table = table.sort_values(["item_id", "source_path"])
    repeated = table["item_id"].duplicated(keep="first")
    kept_path = table.drop_duplicates("item_id").set_index("item_id")["source_path"]
    for path, item_id in zip(table.loc[repeated, "source_path"], table.loc[repeated, "item_id"]):
        skipped.append({"path": path, "reason": f"item id {item_id!r} is already taken by {kept_path[item_id]}",
                        "stage": "duplicates"})
    table = table[~repeated]
    return table.sort_values(["label", "item_id", "source_path"]).reset_index(drop=True), excluded, skipped


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
    Candidates come from one pool for all splits, or from each split's own rows when the rows carry a split.
    Unusable clips go to ``report["skipped"]`` and splits left short to ``report["shortfalls"]``."""
    given = "split" in shuffled.columns
    pool = iter(shuffled.itertuples(index=False))
    items: list[dict[str, Any]] = []
    for split in SAMPLING_ORDER:
        candidates = iter(shuffled[shuffled["split"] == split].itertuples(index=False)) if given else pool
        taken = 0
        while taken < job.counts[split] and (row := next(candidates, None)) is not None:
            relative = Path(job.dataset) / _safe_name(label) / f"{row.item_id}.wav"
            try:
                duration = _convert(Path(row.source_path), job.out_dir / relative, job.sample_rate, job.max_samples)
            except AudioInputError as error:
                report["skipped"].append({"path": row.source_path, "reason": str(error), "stage": "conversion",
                                          "label": label})
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
