"""The three synthetic tasks: seeded generation to WAV files plus a CSV manifest."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from transferability.data.audio import write_wav
from transferability.data.manifest import COLUMNS as MANIFEST_COLUMNS
from transferability.data.manifest import SPLITS, TEXT_COLUMN
from transferability.data.synthetic.clip import SyntheticClip
from transferability.data.synthetic.music import GENRES, synthesise_music
from transferability.data.synthetic.speech import SPEECH_ENGINES, synthesise_spoken_emotion
from transferability.data.synthetic.spoof import SPOOF_LABELS, synthesise_spoof_item
from transferability.data.synthetic.voice import EMOTIONS, synthesise_emotion

# (rng, label, dataset, sample_rate, seconds, speech engine "espeak" or "formant") -> the clip and its words
ClipGenerator = Callable[[np.random.Generator, str, str, int, float, str], SyntheticClip]


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of a task and the splits it has."""

    name: str
    splits: tuple[str, ...]


@dataclass(frozen=True)
class TaskSpec:
    """A task: its classes (canonical order), its datasets, the generator of one clip and whether it speaks."""

    name: str
    classes: tuple[str, ...]
    datasets: tuple[DatasetSpec, ...]
    generate: ClipGenerator
    spoken: bool  # its clips are speech of the speech engine


def _genre_clip(rng: np.random.Generator, label: str, dataset: str, sample_rate: int, seconds: float, engine: str) -> SyntheticClip:
    return SyntheticClip(synthesise_music(rng, label, sample_rate, seconds))


def _emotion_clip(rng: np.random.Generator, label: str, dataset: str, sample_rate: int, seconds: float, engine: str) -> SyntheticClip:
    if engine == "espeak":
        return synthesise_spoken_emotion(rng, label, sample_rate, seconds)
    return SyntheticClip(synthesise_emotion(rng, label, sample_rate, seconds))


TASKS: dict[str, TaskSpec] = {
    "genre": TaskSpec("genre", GENRES, (DatasetSpec("genre", SPLITS),), _genre_clip, spoken=False),
    "emotion": TaskSpec("emotion", EMOTIONS, (DatasetSpec("emotion", SPLITS),), _emotion_clip, spoken=True),
    # Spoof models are trained in-domain and evaluated on both domains, as in the paper.
    "spoof": TaskSpec(
        "spoof",
        SPOOF_LABELS,
        (DatasetSpec("spoof_in", SPLITS), DatasetSpec("spoof_wild", ("heldout", "explain"))),
        synthesise_spoof_item,
        spoken=True,
    ),
}


def item_seed(seed: int, task: str, dataset: str, label: str, split: str, index: int) -> np.random.SeedSequence:
    """The seed of one item: independent of every other item and of the split counts."""
    key = "\x1f".join((task, dataset, label, split))
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "little")
    return np.random.SeedSequence([int(seed), digest, int(index)])


def _check_counts(counts: dict[str, int]) -> dict[str, int]:
    unknown = set(counts) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split(s) {sorted(unknown)} in counts; expected keys among {SPLITS}")
    for split, count in counts.items():
        if int(count) != count or count < 0:
            raise ValueError(f"count of split {split!r} must be a non-negative integer, got {count!r}")
    return {split: int(counts.get(split, 0)) for split in SPLITS}


def generate_task(
    task: str,
    out_dir: Path,
    counts: dict[str, int],
    seed: int,
    seconds: float = 2.0,
    sample_rate: int = 16000,
    speech: str = "espeak",
) -> pd.DataFrame:
    """Write ``counts[split]`` clips per class and split of every dataset of ``task`` under
    ``out_dir/<dataset>/<label>/<item_id>.wav`` and return their manifest (paths relative to ``out_dir``)
    with the words spoken in each clip in its :data:`TEXT_COLUMN`. ``speech`` is the speech engine
    (:data:`.speech.SPEECH_ENGINES`; check that it runs with :func:`.speech.check_speech_engine`)."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {sorted(TASKS)}")
    if speech not in SPEECH_ENGINES:
        raise ValueError(f"unknown speech engine {speech!r}; expected one of {SPEECH_ENGINES}")
    spec = TASKS[task]
    counts = _check_counts(counts)
    out_dir = Path(out_dir)
    n_samples = int(round(seconds * sample_rate))
    rows = []
    for dataset in spec.datasets:
        for split in dataset.splits:
            for label in spec.classes:
                for index in range(counts[split]):
                    item_id = f"{dataset.name}-{label}-{split}-{index:04d}"
                    relative = Path(dataset.name) / label / f"{item_id}.wav"
                    rng = np.random.default_rng(item_seed(seed, task, dataset.name, label, split, index))
                    clip = spec.generate(rng, label, dataset.name, sample_rate, seconds, speech)
                    if clip.waveform.size != n_samples:
                        raise RuntimeError(f"{item_id}: generated {clip.waveform.size} samples, expected {n_samples}")
                    write_wav(out_dir / relative, clip.waveform, sample_rate)
                    rows.append((item_id, relative.as_posix(), label, split, n_samples / sample_rate, dataset.name, task,
                                 clip.text))
    return pd.DataFrame(rows, columns=[*MANIFEST_COLUMNS, TEXT_COLUMN])
