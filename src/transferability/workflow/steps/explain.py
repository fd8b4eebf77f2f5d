"""Steps of rules/explain.smk: explain a shard of items with one model, and check a reduced query precision first."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from transferability.analysis.explanations import write_entries
from transferability.data.audio import load_audio
from transferability.data.splits import split_rows
from transferability.explainer.config import ExplainerConfig
from transferability.explainer.precision import check_precision, with_precision
from transferability.models.loading import load_classifier
from transferability.models.probabilities import fit_to_target
from transferability.workflow.explanation_cache import Item, explain_items, shard_items
from transferability.workflow.fingerprint import model_fingerprint
from transferability.workflow.steps import Log


def explain_shard(
    manifest: Path, model: str, spec: str, datasets: list[str], settings: dict[str, Any],
    shards: int, shard: int, device: str, precision: str, precision_check: Path | None, cache_dir: Path,
    entries: Path, log: Log,
) -> None:
    """Explain this shard of the explain split with one model; finished items survive a kill.

    A reduced ``precision`` needs the model's ``precision_check`` file, and is used only if that check allowed it.
    """
    rows = split_rows(manifest, "explain", datasets)
    items = [Item(row.item_id, manifest.parent / row.path) for row in rows.itertuples()]
    mine = shard_items(items, shards, shard)
    log(f"model {model} ({spec}): shard {shard + 1}/{shards}, {len(mine)} of {len(items)} items")
    cfg = ExplainerConfig.from_dict(settings)
    classifier = load_classifier(spec, device=device, name=model)
    fingerprint = model_fingerprint(spec)
    if precision != "float32":
        if precision_check is None:
            raise ValueError(f"model {model}: precision {precision} needs the model's precision check file")
        used = json.loads(precision_check.read_text())["used"]
        log(f"precision: {used} ({precision} asked for; decided by {precision_check})")
        classifier = with_precision(classifier, used)
        fingerprint = fingerprint if used == "float32" else f"{fingerprint}+{used}"
    write_entries(explain_items(mine, classifier, fingerprint, cfg, cache_dir, log), entries)


def precision_check(
    manifest: Path, model: str, spec: str, datasets: list[str], precision: str, sample_items: int, seed: int,
    device: str, decision: Path, log: Log,
) -> None:
    """Decide the precision of a model's explanation queries: ``precision`` only if a seeded sample of
    ``sample_items`` explain clips and their mutants keep every top-1 class, else float32."""
    rows = split_rows(manifest, "explain", datasets).sort_values("item_id")
    chosen = rows.iloc[np.sort(np.random.default_rng(seed).permutation(len(rows))[:sample_items])]
    classifier = load_classifier(spec, device=device, name=model)
    waveforms = [fit_to_target(load_audio(manifest.parent / path, classifier.sample_rate).waveform,
                               classifier.sample_rate, classifier) for path in chosen["path"]]
    checked = check_precision(classifier, waveforms, list(chosen["item_id"]), precision, seed, log)
    decision.write_text(json.dumps({"model": model, "spec": spec, "device": device, **checked}, indent=1))
