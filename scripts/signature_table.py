from pathlib import Path

from transferability.analysis_steps import signature_table
from transferability.snakemake_adapter import run_step

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
