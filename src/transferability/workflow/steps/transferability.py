"""Steps of rules/transferability.smk: alpha, beta and joint tables with intervals and the paired t-test
(the only step epsilon reaches); the flat-earther tests; beta against every epsilon."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from transferability.analysis.flat_earth import flat_earth_tests
from transferability.analysis.model_competence import competence_frame, read_model_facts
from transferability.analysis.score_table import canonical_labels, read_scores
from transferability.analysis.transfer_statistics import (
    beta_breakpoints,
    beta_curve,
    bootstrap_cells,
    bootstrap_interval,
    direction_intervals,
    filter_stable,
    pair_matrix,
    paired_t_test,
)
from transferability.report.flat_earth_table import flat_earth_latex
from transferability.report.latex import format_percent
from transferability.report.model_marks import competence_note
from transferability.report.transferability_tables import transferability_latex, transferability_long
from transferability.workflow.steps import Log

SIGNALS = ("sufficient", "complete")  # the explanations' signals every table and figure reports


def _competence(table: pd.DataFrame, facts: list[Path], datasets: list[str], confidence: float) -> pd.DataFrame:
    return competence_frame(read_model_facts(facts), datasets, len(canonical_labels(table)), confidence)


def transferability_tables(
    scores: list[Path], facts: list[Path], task: str, datasets: list[str], epsilon: float, resamples: int,
    seed: int, confidence: float, require_chain_stable: bool, require_converged: bool,
    latex: Path, latex_beta: Path, latex_joint: Path, csv: Path, ttest: Path, log: Log,
) -> None:
    """Tables 1-3: alpha (LaTeX, as in the paper), beta and joint (LaTeX beside it), all of them as CSV."""
    table = filter_stable(read_scores(scores), require_chain_stable, require_converged)
    competence = _competence(table, facts, datasets, confidence)
    note = competence_note(competence, len(canonical_labels(table)), confidence)
    long_frames, t_tests = [], {}
    for metric in ("alpha", "beta", "joint"):
        matrices, intervals = {}, {}
        for signal in SIGNALS:
            for dataset in datasets:
                key = (signal, dataset)
                matrices[key] = pair_matrix(table, signal, metric, epsilon, dataset=dataset)
                intervals[key] = bootstrap_interval(table, signal, metric, epsilon, resamples, seed, confidence,
                                                    dataset=dataset)
        caption = (f"{metric.capitalize()}-transferability of {task} sufficient (top) and complete (bottom) signals "
                   f"across models (epsilon = {epsilon}); Size in millions of parameters. Cells are point estimates "
                   f"(their intervals are in the CSV); Avg is the row mean over the other models with its "
                   f"{format_percent(confidence)} percentile bootstrap interval ({resamples} resamples of the source "
                   f"model's explained items, drawn independently per source, seed {seed}). {note}")
        path = {"alpha": latex, "beta": latex_beta, "joint": latex_joint}[metric]
        path.write_text(transferability_latex(competence, matrices, caption, f"tab:{task}-{metric}", intervals))
        long_frames.append(transferability_long(matrices, metric, intervals))
        log(f"{metric}: wrote {path}")
    for dataset in [*datasets, None] if len(datasets) > 1 else datasets:
        t_tests[dataset or "all"] = paired_t_test(table, epsilon, "alpha", dataset=dataset)
        log(f"paired t-test sufficient vs complete alpha ({dataset or 'all datasets'}): {t_tests[dataset or 'all']}")
    pd.concat(long_frames, ignore_index=True).to_csv(csv, index=False)
    ttest.write_text(json.dumps(t_tests, indent=1, default=float))


def flat_earth_table(
    scores: list[Path], facts: list[Path], task: str, datasets: list[str], bootstrap_resamples: int,
    bootstrap_seed: int, confidence: float, permutations: int, permutation_seed: int, significance: float,
    correction: str, require_chain_stable: bool, require_converged: bool, latex: Path, csv: Path, log: Log,
) -> None:
    """Each model's outgoing and incoming alpha-transferability against the other models', per signal and dataset."""
    table = filter_stable(read_scores(scores), require_chain_stable, require_converged)
    competence = _competence(table, facts, datasets, confidence)
    models = list(pd.unique(competence["model"]))
    frames = []
    for signal in SIGNALS:
        for dataset in datasets:
            cells = bootstrap_cells(table, signal, "alpha", None, bootstrap_resamples, bootstrap_seed, dataset)
            tests = flat_earth_tests(table, signal, permutations, permutation_seed, significance, correction, dataset)
            block = direction_intervals(cells, confidence).merge(tests, on="model")
            block = block.assign(signal=signal, dataset=dataset)
            frames.append(block.set_index("model").reindex(models).reset_index())
            for row in frames[-1].itertuples():
                log(f"{signal}, {dataset}, {row.model}: outgoing {row.outgoing:.3f} (p adjusted "
                    f"{row.outgoing_p_adjusted:.4f}), incoming {row.incoming:.3f} (p adjusted "
                    f"{row.incoming_p_adjusted:.4f}), flat-earther {row.flat_earther}")
    rows = pd.concat(frames, ignore_index=True)
    n_models = len(models)
    adjusted = {"holm": f"Holm-adjusted across the {n_models} models per direction and block",
                "bonferroni": f"Bonferroni-adjusted across the {n_models} models per direction and block",
                "none": "not adjusted for multiple comparisons"}[correction]
    caption = (
        f"Flat-earthers of {task}: each model's outgoing alpha-transferability (its row average: the other models "
        f"accept its signals) and incoming (its column average: it accepts the other models' signals), for "
        f"sufficient (top) and complete (bottom) signals, with {format_percent(confidence)} percentile bootstrap "
        f"intervals ({bootstrap_resamples} resamples of each source's explained items, seed {bootstrap_seed}). "
        f"$\\Delta$: the model's rate minus the mean of the other models' rates. $p$: one-sided permutation test "
        f"that the rate is lower ({permutations} permutations, seed {permutation_seed}; outgoing: the signals' "
        f"acceptance rates shuffled among the models that explained the same item; incoming: the acceptances "
        f"of each signal shuffled among the models that judged it), {adjusted}. A model is a flat-earther when "
        f"both adjusted $p \\le {significance}$ (n/a: a test had nothing to permute, e.g. incoming with fewer "
        f"than three models). {competence_note(competence, len(canonical_labels(table)), confidence)}"
    )
    latex.write_text(flat_earth_latex(rows, competence, caption, f"tab:{task}-flat-earth"))
    accuracy = competence[["model", "dataset", "accuracy", "accuracy_low", "accuracy_high", "below_chance",
                           "zero_signal_class", "zero_signal_probability", "zero_signal_confident"]]
    rows.merge(accuracy, on=["model", "dataset"], how="left").to_csv(csv, index=False)
    flagged = rows[rows["flat_earther"]]
    log(f"wrote {latex} and {csv}; flat-earthers: "
        + (", ".join(f"{r.model} ({r.signal}, {r.dataset})" for r in flagged.itertuples()) or "none"))


def beta_epsilon_figure(
    scores: list[Path], facts: list[Path], task: str, datasets: list[str], confidence: float,
    require_chain_stable: bool, require_converged: bool, figure: Path, log: Log,
) -> None:
    """Beta-transferability (row average over targets) of sufficient and complete signals for epsilon from 0 to 1."""
    from transferability.report.transferability_figures import plot_beta_curves

    table = filter_stable(read_scores(scores), require_chain_stable, require_converged)
    competence = _competence(table, facts, datasets, confidence)
    curves = {}
    for signal in SIGNALS:
        for dataset in datasets:
            curve = beta_curve(table, signal, beta_breakpoints(table, signal, dataset), dataset)
            curves[signal, dataset] = curve
            for model, values in curve.iterrows():
                log(f"{signal}, {dataset}, {model}: beta {values.iloc[0]:.3f} at epsilon 0, "
                    f"{values.iloc[-1]:.3f} at epsilon 1 ({curve.shape[1]} breakpoints)")
    plot_beta_curves(curves, SIGNALS, datasets, competence, figure,
                     f"{task}: beta-transferability against epsilon (one line per source model)")
    log(f"wrote {figure}")
