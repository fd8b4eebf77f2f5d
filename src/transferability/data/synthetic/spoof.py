"""Bona fide vs spoof speech in two domains.

Bona fide speech is a random speaker with a neutral-ish style, spoken by the speech engine: espeak-ng
sentences (:mod:`.speech`) or the word-free source-filter voice (:mod:`.voice`). A
spoof is a vocoder-like resynthesis of such an utterance: its STFT magnitude is smoothed onto mel
bands (losing the harmonic fine structure a mel-spectrogram vocoder loses), band-limited, and
turned back into a waveform by a few Griffin-Lim iterations from random phase, then level-matched.

Domains: ``spoof_in`` (ASVspoof2019-like) is clean with one fixed channel and one family of
vocoder settings; ``spoof_wild`` (In-the-Wild-like) adds reverberation, a random channel
(band-limit and tilt), coloured background noise, random loudness, and other vocoder settings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import fftconvolve, istft, stft

from transferability.data.synthetic.clip import SyntheticClip
from transferability.data.synthetic.dsp import band_filter, coloured_noise, db_to_amplitude, mix_at, rms, set_level
from transferability.data.synthetic.speech import SpokenStyle, random_voice, spoken_utterance
from transferability.data.synthetic.voice import VoiceStyle, random_speaker, synthesise_utterance

SPOOF_LABELS = ("bonafide", "spoof")
DOMAINS = ("spoof_in", "spoof_wild")


@dataclass(frozen=True)
class Vocoder:
    """Settings of the magnitude-only resynthesis."""

    mel_bands: int | None = 80      # magnitude averaged on this many mel bands (None: full resolution)
    cutoff_hz: float = 7200.0        # magnitude above this is removed
    iterations: int = 8              # Griffin-Lim iterations from random phase
    n_fft: int = 512
    hop: int = 128


def bonafide_style(rng: np.random.Generator) -> VoiceStyle:
    """A random speaker with a calm, neutral-ish speaking style."""
    pitch_hz, formant_scale = random_speaker(rng)
    return VoiceStyle(
        pitch_hz=pitch_hz,
        pitch_range_st=rng.uniform(1.0, 4.0),
        pitch_slope_st=rng.uniform(-3.0, 1.0),
        rate_syll_per_s=rng.uniform(3.2, 5.0),
        pause_probability=rng.uniform(0.05, 0.2),
        energy_db=-22.0,
        tilt=rng.uniform(0.2, 0.7),
        formant_scale=formant_scale,
        jitter=rng.uniform(0.005, 0.02),
        shimmer=rng.uniform(0.02, 0.06),
    )


def spoken_bonafide_style(rng: np.random.Generator) -> SpokenStyle:
    """A random espeak-ng speaker with a calm, neutral-ish speaking style."""
    voice, pitch = random_voice(rng)
    return SpokenStyle(
        voice=voice,
        pitch=pitch,
        pitch_range=int(rng.integers(30, 71)),
        speed=int(rng.integers(140, 181)),
        word_gap=0,
        ending=".",
        energy_db=-22.0,
        shelf_db=rng.uniform(-3.0, 3.0),
    )


def bonafide_speech(rng: np.random.Generator, engine: str, sample_rate: int, seconds: float) -> SyntheticClip:
    """Bona fide speech of ``engine`` ("espeak" or "formant"), at -22 dBFS, and its words."""
    if engine == "espeak":
        return spoken_utterance(rng, spoken_bonafide_style(rng), sample_rate, seconds)
    if engine == "formant":
        return SyntheticClip(synthesise_utterance(rng, bonafide_style(rng), sample_rate, seconds))
    raise ValueError(f"unknown speech engine {engine!r}; expected 'espeak' or 'formant'")


def _mel(hz: float | np.ndarray) -> float | np.ndarray:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def _mel_smoother(freqs: np.ndarray, n_bands: int) -> np.ndarray:
    """``[bins, bins]`` matrix: average the magnitude in mel bands, then interpolate back to the bins."""
    centres_mel = np.linspace(_mel(freqs[1]), _mel(freqs[-1]), n_bands)
    centres = 700.0 * (10.0 ** (centres_mel / 2595.0) - 1.0)
    bin_hz = freqs[1] - freqs[0]
    half_width = np.maximum(np.gradient(centres), 1.5 * bin_hz)
    analysis = np.maximum(0.0, 1.0 - np.abs(freqs[None, :] - centres[:, None]) / half_width[:, None])
    analysis /= analysis.sum(axis=1, keepdims=True)
    lower = np.clip(np.searchsorted(centres, freqs) - 1, 0, n_bands - 2)
    weight = np.clip((freqs - centres[lower]) / (centres[lower + 1] - centres[lower]), 0.0, 1.0)
    synthesis = np.zeros((freqs.size, n_bands))  # linear interpolation between band centres
    rows = np.arange(freqs.size)
    synthesis[rows, lower] = 1.0 - weight
    synthesis[rows, lower + 1] += weight
    return synthesis @ analysis


def vocode(rng: np.random.Generator, speech: np.ndarray, sample_rate: int, vocoder: Vocoder) -> np.ndarray:
    """Magnitude-only resynthesis of ``speech`` (float32, same length and RMS, peak below 1)."""
    n = speech.size
    params = dict(fs=sample_rate, nperseg=vocoder.n_fft, noverlap=vocoder.n_fft - vocoder.hop)
    freqs, _, spectrum = stft(speech, **params)
    magnitude = np.abs(spectrum)
    if vocoder.mel_bands is not None:
        magnitude = _mel_smoother(freqs, vocoder.mel_bands) @ magnitude
    magnitude *= np.clip((vocoder.cutoff_hz + 200.0 - freqs) / 400.0, 0.0, 1.0)[:, None]
    phase = np.exp(2j * np.pi * rng.random(magnitude.shape))
    for _ in range(vocoder.iterations):
        _, waveform = istft(magnitude * phase, **params)
        _, _, rebuilt = stft(_fit_length(waveform, n), **params)
        phase = rebuilt / np.maximum(np.abs(rebuilt), 1e-12)
    _, waveform = istft(magnitude * phase, **params)
    return set_level(_fit_length(waveform, n), 20.0 * np.log10(rms(speech)))


def _fit_length(x: np.ndarray, n: int) -> np.ndarray:
    return x[:n] if x.size >= n else np.pad(x, (0, n - x.size))


@dataclass(frozen=True)
class _System:
    """A family of spoofing systems: vocoder settings are drawn inside these ranges."""

    probability: float
    mel_bands: tuple[int, int] | None  # None: full-resolution magnitude
    cutoff_hz: tuple[float, float]
    iterations: tuple[int, int]


# Systems differ in how easy they are to detect; the wild domain's are unlike the in-domain ones.
_SYSTEMS: dict[str, tuple[_System, ...]] = {
    "spoof_in": (
        _System(0.45, (48, 64), (6000.0, 7000.0), (2, 5)),
        _System(0.45, (80, 112), (7000.0, 7800.0), (4, 10)),
        _System(0.10, None, (7600.0, 8000.0), (16, 24)),
    ),
    "spoof_wild": (
        _System(0.4, (40, 56), (5500.0, 7000.0), (16, 24)),
        _System(0.3, (128, 160), (7000.0, 8000.0), (24, 32)),
        _System(0.3, None, (7000.0, 8000.0), (4, 8)),
    ),
}


def _draw_vocoder(rng: np.random.Generator, domain: str) -> Vocoder:
    """One of the domain's spoofing systems, with random settings inside its ranges."""
    systems = _SYSTEMS[domain]
    system = systems[rng.choice(len(systems), p=[s.probability for s in systems])]
    return Vocoder(
        mel_bands=None if system.mel_bands is None else int(rng.integers(system.mel_bands[0], system.mel_bands[1] + 1)),
        cutoff_hz=rng.uniform(*system.cutoff_hz),
        iterations=int(rng.integers(system.iterations[0], system.iterations[1] + 1)),
    )


def _room_impulse_response(rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """Direct path plus exponentially decaying noise (random RT60 and direct-to-reverb ratio)."""
    rt60 = rng.uniform(0.1, 0.5)
    n = int(0.4 * sample_rate)
    t = np.arange(n) / sample_rate
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    tail[0] = 0.0
    tail *= db_to_amplitude(-rng.uniform(0.0, 12.0)) / max(rms(tail) * np.sqrt(n), 1e-12)
    tail[0] = 1.0
    return tail


def _wild_channel(rng: np.random.Generator, speech: np.ndarray, sample_rate: int) -> np.ndarray:
    """Reverberation, random band-limit and tilt, background noise and loudness of a found recording."""
    x = fftconvolve(speech, _room_impulse_response(rng, sample_rate))[: speech.size]
    high = rng.uniform(3400.0, 7500.0) if rng.random() < 0.6 else None
    x = band_filter(x, sample_rate, rng.uniform(80.0, 300.0), high, order=4)
    x = mix_at(x, band_filter(x, sample_rate, None, 1000.0), rng.uniform(-10.0, 6.0))
    x = mix_at(x, coloured_noise(rng, x.size, rng.uniform(0.5, 2.0)), -rng.uniform(5.0, 25.0))
    return set_level(x, rng.uniform(-35.0, -14.0))


def _studio_channel(rng: np.random.Generator, speech: np.ndarray) -> np.ndarray:
    """The fixed in-domain channel: a white noise floor 50 dB down, speech at -22 dBFS."""
    return set_level(mix_at(speech, rng.standard_normal(speech.size), -50.0), -22.0)


def synthesise_spoof_item(
    rng: np.random.Generator, label: str, domain: str, sample_rate: int = 16000, seconds: float = 2.0, engine: str = "formant"
) -> SyntheticClip:
    """One clip of ``label`` ("bonafide" or "spoof") recorded in ``domain``, spoken by ``engine``, and its words."""
    if label not in SPOOF_LABELS:
        raise ValueError(f"unknown label {label!r}; expected one of {SPOOF_LABELS}")
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; expected one of {DOMAINS}")
    bonafide = bonafide_speech(rng, engine, sample_rate, seconds)
    speech = bonafide.waveform
    if label == "spoof":
        speech = vocode(rng, speech, sample_rate, _draw_vocoder(rng, domain))
    if domain == "spoof_in":
        return SyntheticClip(_studio_channel(rng, speech), bonafide.text)
    return SyntheticClip(_wild_channel(rng, speech, sample_rate), bonafide.text)
