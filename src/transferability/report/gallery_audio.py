"""The gallery's playable copies of signals: 16-bit PCM, each scaled to the same peak.

A browser plays what it is given at the level it is given, and a sufficient signal of one bin
can be 30 dB below its clip: every copy is scaled so that its peak is at :data:`PEAK` (-1 dBFS),
and the factor that restores the signals' true relative levels is kept beside it (the page's
"relative level" switch uses it as the player's volume). 16-bit quantisation then sits about
90 dB below each signal's own peak. WAV plays everywhere; FLAC holds the same samples in about
half the bytes for music and speech (both written by libsndfile through ``soundfile``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

PEAK = 10.0 ** (-1.0 / 20.0)
AUDIO_FORMATS = {"wav": ("WAV", ".wav"), "flac": ("FLAC", ".flac")}


@dataclass(frozen=True)
class Playable:
    """A written copy and the true peak of the signal it holds (0 for silence)."""

    path: Path
    peak: float


def write_playable(stem: Path, waveform: np.ndarray, sample_rate: int, audio_format: str) -> Playable:
    """``stem`` + the format's suffix: ``waveform`` scaled to peak :data:`PEAK`, as 16-bit PCM."""
    if audio_format not in AUDIO_FORMATS:
        raise ValueError(f"gallery audio format {audio_format!r}: expected one of {sorted(AUDIO_FORMATS)}")
    container, suffix = AUDIO_FORMATS[audio_format]
    samples = np.asarray(waveform, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(samples)):
        raise ValueError(f"{stem}: the signal has NaN or infinite samples")
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    scaled = samples * (PEAK / peak) if peak > 0 else samples
    path = Path(stem).with_name(Path(stem).name + suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, scaled, sample_rate, format=container, subtype="PCM_16")
    return Playable(path, peak)


def relative_gains(peaks: list[float]) -> list[float]:
    """Volumes in [0, 1] that give copies scaled to one peak their true relative levels (loudest = 1)."""
    loudest = max(peaks, default=0.0)
    return [peak / loudest if loudest > 0 else 1.0 for peak in peaks]
