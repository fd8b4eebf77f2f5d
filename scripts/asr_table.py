from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.asr import asr_table

run_step(
    snakemake,
    asr_table,
    results=[Path(p) for p in snakemake.input.results],
    task=snakemake.params.task,
    labels=list(snakemake.params.labels),
    models=list(snakemake.params.models),
    datasets=list(snakemake.params.datasets),
    latex=Path(snakemake.output.latex),
    csv=Path(snakemake.output.csv),
)
