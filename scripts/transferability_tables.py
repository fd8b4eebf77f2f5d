from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.transferability import transferability_tables

run_step(
    snakemake,
    transferability_tables,
    scores=[Path(p) for p in snakemake.input.scores],
    facts=[Path(p) for p in snakemake.input.facts],
    task=snakemake.params.task,
    labels=list(snakemake.params.labels),
    datasets=list(snakemake.params.datasets),
    epsilon=snakemake.params.epsilon,
    resamples=snakemake.params.resamples,
    seed=snakemake.params.seed,
    confidence=snakemake.params.confidence,
    require_chain_stable=snakemake.params.require_chain_stable,
    require_converged=snakemake.params.require_converged,
    latex=Path(snakemake.output.latex),
    csv=Path(snakemake.output.csv),
    ttest=Path(snakemake.output.ttest),
)
