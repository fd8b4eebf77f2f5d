"""The closed word list the synthetic speech is made of, the sentence pattern it follows (a speech
recogniser's grammar can list both), and random sentences over it.

The words are ones pocketsphinx's US English model tells apart in espeak-ng's speech: determiners
it confuses with "the" (a, this, that) and nouns, adjectives and verbs it missed in more than
half of their occurrences were left out (word accuracy of the sentence-pattern grammar on 30 clips
at 160 words per minute: en-us+f2 0.92 -> 0.97, en-us+f3 0.84 -> 0.91).
"""
from __future__ import annotations

import numpy as np

_DETERMINERS = ("the", "one", "two", "some", "my", "your", "every")
_ADJECTIVES = (
    "big", "small", "red", "green", "blue", "happy", "quiet", "yellow", "golden",
    "little", "funny", "sleepy", "early", "heavy", "silver", "orange", "gentle", "lucky",
)
_NOUNS = (
    "dog", "cat", "house", "garden", "river", "window", "table", "apple", "teacher", "doctor",
    "city", "water", "music", "morning", "paper", "pencil", "rabbit", "monkey", "tiger",
    "flower", "kitchen", "basket", "ocean", "island", "picture", "banana",
    "bottle", "chicken", "pocket", "jacket",
)
_VERBS = (
    "runs", "jumps", "sings", "opens", "finds", "likes", "wants", "paints", "carries", "follows",
    "pushes", "watches", "visits", "brings", "cleans", "catches", "reads", "builds", "moves",
)
_ADVERBS = ("today", "slowly", "again", "now", "quickly", "tomorrow", "outside", "always", "never", "together")

# One part of speech per position of a sentence; longer sentences repeat the pattern.
SENTENCE_PATTERN: tuple[tuple[str, ...], ...] = (_DETERMINERS, _ADJECTIVES, _NOUNS, _VERBS, _DETERMINERS, _NOUNS, _ADVERBS)

SPEECH_VOCABULARY: tuple[str, ...] = tuple(
    dict.fromkeys(_DETERMINERS + _ADJECTIVES + _NOUNS + _VERBS + _ADVERBS)
)


def random_sentence(rng: np.random.Generator, n_words: int) -> str:
    """``n_words`` words of :data:`SPEECH_VOCABULARY` following a determiner/adjective/noun/verb pattern."""
    if n_words < 1:
        raise ValueError(f"a sentence needs at least one word, got n_words={n_words}")
    parts = (SENTENCE_PATTERN[i % len(SENTENCE_PATTERN)] for i in range(n_words))
    return " ".join(str(words[rng.integers(len(words))]) for words in parts)
