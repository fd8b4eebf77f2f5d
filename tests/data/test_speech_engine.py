"""Speech engines: engine choice, the espeak-ng wrapper, espeak utterances, emotion cues and spoofs."""
from __future__ import annotations

import re

import numpy as np
import pytest
from scipy.signal import stft

from transferability.data.synthetic import espeak, speech
from transferability.data.synthetic.espeak import SPEECH_VOCABULARY, espeak_available, random_sentence, speak
from transferability.data.synthetic.speech import (
    SpokenStyle,
    resolve_speech_engine,
    spoken_emotion_style,
    spoken_sentence,
    spoken_utterance,
    synthesise_spoken_emotion,
)
from transferability.data.synthetic.spoof import bonafide_speech, synthesise_spoof_item
from transferability.data.synthetic.voice import EMOTIONS

SR = 16000
NEEDS_ESPEAK = pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not on PATH")
STYLE = SpokenStyle("en-us+f3", 50, 50, 150, 0, ".", -25.0, 0.0)


# --- engine choice ----------------------------------------------------------------------------

@pytest.mark.parametrize(("available", "auto"), [(True, "espeak"), (False, "formant")])
def test_auto_means_espeak_where_installed(available: bool, auto: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech, "espeak_available", lambda: available)
    assert resolve_speech_engine("auto") == auto
    assert resolve_speech_engine("formant") == "formant"


def test_unknown_engine_is_named() -> None:
    with pytest.raises(ValueError, match="unknown speech engine 'festival'"):
        resolve_speech_engine("festival")


def test_missing_espeak_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speech, "espeak_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"apt install espeak-ng.*brew install espeak-ng.*data\.speech: formant"):
        resolve_speech_engine("espeak")
    monkeypatch.setattr(speech, "espeak_available", lambda: True)
    assert resolve_speech_engine("espeak") == "espeak"


def test_bonafide_speech_rejects_unknown_engine() -> None:
    with pytest.raises(ValueError, match="'auto'"):
        bonafide_speech(np.random.default_rng(0), "auto", SR, 1.0)


# --- vocabulary and sentences -----------------------------------------------------------------

def test_vocabulary_is_plain_lower_case_words() -> None:
    assert 80 <= len(SPEECH_VOCABULARY) <= 120
    assert len(set(SPEECH_VOCABULARY)) == len(SPEECH_VOCABULARY)
    assert all(re.fullmatch(r"[a-z]+", word) for word in SPEECH_VOCABULARY)


def test_random_sentence_draws_from_the_vocabulary() -> None:
    sentences = [random_sentence(np.random.default_rng(seed), 6) for seed in range(20)]
    assert all(len(s.split()) == 6 and set(s.split()) <= set(SPEECH_VOCABULARY) for s in sentences)
    assert random_sentence(np.random.default_rng(3), 6) == sentences[3]
    assert len(set(sentences)) == len(sentences)
    with pytest.raises(ValueError, match="n_words=0"):
        random_sentence(np.random.default_rng(0), 0)


# --- the espeak-ng wrapper --------------------------------------------------------------------

def test_missing_program_raises_runtime_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(espeak, "ESPEAK", "no-such-espeak-program")
    with pytest.raises(RuntimeError, match="no-such-espeak-program is not installed"):
        speak("hello")


@NEEDS_ESPEAK
def test_failure_names_the_command_and_stderr() -> None:
    with pytest.raises(RuntimeError, match=r"espeak-ng .*-v nonexistent-voice.*exit status 1.*does not exist"):
        speak("hello", voice="nonexistent-voice")


@NEEDS_ESPEAK
@pytest.mark.parametrize("sample_rate", [16000, 22050, 8000])
def test_speak_returns_float32_speech_at_the_sample_rate(sample_rate: int) -> None:
    x = speak("the happy teacher", sample_rate=sample_rate)
    assert x.dtype == np.float32 and x.ndim == 1
    assert 0.5 * sample_rate < x.size < 2.5 * sample_rate  # three words at 160 wpm
    assert np.sqrt(np.mean(x**2)) > 1e-2


# --- espeak utterances ------------------------------------------------------------------------

@NEEDS_ESPEAK
@pytest.mark.parametrize("seconds", [0.5, 1.3, 2.0, 3.0])
def test_utterance_has_the_exact_length_and_silence_around(seconds: float) -> None:
    x = spoken_utterance(np.random.default_rng(0), STYLE, SR, seconds)
    assert x.dtype == np.float32 and x.size == int(round(seconds * SR))
    assert np.all(np.isfinite(x)) and np.max(np.abs(x)) <= 1.0
    assert 20.0 * np.log10(np.sqrt(np.mean(x**2))) == pytest.approx(-25.0, abs=0.5)
    lead = min(int(speech.MARGIN_S * SR), x.size // 4)
    assert np.all(x[:lead] == 0.0)


@NEEDS_ESPEAK
def test_over_long_sentences_are_shortened_to_fit() -> None:
    slow = SpokenStyle("en-us+f2", 50, 50, 80, 5, ".", -25.0, 0.0)
    for seed in range(5):
        x = spoken_sentence(np.random.default_rng(seed), slow, SR, int(0.6 * SR))
        assert 0.1 * SR < x.size <= int(0.6 * SR)


@NEEDS_ESPEAK
def test_utterances_are_deterministic_and_differ_across_seeds_and_speakers() -> None:
    first = synthesise_spoken_emotion(np.random.default_rng(4), "neutral", SR, 2.0)
    again = synthesise_spoken_emotion(np.random.default_rng(4), "neutral", SR, 2.0)
    assert first.tobytes() == again.tobytes()
    other_seed = synthesise_spoken_emotion(np.random.default_rng(5), "neutral", SR, 2.0)
    assert other_seed.tobytes() != first.tobytes()
    voices = {voice: spoken_utterance(np.random.default_rng(0), SpokenStyle(voice, 50, 50, 150, 0, ".", -25.0, 0.0))
              for voice in speech.SPEAKER_VOICES}
    spectra = {voice: _long_term_spectrum(x) for voice, x in voices.items()}
    names = list(spectra)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.max(np.abs(spectra[a] - spectra[b])) > 3.0, (a, b)  # dB


def _long_term_spectrum(x: np.ndarray) -> np.ndarray:
    """Mean power (dB) in 16 linear bands."""
    _, _, z = stft(x, SR, nperseg=512)
    power = (np.abs(z) ** 2).mean(axis=1)
    return 10.0 * np.log10(np.array([band.mean() for band in np.array_split(power, 16)]) + 1e-12)


# --- emotion cues -----------------------------------------------------------------------------

def _median_f0(x: np.ndarray) -> float:
    """Median autocorrelation pitch (Hz) of the voiced 32 ms frames."""
    n, hop, lo, hi = 512, 256, SR // 400, SR // 70
    loudest = np.max(np.abs(x))
    pitches = []
    for start in range(0, x.size - n, hop):
        frame = x[start : start + n]
        if np.max(np.abs(frame)) < 0.1 * loudest:
            continue
        ac = np.correlate(frame, frame, "full")[n - 1 :]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.4 * ac[0]:
            pitches.append(SR / lag)
    return float(np.median(pitches))


def _cue_features(x: np.ndarray) -> np.ndarray:
    """RMS level (dB), median pitch (octaves), share of power above 1.5 kHz (dB)."""
    freqs, _, z = stft(x, SR, nperseg=512)
    power = np.abs(z) ** 2
    high = power[freqs > 1500].sum() / power.sum()
    return np.array([20.0 * np.log10(np.sqrt(np.mean(x**2))), np.log2(_median_f0(x)), 10.0 * np.log10(high)])


@pytest.fixture(scope="module")
def emotion_cues() -> dict[str, np.ndarray]:
    """Cue features of 24 espeak clips per emotion."""
    return {
        emotion: np.stack([_cue_features(synthesise_spoken_emotion(np.random.default_rng([i, k]), emotion, SR, 2.0)) for i in range(24)])
        for k, emotion in enumerate(EMOTIONS)
    }


@NEEDS_ESPEAK
def test_emotions_differ_in_level_pitch_and_brightness(emotion_cues: dict[str, np.ndarray]) -> None:
    level, pitch, bright = ({e: f[:, j].mean() for e, f in emotion_cues.items()} for j in range(3))
    print({e: np.round(f.mean(axis=0), 2) for e, f in emotion_cues.items()})
    assert level["angry"] > level["happy"] > level["neutral"] > level["sad"]
    assert pitch["happy"] > pitch["neutral"] > pitch["sad"] and pitch["angry"] > pitch["neutral"]
    assert bright["angry"] > bright["neutral"] > bright["sad"]


@NEEDS_ESPEAK
def test_emotions_are_separable_by_a_nearest_centroid(emotion_cues: dict[str, np.ndarray]) -> None:
    """Centroids from the first half of each class classify the second half well above chance (0.25);
    cue swaps and speaker spread keep a three-cue classifier well below 1."""
    features = np.concatenate(list(emotion_cues.values()))
    scale = features.std(axis=0)
    centroids = np.stack([f[:12].mean(axis=0) for f in emotion_cues.values()]) / scale
    correct = [
        np.argmin(np.linalg.norm(f[12:, None, :] / scale - centroids[None], axis=2), axis=1) == k
        for k, f in enumerate(emotion_cues.values())
    ]
    accuracy = float(np.mean(np.concatenate(correct)))
    print("nearest centroid", accuracy)
    assert accuracy >= 0.6


def test_cue_swaps_keep_the_emotion_styles_apart() -> None:
    styles = {e: [spoken_emotion_style(np.random.default_rng(i), e) for i in range(200)] for e in EMOTIONS}
    speed = {e: np.mean([s.speed for s in group]) for e, group in styles.items()}
    assert speed["angry"] > speed["happy"] > speed["neutral"] > speed["sad"]
    swapped = np.mean([s.ending == "!" for s in styles["neutral"]])
    assert 0.0 < swapped < 0.2  # the pitch cue group (with its ending) comes from another emotion in about 1 in 15


# --- spoofs -----------------------------------------------------------------------------------

def _log_spectrogram(x: np.ndarray) -> np.ndarray:
    return 20.0 * np.log10(np.abs(stft(x, SR, nperseg=512, noverlap=384)[2]) + 1e-5)


@NEEDS_ESPEAK
@pytest.mark.parametrize("domain", ["spoof_in", "spoof_wild"])
def test_spoof_is_a_resynthesis_of_the_bonafide_speech(domain: str) -> None:
    """Same seed, same espeak speech: the spoof keeps its spectral envelope but not its waveform."""
    bonafide = synthesise_spoof_item(np.random.default_rng(1), "bonafide", domain, SR, 2.0, engine="espeak")
    spoof = synthesise_spoof_item(np.random.default_rng(1), "spoof", domain, SR, 2.0, engine="espeak")
    assert bonafide.shape == spoof.shape == (2 * SR,)
    magnitude_corr = np.corrcoef(_log_spectrogram(bonafide).ravel(), _log_spectrogram(spoof).ravel())[0, 1]
    assert magnitude_corr > 0.6
    assert abs(np.corrcoef(bonafide, spoof)[0, 1]) < 0.5
