"""Step of rules/transferability.smk: alpha, beta and joint tables with intervals and the paired t-test (the only step epsilon reaches)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from transferability.analysis.score_table import read_scores
from transferability.analysis.transfer_statistics import bootstrap_interval, filter_stable, pair_matrix, paired_t_test
from transferability.report.transferability_tables import transferability_latex, transferability_long
from transferability.workflow.steps import Log


def transferability_tables(
    scores: list[Path], facts: list[Path], task: str, datasets: list[str], epsilon: float, resamples: int,
    seed: int, confidence: float, require_chain_stable: bool, require_converged: bool,
    latex: Path, latex_beta: Path, latex_joint: Path, csv: Path, ttest: Path, log: Log,
) -> None:
    """Tables 1-3: alpha (LaTeX, as in the paper), beta and joint (LaTeX beside it), all of them as CSV."""
    table = filter_stable(read_scores(scores), require_chain_stable, require_converged)
    model_facts = [json.loads(p.read_text()) for p in facts]
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
        path = {"alpha": latex, "beta": latex_beta, "joint": latex_joint}[metric]
        path.write_text(transferability_latex(fact_rows, matrices, caption, f"tab:{task}-{metric}"))
        long_frames.append(transferability_long(matrices, metric, intervals))
        log(f"{metric}: wrote {path}")
    for dataset in [*datasets, None] if len(datasets) > 1 else datasets:
        t_tests[dataset or "all"] = paired_t_test(table, epsilon, "alpha", dataset=dataset)
        log(f"paired t-test sufficient vs complete alpha ({dataset or 'all datasets'}): {t_tests[dataset or 'all']}")
    pd.concat(long_frames, ignore_index=True).to_csv(csv, index=False)
    ttest.write_text(json.dumps(t_tests, indent=1, default=float))
