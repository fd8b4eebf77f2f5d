"""Steps of rules/composition.smk: greedy composites per model (Section 5.1), Table 4 and Figure 3."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from transferability.analysis.composition import greedy_composite
from transferability.analysis.explanations import explained_items, label_mapping
from transferability.data.audio import load_audio, write_wav
from transferability.models.labels import LabelMap
from transferability.models.loading import load_classifier
from transferability.report.grouped_tables import grouped_latex, in_order
from transferability.workflow.steps import Log


def composite_path(folder: Path, dataset: str, class_name: str) -> Path:
    return Path(folder) / dataset / f"{class_name}.wav"


def compose_model(
    manifest: Path, entries: list[Path], facts: Path, model: str, spec: str, labels: list[str],
    label_overrides: dict[str, str], datasets: list[str], device: str, seed: int, max_signals: int | None,
    summary: Path, composites: Path, log: Log,
) -> None:
    """Greedy composite of every dataset and class of one model; the composites as WAV files."""
    classifier = load_classifier(spec, device=device, name=model)
    label_map = LabelMap.build(model, classifier.class_names, labels, label_overrides)
    items = explained_items(manifest, entries, label_mapping(facts), log)
    composites.mkdir(parents=True, exist_ok=True)
    summaries = []
    for dataset in datasets:
        for class_name in labels:
            signals = [(i.record.clip_id, i.signals()["sufficient"]) for i in items
                       if i.dataset == dataset and i.explained_class == class_name]
            if not signals:
                log(f"{model} {dataset} {class_name}: no explained item in this class")
            composite = greedy_composite(signals, model, dataset, class_name, classifier, label_map, labels,
                                         classifier.sample_rate, seed, max_signals)
            described = composite.summary()
            if composite.waveform is not None:
                path = composite_path(composites, dataset, class_name)
                write_wav(path, composite.waveform, classifier.sample_rate)
                described["wav"] = path.relative_to(composites).as_posix()
            summaries.append(described)
            log(f"{model} {dataset} {class_name}: kept {described['kept']} of {described['tried']} sufficient signals")
    summary.write_text(json.dumps({"model": model, "sample_rate": classifier.sample_rate,
                                   "composites": summaries}, indent=1))


def _composition_rows(summaries: list[Path]) -> pd.DataFrame:
    rows = []
    for path in summaries:
        for c in json.loads(Path(path).read_text())["composites"]:
            rows.append({k: c[k] for k in ("model", "dataset", "class", "tried", "kept", "degree")})
    return pd.DataFrame(rows)


def composition_report(
    summaries: list[Path], composites: list[Path], task: str, labels: list[str], models: list[str],
    datasets: list[str], segment: int, latex: Path, csv: Path, figure: Path, log: Log,
) -> None:
    """Table 4 (degree of compositionality per model, dataset and class) and Figure 3 (composite PSDs)."""
    from transferability.report.spectra_figures import plot_composite_psd

    frame = _composition_rows(summaries)
    frame.to_csv(csv, index=False)
    wide = frame.pivot_table(index=["dataset", "model"], columns="class", values="degree", dropna=False).reset_index()
    wide = in_order(wide, datasets, models)
    caption = (f"Degree of compositionality (kept / tried sufficient signals) per class of the {task} task; "
               "n/a: the model put no explained item in the class.")
    groups = [("Class", [(c, c) for c in labels if c in wide.columns])]
    Path(latex).write_text(grouped_latex(wide, groups, caption, f"tab:{task}-composition"))
    found = {}
    for path, folder in zip(summaries, composites):
        payload = json.loads(Path(path).read_text())
        for c in payload["composites"]:
            if "wav" in c:
                clip = load_audio(Path(folder) / c["wav"], payload["sample_rate"])
                found[c["dataset"], c["model"], c["class"]] = (clip.waveform, clip.sample_rate)
    plot_composite_psd(found, datasets, models, labels, segment, figure, f"{task}: Welch PSD of each class's composite")
    log(f"wrote {latex}, {csv}, {figure}: {len(found)} composites")
