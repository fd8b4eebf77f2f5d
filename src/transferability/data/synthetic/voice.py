"""Source-filter speech synthesiser: a jittered Rosenberg glottal pulse train through time-varying
formant resonators, in syllables with consonant noise bursts and pauses.

The synthesiser (:func:`synthesise_utterance`, driven by a :class:`VoiceStyle`) is shared: the
emotion classes below are style presets on top of it, and the spoof task's bona fide speech uses it
with neutral styles.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import sosfilt

from transferability.data.synthetic.dsp import (
    band_filter,
    band_noise,
    coloured_noise,
    db_to_amplitude,
    mix_at,
    rms,
    set_level,
)

# Formant frequencies F1-F5 (Hz) of an adult male vocal tract (Peterson & Barney style averages).
VOWELS: dict[str, tuple[float, float, float, float, float]] = {
    "i": (270, 2290, 3010, 3500, 4300),
    "I": (390, 1990, 2550, 3500, 4300),
    "e": (530, 1840, 2480, 3500, 4300),
    "ae": (660, 1720, 2410, 3400, 4300),
    "a": (730, 1090, 2440, 3400, 4200),
    "o": (570, 840, 2410, 3400, 4200),
    "U": (440, 1020, 2240, 3300, 4200),
    "u": (300, 870, 2240, 3300, 4200),
    "V": (640, 1190, 2390, 3400, 4200),
    "r": (490, 1350, 1690, 3300, 4200),
}
BANDWIDTHS_HZ = (70.0, 100.0, 130.0, 180.0, 250.0)
FRAME = 128  # samples per formant-filter update (8 ms at 16 kHz)


@dataclass(frozen=True)
class VoiceStyle:
    """Speaker and speaking style of one utterance."""

    pitch_hz: float          # mean fundamental frequency
    pitch_range_st: float    # size of the pitch accents on syllables (semitones)
    pitch_slope_st: float    # glide over the whole utterance (semitones; negative = declination)
    rate_syll_per_s: float   # speaking rate
    pause_probability: float  # chance of a pause after each syllable
    energy_db: float         # RMS level of the utterance (dBFS)
    tilt: float              # voice quality: 0 pressed and bright ... 1 breathy and dark
    formant_scale: float     # vocal tract length: > 1 is a shorter tract with higher formants
    jitter: float = 0.01     # relative period-to-period pitch perturbation
    shimmer: float = 0.04    # relative period-to-period amplitude perturbation


@dataclass(frozen=True)
class Syllable:
    start: float             # seconds
    consonant: str           # "none", "fricative" or "plosive"
    vowel_start: float
    end: float
    vowel: str
    stress: float


def random_speaker(rng: np.random.Generator) -> tuple[float, float]:
    """A random speaker's (mean pitch in Hz, formant scale): male or female, with individual spread."""
    female = rng.random() < 0.5
    pitch = (205.0 if female else 115.0) * float(np.exp(rng.normal(0.0, 0.1)))
    scale = (1.16 if female else 1.0) * float(np.exp(rng.normal(0.0, 0.04)))
    return pitch, scale


def plan_syllables(rng: np.random.Generator, style: VoiceStyle, seconds: float) -> list[Syllable]:
    """Syllables (consonant onset + vowel nucleus) and pauses filling ``seconds``."""
    syllables: list[Syllable] = []
    time = rng.uniform(0.02, 0.2) * min(1.0, seconds / 2.0)
    vowels = list(VOWELS)
    while not syllables or time < seconds:
        duration = float(np.exp(rng.normal(0.0, 0.25))) / style.rate_syll_per_s
        consonant = str(rng.choice(["none", "fricative", "plosive"], p=[0.3, 0.4, 0.3]))
        onset = {"none": 0.0, "fricative": rng.uniform(0.25, 0.4), "plosive": rng.uniform(0.15, 0.25)}[consonant]
        syllables.append(
            Syllable(time, consonant, time + onset * duration, time + duration, str(rng.choice(vowels)), rng.uniform(0.6, 1.0))
        )
        time += duration
        if rng.random() < style.pause_probability:
            time += rng.uniform(0.1, 0.35)
    return syllables


def _pitch_track(rng: np.random.Generator, style: VoiceStyle, syllables: list[Syllable], t: np.ndarray) -> np.ndarray:
    """Fundamental frequency (Hz) at times ``t``: declination/glide, syllable accents and slow drift."""
    semitones = style.pitch_slope_st * (t / max(t[-1], 1e-9) - 0.5)
    for syllable in syllables:
        centre = 0.5 * (syllable.vowel_start + syllable.end)
        width = 0.35 * (syllable.end - syllable.start)
        accent = style.pitch_range_st * rng.uniform(-0.3, 1.0) * syllable.stress
        semitones = semitones + accent * np.exp(-0.5 * ((t - centre) / width) ** 2)
    knots = np.linspace(t[0], t[-1], 6)
    semitones = semitones + np.interp(t, knots, rng.normal(0.0, 0.4, knots.size))
    return style.pitch_hz * 2.0 ** (semitones / 12.0)


def _held_noise(rng: np.random.Generator, n: int, hold: int) -> np.ndarray:
    """Gaussian noise held constant over blocks of ``hold`` samples."""
    return np.repeat(rng.standard_normal(n // hold + 1), hold)[:n]


def _glottal_source(rng: np.random.Generator, style: VoiceStyle, f0: np.ndarray, sample_rate: int) -> np.ndarray:
    """Derivative of a Rosenberg glottal flow with jitter, shimmer, tilt and aspiration noise."""
    n = f0.size
    hold = max(1, int(sample_rate / style.pitch_hz))
    f0 = f0 * (1.0 + style.jitter * _held_noise(rng, n, hold))
    phase = np.cumsum(f0) / sample_rate
    frac = phase % 1.0
    open_quotient = 0.45 + 0.35 * style.tilt
    closing = open_quotient * (0.2 + 0.3 * style.tilt)
    opening = open_quotient - closing
    flow = np.where(
        frac < opening,
        0.5 * (1.0 - np.cos(np.pi * frac / opening)),
        np.where(frac < open_quotient, np.cos(0.5 * np.pi * (frac - opening) / closing), 0.0),
    )
    periods = phase.astype(np.int64)
    flow *= 1.0 + style.shimmer * rng.standard_normal(periods[-1] + 1)[periods]
    source = np.diff(flow, prepend=0.0)
    aspiration = band_filter(rng.standard_normal(n), sample_rate, 400.0, None) * (0.2 + flow)
    source = source / max(rms(source), 1e-12) + (0.05 + 0.5 * style.tilt**2) * aspiration
    pole = 0.75 * style.tilt  # one-pole low-pass: extra spectral tilt for dark voices
    return sosfilt(np.array([[1.0 - pole, 0.0, 0.0, 1.0, -pole, 0.0]]), source)


def _formant_tracks(rng: np.random.Generator, style: VoiceStyle, syllables: list[Syllable], frame_times: np.ndarray) -> np.ndarray:
    """Formant frequencies ``[frames, 5]``: each syllable's vowel, smoothed into transitions."""
    targets = np.empty((len(syllables), 5))
    for i, syllable in enumerate(syllables):
        targets[i] = np.asarray(VOWELS[syllable.vowel]) * rng.uniform(0.95, 1.05)
    starts = np.array([s.start for s in syllables])
    index = np.clip(np.searchsorted(starts, frame_times, side="right") - 1, 0, len(syllables) - 1)
    tracks = targets[index]
    kernel = np.hanning(13)
    kernel /= kernel.sum()
    padded = np.pad(tracks, ((6, 6), (0, 0)), mode="edge")
    smooth = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(5)], axis=1)
    return smooth * style.formant_scale


def _formant_filter(source: np.ndarray, formants: np.ndarray, sample_rate: int) -> np.ndarray:
    """Cascade of Klatt resonators (unity gain at 0 Hz) updated every FRAME samples."""
    nyquist = sample_rate / 2.0
    freqs = np.minimum(formants, 0.9 * nyquist)
    bandwidths = np.broadcast_to(np.asarray(BANDWIDTHS_HZ), formants.shape)
    radius = np.exp(-np.pi * bandwidths / sample_rate)
    b1 = 2.0 * radius * np.cos(2.0 * np.pi * freqs / sample_rate)
    b2 = -(radius**2)
    sos = np.zeros(formants.shape + (6,))
    sos[..., 0] = 1.0 - b1 - b2
    sos[..., 3] = 1.0
    sos[..., 4] = -b1
    sos[..., 5] = -b2
    out = np.empty_like(source)
    state = np.zeros((formants.shape[1], 2))
    for i in range(formants.shape[0]):
        segment = slice(i * FRAME, (i + 1) * FRAME)
        out[segment], state = sosfilt(sos[i], source[segment], zi=state)
    return out


def _raised_cosine_gate(n: int, sample_rate: int, spans: list[tuple[float, float, float]], ramp_s: float) -> np.ndarray:
    """Sum of (start s, end s, gain) segments with raised-cosine ramps of ``ramp_s``."""
    gate = np.zeros(n)
    for start, end, gain in spans:
        a, b = int(start * sample_rate), min(n, int(end * sample_rate))
        if b <= a:
            continue
        length = b - a
        ramp = min(int(ramp_s * sample_rate), length // 2)
        window = np.ones(length)
        if ramp > 0:
            rise = 0.5 * (1.0 - np.cos(np.pi * np.arange(ramp) / ramp))
            window[:ramp] = rise
            window[length - ramp :] = rise[::-1]
        gate[a:b] += gain * window
    return gate


def _consonants(rng: np.random.Generator, syllables: list[Syllable], n: int, sample_rate: int, formant_scale: float) -> np.ndarray:
    """Fricative hiss and plosive bursts at the syllable onsets (unit level, shaped by stress)."""
    out = np.zeros(n)
    for syllable in syllables:
        a = int(syllable.start * sample_rate)
        if syllable.consonant == "none" or a >= n:
            continue
        if syllable.consonant == "fricative":
            centre = rng.uniform(2500.0, 6000.0) * formant_scale**0.5
            noise = band_noise(rng, n, sample_rate, 0.7 * centre, 1.4 * centre)
            gate = _raised_cosine_gate(n, sample_rate, [(syllable.start, syllable.vowel_start + 0.01, syllable.stress)], 0.02)
        else:  # closure (silence) then a short broadband burst just before the vowel
            burst_start = syllable.vowel_start - 0.02
            noise = band_noise(rng, n, sample_rate, rng.uniform(500.0, 1500.0), rng.uniform(4000.0, 7000.0))
            gate = _raised_cosine_gate(n, sample_rate, [(burst_start, syllable.vowel_start + 0.005, 1.5 * syllable.stress)], 0.003)
        out += noise * gate
    return out


def synthesise_utterance(
    rng: np.random.Generator, style: VoiceStyle, sample_rate: int = 16000, seconds: float = 2.0
) -> np.ndarray:
    """A float32 speech-like utterance of ``seconds`` at RMS ``style.energy_db`` (peak below 1)."""
    n = int(round(seconds * sample_rate))
    n_frames = -(-n // FRAME)
    syllables = plan_syllables(rng, style, seconds)
    t = np.arange(n) / sample_rate
    f0 = _pitch_track(rng, style, syllables, t)
    source = _glottal_source(rng, style, f0, sample_rate)
    voicing = _raised_cosine_gate(n, sample_rate, [(s.vowel_start, s.end, s.stress) for s in syllables], 0.025)
    formants = _formant_tracks(rng, style, syllables, (np.arange(n_frames) + 0.5) * FRAME / sample_rate)
    padded = np.zeros(n_frames * FRAME)
    padded[:n] = source * voicing
    voiced = _formant_filter(padded, formants, sample_rate)[:n]
    consonant_db = rng.uniform(-16.0, -8.0)
    voiced_rms = rms(voiced[voicing > 0.5]) if np.any(voicing > 0.5) else rms(voiced)
    speech = voiced + _consonants(rng, syllables, n, sample_rate, style.formant_scale) * voiced_rms * db_to_amplitude(consonant_db)
    speech = band_filter(speech, sample_rate, 60.0, None)
    return set_level(speech, style.energy_db)


# --- emotion-like speech ---------------------------------------------------------------------

EMOTIONS = ("neutral", "happy", "sad", "angry")
EMOTION_CUE_GROUPS = ("pitch", "tempo", "energy", "quality")
EMOTION_CUE_SWAP_PROBABILITY = 0.02


@dataclass(frozen=True)
class _EmotionProfile:
    pitch_factor: float      # times the speaker's mean pitch
    accent_st: float
    glide_st: float
    rate_syll_per_s: float
    pause_probability: float
    energy_db: float
    tilt: float
    jitter: float
    shimmer: float
    articulation: float      # formant shift: smiling (>1) or lip-rounded, lax (<1) articulation


_EMOTION_PROFILES = {
    "neutral": _EmotionProfile(1.0, 1.5, -2.0, 3.6, 0.10, -25.0, 0.5, 0.010, 0.04, 1.0),
    "happy": _EmotionProfile(1.45, 8.0, 3.0, 4.6, 0.06, -20.0, 0.25, 0.012, 0.05, 1.08),
    "sad": _EmotionProfile(0.85, 0.8, -3.5, 2.6, 0.30, -31.0, 0.9, 0.018, 0.07, 0.94),
    "angry": _EmotionProfile(1.1, 3.0, -1.5, 5.8, 0.03, -14.0, 0.0, 0.025, 0.09, 1.03),
}


def _lognormal(rng: np.random.Generator, sigma: float) -> float:
    return float(np.exp(rng.normal(0.0, sigma)))


def emotion_cue_sources(rng: np.random.Generator, emotion: str) -> dict[str, str]:
    """The emotion each cue group of an ``emotion`` clip is spoken with: another emotion with
    probability ``EMOTION_CUE_SWAP_PROBABILITY``, else ``emotion`` itself."""
    if emotion not in EMOTIONS:
        raise ValueError(f"unknown emotion {emotion!r}; expected one of {EMOTIONS}")
    others = [e for e in EMOTIONS if e != emotion]
    return {
        cue: str(rng.choice(others)) if rng.random() < EMOTION_CUE_SWAP_PROBABILITY else emotion
        for cue in EMOTION_CUE_GROUPS
    }


def emotion_style(rng: np.random.Generator, emotion: str) -> VoiceStyle:
    """A random speaker speaking with ``emotion``; each cue group comes from another emotion with
    probability ``EMOTION_CUE_SWAP_PROBABILITY`` and every value has a per-clip spread."""
    source = emotion_cue_sources(rng, emotion)
    pitch, tempo, energy, quality = (_EMOTION_PROFILES[source[cue]] for cue in EMOTION_CUE_GROUPS)
    pitch_hz, formant_scale = random_speaker(rng)
    return VoiceStyle(
        pitch_hz=pitch_hz * pitch.pitch_factor * _lognormal(rng, 0.06),
        pitch_range_st=pitch.accent_st * _lognormal(rng, 0.3),
        pitch_slope_st=pitch.glide_st + rng.normal(0.0, 1.0),
        rate_syll_per_s=tempo.rate_syll_per_s * _lognormal(rng, 0.1),
        pause_probability=float(np.clip(tempo.pause_probability + rng.normal(0.0, 0.05), 0.0, 0.5)),
        energy_db=energy.energy_db + rng.normal(0.0, 2.0),
        tilt=float(np.clip(quality.tilt + rng.normal(0.0, 0.1), 0.0, 1.0)),
        formant_scale=formant_scale * quality.articulation,
        jitter=quality.jitter * _lognormal(rng, 0.3),
        shimmer=quality.shimmer * _lognormal(rng, 0.3),
    )


def synthesise_emotion(rng: np.random.Generator, emotion: str, sample_rate: int = 16000, seconds: float = 2.0) -> np.ndarray:
    """One float32 emotion-like utterance in a quiet room (noise floor 50 dB below the speech)."""
    return in_quiet_room(rng, synthesise_utterance(rng, emotion_style(rng, emotion), sample_rate, seconds))


def in_quiet_room(rng: np.random.Generator, speech: np.ndarray) -> np.ndarray:
    """``speech`` plus a pink noise floor 50 dB below it, at the level of ``speech``."""
    return set_level(mix_at(speech, coloured_noise(rng, speech.size, 1.0), -50.0), 20.0 * np.log10(rms(speech)))
