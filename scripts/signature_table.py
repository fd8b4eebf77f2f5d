from pathlib import Path

from transferability.workflow.steps.spectra import signature_table
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    signature_table,
    results=[Path(p) for p in snakemake.input.results],
    task=snakemake.params.task,
    models=list(snakemake.params.models),
    datasets=list(snakemake.params.datasets),
    latex=Path(snakemake.output.latex),
    csv=Path(snakemake.output.csv),
)
