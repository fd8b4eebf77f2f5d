"""Step of rules/scoring.smk: every model of the task on the signals of one source model's shard."""
from __future__ import annotations

from pathlib import Path

from transferability.analysis.explanations import explained_items
from transferability.analysis.scoring import item_signals, score_on_models
from transferability.models.labels import LabelMap
from transferability.models.loading import load_classifier
from transferability.workflow.steps import Log


def score_signals(
    manifest: Path, entries: list[Path], task: str, model: str, specs: dict[str, str], labels: list[str],
    label_overrides: dict[str, dict[str, str]], device: str, batch_size: int, scores: Path, log: Log,
) -> None:
    """Every model of the task on the original, sufficient, complete and inverse signals of ``model``'s shard."""
    targets = {name: load_classifier(spec, device=device, name=name) for name, spec in specs.items()}
    label_maps = {
        name: LabelMap.build(name, target.class_names, labels, label_overrides.get(name)) for name, target in targets.items()
    }
    signals = []
    for item in explained_items(manifest, entries, label_maps[model].mapping, log):
        signals += item_signals(item)
    log(f"{len(signals)} signals of {model} to score on {len(targets)} models")
    table = score_on_models(signals, task, model, targets, label_maps, labels, batch_size, log)
    scores.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(scores, index=False)
