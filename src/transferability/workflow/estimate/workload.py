"""The work a config asks for: its model slots, and the items and clip length of each dataset."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import yaml

from transferability.data.manifest import read_manifest
from transferability.explainer.config import ConfigError
from transferability.models.contract import AudioClassifier

# Typical clip lengths (seconds) per dataset layout, used when no prepared manifest exists and no
# --seconds override is given. Where each number comes from:
GTZAN_SECONDS = 30.0
"""GTZAN: every clip is 30 s (the paper, Section 4: "Each file is 30 seconds long"; the dataset's own documentation)."""
RAVDESS_SPEECH_SECONDS = 3.7
"""RAVDESS speech: 1440 clips of one short sentence, about 3-5 s each; ~3.7 s is the commonly quoted
mean. Not verified here (the search tool found the file counts, not the durations)."""
ASVSPOOF2019_LA_EVAL_SECONDS = 3.3
"""ASVspoof 2019 LA eval (71,237 utterances): ~3.3 s mean as commonly quoted; not verified here."""
IN_THE_WILD_SECONDS = 4.3
"""In-the-Wild (Mueller et al. 2022): 37.9 h of audio in 31,779 clips (19,963 bona fide, 11,816
spoof), i.e. 4.29 s mean. Figures from the dataset paper as recalled; not verified here."""

TYPICAL_SECONDS: dict[str, float] = {
    "gtzan": GTZAN_SECONDS,
    "ravdess": RAVDESS_SPEECH_SECONDS,
    "asvspoof2019_la": ASVSPOOF2019_LA_EVAL_SECONDS,
    "in_the_wild": IN_THE_WILD_SECONDS,
}

SCHEMA_DEFAULT_EXPLAIN_COUNT = 20  # datasets.<name>.counts.explain default (config/schema.yaml)
SYNTHETIC_DEFAULT_EXPLAIN_COUNT = 2  # data.counts.explain default
SYNTHETIC_DEFAULT_SECONDS = 2.0  # data.seconds default


@dataclass(frozen=True)
class ModelSlot:
    """One model of one task, and where it is loaded from."""

    task: str
    model: str
    spec: str  # what load_classifier gets without random_init
    backbone: str
    source: str | None  # hub id / folder / entry point; None for models trained in the workflow


@dataclass(frozen=True)
class DatasetWork:
    """The items of one dataset that each model of a task explains, and their clip length."""

    task: str
    dataset: str
    items: int
    items_source: str
    seconds: float
    seconds_source: str


def load_config(path: Path) -> dict[str, Any]:
    """The YAML config as a dict (schema defaults are filled in where this module reads them)."""
    config = yaml.safe_load(Path(path).read_text()) or {}
    if "tasks" not in config:
        raise ConfigError(f"{path}: no 'tasks' section")
    return config


def results_root(config: Mapping[str, Any]) -> Path:
    """The config's results folder, relative to the current directory (the workflow root)."""
    return Path(config.get("results", "results"))


def model_slots(config: Mapping[str, Any]) -> list[ModelSlot]:
    """Every (task, model) of the config, with hub ids mapped through ``hub_overrides``."""
    overrides = config.get("hub_overrides") or {}
    trained_names = {"wav2vec2": "Wav2Vec2", "whisper": "Whisper", "ast": "AST", "cnn": "CNN"}
    slots = []
    for task, task_cfg in config["tasks"].items():
        for model, entry in task_cfg["models"].items():
            if "train" in entry:
                spec, source = str(results_root(config) / "models" / task / model), None
            else:
                source = str(entry["source"])
                spec = overrides.get(source, source)
            backbone = entry.get("backbone") or trained_names.get(entry.get("train"), "?")
            slots.append(ModelSlot(task=task, model=model, spec=spec, backbone=backbone, source=source))
    return slots


def explain_count(config: Mapping[str, Any], task: str, dataset: str) -> int:
    """Items per class explained: the dataset's ``counts.explain`` (downloaded datasets) or
    ``data.counts`` with the task's ``counts`` laid over them (synthetic ones)."""
    datasets = config.get("datasets") or {}
    if dataset in datasets:
        return int((datasets[dataset].get("counts") or {}).get("explain", SCHEMA_DEFAULT_EXPLAIN_COUNT))
    counts = {**((config.get("data") or {}).get("counts") or {}), **(config["tasks"][task].get("counts") or {})}
    return int(counts.get("explain", SYNTHETIC_DEFAULT_EXPLAIN_COUNT))


def items_per_dataset(config: Mapping[str, Any], task: str) -> dict[str, int]:
    """Explained items per dataset of ``task``: the task's labels x the per-class explain count."""
    labels = config["tasks"][task]["labels"]
    return {d: len(labels) * explain_count(config, task, d) for d in config["tasks"][task]["datasets"]}


def typical_seconds(config: Mapping[str, Any], dataset: str) -> tuple[float, str]:
    """Clip length of a dataset without a manifest: ``TYPICAL_SECONDS`` by layout, cropped to
    ``max_seconds``; ``data.seconds`` for synthetic datasets."""
    entry = (config.get("datasets") or {}).get(dataset)
    if entry is None:
        seconds = float((config.get("data") or {}).get("seconds", SYNTHETIC_DEFAULT_SECONDS))
        return seconds, "data.seconds (synthetic)"
    layout = entry.get("layout", dataset)
    if layout not in TYPICAL_SECONDS:
        raise ConfigError(f"dataset {dataset!r}: no typical length for layout {layout!r}; pass --seconds {dataset}=S")
    seconds, source = TYPICAL_SECONDS[layout], f"typical {layout} length (estimate.workload.TYPICAL_SECONDS)"
    if entry.get("max_seconds") is not None and entry["max_seconds"] < seconds:
        return float(entry["max_seconds"]), f"max_seconds of {dataset}"
    return seconds, source


def manifest_explain_split(manifest: Path, dataset: str) -> pd.DataFrame | None:
    """The prepared manifest's explain rows of ``dataset`` (None without manifest or rows)."""
    if not manifest.is_file():
        return None
    frame = read_manifest(manifest)
    rows = frame[(frame["split"] == "explain") & (frame["dataset"] == dataset)]
    return rows if len(rows) else None


def dataset_work(config: Mapping[str, Any], task: str, seconds_overrides: Mapping[str, float] | None = None) -> list[DatasetWork]:
    """Items and clip length of each dataset of ``task``.

    Clip length: ``seconds_overrides[dataset]`` if given, else the mean duration of the explain
    split in ``<results>/data/<task>/manifest.csv`` if prepared, else :func:`typical_seconds`.
    Items: the manifest's explain rows if prepared, else :func:`items_per_dataset`.
    """
    seconds_overrides = seconds_overrides or {}
    manifest = results_root(config) / "data" / task / "manifest.csv"
    counted = items_per_dataset(config, task)
    work = []
    for dataset, items in counted.items():
        rows = manifest_explain_split(manifest, dataset)
        items_source = f"{len(config['tasks'][task]['labels'])} labels x {explain_count(config, task, dataset)} per class"
        if rows is not None:
            items, items_source = len(rows), f"explain split of {manifest}"
        if dataset in seconds_overrides:
            seconds, source = float(seconds_overrides[dataset]), "--seconds"
        elif rows is not None:
            seconds, source = float(rows["duration"].mean()), f"mean duration in {manifest}"
        else:
            seconds, source = typical_seconds(config, dataset)
        work.append(DatasetWork(task, dataset, int(items), items_source, seconds, source))
    return work


def model_samples(seconds: float, classifier: AudioClassifier) -> int:
    """Samples the explainer works on: the clip cropped to ``max_samples``, at least ``min_samples``."""
    samples = int(round(seconds * classifier.sample_rate))
    if classifier.max_samples is not None:
        samples = min(samples, classifier.max_samples)
    return max(samples, classifier.min_samples)
