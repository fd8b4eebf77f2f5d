from pathlib import Path

from transferability.workflow.steps.paper import example_figure
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    example_figure,
    manifest=Path(snakemake.input.manifest),
    entries=[Path(p) for p in snakemake.input.entries],
    facts=Path(snakemake.input.facts),
    task=snakemake.params.task,
    model=snakemake.params.model,
    item=snakemake.params.item,
    output=Path(snakemake.output.figure),
)
