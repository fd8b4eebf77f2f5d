from pathlib import Path

from transferability.workflow.steps.composition import compose_model
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    compose_model,
    manifest=Path(snakemake.input.manifest),
    entries=[Path(p) for p in snakemake.input.entries],
    facts=Path(snakemake.input.facts),
    model=snakemake.params.model,
    spec=snakemake.params.spec,
    labels=list(snakemake.params.labels),
    label_overrides=dict(snakemake.params.label_overrides),
    datasets=list(snakemake.params.datasets),
    device=snakemake.params.device,
    seed=snakemake.params.seed,
    max_signals=snakemake.params.max_signals,
    output=Path(snakemake.output.summary),
    composites=Path(snakemake.output.composites),
)
