"""The workflow's steps as plain functions of paths and values (the Snakemake scripts call these)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from transferability.analysis.explanations import explained_items, write_entries
from transferability.analysis.scoring import item_signals, score_signals
from transferability.analysis.transfer_statistics import bootstrap_interval, filter_stable, pair_matrix, paired_t_test
from transferability.batch_explain import Item, explain_items, shard
from transferability.data.audio import load_audio
from transferability.data.manifest import ManifestError, write_manifest
from transferability.data.splits import load_split, split_rows
from transferability.explainer.config import ExplainerConfig
from transferability.explainer.precision import check_precision, with_precision
from transferability.fingerprint import model_fingerprint
from transferability.models import load_classifier
from transferability.models.labels import LabelMap
from transferability.models.probabilities import fit_to_target, target_probabilities
from transferability.report.transferability_tables import transferability_latex, transferability_long

Log = Callable[[str], None]
TRAINING_SAMPLE_RATE = 16_000  # the workflow's own models take 16 kHz, like the paper's


def explain_shard(
    manifest: Path, model: str, spec: str, datasets: list[str], settings: dict[str, Any],
    shards: int, shard_index: int, device: str, precision: str, precision_check: Path | None, cache_dir: Path,
    output: Path, log: Log,
) -> None:
    """Explain this shard of the explain split with one model; finished items survive a kill.

    A reduced ``precision`` needs the model's ``precision_check`` file, and is used only if that check allowed it.
    """
    rows = split_rows(manifest, "explain", datasets)
    items = [Item(row.item_id, manifest.parent / row.path) for row in rows.itertuples()]
    mine = shard(items, shards, shard_index)
    log(f"model {model} ({spec}): shard {shard_index + 1}/{shards}, {len(mine)} of {len(items)} items")
    cfg = ExplainerConfig.from_dict(settings)
    classifier = load_classifier(spec, device=device, name=model)
    fingerprint = model_fingerprint(spec)
    if precision != "float32":
        if precision_check is None:
            raise ValueError(f"model {model}: precision {precision} needs the model's precision check file")
        used = json.loads(Path(precision_check).read_text())["used"]
        log(f"precision: {used} ({precision} asked for; decided by {precision_check})")
        classifier = with_precision(classifier, used)
        fingerprint = fingerprint if used == "float32" else f"{fingerprint}+{used}"
    entries = explain_items(mine, classifier, fingerprint, cfg, Path(cache_dir), log)
    write_entries(entries, output)


def check_model_precision(
    manifest: Path, model: str, spec: str, datasets: list[str], precision: str, items: int, seed: int,
    device: str, output: Path, log: Log,
) -> None:
    """Decide the precision of a model's explanation queries: ``precision`` only if a seeded sample of
    ``items`` explain clips and their mutants keep every top-1 class, else float32."""
    rows = split_rows(manifest, "explain", datasets).sort_values("item_id")
    chosen = rows.iloc[np.sort(np.random.default_rng(seed).permutation(len(rows))[:items])]
    classifier = load_classifier(spec, device=device, name=model)
    waveforms = [fit_to_target(load_audio(manifest.parent / path, classifier.sample_rate).waveform,
                               classifier.sample_rate, classifier) for path in chosen["path"]]
    decision = check_precision(classifier, waveforms, list(chosen["item_id"]), precision, seed, log)
    Path(output).write_text(json.dumps({"model": model, "spec": spec, "device": device, **decision}, indent=1))


def score_model(
    manifest: Path, entries: list[Path], task: str, source: str, specs: dict[str, str], labels: list[str],
    label_overrides: dict[str, dict[str, str]], device: str, batch_size: int, output: Path, log: Log,
) -> None:
    """Every model of the task on the original, sufficient, complete and inverse signals of ``source``."""
    targets = {name: load_classifier(spec, device=device, name=name) for name, spec in specs.items()}
    label_maps = {
        name: LabelMap.build(name, model.class_names, labels, label_overrides.get(name)) for name, model in targets.items()
    }
    signals = []
    for item in explained_items(manifest, entries, label_maps[source].mapping, log):
        signals += item_signals(item)
    log(f"{len(signals)} signals of {source} to score on {len(targets)} models")
    scores = score_signals(signals, task, source, targets, label_maps, labels, batch_size, log)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    scores.to_csv(output, index=False)


def make_synthetic_data(
    task: str, counts: dict[str, int], seconds: float, sample_rate: int, seed: int, speech: str, audio: Path,
    output: Path, log: Log,
) -> None:
    """Generate one synthetic task's clips into ``audio`` (a folder beside the manifest ``output``)."""
    from transferability.data.synthetic import generate_task, resolve_speech_engine

    engine = resolve_speech_engine(speech)
    log(f"speech engine: {engine} (data.speech: {speech})")
    frame = generate_task(task, Path(audio), counts, seed, seconds=seconds, sample_rate=sample_rate, speech=engine)
    prefix = Path(audio).relative_to(Path(output).parent)
    frame["path"] = [(prefix / path).as_posix() for path in frame["path"]]
    write_manifest(frame, output)
    log(f"{len(frame)} clips: " + ", ".join(f"{k}={v}" for k, v in frame.groupby(["dataset", "split"]).size().items()))


def train_model(
    manifest: Path, arch: str, seed: int, labels: list[str], epochs: int, batch_size: int,
    learning_rate: float, output: Path, log: Log,
) -> None:
    """Train one architecture on the task's train split and save it where load_classifier finds it."""
    from transferability.models.zoo import train

    waveforms, targets = load_split(manifest, "train", labels, TRAINING_SAMPLE_RATE)
    if len({w.shape[0] for w in waveforms}) != 1:
        raise ManifestError(f"manifest {manifest}: training clips must all have one length to be batched")
    log(f"training {arch} (seed {seed}) on {len(targets)} clips of {waveforms[0].shape[0]} samples, {epochs} epochs")
    facts = train(arch, np.stack(waveforms), targets, labels, Path(output), seed=seed, epochs=epochs,
                  batch_size=batch_size, learning_rate=learning_rate, log=log)
    log(json.dumps(facts))


def measure_model(
    manifest: Path, model: str, spec: str, backbone: str, labels: list[str], label_overrides: dict[str, str],
    datasets: list[str], device: str, batch_size: int, output: Path, log: Log,
) -> None:
    """Size and held-out accuracy (per dataset, on canonical labels) of one model."""
    classifier = load_classifier(spec, device=device, name=model)
    label_map = LabelMap.build(model, classifier.class_names, labels, label_overrides)
    accuracy, counts = {}, {}
    for dataset in datasets:
        waveforms, targets = load_split(manifest, "heldout", labels, classifier.sample_rate, [dataset])
        probs = target_probabilities(waveforms, classifier.sample_rate, classifier, batch_size)
        predicted = label_map.to_canonical(probs).argmax(axis=1)
        accuracy[dataset], counts[dataset] = float((predicted == targets).mean()), int(len(targets))
        log(f"{model} on {dataset}: accuracy {accuracy[dataset]:.3f} over {counts[dataset]} held-out clips")
    facts = {
        "model": model, "spec": spec, "backbone": backbone,
        "parameters": classifier.parameter_count,
        "size_m": classifier.parameter_count / 1e6 if classifier.parameter_count else float("nan"),
        "accuracy": accuracy, "heldout_items": counts, "label_mapping": label_map.mapping,
    }
    Path(output).write_text(json.dumps(facts, indent=1))


def combined_scores(paths: list[Path]) -> pd.DataFrame:
    """The score files (any sharding) as one table in a fixed row order, so bootstraps do not depend on shards."""
    table = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    order = ["source_model", "item_id", "signal", "target_model"]
    return table.sort_values(order, kind="stable", ignore_index=True)


def transferability_tables(
    scores: list[Path], facts: list[Path], task: str, labels: list[str], datasets: list[str], epsilon: float,
    resamples: int, seed: int, confidence: float, require_chain_stable: bool, require_converged: bool,
    latex: Path, csv: Path, ttest: Path, log: Log,
) -> None:
    """Tables 1-3: alpha (LaTeX, as in the paper), beta and joint (LaTeX beside it), all of them as CSV."""
    table = filter_stable(combined_scores(scores), require_chain_stable, require_converged)
    model_facts = [json.loads(Path(p).read_text()) for p in facts]
    fact_rows = pd.DataFrame([
        {"model": f["model"], "backbone": f["backbone"], "size_m": f["size_m"], "accuracy": f["accuracy"][d],
         **({"dataset": d} if len(datasets) > 1 else {})}
        for f in model_facts for d in datasets
    ])
    long_frames, t_tests = [], {}
    for metric in ("alpha", "beta", "joint"):
        matrices, intervals = {}, {}
        for signal in ("sufficient", "complete"):
            for dataset in datasets:
                key = (signal, dataset)
                matrices[key] = pair_matrix(table, signal, metric, epsilon, dataset=dataset)
                intervals[key] = bootstrap_interval(table, signal, metric, epsilon, resamples, seed, confidence, dataset=dataset)
        caption = (f"{metric.capitalize()}-transferability of {task} sufficient (top) and complete (bottom) signals "
                   f"across models (epsilon = {epsilon}); Size in millions of parameters, Acc. held-out accuracy.")
        path = latex if metric == "alpha" else latex.with_name(f"{latex.stem}_{metric}.tex")
        path.write_text(transferability_latex(fact_rows, matrices, caption, f"tab:{task}-{metric}"))
        long_frames.append(transferability_long(matrices, metric, intervals))
        log(f"{metric}: wrote {path}")
    for dataset in [*datasets, None] if len(datasets) > 1 else datasets:
        t_tests[dataset or "all"] = paired_t_test(table, epsilon, "alpha", dataset=dataset)
        log(f"paired t-test sufficient vs complete alpha ({dataset or 'all datasets'}): {t_tests[dataset or 'all']}")
    pd.concat(long_frames, ignore_index=True).to_csv(csv, index=False)
    ttest.write_text(json.dumps(t_tests, indent=1, default=float))
