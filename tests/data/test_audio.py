"""Reading, validating and writing clips: downmix, resampling, errors that name the file."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from transferability.data.audio import load_audio, write_wav
from transferability.models.contract import AudioInputError, is_silent, validate_waveform


def _sine(freq: float, sample_rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _peak_hz(waveform: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(waveform))
    return float(np.fft.rfftfreq(waveform.size, 1 / sample_rate)[np.argmax(spectrum)])


def test_mono_16k_wav_loads_unchanged(tmp_path: Path) -> None:
    tone = _sine(440, 16000, 1.0)
    path = tmp_path / "mono.wav"
    sf.write(path, tone, 16000, subtype="FLOAT")
    loaded = load_audio(path, 16000)
    assert loaded.waveform.dtype == np.float32 and loaded.waveform.ndim == 1
    np.testing.assert_array_equal(loaded.waveform, tone)
    assert (loaded.sample_rate, loaded.original_sample_rate, loaded.original_channels) == (16000, 16000, 1)
    assert not loaded.resampled and not loaded.downmixed
    assert loaded.source_path == path


def test_flac_int16_is_scaled_to_unit_range(tmp_path: Path) -> None:
    pcm = np.array([0, 16384, -32768, 32767, -16384], dtype=np.int16)
    path = tmp_path / "pcm.flac"
    sf.write(path, pcm, 16000, subtype="PCM_16")
    loaded = load_audio(path, 16000)
    assert loaded.waveform.dtype == np.float32
    np.testing.assert_allclose(loaded.waveform, pcm / 32768.0, atol=1e-7)
    assert np.max(np.abs(loaded.waveform)) <= 1.0


def test_int16_wav_is_scaled_to_unit_range(tmp_path: Path) -> None:
    pcm = (np.round(_sine(440, 16000, 0.5, amplitude=0.9) * 32767)).astype(np.int16)
    path = tmp_path / "pcm.wav"
    sf.write(path, pcm, 16000, subtype="PCM_16")
    loaded = load_audio(path, 16000)
    np.testing.assert_allclose(loaded.waveform, pcm / 32768.0, atol=1e-7)


def test_stereo_is_averaged(tmp_path: Path) -> None:
    left = _sine(440, 16000, 0.5, amplitude=0.8)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, np.zeros_like(left)], axis=1), 16000, subtype="FLOAT")
    loaded = load_audio(path, 16000)
    assert loaded.downmixed and loaded.original_channels == 2 and not loaded.resampled
    np.testing.assert_allclose(loaded.waveform, left / 2, atol=1e-7)


def test_stereo_44k_is_downmixed_and_resampled_to_16k(tmp_path: Path) -> None:
    seconds = 1.5
    left = _sine(440, 44100, seconds)
    path = tmp_path / "stereo44k.wav"
    sf.write(path, np.stack([left, left], axis=1), 44100, subtype="FLOAT")
    loaded = load_audio(path, 16000)
    assert loaded.resampled and loaded.downmixed
    assert (loaded.sample_rate, loaded.original_sample_rate) == (16000, 44100)
    assert abs(loaded.waveform.size - seconds * 16000) <= 1
    assert loaded.waveform.dtype == np.float32
    bin_hz = 16000 / loaded.waveform.size
    assert abs(_peak_hz(loaded.waveform, 16000) - 440) <= bin_hz
    middle = loaded.waveform[2000:-2000]
    assert abs(np.max(np.abs(middle)) - 0.5) < 0.02


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.wav"
    with pytest.raises(AudioInputError, match="nowhere.wav") as info:
        load_audio(path, 16000)
    assert "not found" in str(info.value)


def test_corrupt_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "garbage.wav"
    path.write_bytes(b"RIFF" + bytes(range(256)) * 8)
    with pytest.raises(AudioInputError, match="garbage.wav") as info:
        load_audio(path, 16000)
    assert "corrupt" in str(info.value)


def test_zero_byte_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    path.touch()
    with pytest.raises(AudioInputError, match="zero.wav") as info:
        load_audio(path, 16000)
    assert "empty" in str(info.value)


def test_valid_header_with_no_samples_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nosamples.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16000, subtype="FLOAT")
    with pytest.raises(AudioInputError, match="nosamples.wav") as info:
        load_audio(path, 16000)
    assert "no samples" in str(info.value)


def test_nan_samples_in_file_name_the_path_and_count(tmp_path: Path) -> None:
    samples = _sine(440, 16000, 0.25)
    samples[[3, 10, 100]] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(path, samples, 16000, subtype="FLOAT")
    with pytest.raises(AudioInputError, match=r"nan\.wav.*3 of 4000 samples"):
        load_audio(path, 16000)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_validate_waveform_rejects_non_finite(bad: float) -> None:
    samples = np.zeros(50, dtype=np.float32)
    samples[[1, 7]] = bad
    with pytest.raises(AudioInputError, match=r"clip 'dog_17'.*2 of 50 samples"):
        validate_waveform(samples, "dog_17")


def test_validate_waveform_accepts_tensor_and_row() -> None:
    out = validate_waveform(torch.ones(1, 8, dtype=torch.float64), "row")
    assert out.dtype == np.float32 and out.shape == (8,)
    out = validate_waveform(np.arange(4, dtype=np.int16), "ints")
    assert out.dtype == np.float32 and out.shape == (4,)


@pytest.mark.parametrize("shape", [(2, 8), (1, 2, 8), (0,), ()])
def test_validate_waveform_rejects_bad_shapes(shape: tuple[int, ...]) -> None:
    with pytest.raises(AudioInputError, match="clip 'odd'"):
        validate_waveform(np.zeros(shape, dtype=np.float32), "odd")


def test_is_silent() -> None:
    assert is_silent(np.zeros(100, dtype=np.float32))
    assert is_silent(torch.full((100,), 1e-9))
    assert not is_silent(np.array([0.0, 1e-3], dtype=np.float32))
    assert not is_silent(np.array([0.0, 1e-3]), threshold=1e-3)
    assert is_silent(np.array([0.0, 1e-3]), threshold=1e-2)


def test_write_wav_round_trips_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(12345) * 0.3).astype(np.float32)
    samples[0] = 1.7  # out of [-1, 1] on purpose: FLOAT WAV must not clip
    path = write_wav(tmp_path / "deep" / "dir" / "x.wav", samples, 16000)
    assert path.is_file()
    assert sf.info(path).subtype == "FLOAT"
    loaded = load_audio(path, 16000)
    np.testing.assert_array_equal(loaded.waveform, samples)
    assert not loaded.resampled and not loaded.downmixed


def test_write_wav_accepts_tensor(tmp_path: Path) -> None:
    tensor = torch.linspace(-0.5, 0.5, 100)
    path = write_wav(tmp_path / "t.wav", tensor, 8000)
    np.testing.assert_array_equal(load_audio(path, 8000).waveform, tensor.numpy())


def test_write_wav_is_byte_deterministic(tmp_path):
    """Same samples, same bytes: caches keyed on file digests survive regenerated data."""
    samples = np.random.default_rng(0).standard_normal(800).astype(np.float32)
    first = write_wav(tmp_path / "a.wav", samples, 16_000).read_bytes()
    second = write_wav(tmp_path / "b.wav", samples, 16_000).read_bytes()
    assert first == second
