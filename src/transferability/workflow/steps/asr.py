"""Steps of rules/asr.smk: transcripts, Levenshtein ratios and STOI of every signal (Section 5.4, Table 5)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from transferability.analysis.asr import (
    levenshtein_ratio,
    load_transcriber,
    normalise_text,
    resolve_vocabulary,
    stoi_score,
)
from transferability.analysis.explanations import explained_items, label_mapping
from transferability.analysis.score_table import SIGNALS
from transferability.report.grouped_tables import grouped_latex, in_order
from transferability.workflow.steps import Log

ASR_COLUMNS = ("model", "dataset", "item_id", "class", "signal", "transcript", "normalised", "levenshtein_ratio", "stoi")


def asr_model(
    manifest: Path, entries: list[Path], facts: Path, model: str, backend: str, asr_source: str | None,
    vocabulary: str | list[str] | None, device: str, transcripts: Path, log: Log,
) -> None:
    """Transcribe the original, sufficient, complete and inverse signals of every item ``model`` explained."""
    items = explained_items(manifest, entries, label_mapping(facts), log)
    transcriber = load_transcriber(backend, asr_source, resolve_vocabulary(vocabulary), device)
    log(f"{len(items)} explained items of {model}, transcribed with {transcriber.name}")
    rows = []
    for k, item in enumerate(items, 1):
        signals = {name: w for name, w in item.signals().items() if name in SIGNALS}
        rate = item.record.sample_rate
        texts = dict(zip(signals, transcriber.transcribe(list(signals.values()), rate)))
        reference = texts["original"]
        for name, waveform in signals.items():
            rows.append((model, item.dataset, item.record.clip_id, item.explained_class, name, texts[name],
                         normalise_text(texts[name]), levenshtein_ratio(reference, texts[name]),
                         stoi_score(item.original, waveform, rate)))
        log(f"[{k}/{len(items)}] {item.record.clip_id}: {normalise_text(reference)!r}")
    pd.DataFrame(rows, columns=list(ASR_COLUMNS)).to_csv(transcripts, index=False)


def asr_table(results: list[Path], task: str, labels: list[str], models: list[str], datasets: list[str],
              latex: Path, csv: Path, log: Log) -> None:
    """Table 5: mean Levenshtein ratio of sufficient and complete transcripts and mean STOI of the inverse, per class."""
    frame = pd.concat([pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in results], ignore_index=True)
    frame["transcript"] = frame["transcript"].fillna("")
    metrics = {("levenshtein_ratio", "sufficient"): "Sufficient", ("levenshtein_ratio", "complete"): "Complete",
               ("stoi", "inverse"): "Inverse STOI"}
    means = frame.groupby(["dataset", "model", "signal", "class"])[["levenshtein_ratio", "stoi"]].mean()
    rows = []
    for dataset in datasets:
        for model in models:
            row = {"dataset": dataset, "model": model}
            for (metric, signal) in metrics:
                for class_name in labels:
                    key = (dataset, model, signal, class_name)
                    row[f"{signal}:{class_name}"] = means.loc[key, metric] if key in means.index else float("nan")
            rows.append(row)
    wide = in_order(pd.DataFrame(rows), datasets, models)
    wide.to_csv(csv, index=False)
    groups = [(title, [(f"{signal}:{c}", c) for c in labels]) for (_, signal), title in metrics.items()]
    caption = (f"Levenshtein ratio of the transcripts of sufficient and complete signals to the original's, and "
               f"STOI of the inverse signal against the original, by explained class ({task}); means over items.")
    Path(latex).write_text(grouped_latex(wide, groups, caption, f"tab:{task}-asr"))
    log(f"wrote {latex} and {csv} from {len(frame)} transcripts")
