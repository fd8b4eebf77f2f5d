"""Speech recognition as an oracle: text normalisation, Levenshtein ratio, STOI and the two ASR backends."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.hf_tiny import save_tiny_whisper
from transferability.analysis.asr import (
    PocketsphinxTranscriber,
    WhisperTranscriber,
    levenshtein_ratio,
    load_transcriber,
    normalise_text,
    resolve_grammar,
    stoi_score,
)
from transferability.data.synthetic.espeak import speak
from transferability.data.synthetic.vocabulary import SENTENCE_PATTERN, SPEECH_VOCABULARY
from transferability.models.contract import AudioInputError, ModelLoadError

RATE = 16000
SENTENCE = "she likes green apples"
VOCABULARY = ["she", "likes", "green", "apples", "he", "hates", "red", "dogs", "blue", "cats", "runs", "the", "a"]


def speech_like(seconds: float = 2.0, rate: int = RATE) -> np.ndarray:
    """Two amplitude-modulated tones: enough non-silent frames for STOI."""
    t = np.arange(int(seconds * rate)) / rate
    voice = np.sin(2 * np.pi * 200 * t) * np.sin(2 * np.pi * 3 * t) ** 2
    fricative = 0.3 * np.sin(2 * np.pi * 1200 * t) * np.sin(2 * np.pi * 5 * t + 1) ** 2
    return (voice + fricative).astype(np.float32)


@pytest.fixture(scope="module")
def spoken() -> tuple[np.ndarray, int]:
    return speak(SENTENCE, voice="en-us+f3", speed=150, sample_rate=22050), 22050


@pytest.fixture(scope="module")
def grammar_transcriber() -> PocketsphinxTranscriber:
    return PocketsphinxTranscriber(VOCABULARY)


# normalise_text ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello world"),
        ("  She   LIKES\tgreen\napples.  ", "she likes green apples"),
        ("Don't stop — it's fine.", "don't stop it's fine"),
        ("It\u2019s 'quoted' here", "it's quoted here"),
        ("yes...no", "yes no"),
        ("$5 + 10%", "5 10"),
        ("?!.", ""),
        ("", ""),
    ],
)
def test_normalise_text(text: str, expected: str) -> None:
    assert normalise_text(text) == expected


# levenshtein_ratio ---------------------------------------------------------------------------

def test_identical_transcripts_after_normalisation_have_ratio_one() -> None:
    assert levenshtein_ratio("She likes green apples.", "she likes GREEN apples") == 1.0


def test_two_empty_transcripts_have_ratio_one() -> None:
    assert levenshtein_ratio("", "...") == 1.0


def test_empty_against_nonempty_has_ratio_zero() -> None:
    assert levenshtein_ratio("apples", "") == 0.0


def test_disjoint_transcripts_have_low_ratio() -> None:
    assert levenshtein_ratio("abcd efgh", "xyz uvw") < 0.5


def test_kitten_sitting_ratio_from_indel_distance() -> None:
    # Longest common subsequence "ittn" (4): indel distance 6 + 7 - 2*4 = 5, ratio 1 - 5/13 = 8/13.
    assert levenshtein_ratio("kitten", "sitting") == pytest.approx(8 / 13, abs=1e-12)


# stoi_score ----------------------------------------------------------------------------------

def test_stoi_of_signal_against_itself_is_one() -> None:
    speech = speech_like()
    assert stoi_score(speech, speech, RATE) == pytest.approx(1.0, abs=1e-6)


def test_stoi_against_white_noise_is_low() -> None:
    noise = np.random.default_rng(0).standard_normal(2 * RATE).astype(np.float32)
    assert stoi_score(speech_like(), noise, RATE) < 0.3


def test_stoi_of_silent_signal_is_zero() -> None:
    speech = speech_like()
    assert stoi_score(speech, np.zeros_like(speech), RATE) == 0.0


def test_stoi_of_silent_reference_is_nan() -> None:
    speech = speech_like()
    assert np.isnan(stoi_score(np.zeros_like(speech), speech, RATE))


def test_stoi_of_too_short_reference_is_nan_without_warning() -> None:
    short = speech_like(0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(stoi_score(short, short, RATE))


def test_stoi_length_mismatch_names_both_lengths() -> None:
    with pytest.raises(ValueError, match="32000 samples.*31999 samples"):
        stoi_score(speech_like(), speech_like()[:-1], RATE)


def test_stoi_rejects_non_finite_samples() -> None:
    speech = speech_like()
    speech[5] = np.nan
    with pytest.raises(AudioInputError, match="NaN"):
        stoi_score(speech, speech, RATE)


# pocketsphinx --------------------------------------------------------------------------------

def test_pocketsphinx_grammar_transcribes_espeak_sentence(spoken, grammar_transcriber) -> None:
    waveform, rate = spoken
    [transcript] = grammar_transcriber.transcribe([waveform], rate)
    recognised = set(transcript.split())
    assert len(recognised & set(SENTENCE.split())) >= 3, transcript


def test_pocketsphinx_open_vocabulary_transcribes_espeak_sentence(spoken) -> None:
    waveform, rate = spoken
    [transcript] = PocketsphinxTranscriber().transcribe([waveform], rate)
    assert len(set(normalise_text(transcript).split()) & set(SENTENCE.split())) >= 3, transcript


def test_pocketsphinx_silent_clip_gives_empty_transcript(spoken, grammar_transcriber) -> None:
    waveform, rate = spoken
    silent, transcript = grammar_transcriber.transcribe([np.zeros(2 * rate, np.float32), waveform], rate)
    assert silent == ""
    assert transcript != ""


def test_pocketsphinx_vocabulary_is_normalised() -> None:
    assert "2-word" in PocketsphinxTranscriber(["Green", "APPLES.", "green"]).name


def test_pocketsphinx_transcript_depends_on_its_clip_only(grammar_transcriber) -> None:
    """Clips decoded before a clip (their feature statistics) do not change its transcript."""
    sentences = ["he hates red dogs", "the cats runs", "she likes blue apples", "a green dog"]
    clips = [speak(text, voice=voice, sample_rate=RATE) for text, voice in
             zip(sentences, ["en-us+f2", "en-us+klatt4", "en-us+f5", "en-us+f3"])]
    alone = [PocketsphinxTranscriber(VOCABULARY).transcribe([clip], RATE)[0] for clip in clips]
    assert grammar_transcriber.transcribe(clips, RATE) == alone
    assert grammar_transcriber.transcribe(clips[::-1], RATE) == alone[::-1]


def test_sentence_pattern_grammar_puts_each_word_in_its_position() -> None:
    """A clip of 'red dogs' decoded with a pattern that allows only nouns first and adjectives second
    cannot give 'red dogs'; with the pattern the other way round it gives it."""
    clip = speak("red dogs", voice="en-us+f2", speed=130, sample_rate=RATE)
    adjective_first = PocketsphinxTranscriber(pattern=[["red", "blue"], ["dogs", "cats"]])
    noun_first = PocketsphinxTranscriber(pattern=[["dogs", "cats"], ["red", "blue"]])
    assert adjective_first.transcribe([clip], RATE) == ["red dogs"]
    transcript = noun_first.transcribe([clip], RATE)[0].split()
    assert all(word in (["dogs", "cats"], ["red", "blue"])[i % 2] for i, word in enumerate(transcript))
    assert "2-position sentence pattern" in adjective_first.name and "4-word grammar" in adjective_first.name


def test_pattern_and_vocabulary_are_exclusive() -> None:
    with pytest.raises(ValueError, match="not both"):
        PocketsphinxTranscriber(["red"], pattern=[["red"]])


def test_synthetic_grammar_is_the_synthetic_sentence_pattern() -> None:
    assert resolve_grammar("synthetic") == [list(words) for words in SENTENCE_PATTERN]
    assert resolve_grammar(["Red", "dogs"]) == [["Red", "dogs"]]
    assert resolve_grammar(None) is None
    with pytest.raises(ValueError, match="asr.vocabulary.*'espeak'"):
        resolve_grammar("espeak")
    assert f"{len(SPEECH_VOCABULARY)}-word grammar, 7-position" in PocketsphinxTranscriber(
        pattern=resolve_grammar("synthetic")).name


def test_pocketsphinx_unknown_words_are_named() -> None:
    with pytest.raises(ValueError, match=r"2 word\(s\).*'zzqxv'.*'blorptastic'"):
        PocketsphinxTranscriber(["apples", "zzqxv", "blorptastic"])


def test_pocketsphinx_empty_vocabulary_raises() -> None:
    with pytest.raises(ValueError, match="no words"):
        PocketsphinxTranscriber(["...", " "])


# whisper -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_whisper(tmp_path_factory) -> Path:
    return save_tiny_whisper(tmp_path_factory.mktemp("whisper"))


def noise_clips(seconds: list[float], rate: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [(0.1 * rng.standard_normal(int(s * rate))).astype(np.float32) for s in seconds]


def test_whisper_returns_one_transcript_per_clip_in_batches(tiny_whisper) -> None:
    transcriber = WhisperTranscriber(str(tiny_whisper), batch_size=2)
    clips = noise_clips([1.0, 0.5, 1.5], 22050)
    batched = transcriber.transcribe(clips, 22050)
    one_by_one = [transcriber.transcribe([clip], 22050)[0] for clip in clips]
    assert len(batched) == 3 and all(isinstance(text, str) for text in batched)
    assert batched == one_by_one
    assert any(batched), "the random model decodes to some characters"


def test_whisper_transcribes_clips_longer_than_its_window(tiny_whisper) -> None:
    transcripts = WhisperTranscriber(str(tiny_whisper)).transcribe(noise_clips([5.0, 1.0], RATE), RATE)
    assert len(transcripts) == 2 and all(isinstance(text, str) for text in transcripts)


def test_whisper_silent_clip_gives_empty_transcript(tiny_whisper) -> None:
    transcriber = WhisperTranscriber(str(tiny_whisper))
    assert transcriber.transcribe([np.zeros(RATE, np.float32)], RATE) == [""]


def test_whisper_english_only_model_refuses_other_languages(tmp_path) -> None:
    directory = save_tiny_whisper(tmp_path / "english", multilingual=False)
    assert len(WhisperTranscriber(str(directory)).transcribe(noise_clips([1.0], RATE), RATE)) == 1
    with pytest.raises(ValueError, match="English-only.*'fr'"):
        WhisperTranscriber(str(directory), language="fr")


def test_whisper_missing_model_is_named(tmp_path) -> None:
    with pytest.raises(ModelLoadError, match="no such directory"):
        WhisperTranscriber(str(tmp_path / "absent"))
    with pytest.raises(ModelLoadError, match="'nobody/no-such-whisper'.*not found locally"):
        WhisperTranscriber("nobody/no-such-whisper")


def test_whisper_refuses_pickled_weights(tmp_path) -> None:
    (tmp_path / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(ModelLoadError, match="safetensors weights are required"):
        WhisperTranscriber(str(tmp_path))


# load_transcriber ----------------------------------------------------------------------------

def test_load_transcriber_builds_both_backends(tiny_whisper) -> None:
    assert isinstance(load_transcriber("pocketsphinx", grammar=[["apples"]]), PocketsphinxTranscriber)
    assert isinstance(load_transcriber("whisper", str(tiny_whisper)), WhisperTranscriber)


def test_load_transcriber_unknown_backend_names_choices() -> None:
    with pytest.raises(ValueError, match=r"'kaldi'.*\['pocketsphinx', 'whisper'\]"):
        load_transcriber("kaldi")


def test_load_transcriber_whisper_needs_model() -> None:
    with pytest.raises(ValueError, match="needs a model"):
        load_transcriber("whisper")


def test_load_transcriber_rejects_options_of_the_other_backend(tiny_whisper) -> None:
    with pytest.raises(ValueError, match="vocabulary is for pocketsphinx"):
        load_transcriber("whisper", str(tiny_whisper), grammar=[["apples"]])
    with pytest.raises(ValueError, match="bundled en-us model"):
        load_transcriber("pocketsphinx", "openai/whisper-tiny")
