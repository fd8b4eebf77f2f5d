from transferability.workflow.adapter import run_step
from transferability.workflow.steps.paper import example_figure

run_step(snakemake, example_figure)
