"""How well the ASR hears the original clips: word errors, pooled word accuracy, the originals' file and its note."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import pytest

from transferability.analysis.spoken_words import (
    ORIGINAL_COLUMNS,
    original_word_accuracy,
    read_originals,
    transcribe_originals,
    word_accuracy,
    word_accuracy_note,
    word_errors,
)
from transferability.data.audio import write_wav


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("the dog runs", "the dog runs", (0, 3)),
        ("The dog, runs!", "the DOG runs", (0, 3)),       # normalised first
        ("the dog runs", "the cat runs now", (2, 3)),      # one substitution, one insertion
        ("the big dog runs", "the dog", (2, 4)),           # two deletions
        ("", "some words", (2, 0)),
    ],
)
def test_word_errors(reference: str, hypothesis: str, expected: tuple[int, int]) -> None:
    assert word_errors(reference, hypothesis) == expected


def test_word_accuracy_pools_errors_over_clips() -> None:
    assert word_accuracy([1, 0], [4, 6]) == pytest.approx(0.9)  # not the mean of 0.75 and 1.0
    assert word_accuracy([3], [2]) == pytest.approx(-0.5)      # insertions can make it negative
    assert np.isnan(word_accuracy([0, 0], [0, 0]))


class ByLength:
    """A transcriber that answers by clip length (samples at its input rate), and records the rates it got."""

    name = "by length"

    def __init__(self, answers: dict[int, str]) -> None:
        self.answers, self.rates = answers, []

    def transcribe(self, waveforms: Sequence[np.ndarray], sample_rate: int) -> list[str]:
        self.rates.append(sample_rate)
        return [self.answers[w.size] for w in waveforms]


def _manifest(tmp_path: Path, texts: list[str] | None) -> pd.DataFrame:
    rows = []
    for k, (dataset, rate, seconds) in enumerate([("in", 16000, 1.0), ("wild", 22050, 0.5), ("in", 16000, 0.5)]):
        path = f"audio/item{k}.wav"
        write_wav(tmp_path / path, np.full(int(rate * seconds), 0.1, np.float32), rate)
        row = {"item_id": f"item{k}", "path": path, "label": "x", "split": "explain", "dataset": dataset}
        rows.append(row if texts is None else {**row, "text": texts[k]})
    return pd.DataFrame(rows)


def test_originals_are_transcribed_at_their_own_rate_with_their_word_errors(tmp_path: Path) -> None:
    transcriber = ByLength({16000: "the dog runs", 11025: "two red", 8000: ""})
    rows = _manifest(tmp_path, ["the dog runs", "two big cats", "one cat"])
    frame = transcribe_originals(rows.iloc[::-1], tmp_path, transcriber, lambda message: None)
    assert list(frame.columns) == list(ORIGINAL_COLUMNS)
    assert list(frame["item_id"]) == ["item0", "item1", "item2"]
    assert list(frame["sample_rate"]) == [16000, 22050, 16000] and sorted(transcriber.rates) == [16000, 16000, 22050]
    assert list(frame["samples"]) == [16000, 11025, 8000]
    assert list(frame["word_errors"]) == [0, 2, 2] and list(frame["reference_words"]) == [3, 3, 2]
    frame.to_csv(tmp_path / "originals.csv", index=False)
    summary = original_word_accuracy(read_originals(tmp_path / "originals.csv")).set_index("dataset")
    assert summary.loc["in", "word_accuracy"] == pytest.approx(1 - 2 / 5)
    assert summary.loc["wild", "word_accuracy"] == pytest.approx(1 - 2 / 3)
    assert summary.loc["all", "word_accuracy"] == pytest.approx(1 - 4 / 8) and summary.loc["all", "clips"] == 3
    note = word_accuracy_note(original_word_accuracy(frame), "pocketsphinx")
    assert note == ("Word accuracy of pocketsphinx on the original clips (1 - WER against the words spoken): "
                    "in 0.60 (2 clips), wild 0.33 (1 clips); all 0.50.")


def test_clips_without_words_make_the_note_a_warning(tmp_path: Path) -> None:
    rows = _manifest(tmp_path, ["", "", ""])
    frame = transcribe_originals(rows, tmp_path, ByLength({16000: "the", 11025: "", 8000: "dog"}), lambda m: None)
    summary = original_word_accuracy(frame)
    assert np.isnan(summary.set_index("dataset").loc["all", "word_accuracy"])
    assert word_accuracy_note(summary, "pocketsphinx").startswith("NOT MEANINGFUL: the original clips have no spoken words")


def test_data_without_recorded_words_has_no_accuracy(tmp_path: Path) -> None:
    rows = _manifest(tmp_path, None)
    frame = transcribe_originals(rows, tmp_path, ByLength({16000: "a", 11025: "b", 8000: "c"}), lambda m: None)
    assert frame["reference_words"].isna().all() and frame["text"].isna().all()
    frame.to_csv(tmp_path / "originals.csv", index=False)
    summary = original_word_accuracy(read_originals(tmp_path / "originals.csv"))
    assert "not measured" in word_accuracy_note(summary, "whisper (tiny)")
