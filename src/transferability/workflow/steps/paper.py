"""Steps of rules/paper.smk: the Figure 1 style example per task, main.tex over every table and figure, its PDF."""
from __future__ import annotations

from pathlib import Path

from transferability.analysis.explanations import explained_items, label_mapping
from transferability.report.explanation_figure import explanation_masks, figure_signals, plot_explanation
from transferability.report.paper import compile_pdf, main_tex
from transferability.workflow.steps import Log


def example_figure(manifest: Path, entries: list[Path], facts: Path, task: str, model: str, item: str | None,
                   figure: Path, log: Log) -> None:
    """Figure 1 style: the spectrum, the sufficient, complete and 1-complete bins, and every signal at its own scale."""
    items = explained_items(manifest, entries, label_mapping(facts), log)
    if item is not None:
        items = [i for i in items if i.record.clip_id == item]
    if not items:
        raise ValueError(f"task {task}: model {model} has no explained item"
                         + (f" {item!r} with status ok" if item else " with status ok"))
    chosen = min(items, key=lambda i: i.record.clip_id) if item is None else items[0]
    record = chosen.record
    title = f"{task}: {record.clip_id} explained by {model} as {chosen.explained_class}"
    plot_explanation(chosen.original, record.sample_rate, explanation_masks(record), figure, title,
                     signals=figure_signals(chosen.signals()))
    log(f"wrote {figure} ({record.clip_id})")


def paper_tex(tables: list[Path], figure_captions: list[list[str]], title: str, tex: Path, log: Log) -> None:
    """``main.tex`` inputting every table and including every figure (``[path, caption]`` pairs)."""
    main_tex(tables, [(Path(path), caption) for path, caption in figure_captions], tex, title, log)


def paper_pdf(tex: Path, pdf: Path, log: Log) -> None:
    """``main.pdf`` compiled from ``main.tex`` with pdflatex."""
    compile_pdf(tex, pdf, log)
