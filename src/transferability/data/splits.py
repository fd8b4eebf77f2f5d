"""The rows and the clips of one split of a task's manifest."""
from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from transferability.data.audio import load_audio
from transferability.data.manifest import ManifestError, read_manifest


def split_rows(manifest: Path, split: str, datasets: list[str] | None = None) -> pd.DataFrame:
    """The manifest's rows of one split, of ``datasets`` only when given."""
    frame = read_manifest(manifest)
    rows = frame[frame["split"] == split]
    return rows if datasets is None else rows[rows["dataset"].isin(datasets)]


def load_split(
    manifest: Path, split: str, labels: list[str], sample_rate: int, datasets: list[str] | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Waveforms at ``sample_rate`` and canonical label indices of one split of the manifest."""
    rows = split_rows(manifest, split, datasets)
    unknown = sorted(set(rows["label"]) - set(labels))
    if unknown:
        raise ManifestError(f"manifest {manifest}: label(s) {', '.join(unknown)} are not among the task's labels {labels}")
    waveforms = [load_audio(manifest.parent / path, sample_rate).waveform for path in rows["path"]]
    return waveforms, np.array([labels.index(label) for label in rows["label"]], dtype=np.int64)


def choose_items(candidates: pd.DataFrame, datasets: list[str], labels: list[str], per_class: int,
                 seed: int) -> pd.DataFrame:
    """``per_class`` rows of ``candidates`` (item_id, dataset, label) per dataset and label, drawn
    with ``seed``; each class has its own stream (seed, dataset, label), so a class's items do not
    depend on the others', and more items per class keep the ones drawn before."""
    chosen = []
    for dataset in datasets:
        for label in labels:
            group = candidates[(candidates["dataset"] == dataset) & (candidates["label"] == label)]
            group = group.sort_values("item_id", ignore_index=True)
            rng = np.random.default_rng([seed, zlib.crc32(f"{dataset}/{label}".encode())])
            order = rng.permutation(len(group))[:per_class]
            chosen.append(group.iloc[np.sort(order)])
    columns = ["item_id", "dataset", "label"]
    return pd.concat(chosen, ignore_index=True)[columns] if chosen else pd.DataFrame(columns=columns)
