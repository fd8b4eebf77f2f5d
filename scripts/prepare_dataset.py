from pathlib import Path

from transferability.workflow.steps.data import prepare_task_dataset
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    prepare_task_dataset,
    raw=Path(snakemake.input.raw),
    task=snakemake.params.task,
    dataset=snakemake.params.dataset,
    labels=list(snakemake.params.labels),
    layout=snakemake.params.layout,
    options=dict(snakemake.params.options),
    label_map=dict(snakemake.params.label_map),
    counts=dict(snakemake.params.counts),
    seed=snakemake.params.seed,
    max_seconds=snakemake.params.max_seconds,
    sample_rate=snakemake.params.sample_rate,
    manifest=Path(snakemake.output.manifest),
    report=Path(snakemake.output.report),
)
