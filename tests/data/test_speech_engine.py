"""Speech engines: engine choice, the espeak-ng engine of the pinned package, espeak utterances, emotion
cues and spoofs."""
from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import stft

from transferability.data.synthetic import espeak, speech
from transferability.data.synthetic.espeak import (
    ESPEAK_NG_VERSION,
    EspeakLibrary,
    EspeakUnavailable,
    check_espeak,
    find_espeak,
    speak,
)
from transferability.data.synthetic.speech import (
    SpokenStyle,
    check_speech_engine,
    spoken_emotion_style,
    spoken_sentence,
    spoken_utterance,
    synthesise_spoken_emotion,
)
from transferability.data.synthetic.spoof import bonafide_speech, synthesise_spoof_item
from transferability.data.synthetic.vocabulary import SENTENCE_PATTERN, SPEECH_VOCABULARY, random_sentence
from transferability.data.synthetic.voice import EMOTIONS

SR = 16000
STYLE = SpokenStyle("en-us+f3", 50, 50, 150, 0, ".", -25.0, 0.0)


@pytest.fixture
def no_system_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh machine: no espeak-ng program (Debian's package) anywhere on PATH."""
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)


@pytest.fixture
def no_espeak_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine where the espeakng-loader package is not installed."""
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)


# --- engine choice ----------------------------------------------------------------------------

def test_espeak_runs_without_any_system_program(no_system_espeak: None) -> None:
    assert shutil.which("espeak-ng") is None
    described = check_speech_engine("espeak")
    assert f"espeak-ng {ESPEAK_NG_VERSION}" in described and "espeakng-loader 0.2.4" in described
    x = speak("the happy teacher")
    assert x.size > 0.5 * SR and np.sqrt(np.mean(x**2)) > 1e-2


def test_espeak_comes_from_the_package_not_the_machine() -> None:
    library = find_espeak()
    assert "espeakng_loader" in library.library.parts and library.library.is_file()
    assert (library.data / "phondata").is_file()


def test_missing_package_stops_naming_it_and_the_install(no_espeak_package: None) -> None:
    with pytest.raises(EspeakUnavailable, match=r"espeakng-loader is not installed.*pip install espeakng-loader==0\.2\.4"):
        check_speech_engine("espeak")
    assert "formant" in check_speech_engine("formant")  # the explicit fallback needs nothing


def test_other_espeak_ng_version_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(espeak, "ESPEAK_NG_VERSION", "1.49.2")
    with pytest.raises(EspeakUnavailable, match=rf"is espeak-ng {re.escape(ESPEAK_NG_VERSION)}, but .* 1\.49\.2"):
        check_espeak()


def test_library_that_does_not_load_stops(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    broken = tmp_path / "libespeak-ng.so"
    broken.write_bytes(b"not a library")
    monkeypatch.setattr(espeak, "find_espeak", lambda: EspeakLibrary(broken, tmp_path))
    with pytest.raises(EspeakUnavailable, match=r"does not run here.*cannot load the espeak-ng library"):
        check_espeak()


def test_unknown_engine_is_named() -> None:
    for name in ("festival", "auto"):
        with pytest.raises(ValueError, match=f"unknown speech engine '{name}'"):
            check_speech_engine(name)


def test_formant_engine_says_the_asr_is_not_meaningful() -> None:
    assert "not meaningful" in check_speech_engine("formant")


def test_bonafide_speech_rejects_unknown_engine() -> None:
    with pytest.raises(ValueError, match="'auto'"):
        bonafide_speech(np.random.default_rng(0), "auto", SR, 1.0)


# --- vocabulary and sentences -----------------------------------------------------------------

def test_vocabulary_is_plain_lower_case_words() -> None:
    assert 70 <= len(SPEECH_VOCABULARY) <= 120
    assert len(set(SPEECH_VOCABULARY)) == len(SPEECH_VOCABULARY)
    assert all(re.fullmatch(r"[a-z]+", word) for word in SPEECH_VOCABULARY)
    assert set(SPEECH_VOCABULARY) == {word for words in SENTENCE_PATTERN for word in words}


def test_random_sentence_follows_the_pattern() -> None:
    sentences = [random_sentence(np.random.default_rng(seed), 9) for seed in range(20)]
    for sentence in sentences:
        words = sentence.split()
        assert len(words) == 9
        assert all(word in SENTENCE_PATTERN[i % len(SENTENCE_PATTERN)] for i, word in enumerate(words))
    assert random_sentence(np.random.default_rng(3), 9) == sentences[3]
    assert len(set(sentences)) == len(sentences)
    with pytest.raises(ValueError, match="n_words=0"):
        random_sentence(np.random.default_rng(0), 0)


# --- the espeak-ng engine ---------------------------------------------------------------------

def test_failure_names_the_library_and_the_voice() -> None:
    with pytest.raises(RuntimeError, match=r"libespeak-ng.*exit status 1.*voice 'nonexistent-voice' does not exist"):
        speak("hello", voice="nonexistent-voice")


@pytest.mark.parametrize("sample_rate", [16000, 22050, 8000])
def test_speak_returns_float32_speech_at_the_sample_rate(sample_rate: int) -> None:
    x = speak("the happy teacher", sample_rate=sample_rate)
    assert x.dtype == np.float32 and x.ndim == 1
    assert 0.5 * sample_rate < x.size < 2.5 * sample_rate  # three words at 160 wpm
    assert np.sqrt(np.mean(x**2)) > 1e-2


def test_an_utterance_depends_on_its_request_only() -> None:
    """The library keeps state between utterances and seeds its random generator from the clock; each
    utterance runs in a fresh process with the request's seed, so the same request gives the same
    samples whatever was spoken before and whenever, and other parameters or seeds give other samples."""
    breathy = {"voice": "en-us+f2", "pitch": 40, "seed": 3}  # f2's breath noise uses the random generator
    first = speak("the quiet river", **breathy)
    speak("two sleepy monkeys jump", voice="en-us+klatt4", pitch=70, speed=220)
    time.sleep(1.1)  # the clock's seed would change by now
    again = speak("the quiet river", **breathy)
    assert first.tobytes() == again.tobytes()
    assert speak("the quiet river", **{**breathy, "pitch": 60}).tobytes() != first.tobytes()
    assert speak("the quiet river", **{**breathy, "seed": 4}).tobytes() != first.tobytes()


# --- espeak utterances ------------------------------------------------------------------------

@pytest.mark.parametrize("seconds", [0.5, 1.3, 2.0, 3.0])
def test_utterance_has_the_exact_length_and_silence_around(seconds: float) -> None:
    x = spoken_utterance(np.random.default_rng(0), STYLE, SR, seconds).waveform
    assert x.dtype == np.float32 and x.size == int(round(seconds * SR))
    assert np.all(np.isfinite(x)) and np.max(np.abs(x)) <= 1.0
    assert 20.0 * np.log10(np.sqrt(np.mean(x**2))) == pytest.approx(-25.0, abs=0.5)
    lead = min(int(speech.MARGIN_S * SR), x.size // 4)
    assert np.all(x[:lead] == 0.0)


def test_over_long_sentences_are_shortened_to_fit() -> None:
    slow = SpokenStyle("en-us+f2", 50, 50, 80, 5, ".", -25.0, 0.0)
    for seed in range(5):
        sentence = spoken_sentence(np.random.default_rng(seed), slow, SR, int(0.6 * SR))
        assert 0.1 * SR < sentence.waveform.size <= int(0.6 * SR)
        assert sentence.text and set(sentence.text.split()) <= set(SPEECH_VOCABULARY)


def test_the_recorded_words_are_the_words_spoken(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text of an utterance is what espeak-ng was last asked to say (shortened sentences included)."""
    spoken: list[str] = []

    def recording_speak(text: str, *args: object) -> np.ndarray:
        spoken.append(text)
        return speak(text, *args)

    monkeypatch.setattr(speech, "speak", recording_speak)
    for seed in range(4):
        clip = spoken_utterance(np.random.default_rng(seed), STYLE, SR, 1.0)
        assert spoken[-1] == clip.text + STYLE.ending
        assert clip.text and set(clip.text.split()) <= set(SPEECH_VOCABULARY)
    assert len(spoken) > 4  # some sentences were too long for 1 s and lost words


def test_utterances_are_deterministic_and_differ_across_seeds_and_speakers() -> None:
    first = synthesise_spoken_emotion(np.random.default_rng(4), "neutral", SR, 2.0)
    again = synthesise_spoken_emotion(np.random.default_rng(4), "neutral", SR, 2.0)
    assert first.waveform.tobytes() == again.waveform.tobytes() and first.text == again.text
    other_seed = synthesise_spoken_emotion(np.random.default_rng(5), "neutral", SR, 2.0)
    assert other_seed.waveform.tobytes() != first.waveform.tobytes()
    voices = {voice: spoken_utterance(np.random.default_rng(0), SpokenStyle(voice, 50, 50, 150, 0, ".", -25.0, 0.0)).waveform
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
        emotion: np.stack([_cue_features(synthesise_spoken_emotion(np.random.default_rng([i, k]), emotion, SR, 2.0).waveform)
                           for i in range(24)])
        for k, emotion in enumerate(EMOTIONS)
    }


def test_emotions_differ_in_level_pitch_and_brightness(emotion_cues: dict[str, np.ndarray]) -> None:
    level, pitch, bright = ({e: f[:, j].mean() for e, f in emotion_cues.items()} for j in range(3))
    print({e: np.round(f.mean(axis=0), 2) for e, f in emotion_cues.items()})
    assert level["angry"] > level["happy"] > level["neutral"] > level["sad"]
    assert pitch["happy"] > pitch["neutral"] > pitch["sad"] and pitch["angry"] > pitch["neutral"]
    assert bright["angry"] > bright["neutral"] > bright["sad"]


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


@pytest.mark.parametrize("domain", ["spoof_in", "spoof_wild"])
def test_spoof_is_a_resynthesis_of_the_bonafide_speech(domain: str) -> None:
    """Same seed, same espeak speech: the spoof keeps its spectral envelope but not its waveform."""
    bonafide_clip = synthesise_spoof_item(np.random.default_rng(1), "bonafide", domain, SR, 2.0, engine="espeak")
    spoof_clip = synthesise_spoof_item(np.random.default_rng(1), "spoof", domain, SR, 2.0, engine="espeak")
    assert bonafide_clip.text == spoof_clip.text != ""
    bonafide, spoof = bonafide_clip.waveform, spoof_clip.waveform
    assert bonafide.shape == spoof.shape == (2 * SR,)
    magnitude_corr = np.corrcoef(_log_spectrogram(bonafide).ravel(), _log_spectrogram(spoof).ravel())[0, 1]
    assert magnitude_corr > 0.6
    assert abs(np.corrcoef(bonafide, spoof)[0, 1]) < 0.5
