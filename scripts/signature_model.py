from pathlib import Path

from transferability.workflow.steps.spectra import signature_model
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    signature_model,
    manifest=Path(snakemake.input.manifest),
    composition=Path(snakemake.input.summary),
    composites=Path(snakemake.input.composites),
    model=snakemake.params.model,
    spec=snakemake.params.spec,
    labels=list(snakemake.params.labels),
    label_overrides=dict(snakemake.params.label_overrides),
    datasets=list(snakemake.params.datasets),
    real=snakemake.params.contrast["real"],
    fake=snakemake.params.contrast["fake"],
    settings=dict(snakemake.params.settings),
    splits=list(snakemake.params.splits),
    device=snakemake.params.device,
    batch_size=snakemake.params.batch_size,
    output=Path(snakemake.output.result),
    items_csv=Path(snakemake.output.per_item),
)
