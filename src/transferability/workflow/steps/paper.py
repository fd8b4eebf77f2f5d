"""Steps of rules/paper.smk: the Figure 1 style example per task; main.tex and its PDF come from report.paper."""
from __future__ import annotations

from pathlib import Path

from transferability.analysis.explanations import explained_items, label_mapping
from transferability.report.explanation_figure import plot_explanation
from transferability.workflow.steps import Log


def example_figure(manifest: Path, entries: list[Path], facts: Path, task: str, model: str, item: str | None,
                   output: Path, log: Log) -> None:
    """Figure 1 style: the spectrum, the sufficient, complete and 1-complete bins and their waveforms."""
    items = explained_items(manifest, entries, label_mapping(facts), log)
    if item is not None:
        items = [i for i in items if i.record.clip_id == item]
    if not items:
        raise ValueError(f"task {task}: model {model} has no explained item"
                         + (f" {item!r} with status ok" if item else " with status ok"))
    chosen = min(items, key=lambda i: i.record.clip_id) if item is None else items[0]
    record = chosen.record
    masks = {"sufficient": record.sufficient.mask if record.sufficient else None,
             "complete": record.complete.mask if record.complete else None,
             "1-complete": record.one_complete.mask if record.one_complete else None}
    title = f"{task}: {record.clip_id} explained by {model} as {chosen.explained_class}"
    plot_explanation(chosen.original, record.sample_rate, masks, output, title)
    log(f"wrote {output} ({record.clip_id})")
