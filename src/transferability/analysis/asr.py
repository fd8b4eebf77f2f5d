"""Speech recognition as an oracle (Section 5.4): transcripts, their Levenshtein ratios, and STOI.

Every signal (original, sufficient, complete, inverse) is transcribed by the same
:class:`Transcriber`; each transcript is compared with the original's by
:func:`levenshtein_ratio` after :func:`normalise_text`, and each signal with the original by
:func:`stoi_score`. Both backends return ``""`` for an all-silent waveform without decoding it
(pocketsphinx's grammar search and Whisper both put words into digital silence).
"""
from __future__ import annotations

import re
import unicodedata
import warnings
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

import Levenshtein
import numpy as np
from pocketsphinx import Decoder

from transferability.data.audio import resample
from transferability.models.contract import is_silent, validate_waveform

if TYPE_CHECKING:
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

# torch and transformers are imported by the Whisper backend where it needs them, pystoi (scipy.signal) by
# stoi_score: transcribing with pocketsphinx loads none of them.

BACKENDS = ("pocketsphinx", "whisper")
SYNTHETIC_VOCABULARY = "synthetic"
POCKETSPHINX_RATE = 16000
_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'"})
_LOOSE_APOSTROPHE = re.compile(r"(?<!\w)'|'(?!\w)")
_PYSTOI_TOO_SHORT = "Not enough STFT frames"


def normalise_text(text: str) -> str:
    """Lower case; punctuation and symbols become spaces, except apostrophes inside words; whitespace collapsed.

    Curly apostrophes count as ``'``. Punctuation is replaced by a space rather than deleted so
    that ``"yes...no"`` stays two words.
    """
    lowered = str(text).lower().translate(_APOSTROPHES)
    spaced = "".join(" " if c != "'" and unicodedata.category(c)[0] in "PS" else c for c in lowered)
    return " ".join(_LOOSE_APOSTROPHE.sub(" ", spaced).split())


def levenshtein_ratio(reference: str, hypothesis: str) -> float:
    """``Levenshtein.ratio`` of the normalised strings: ``1 - indel_distance / (len(a) + len(b))``.

    Two empty transcripts (nothing recognised in either) are identical: 1.0.
    """
    a, b = normalise_text(reference), normalise_text(hypothesis)
    return 1.0 if not a and not b else float(Levenshtein.ratio(a, b))


def stoi_score(reference: np.ndarray, signal: np.ndarray, sample_rate: int) -> float:
    """STOI (Taal et al. 2011, not extended) of ``signal`` against ``reference``; NaN where undefined.

    NaN when the reference is silent, or has fewer than 30 non-silent STFT frames (about 0.4 s
    at pystoi's 10 kHz, frames within 40 dB of its loudest), where pystoi would warn and return
    1e-5. An all-silent ``signal`` against speech scores 0.0 (it correlates with nothing).
    """
    reference = validate_waveform(reference, "STOI reference").astype(np.float64)
    signal = validate_waveform(signal, "STOI signal").astype(np.float64)
    if reference.shape != signal.shape:
        raise ValueError(
            f"STOI needs signals of equal length, got a reference of {reference.size} samples "
            f"and a signal of {signal.size} samples"
        )
    if is_silent(reference):
        return float("nan")
    from pystoi import stoi

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=_PYSTOI_TOO_SHORT, category=RuntimeWarning)
        try:
            return float(stoi(reference, signal, int(sample_rate), extended=False))
        except RuntimeWarning:
            return float("nan")


class Transcriber(Protocol):
    """Mono waveforms at ``sample_rate`` -> one transcript each, in order."""

    name: str

    def transcribe(self, waveforms: Sequence[np.ndarray], sample_rate: int) -> list[str]: ...


def _prepare(waveforms: Sequence[np.ndarray], from_rate: int, to_rate: int) -> list[np.ndarray]:
    """Validated 1-D float32 clips resampled to ``to_rate``."""
    return [resample(validate_waveform(w, f"waveform {i}"), int(from_rate), to_rate) for i, w in enumerate(waveforms)]


def _skip_silent(clips: list[np.ndarray], transcribe: Callable[[list[np.ndarray]], list[str]]) -> list[str]:
    """``transcribe`` the clips that are not silent; silent clips get ``""``."""
    audible = [k for k, clip in enumerate(clips) if not is_silent(clip)]
    texts = dict(zip(audible, transcribe([clips[k] for k in audible]) if audible else []))
    return [texts.get(k, "") for k in range(len(clips))]


GRAMMAR_WORD_INSERTION_PENALTY = 0.01


class PocketsphinxTranscriber:
    """CMU pocketsphinx with its bundled US English model, open vocabulary or a closed grammar.

    ``vocabulary`` (a word list) accepts any sequence of its words (also none); ``pattern`` (word
    lists, one per position) accepts sentences whose i-th word is from ``pattern[i % len(pattern)]``,
    of any length (also none). Entries are normalised like transcripts; words missing from
    pocketsphinx's pronouncing dictionary raise ValueError. Every clip is decoded from the same
    initial state (its features' running statistics reset), so a transcript depends on its clip only.
    """

    def __init__(self, vocabulary: Sequence[str] | None = None, pattern: Sequence[Sequence[str]] | None = None) -> None:
        if vocabulary is not None and pattern is not None:
            raise ValueError("pocketsphinx takes a vocabulary or a sentence pattern, not both")
        slots = None if vocabulary is None else [vocabulary]
        slots = slots if pattern is None else list(pattern)
        # A closed grammar gets a low word insertion penalty: with the default (0.65) pocketsphinx
        # pads espeak sentences with short extra words (1 - WER 0.61 -> 0.80 on neutral speech).
        options = {} if slots is None else {"wip": GRAMMAR_WORD_INSERTION_PENALTY}
        self._decoder = Decoder(samprate=POCKETSPHINX_RATE, loglevel="ERROR", **options)
        if slots is None:
            self.name = "pocketsphinx"
            return
        if not slots:
            raise ValueError("pocketsphinx sentence pattern has no positions")
        words = [_grammar_words(self._decoder, slot) for slot in slots]
        self._decoder.add_jsgf_string("words", _jsgf(words))
        self._decoder.activate_search("words")
        n_words = len({word for slot in words for word in slot})
        shape = "" if len(words) == 1 else f", {len(words)}-position sentence pattern"
        self.name = f"pocketsphinx ({n_words}-word grammar{shape})"

    def transcribe(self, waveforms: Sequence[np.ndarray], sample_rate: int) -> list[str]:
        clips = _prepare(waveforms, sample_rate, POCKETSPHINX_RATE)
        return _skip_silent(clips, lambda audible: [self._decode(clip) for clip in audible])

    def _decode(self, clip: np.ndarray) -> str:
        pcm = np.round(np.clip(clip, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
        self._decoder.reinit_feat()  # else the previous clips' feature statistics change this transcript
        self._decoder.start_utt()
        self._decoder.process_raw(pcm, full_utt=True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""


def _grammar_words(decoder: Decoder, vocabulary: Sequence[str]) -> list[str]:
    """Distinct normalised words of ``vocabulary``, all in the decoder's dictionary."""
    words = list(dict.fromkeys(normalise_text(" ".join(str(entry) for entry in vocabulary)).split()))
    if not words:
        raise ValueError(f"pocketsphinx vocabulary has no words: {list(vocabulary)!r}")
    unknown = [word for word in words if decoder.lookup_word(word) is None]
    if unknown:
        raise ValueError(f"pocketsphinx vocabulary: {len(unknown)} word(s) not in its pronouncing dictionary: "
                         f"{unknown}")
    return words


def _jsgf(slots: Sequence[Sequence[str]]) -> str:
    """A JSGF grammar accepting sentences whose i-th word is one of ``slots[i % len(slots)]`` (also none)."""
    rules = [f"<w{i}> = ( {' | '.join(words)} );" for i, words in enumerate(slots)]
    chain = "<chain>"
    for i in reversed(range(len(slots))):
        chain = f"<w{i}> [{chain}]"
    return "\n".join(["#JSGF V1.0;", "grammar words;", *rules, f"<chain> = {chain};", "public <s> = [<chain>];", ""])


class WhisperTranscriber:
    """A Whisper model (transformers, safetensors weights) transcribing ``language`` with greedy decoding.

    Clips longer than the model's window (30 s) are transcribed by transformers' sequential
    long-form decoding.
    """

    def __init__(self, model: str, device: str = "cpu", language: str = "en", batch_size: int = 8) -> None:
        import torch

        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.name = f"whisper ({model})"
        self.device = torch.device(device)
        self.batch_size = batch_size
        self._model, self._processor = _load_whisper(model)
        self._model.eval().to(self.device)
        self._generate_kwargs = _language_kwargs(self._model, language, model)

    @property
    def sample_rate(self) -> int:
        return int(self._processor.feature_extractor.sampling_rate)

    def transcribe(self, waveforms: Sequence[np.ndarray], sample_rate: int) -> list[str]:
        clips = _prepare(waveforms, sample_rate, self.sample_rate)
        return _skip_silent(clips, self._batched)

    def _batched(self, clips: list[np.ndarray]) -> list[str]:
        return [text for start in range(0, len(clips), self.batch_size)
                for text in self._generate(clips[start:start + self.batch_size])]

    def _generate(self, clips: list[np.ndarray]) -> list[str]:
        import torch

        extractor = self._processor.feature_extractor
        long_form = max(clip.size for clip in clips) > extractor.n_samples
        padding = {"truncation": False, "padding": "longest"} if long_form else {}
        inputs = extractor(clips, sampling_rate=self.sample_rate, return_tensors="pt",
                           return_attention_mask=True, **padding).to(self.device)
        with torch.inference_mode():
            tokens = self._model.generate(**inputs, **self._generate_kwargs)
        return [text.strip() for text in self._processor.batch_decode(tokens, skip_special_tokens=True)]


def _load_whisper(spec: str) -> tuple[WhisperForConditionalGeneration, WhisperProcessor]:
    """Model and processor from a local directory (safetensors required) or a hub id."""
    import torch
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    from transferability.models.huggingface import load_pretrained

    def load(source: str) -> tuple[WhisperForConditionalGeneration, WhisperProcessor]:
        model = WhisperForConditionalGeneration.from_pretrained(source, use_safetensors=True, dtype=torch.float32)
        return model, WhisperProcessor.from_pretrained(source)

    return load_pretrained(spec, "Whisper model", load)


def _language_kwargs(model: WhisperForConditionalGeneration, language: str, spec: str) -> dict[str, str]:
    """``generate`` kwargs forcing transcription in ``language``; English-only models take none."""
    if getattr(model.generation_config, "is_multilingual", True):
        return {"language": language, "task": "transcribe"}
    if language.lower() not in ("en", "english", "<|en|>"):
        raise ValueError(f"Whisper model {spec!r} is English-only and cannot transcribe language {language!r}")
    return {}


def load_transcriber(
    backend: str, model: str | None = None, grammar: Sequence[Sequence[str]] | None = None, device: str = "cpu"
) -> Transcriber:
    """A pocketsphinx (optional ``grammar``: a sentence pattern, no ``model``) or Whisper (``model``, no
    ``grammar``) transcriber."""
    if backend == "pocketsphinx":
        if model is not None:
            raise ValueError(f"the pocketsphinx backend uses its bundled en-us model; got model={model!r}")
        return PocketsphinxTranscriber(pattern=grammar)
    if backend == "whisper":
        if model is None:
            raise ValueError("the whisper backend needs a model: a hub id or a local directory")
        if grammar is not None:
            raise ValueError("the whisper backend has an open vocabulary; a vocabulary is for pocketsphinx only")
        return WhisperTranscriber(model, device=device)
    raise ValueError(f"unknown ASR backend {backend!r}; choose one of {list(BACKENDS)}")


def resolve_grammar(vocabulary: str | Sequence[str] | None) -> list[list[str]] | None:
    """The sentence pattern of ``asr.vocabulary``: None (open vocabulary), a word list (any sequence of
    its words) or "synthetic" (the synthetic speech's words in its sentence pattern)."""
    if vocabulary is None:
        return None
    if isinstance(vocabulary, str):
        if vocabulary != SYNTHETIC_VOCABULARY:
            raise ValueError(f"asr.vocabulary: expected null, a list of words or {SYNTHETIC_VOCABULARY!r}, got {vocabulary!r}")
        from transferability.data.synthetic.vocabulary import SENTENCE_PATTERN

        return [list(words) for words in SENTENCE_PATTERN]
    return [[str(word) for word in vocabulary]]
