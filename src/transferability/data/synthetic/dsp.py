"""Signal helpers shared by the synthetic generators: noise, levels, envelopes, filters."""
from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

PEAK_LIMIT = 0.9


def db_to_amplitude(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def coloured_noise(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Unit-RMS noise with power spectrum ~ 1/f**exponent (0 white, 1 pink, 2 brown)."""
    n_bins = n // 2 + 1
    spectrum = rng.standard_normal(n_bins) + 1j * rng.standard_normal(n_bins)
    freqs = np.arange(n_bins, dtype=np.float64)
    freqs[0] = 1.0
    spectrum *= freqs ** (-exponent / 2.0)
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum, n=n)
    return noise / max(rms(noise), 1e-12)


def band_noise(rng: np.random.Generator, n: int, sample_rate: int, low_hz: float, high_hz: float) -> np.ndarray:
    """Unit-RMS Gaussian noise confined to ``[low_hz, high_hz]`` (shaped in the frequency domain)."""
    freqs = np.fft.rfftfreq(n, 1.0 / sample_rate)
    spectrum = rng.standard_normal(freqs.size) + 1j * rng.standard_normal(freqs.size)
    spectrum[(freqs < low_hz) | (freqs > high_hz)] = 0.0
    noise = np.fft.irfft(spectrum, n=n)
    return noise / max(rms(noise), 1e-12)


def set_level(x: np.ndarray, rms_db: float, peak_limit: float = PEAK_LIMIT) -> np.ndarray:
    """Scale ``x`` to an RMS of ``rms_db`` dBFS, then scale down (never clip) so |x| <= ``peak_limit``."""
    level = rms(x)
    if level <= 0.0:
        raise ValueError("cannot set the level of a silent signal")
    y = x * (db_to_amplitude(rms_db) / level)
    peak = float(np.max(np.abs(y)))
    if peak > peak_limit:
        y = y * (peak_limit / peak)
    return y.astype(np.float32)


def mix_at(signal: np.ndarray, other: np.ndarray, relative_db: float) -> np.ndarray:
    """``signal`` plus ``other`` scaled to ``relative_db`` relative to the RMS of ``signal``."""
    return signal + other * (rms(signal) * db_to_amplitude(relative_db) / max(rms(other), 1e-12))


def decay_envelope(n: int, sample_rate: int, attack_s: float, decay_s: float, release_s: float = 0.01) -> np.ndarray:
    """Linear attack, exponential decay (time constant ``decay_s``), linear release over the last ``release_s``."""
    t = np.arange(n) / sample_rate
    envelope = np.exp(-t / decay_s) * np.minimum(1.0, t / max(attack_s, 1e-4))
    n_release = min(n, max(1, int(release_s * sample_rate)))
    envelope[n - n_release :] *= np.linspace(1.0, 0.0, n_release)
    return envelope


def band_filter(x: np.ndarray, sample_rate: int, low_hz: float | None, high_hz: float | None, order: int = 2) -> np.ndarray:
    """Butterworth high-, low- or band-pass (a None edge is left open)."""
    nyquist = sample_rate / 2.0
    if low_hz is not None and high_hz is not None:
        sos = butter(order, [low_hz / nyquist, min(high_hz / nyquist, 0.99)], btype="bandpass", output="sos")
    elif low_hz is not None:
        sos = butter(order, low_hz / nyquist, btype="highpass", output="sos")
    elif high_hz is not None:
        sos = butter(order, min(high_hz / nyquist, 0.99), btype="lowpass", output="sos")
    else:
        return x
    return sosfilt(sos, x)


def add_at(target: np.ndarray, sound: np.ndarray, start: int) -> None:
    """Add ``sound`` into ``target`` from sample ``start``, truncated at the end of ``target``."""
    if start >= target.size or start < 0:
        return
    end = min(target.size, start + sound.size)
    target[start:end] += sound[: end - start]
