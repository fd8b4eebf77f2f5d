"""Spoken words for the speech tasks: the choice of speech engine, and espeak-ng utterances of random
sentences by random speakers, fitted into a clip.

Engines (``data.speech``): ``"espeak"`` speaks real words of :data:`.vocabulary.SPEECH_VOCABULARY`
with the espeak-ng of the pinned ``espeakng-loader`` package (a speech recogniser can transcribe
them); ``"formant"`` is the word-free source-filter synthesiser of :mod:`.voice`, for machines where
that package cannot be installed. Nothing is chosen for the user: an engine that cannot run stops.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from transferability.data.synthetic.clip import SyntheticClip
from transferability.data.synthetic.dsp import band_filter, db_to_amplitude, set_level
from transferability.data.synthetic.espeak import check_espeak, speak
from transferability.data.synthetic.vocabulary import random_sentence
from transferability.data.synthetic.voice import EMOTION_CUE_GROUPS, emotion_cue_sources, in_quiet_room

SPEECH_ENGINES = ("espeak", "formant")
FORMANT_WARNING = ("the formant synthesiser speaks no words: speech recognition (Section 5.4, the ASR table) "
                   "of this data is not meaningful")

# espeak-ng voice variants (with their usual -p pitch span) whose speech pocketsphinx's US English
# model transcribes well; the male variants are transcribed poorly and are left out. Word accuracy
# with the synthetic grammar, 30 clips at 160 words per minute: f2 0.97, f3 0.91, f5 0.99, klatt4
# 0.95 (klatt, used before, 0.76).
SPEAKER_VOICES: dict[str, tuple[int, int]] = {
    "en-us+f2": (30, 70),
    "en-us+f3": (30, 55),
    "en-us+f5": (30, 70),
    "en-us+klatt4": (40, 70),
}
SHELF_HZ = 1500.0  # corner of the voice-quality shelf filter
MARGIN_S = 0.05    # least silence before and after the speech
FADE_S = 0.02      # fade-out where a single word is longer than the clip


def check_speech_engine(speech: str) -> str:
    """What speaks with engine ``speech`` (one of :data:`SPEECH_ENGINES`), for the data log; raises
    :class:`.espeak.EspeakUnavailable` where espeak cannot run here."""
    if speech not in SPEECH_ENGINES:
        raise ValueError(f"unknown speech engine {speech!r}; expected one of {SPEECH_ENGINES}")
    if speech == "espeak":
        return check_espeak()
    return f"built-in formant synthesiser, vowel-like syllables without words ({FORMANT_WARNING})"


@dataclass(frozen=True)
class SpokenStyle:
    """Speaker and speaking style of one espeak-ng utterance."""

    voice: str            # espeak-ng voice (variant) name
    pitch: int            # espeak-ng pitch, 0-99
    pitch_range: int      # espeak-ng pitch range, 0 (monotone) - 100; 50 is the voice's own
    speed: int            # words per minute
    word_gap: int         # extra pause between words, 10 ms units
    ending: str           # sentence punctuation: "." (declarative fall) or "!" (exclamation)
    energy_db: float      # RMS level of the clip (dBFS)
    shelf_db: float       # voice quality: gain above SHELF_HZ; > 0 pressed and bright, < 0 breathy and dark


def random_voice(rng: np.random.Generator) -> tuple[str, int]:
    """A random speaker: an espeak-ng voice of :data:`SPEAKER_VOICES` and its own pitch."""
    voice = list(SPEAKER_VOICES)[rng.integers(len(SPEAKER_VOICES))]
    low, high = SPEAKER_VOICES[voice]
    return voice, int(rng.integers(low, high + 1))


def shelve(x: np.ndarray, sample_rate: int, gain_db: float) -> np.ndarray:
    """First-order high shelf: ``gain_db`` above :data:`SHELF_HZ`, unity below (complementary low/high-pass)."""
    low = band_filter(x, sample_rate, None, SHELF_HZ, order=1)
    high = band_filter(x, sample_rate, SHELF_HZ, None, order=1)
    return low + db_to_amplitude(gain_db) * high


def _trim_silence(x: np.ndarray) -> np.ndarray:
    """``x`` without its leading and trailing silence (samples under 0.1 % of the peak)."""
    loud = np.flatnonzero(np.abs(x) > 1e-3 * np.max(np.abs(x)))
    return x[loud[0] : loud[-1] + 1]


def _cut_with_fade(x: np.ndarray, n: int, sample_rate: int) -> np.ndarray:
    fade = min(n, max(1, int(FADE_S * sample_rate)))
    y = x[:n].copy()
    y[n - fade :] *= 0.5 * (1.0 + np.cos(np.pi * np.arange(fade) / fade))
    return y


def _speak(words: list[str], style: SpokenStyle, sample_rate: int, seed: int) -> np.ndarray:
    text = " ".join(words) + style.ending
    speech = speak(text, style.voice, style.pitch, style.speed, 100, sample_rate, style.pitch_range, style.word_gap, seed)
    return _trim_silence(speech.astype(np.float64))


def spoken_sentence(rng: np.random.Generator, style: SpokenStyle, sample_rate: int, max_samples: int) -> SyntheticClip:
    """A random sentence in ``style``, at most ``max_samples`` long without its silence, and its words:
    a sentence that is too long loses its last word until it fits; a single word too long is cut with a fade."""
    n_words = max(1, int(np.ceil(style.speed / 60.0 * max_samples / sample_rate)))
    words = random_sentence(rng, n_words).split()
    seed = int(rng.integers(2**31))
    speech = _speak(words, style, sample_rate, seed)
    while speech.size > max_samples and len(words) > 1:
        words = words[:-1]
        speech = _speak(words, style, sample_rate, seed)
    if speech.size > max_samples:
        speech = _cut_with_fade(speech, max_samples, sample_rate)
    return SyntheticClip(speech, " ".join(words))


def spoken_utterance(rng: np.random.Generator, style: SpokenStyle, sample_rate: int = 16000, seconds: float = 2.0) -> SyntheticClip:
    """A clip of ``seconds`` (float32): a spoken sentence at a random offset in silence, through the
    voice-quality shelf and a 60 Hz high-pass, at RMS ``style.energy_db`` (peak below 1), and its words."""
    n = int(round(seconds * sample_rate))
    margin = min(int(MARGIN_S * sample_rate), n // 4)
    sentence = spoken_sentence(rng, style, sample_rate, n - 2 * margin)
    speech = sentence.waveform
    start = int(rng.integers(margin, n - margin - speech.size + 1))
    clip = np.zeros(n)
    clip[start : start + speech.size] = speech
    clip = band_filter(shelve(clip, sample_rate, style.shelf_db), sample_rate, 60.0, None)
    return SyntheticClip(set_level(clip, style.energy_db), sentence.text)


# --- emotion-like speech ---------------------------------------------------------------------

@dataclass(frozen=True)
class _SpokenEmotion:
    pitch_shift: int         # added to the speaker's espeak-ng pitch
    pitch_range: int
    ending: str
    speed: int
    word_gap: int
    energy_db: float
    shelf_db: float


# The cue groups of voice.EMOTION_CUE_GROUPS: pitch (shift, range, ending), tempo (speed, word gap),
# energy, quality (shelf). Values follow the formant profiles of voice._EMOTION_PROFILES, with wider
# pitch, level and shelf steps between emotions (a speaker's own pitch spans 30-70 on espeak-ng's
# scale; models of the default must tell the emotions apart in a 1 s clip); the levels are about 7 dB
# lower, as a clip with silence around espeak's speech has a crest factor near 18 dB and would
# otherwise hit the peak limit of dsp.set_level.
_SPOKEN_EMOTIONS = {
    "neutral": _SpokenEmotion(0, 40, ".", 150, 0, -32.0, 0.0),
    "happy": _SpokenEmotion(28, 90, "!", 175, 0, -26.0, 6.0),
    "sad": _SpokenEmotion(-20, 10, ".", 115, 4, -38.0, -12.0),
    "angry": _SpokenEmotion(12, 60, "!", 200, 0, -20.0, 12.0),
}


def spoken_emotion_style(rng: np.random.Generator, emotion: str) -> SpokenStyle:
    """A random speaker speaking with ``emotion``; each cue group comes from another emotion with
    probability ``EMOTION_CUE_SWAP_PROBABILITY`` and every value has a per-clip spread."""
    source = emotion_cue_sources(rng, emotion)
    pitch, tempo, energy, quality = (_SPOKEN_EMOTIONS[source[cue]] for cue in EMOTION_CUE_GROUPS)
    voice, speaker_pitch = random_voice(rng)
    return SpokenStyle(
        voice=voice,
        pitch=int(np.clip(speaker_pitch + pitch.pitch_shift + rng.normal(0.0, 4.0), 0, 99)),
        pitch_range=int(np.clip(pitch.pitch_range + rng.normal(0.0, 8.0), 0, 100)),
        speed=int(round(tempo.speed * np.exp(rng.normal(0.0, 0.08)))),
        word_gap=tempo.word_gap,
        ending=pitch.ending,
        energy_db=energy.energy_db + rng.normal(0.0, 1.5),
        shelf_db=quality.shelf_db + rng.normal(0.0, 1.5),
    )


def synthesise_spoken_emotion(rng: np.random.Generator, emotion: str, sample_rate: int = 16000, seconds: float = 2.0) -> SyntheticClip:
    """One emotion-like espeak-ng utterance in a quiet room (noise floor 50 dB below the speech), and its words."""
    utterance = spoken_utterance(rng, spoken_emotion_style(rng, emotion), sample_rate, seconds)
    return SyntheticClip(in_quiet_room(rng, utterance.waveform), utterance.text)
