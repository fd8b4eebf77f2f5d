"""Reading, validating and writing audio clips.

Policy: clips are read with soundfile (WAV/FLAC/OGG) as float32 in [-1, 1]; multichannel clips
are downmixed to mono by averaging the channels; clips at another sample rate are resampled with
``scipy.signal.resample_poly`` using the reduced fraction ``target/original``. Both steps are
recorded on the returned :class:`LoadedAudio`. Missing, unreadable, corrupt or empty files and
non-finite samples raise the classifier contract's :class:`AudioInputError`; silence is not an
error here (see ``transferability.models.contract.is_silent``).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf
from scipy.io import wavfile

from transferability.models.contract import AudioInputError, validate_waveform

if TYPE_CHECKING:
    import torch


@dataclass
class LoadedAudio:
    """A mono float32 waveform at ``sample_rate`` and how it was obtained from the file."""

    waveform: np.ndarray
    sample_rate: int
    source_path: Path
    original_sample_rate: int
    original_channels: int
    resampled: bool
    downmixed: bool


def resample(waveform: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling by the reduced ratio ``to_rate / from_rate``, as float32."""
    if from_rate == to_rate:
        return waveform
    from scipy.signal import resample_poly  # deferred: most of a second to import, and most clips need no resampling

    divisor = gcd(to_rate, from_rate)
    return resample_poly(waveform, to_rate // divisor, from_rate // divisor).astype(np.float32)


def load_audio(path: str | Path, target_sample_rate: int | None) -> LoadedAudio:
    """Read a clip, downmix it to mono and resample it to ``target_sample_rate`` (None: keep the file's rate)."""
    path = Path(path)
    if target_sample_rate is not None and target_sample_rate <= 0:
        raise ValueError(f"target sample rate must be positive, got {target_sample_rate}")
    if not path.is_file():
        raise AudioInputError(f"audio file {str(path)!r}: not found")
    if path.stat().st_size == 0:
        raise AudioInputError(f"audio file {str(path)!r}: empty file (0 bytes)")
    try:
        frames, original_rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.SoundFileError, RuntimeError, OSError) as exc:
        raise AudioInputError(f"audio file {str(path)!r}: unreadable or corrupt ({exc})") from exc
    if frames.shape[0] == 0:
        raise AudioInputError(f"audio file {str(path)!r}: contains no samples")
    channels = frames.shape[1]
    mono = frames.mean(axis=1, dtype=np.float32) if channels > 1 else frames[:, 0]
    waveform = validate_waveform(mono, str(path))
    target_sample_rate = int(original_rate) if target_sample_rate is None else target_sample_rate
    resampled = original_rate != target_sample_rate
    if resampled:
        waveform = resample(waveform, original_rate, target_sample_rate)
    return LoadedAudio(
        waveform=np.ascontiguousarray(waveform),
        sample_rate=target_sample_rate,
        source_path=path,
        original_sample_rate=int(original_rate),
        original_channels=int(channels),
        resampled=resampled,
        downmixed=channels > 1,
    )


def write_wav(path: str | Path, waveform: np.ndarray | torch.Tensor, sample_rate: int) -> Path:
    """Write a mono float32 WAV (samples round-trip exactly; same samples, same bytes); create parent dirs.

    scipy's writer is used rather than libsndfile's, whose PEAK chunk carries a timestamp.
    """
    path = Path(path)
    samples = validate_waveform(waveform, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    wavfile.write(path, int(sample_rate), samples)
    return path
