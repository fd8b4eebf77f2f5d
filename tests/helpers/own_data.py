"""A researcher's own recordings, made up: a folder dataset (one sub-folder per class, sessions below it) at
mixed sample rates, channel counts and lengths, with the faults the generic layouts must report.

By hand (then ``snakemake --cores all --configfile .test/config-own-data.yaml``)::

    python -m tests.helpers.own_data results/own-data-recordings
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from transferability.data.synthetic.music import synthesise_music

CLASSES = ("classical", "metal")
RATES = (22050, 44100)
CORRUPT = "broken.wav"  # in the first class's folder
UNKNOWN_LABEL = "birdsong"  # a folder whose name is not one of the task's labels
STRAY = "notes.txt"  # a file at the top, outside every class folder


def write_recording(path: Path, label: str, index: int, seed: int = 0) -> Path:
    """One clip of ``label``: 0.9 to 1.2 s, 22.05 or 44.1 kHz, every third one in stereo, as 16-bit WAV."""
    rng = np.random.default_rng([seed, CLASSES.index(label) if label in CLASSES else 9, index])
    rate = RATES[index % 2]
    seconds = float(rng.uniform(0.9, 1.2))
    mono = synthesise_music(rng, label if label in CLASSES else "blues", sample_rate=rate, seconds=seconds)
    clip = np.stack([mono, 0.8 * mono], axis=1) if index % 3 == 0 else mono
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, clip, rate, subtype="PCM_16")
    return path


def write_recordings(root: Path, per_class: int = 9, seed: int = 0) -> Path:
    """``<class>/session-<k>/<class>-<i>.wav``, ``per_class`` files for each of :data:`CLASSES`, the first class's
    last one a corrupt WAV (:data:`CORRUPT`); plus a recording in an :data:`UNKNOWN_LABEL` folder and a stray
    text file at the top."""
    root = Path(root)
    for label in CLASSES:
        for index in range(per_class - (label == CLASSES[0])):
            write_recording(root / label / f"session-{index % 2}" / f"{label}-{index:02d}.wav", label, index, seed)
    (root / CLASSES[0] / CORRUPT).write_bytes(b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    write_recording(root / UNKNOWN_LABEL / "robin.wav", UNKNOWN_LABEL, 0, seed)
    (root / STRAY).write_text("recorded in the lab, spring\n")
    return root


if __name__ == "__main__":
    print(write_recordings(Path(sys.argv[1])))
