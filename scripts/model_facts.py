from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.models import measure_model

run_step(
    snakemake,
    measure_model,
    manifest=Path(snakemake.input.manifest),
    model=snakemake.wildcards.model,
    spec=snakemake.params.spec,
    backbone=snakemake.params.backbone,
    labels=list(snakemake.params.labels),
    label_overrides=dict(snakemake.params.label_overrides),
    datasets=list(snakemake.params.datasets),
    device=snakemake.params.device,
    batch_size=snakemake.params.batch_size,
    output=Path(snakemake.output.facts),
)
