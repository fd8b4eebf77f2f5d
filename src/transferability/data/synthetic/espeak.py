"""The espeak-ng text-to-speech program: whether it is installed, one spoken text as a waveform, and
the closed word list the synthetic speech is made of (a speech recogniser's grammar can list it)."""
from __future__ import annotations

import io
import shlex
import shutil
import subprocess
from xml.sax.saxutils import escape

import numpy as np
import soundfile as sf

from transferability.data.audio import resample

ESPEAK = "espeak-ng"

_DETERMINERS = ("the", "a", "one", "two", "some", "my", "your", "every", "this", "that")
_ADJECTIVES = (
    "big", "small", "red", "green", "blue", "happy", "quiet", "yellow", "purple", "golden",
    "little", "funny", "sleepy", "early", "heavy", "silver", "orange", "gentle", "lucky", "windy",
)
_NOUNS = (
    "dog", "cat", "house", "garden", "river", "window", "table", "apple", "teacher", "doctor",
    "mountain", "city", "water", "music", "morning", "paper", "pencil", "rabbit", "monkey", "tiger",
    "flower", "kitchen", "basket", "button", "letter", "ocean", "island", "camera", "picture", "banana",
    "bottle", "chicken", "farmer", "pocket", "jacket",
)
_VERBS = (
    "runs", "jumps", "sings", "opens", "finds", "likes", "wants", "paints", "carries", "follows",
    "pushes", "watches", "visits", "brings", "cleans", "catches", "holds", "reads", "builds", "moves",
)
_ADVERBS = ("today", "slowly", "again", "now", "quickly", "tomorrow", "outside", "always", "never", "together")

# One part of speech per position of a sentence; longer sentences repeat the pattern.
_SENTENCE_PATTERN = (_DETERMINERS, _ADJECTIVES, _NOUNS, _VERBS, _DETERMINERS, _NOUNS, _ADVERBS)

SPEECH_VOCABULARY: tuple[str, ...] = tuple(
    dict.fromkeys(_DETERMINERS + _ADJECTIVES + _NOUNS + _VERBS + _ADVERBS)
)


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def random_sentence(rng: np.random.Generator, n_words: int) -> str:
    """``n_words`` words of :data:`SPEECH_VOCABULARY` following a determiner/adjective/noun/verb pattern."""
    if n_words < 1:
        raise ValueError(f"a sentence needs at least one word, got n_words={n_words}")
    parts = (_SENTENCE_PATTERN[i % len(_SENTENCE_PATTERN)] for i in range(n_words))
    return " ".join(str(words[rng.integers(len(words))]) for words in parts)


def speak(
    text: str,
    voice: str = "en-us+f3",
    pitch: int = 50,
    speed: int = 160,
    amplitude: int = 100,
    sample_rate: int = 16000,
    pitch_range: int = 50,
    word_gap: int = 0,
) -> np.ndarray:
    """``text`` spoken by espeak-ng as float32 at ``sample_rate``, silence included.

    ``pitch`` (0-99), ``speed`` (words per minute), ``amplitude`` (0-200) and ``word_gap`` (10 ms
    units) are espeak-ng's options; ``pitch_range`` (0-100, 50 is the voice's own) goes in as SSML.
    """
    ssml = f'<speak><prosody range="{int(pitch_range)}">{escape(text)}</prosody></speak>'
    command = [
        ESPEAK, "--stdout", "-m", "-v", voice, "-p", str(int(pitch)), "-s", str(int(speed)),
        "-a", str(int(amplitude)), "-g", str(int(word_gap)), ssml,
    ]
    try:
        result = subprocess.run(command, capture_output=True, check=False)
    except FileNotFoundError as error:
        raise RuntimeError(f"{ESPEAK} is not installed (running {shlex.join(command)})") from error
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0 or not result.stdout:
        raise RuntimeError(f"{shlex.join(command)} failed with exit status {result.returncode}: {stderr or 'no output'}")
    try:
        waveform, rate = sf.read(io.BytesIO(result.stdout), dtype="float32")
    except sf.SoundFileError as error:
        raise RuntimeError(f"{shlex.join(command)} wrote no readable WAV ({error}); stderr: {stderr or 'empty'}") from error
    if waveform.ndim > 1:
        waveform = waveform.mean(axis=1)
    return resample(waveform, int(rate), sample_rate).astype(np.float32)
