"""Steps of rules/asr.smk: each original clip transcribed once per task, then the sufficient, complete
and inverse signals of every model: transcripts, Levenshtein ratios and STOI (Section 5.4, Table 5)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from transferability.analysis.asr import (
    levenshtein_ratio,
    load_transcriber,
    normalise_text,
    resolve_grammar,
    stoi_score,
)
from transferability.analysis.explanations import explained_items, label_mapping
from transferability.analysis.score_table import SIGNALS
from transferability.analysis.spoken_words import (
    original_word_accuracy,
    read_originals,
    transcribe_originals,
    word_accuracy_note,
)
from transferability.data.splits import choose_items, split_rows
from transferability.report.grouped_tables import grouped_latex, in_order
from transferability.report.latex import latex_escape
from transferability.workflow.steps import Log

ASR_COLUMNS = ("model", "dataset", "item_id", "class", "signal", "transcript", "normalised", "levenshtein_ratio", "stoi")


def asr_originals(
    manifest: Path, datasets: list[str], backend: str, asr_source: str | None, vocabulary: str | list[str] | None,
    device: str, originals: Path, log: Log,
) -> None:
    """Transcribe every clip of the explain split once, with its word errors against the words spoken in it."""
    rows = split_rows(manifest, "explain", datasets)
    transcriber = load_transcriber(backend, asr_source, resolve_grammar(vocabulary), device)
    log(f"{len(rows)} original clips of {', '.join(datasets)}, transcribed with {transcriber.name}")
    frame = transcribe_originals(rows, manifest.parent, transcriber, log)
    frame.to_csv(originals, index=False)
    for summary in original_word_accuracy(frame).itertuples():
        log(f"word accuracy on the original clips of {summary.dataset}: {summary.word_accuracy:.3f} "
            f"({summary.clips} clips, {summary.reference_words} words)")


def asr_model(
    manifest: Path, entries: list[Path], facts: Path, originals: Path, model: str, datasets: list[str],
    labels: list[str], items_per_class: int | None, seed: int, backend: str, asr_source: str | None,
    vocabulary: str | list[str] | None, device: str, transcripts: Path, log: Log,
) -> None:
    """Transcribe the sufficient, complete and inverse signals of the items ``model`` explained (of
    ``items_per_class`` seeded explain items per dataset and class, the same for every model, when given);
    the original's transcript comes from ``originals`` where the model saw the clip as stored."""
    sample = None
    if items_per_class is not None:
        chosen = choose_items(split_rows(manifest, "explain", datasets), datasets, labels, items_per_class, seed)
        sample = set(chosen["item_id"])
        log(f"{len(sample)} explain items drawn ({items_per_class} per dataset and class, seed {seed})")
    items = explained_items(manifest, entries, label_mapping(facts), log, item_ids=sample)
    stored = read_originals(originals).set_index("item_id")
    transcriber = load_transcriber(backend, asr_source, resolve_grammar(vocabulary), device)
    log(f"{len(items)} explained items of {model}, transcribed with {transcriber.name}")
    rows = []
    for k, item in enumerate(items, 1):
        signals = {name: w for name, w in item.signals().items() if name in SIGNALS}
        rate, clip_id = item.record.sample_rate, item.record.clip_id
        seen_as_stored = (clip_id in stored.index and int(stored.at[clip_id, "sample_rate"]) == rate
                          and int(stored.at[clip_id, "samples"]) == item.original.size)
        others = [name for name in signals if name != "original" or not seen_as_stored]
        texts = dict(zip(others, transcriber.transcribe([signals[name] for name in others], rate)))
        if seen_as_stored:
            texts["original"] = stored.at[clip_id, "transcript"]
        else:
            log(f"{clip_id}: {model} saw it at {rate} Hz, {item.original.size} samples: its original transcribed here")
        reference = texts["original"]
        for name, waveform in signals.items():
            rows.append((model, item.dataset, clip_id, item.explained_class, name, texts[name],
                         normalise_text(texts[name]), levenshtein_ratio(reference, texts[name]),
                         stoi_score(item.original, waveform, rate)))
        log(f"[{k}/{len(items)}] {clip_id}: {normalise_text(reference)!r}")
    pd.DataFrame(rows, columns=list(ASR_COLUMNS)).to_csv(transcripts, index=False)


def asr_table(results: list[Path], originals: Path, task: str, labels: list[str], models: list[str],
              datasets: list[str], backend: str, latex: Path, csv: Path, log: Log) -> None:
    """Table 5: mean Levenshtein ratio of sufficient and complete transcripts and mean STOI of the inverse, per
    class, and the word accuracy of the ASR on the original clips."""
    frame = pd.concat([pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in results], ignore_index=True)
    frame["transcript"] = frame["transcript"].fillna("")
    metrics = {("levenshtein_ratio", "sufficient"): "Sufficient", ("levenshtein_ratio", "complete"): "Complete",
               ("stoi", "inverse"): "Inverse STOI"}
    means = frame.groupby(["dataset", "model", "signal", "class"])[["levenshtein_ratio", "stoi"]].mean()
    summary = original_word_accuracy(read_originals(originals))
    accuracy = dict(zip(summary["dataset"], summary["word_accuracy"]))
    note = word_accuracy_note(summary, backend)
    rows = []
    for dataset in datasets:
        for model in models:
            row = {"dataset": dataset, "model": model}
            for (metric, signal) in metrics:
                for class_name in labels:
                    key = (dataset, model, signal, class_name)
                    row[f"{signal}:{class_name}"] = means.loc[key, metric] if key in means.index else float("nan")
            row["original_word_accuracy"] = accuracy.get(dataset, float("nan"))
            rows.append(row)
    wide = in_order(pd.DataFrame(rows), datasets, models)
    wide.to_csv(csv, index=False)
    groups = [(title, [(f"{signal}:{c}", c) for c in labels]) for (_, signal), title in metrics.items()]
    counts = frame.groupby(["dataset", "model"])["item_id"].nunique()
    span = f"{counts.min()}" if counts.min() == counts.max() else f"{counts.min()}-{counts.max()}"
    caption = (f"Levenshtein ratio of the transcripts of sufficient and complete signals to the original's, and "
               f"STOI of the inverse signal against the original, by explained class ({task}); means over "
               f"{span} items per model and dataset. {latex_escape(note)}")
    Path(latex).write_text(grouped_latex(wide, groups, caption, f"tab:{task}-asr"))
    log(note)
    log(f"wrote {latex} and {csv} from {len(frame)} transcripts")
