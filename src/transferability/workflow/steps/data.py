"""Steps of rules/data.smk: synthetic tasks, or datasets (downloaded and extracted, or a local folder) sampled
and combined per task."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transferability.data.datasets.download import download
from transferability.data.datasets.extract import extract
from transferability.data.datasets.prepare import combine_manifest_files, sample_dataset
from transferability.data.datasets.registry import GENERIC_LAYOUTS, LAYOUTS
from transferability.data.manifest import write_manifest
from transferability.workflow.steps import Log


def synthetic_data(
    task: str, counts: dict[str, int], seconds: float, sample_rate: int, seed: int, speech: str, audio: Path,
    manifest: Path, log: Log,
) -> None:
    """Generate one synthetic task's clips into ``audio`` (a folder beside the ``manifest``), with the
    speech engine ``speech`` (config ``data.speech``); stops when that engine cannot run here."""
    from transferability.data.synthetic import FORMANT_WARNING, TASKS, EspeakUnavailable, check_speech_engine, generate_task

    try:
        engine = check_speech_engine(speech)
    except EspeakUnavailable as error:
        raise RuntimeError(f"config data.speech: {speech}: {error}; or set data.speech: formant (speech without "
                           f"words, for machines where espeak cannot run: the ASR table is then not meaningful)") from None
    log(f"speech engine: {speech} (data.speech): {engine}")
    if speech == "formant" and task in TASKS and TASKS[task].spoken:
        log(f"WARNING: {task}: {FORMANT_WARNING}")
    frame = generate_task(task, audio, counts, seed, seconds=seconds, sample_rate=sample_rate, speech=speech)
    prefix = audio.relative_to(manifest.parent)
    frame["path"] = [(prefix / path).as_posix() for path in frame["path"]]
    write_manifest(frame, manifest)
    log(f"{len(frame)} clips: " + ", ".join(f"{k}={v}" for k, v in frame.groupby(["dataset", "split"]).size().items()))


def download_dataset(url: str, checksum: str | None, archive: Path, log: Log) -> None:
    """Resumable download with checksum verification."""
    download(url, archive, checksum, log)


def extract_dataset(archive: Path, raw: Path, log: Log) -> None:
    """Extract, refusing members that would land outside ``raw``."""
    extract(archive, raw, log)


def prepare_dataset(
    dataset_root: Path, fingerprint: str | None, task: str, dataset: str, labels: list[str], layout: str,
    options: dict[str, Any], label_map: dict[str, str], counts: dict[str, int], seed: int, max_seconds: float | None,
    sample_rate: int, manifest: Path, report: Path, log: Log,
) -> None:
    """Rows from the dataset's layout (read in ``dataset_root``: the extracted archive or the local folder),
    sampled per class and converted to mono WAV at ``sample_rate``."""
    if layout not in LAYOUTS:
        raise ValueError(f"dataset {dataset}: unknown layout {layout!r}; expected one of {sorted(LAYOUTS)}")
    if fingerprint is not None:
        log(f"{dataset_root}: local folder, fingerprint {fingerprint} (paths, sizes and times of its files)")
    rows = LAYOUTS[layout](dataset_root, **options)
    (manifest.parent / dataset).mkdir(parents=True, exist_ok=True)  # the rule's audio folder, even if no clip is usable
    frame, summary = sample_dataset(rows, dataset, task, manifest.parent, counts, seed, sample_rate=sample_rate,
                                     label_map=label_map or None, labels=labels, max_seconds=max_seconds,
                                     require_every_class=layout in GENERIC_LAYOUTS, log=log)
    write_manifest(frame, manifest)
    report.write_text(json.dumps(summary, indent=1))
    log(f"{dataset}: {len(frame)} items, {len(summary.get('skipped', []))} files skipped (see {report})")


def task_manifest(manifests: list[Path], manifest: Path, log: Log) -> None:
    """One task manifest from its datasets' manifests."""
    frame = combine_manifest_files(manifests, manifest)
    log(f"{manifest}: {len(frame)} items from {len(manifests)} datasets")
