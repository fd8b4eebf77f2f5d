"""Explanation shard files: their entries, written and read back in item order, and the explained
items of one model with their audio."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Iterable

import numpy as np

from transferability.data.audio import load_audio
from transferability.data.manifest import read_manifest
from transferability.explainer.pipeline import as_explained, render_signals
from transferability.explainer.record import Explanation


def read_entries(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Entries of one or more shard files (JSON lines) in ``item_id`` order, whatever the sharding."""
    entries = []
    for path in paths:
        with open(path) as handle:
            entries.extend(json.loads(line) for line in handle if line.strip())
    return sorted(entries, key=lambda entry: entry["item_id"])


def write_entries(entries: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        for entry in entries:
            handle.write(json.dumps(entry) + "\n")


@dataclass(frozen=True)
class ExplainedItem:
    """One explanation with the clip as the model saw it and the canonical name of its class."""

    record: Explanation
    dataset: str
    label: str            # the item's true (canonical) label from the manifest
    explained_class: str  # the model's class, mapped onto the task's canonical labels
    original: np.ndarray

    def signals(self) -> dict[str, np.ndarray]:
        """original, sufficient, complete, one_complete and inverse waveforms (those defined)."""
        return {"original": self.original, **render_signals(self.original, self.record)}


def label_mapping(facts: Path) -> dict[str, str]:
    """The model's label -> canonical label mapping recorded by the model-facts rule."""
    return dict(json.loads(Path(facts).read_text())["label_mapping"])


def explained_items(
    manifest: Path, entries: Iterable[Path], mapping: dict[str, str], log: Callable[[str], None],
    item_ids: Collection[str] | None = None,
) -> list[ExplainedItem]:
    """Every explanation with status ok (the others are logged and skipped); only those of
    ``item_ids`` when given (the others' audio is not read)."""
    frame = read_manifest(manifest).set_index("item_id")
    items = []
    for entry in read_entries(entries):
        if item_ids is not None and entry["item_id"] not in item_ids:
            continue
        if entry["status"] != "ok":
            log(f"{entry['item_id']}: skipped ({entry['status']}: {entry.get('error')})")
            continue
        record = Explanation.from_dict(entry["record"])
        row = frame.loc[record.clip_id]
        original = as_explained(load_audio(manifest.parent / row["path"], record.sample_rate).waveform, record)
        items.append(ExplainedItem(record, row["dataset"], row["label"], mapping[record.class_name], original))
    return items
