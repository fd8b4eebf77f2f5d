from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.explain import check_model_precision

run_step(
    snakemake,
    check_model_precision,
    manifest=Path(snakemake.input.manifest),
    model=snakemake.wildcards.model,
    spec=snakemake.params.spec,
    datasets=list(snakemake.params.datasets),
    precision=snakemake.params.precision,
    items=snakemake.params.sample_items,
    seed=snakemake.params.seed,
    device=snakemake.params.device,
    output=Path(snakemake.output.decision),
)
