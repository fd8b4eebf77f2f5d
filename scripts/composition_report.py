from pathlib import Path

from transferability.workflow.steps.composition import composition_report
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    composition_report,
    compositions=[Path(p) for p in snakemake.input.summaries],
    composite_dirs=[Path(p) for p in snakemake.input.composites],
    task=snakemake.params.task,
    labels=list(snakemake.params.labels),
    models=list(snakemake.params.models),
    datasets=list(snakemake.params.datasets),
    segment=snakemake.params.segment,
    latex=Path(snakemake.output.latex),
    csv=Path(snakemake.output.csv),
    figure=Path(snakemake.output.figure),
)
