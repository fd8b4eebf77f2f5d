"""How well the speech recogniser hears the original clips: each explained clip transcribed once,
its word errors against the words spoken in it (the manifest's ``text``, where the data has one),
and the word accuracy per dataset."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import jiwer
import numpy as np
import pandas as pd

from transferability.analysis.asr import Transcriber, normalise_text
from transferability.data.audio import load_audio
from transferability.data.manifest import TEXT_COLUMN

ORIGINAL_COLUMNS = ("dataset", "item_id", "label", "sample_rate", "samples", "text", "transcript", "normalised",
                    "word_errors", "reference_words")


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Word errors (substitutions + deletions + insertions, jiwer's alignment) from the normalised
    ``reference`` to the normalised ``hypothesis``, and the number of reference words."""
    words, heard = normalise_text(reference), normalise_text(hypothesis)
    if not words:  # jiwer refuses an empty reference: every word heard is an insertion
        return len(heard.split()), 0
    alignment = jiwer.process_words(words, heard)
    return alignment.substitutions + alignment.deletions + alignment.insertions, len(words.split())


def word_accuracy(errors: Sequence[int], words: Sequence[int]) -> float:
    """1 - word error rate pooled over clips: 1 - total errors / total reference words; NaN without words."""
    total = int(np.sum(words))
    return float("nan") if total == 0 else 1.0 - float(np.sum(errors)) / total


def transcribe_originals(
    rows: pd.DataFrame, root: Path, transcriber: Transcriber, log: Callable[[str], None]
) -> pd.DataFrame:
    """:data:`ORIGINAL_COLUMNS` of the manifest ``rows`` (paths relative to ``root``), in item order,
    each clip transcribed at its file's rate. Without a ``text`` column the reference is missing
    (NaN) and so are the word counts."""
    records = []
    rows = rows.sort_values("item_id")
    for k, row in enumerate(rows.to_dict("records"), 1):
        audio = load_audio(root / row["path"], None)
        [transcript] = transcriber.transcribe([audio.waveform], audio.sample_rate)
        text = row.get(TEXT_COLUMN)
        errors, words = (None, None) if text is None else word_errors(text, transcript)
        records.append((row["dataset"], row["item_id"], row["label"], audio.sample_rate, audio.waveform.size,
                        text, transcript, normalise_text(transcript), errors, words))
        log(f"[{k}/{len(rows)}] {row['item_id']}: {normalise_text(transcript)!r}"
            + ("" if text is None else f" (spoken: {text!r}, {errors} word errors)"))
    return pd.DataFrame(records, columns=list(ORIGINAL_COLUMNS))


def read_originals(path: Path) -> pd.DataFrame:
    """A file of :func:`transcribe_originals`, empty texts and transcripts as ``""``."""
    frame = pd.read_csv(path, dtype={"item_id": str, "text": object, "transcript": object, "normalised": object})
    for column in ("transcript", "normalised"):
        frame[column] = frame[column].fillna("")
    return frame


def original_word_accuracy(originals: pd.DataFrame) -> pd.DataFrame:
    """Per dataset and for all of them (dataset ``"all"``): clips, reference words and word accuracy."""
    rows = []
    for dataset, group in [*originals.groupby("dataset", sort=False), ("all", originals)]:
        words = pd.to_numeric(group["reference_words"])
        rows.append((dataset, len(group), int(words.sum()) if words.notna().all() else None,
                     word_accuracy(group["word_errors"].fillna(0), words.fillna(0))))
    return pd.DataFrame(rows, columns=["dataset", "clips", "reference_words", "word_accuracy"])


def word_accuracy_note(summary: pd.DataFrame, backend: str) -> str:
    """One sentence on how well ``backend`` heard the original clips, from :func:`original_word_accuracy`:
    the accuracy per dataset, or why there is none (no recorded words; clips without words)."""
    overall = summary[summary["dataset"] == "all"].iloc[0]
    if pd.isna(overall["reference_words"]):
        return "The data records no spoken words, so the word accuracy on the original clips is not measured."
    if overall["reference_words"] == 0:
        return ("NOT MEANINGFUL: the original clips have no spoken words (speech engine without words, "
                "data.speech: formant), so their transcripts say nothing about what the signals keep of the speech.")
    parts = [f"{row.dataset} {row.word_accuracy:.2f} ({row.clips} clips)" for row in summary.itertuples()
             if row.dataset != "all"]
    total = f"; all {overall['word_accuracy']:.2f}" if len(parts) > 1 else ""
    return f"Word accuracy of {backend} on the original clips (1 - WER against the words spoken): {', '.join(parts)}{total}."
