"""Steps of rules/spectra.smk: spectral entropy with Mann-Whitney tests (Section 5.2, Figure 4) and signature transfer (Section 5.3)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transferability.analysis.explanations import explained_items, label_mapping
from transferability.analysis.signature import signature_transfer
from transferability.data.audio import load_audio
from transferability.data.manifest import read_manifest
from transferability.explainer.config import ExplainerConfig
from transferability.explainer.pipeline import explain, render_signals
from transferability.models.labels import LabelMap
from transferability.models.loading import load_classifier
from transferability.report.grouped_tables import grouped_latex, in_order
from transferability.report.latex import format_number
from transferability.workflow.steps import Log
from transferability.workflow.steps.composition import composite_path


def spectral_entropy(
    manifest: Path, entries_by_model: dict[str, list[Path]], facts_by_model: dict[str, Path], task: str,
    labels: list[str], datasets: list[str], signal: str, segment: int, contrast: dict[str, str] | None,
    values: Path, tests_csv: Path, tests_latex: Path, figure: Path, log: Log,
) -> None:
    """Normalised spectral entropy of every model's ``signal`` signals by explained class (Figure 4),
    and the Mann-Whitney U test of the contrast's two classes per model and dataset."""
    from transferability.analysis.spectra import mann_whitney, normalised_spectral_entropy
    from transferability.report.spectra_figures import plot_entropy

    rows = []
    for model, paths in entries_by_model.items():
        for item in explained_items(manifest, paths, label_mapping(facts_by_model[model]), log):
            waveform = item.signals().get(signal)
            if waveform is None:
                continue
            rows.append({"model": model, "dataset": item.dataset, "item_id": item.record.clip_id,
                         "class": item.explained_class, "signal": signal,
                         "entropy": normalised_spectral_entropy(waveform, item.record.sample_rate, segment)})
    frame = pd.DataFrame(rows, columns=["model", "dataset", "item_id", "class", "signal", "entropy"])
    frame.to_csv(values, index=False)
    tests = []
    if contrast:
        for dataset in datasets:
            for model in entries_by_model:
                group = frame[(frame["model"] == model) & (frame["dataset"] == dataset)]
                tests.append({"model": model, "dataset": dataset,
                              **mann_whitney(group, contrast["real"], contrast["fake"])})
                log(f"{model} {dataset}: Mann-Whitney {tests[-1]}")
    tests_frame = pd.DataFrame(tests, columns=["model", "dataset", "first", "second", "n_first", "n_second",
                                               "median_first", "median_second", "u", "p"])
    tests_frame.to_csv(tests_csv, index=False)
    if contrast:
        a, b = contrast["real"], contrast["fake"]
        groups = [("Median entropy", [("median_first", a), ("median_second", b)]),
                  ("Items", [("n_first", a), ("n_second", b)]), ("Mann-Whitney", [("u", "U"), ("p", "p")])]
        caption = (f"Normalised spectral entropy of {signal} signals classified {a} vs {b} ({task}); "
                   "two-sided Mann-Whitney U test per model and dataset.")
        Path(tests_latex).write_text(grouped_latex(tests_frame, groups, caption, f"tab:{task}-entropy", _test_number))
    else:
        Path(tests_latex).write_text(f"% {task}: no contrast configured, no entropy test\n")
    plot_entropy(frame, tests_frame, datasets, list(entries_by_model), labels, figure,
                 f"{task}: spectral entropy of {signal} signals by class")


def _test_number(value: float) -> str:
    """Counts as integers, p-values in scientific notation when small, the rest with 3 decimals."""
    if isinstance(value, (int, np.integer)):
        return str(value)
    if pd.isna(value):
        return format_number(value, 2)
    return f"{value:.2e}" if abs(value) < 1e-3 and value != 0 else f"{value:.3f}"


def signature_model(
    manifest: Path, summary: Path, composites: Path, model: str, spec: str, labels: list[str],
    label_overrides: dict[str, str], datasets: list[str], contrast: dict[str, str], settings: dict[str, Any],
    splits: list[str], device: str, batch_size: int, result: Path, per_item: Path, log: Log,
) -> None:
    """Explain the model's ``fake`` composite, add its sufficient signal to the items it puts in ``real``."""
    classifier = load_classifier(spec, device=device, name=model)
    label_map = LabelMap.build(model, classifier.class_names, labels, label_overrides)
    real, fake = contrast["real"], contrast["fake"]
    available = {c["dataset"] for c in json.loads(summary.read_text())["composites"]
                 if c["class"] == fake and "wav" in c}
    frame = read_manifest(manifest)
    cfg = ExplainerConfig.from_dict(settings)
    results, item_frames = [], []
    for dataset in datasets:
        described = {"model": model, "dataset": dataset, "real": real, "fake": fake}
        if dataset not in available:
            log(f"{model} {dataset}: no {fake} composite, nothing to transfer")
            results.append({**described, "status": "no composite", "n_real": 0, "turned": 0, "rate": float("nan")})
            continue
        composite = load_audio(composite_path(composites, dataset, fake), classifier.sample_rate).waveform
        record = explain(composite, classifier, cfg, clip_id=f"{model}-{dataset}-{fake}-composite")
        if record.status != "ok" or record.sufficient is None:
            log(f"{model} {dataset}: the {fake} composite has no sufficient signal ({record.status})")
            results.append({**described, "status": record.status, "n_real": 0, "turned": 0, "rate": float("nan")})
            continue
        signature = render_signals(composite, record)["sufficient"]
        rows = frame[(frame["dataset"] == dataset) & frame["split"].isin(splits)]
        items = [(r.item_id, load_audio(manifest.parent / r.path, classifier.sample_rate).waveform)
                 for r in rows.itertuples()]
        transfers = signature_transfer(items, signature, classifier, label_map, labels, real, fake,
                                       classifier.sample_rate, batch_size).assign(model=model, dataset=dataset)
        item_frames.append(transfers)
        turned = int(transfers["turned"].sum())
        results.append({**described, "status": "ok", "signature_bins": int(record.sufficient.size),
                        "signature_fraction": float(record.sufficient.fraction), "n_real": int(len(transfers)),
                        "turned": turned, "rate": turned / len(transfers) if len(transfers) else float("nan")})
        log(f"{model} {dataset}: {turned} of {len(transfers)} items classified {real} turn {fake} "
            f"with the {fake} signature ({record.sufficient.size} bins)")
    result.write_text(json.dumps(results, indent=1))
    columns = ["model", "dataset", "item_id", "original_class", "signed_class", "p_fake_before", "p_fake_after", "turned"]
    merged = pd.concat(item_frames, ignore_index=True) if item_frames else pd.DataFrame(columns=columns)
    merged[columns].to_csv(per_item, index=False)


def signature_table(results: list[Path], task: str, models: list[str], datasets: list[str], latex: Path,
                    csv: Path, log: Log) -> None:
    """Section 5.3 as a table: rate at which the fake signature turns real items fake, per model and dataset."""
    frame = in_order(pd.DataFrame([r for p in results for r in json.loads(Path(p).read_text())]), datasets, models)
    frame.to_csv(csv, index=False)
    real, fake = frame["real"].iloc[0], frame["fake"].iloc[0]
    groups = [(f"{fake} signature on {real} items", [("n_real", "Items"), ("turned", "Turned"), ("rate", "Rate")])]
    caption = (f"Transfer across labels ({task}): the sufficient signal of each model's {fake} composite added to "
               f"the items the model classifies {real}; Rate: fraction whose class turns {fake}.")
    Path(latex).write_text(grouped_latex(frame, groups, caption, f"tab:{task}-signature", _test_number))
    log(f"wrote {latex} and {csv}")
