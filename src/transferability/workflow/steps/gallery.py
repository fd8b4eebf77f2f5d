"""Steps of rules/gallery.smk: each task's page of the listening gallery, and the front page over them."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from transferability.analysis.score_table import read_scores
from transferability.report.gallery import PAGE, TaskSummary, build_task_gallery, summarise
from transferability.report.gallery_html import index_page, task_page
from transferability.workflow.steps import Log


def gallery_task(
    manifest: Path, entries_by_model: dict[str, list[Path]], facts_by_model: dict[str, Path], scores: list[Path],
    transferability_csv: Path, composition_by_model: dict[str, list[Path]], documents: list[list[str]], task: str,
    labels: list[str], datasets: list[str], epsilon: float, items_per_class: int, seed: int, audio_format: str,
    folder: Path, log: Log,
) -> None:
    """The task's folder: seeded items per class with their signals as audio and pictures and every model's
    answer on them, the transferability tables, the composites, and copies of the task's tables and figures."""
    page = build_task_gallery(
        folder, task, manifest, entries_by_model, facts_by_model, read_scores(scores),
        pd.read_csv(transferability_csv), labels, datasets, epsilon, items_per_class, seed, audio_format,
        {model: (paths[0], paths[1]) for model, paths in composition_by_model.items()},
        [(Path(path), caption) for path, caption in documents], log,
    )
    (folder / PAGE).write_text(task_page(page), encoding="utf-8")
    summary = summarise(page, folder)
    summary.save(folder)
    log(f"wrote {folder / PAGE}: {summary.items} items, {summary.cards} explanations, "
        f"{summary.audio_files} audio files, {summary.bytes / 1e6:.1f} MB")


def gallery(pages: list[Path], title: str, index: Path, log: Log) -> None:
    """The gallery's front page, linking every task's page."""
    summaries = [TaskSummary.load(folder) for folder in pages]
    index.write_text(index_page(summaries, title), encoding="utf-8")
    log(f"wrote {index}: {len(summaries)} tasks, {sum(s.bytes for s in summaries) / 1e6:.1f} MB in all")
