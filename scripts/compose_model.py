from transferability.workflow.adapter import run_step
from transferability.workflow.steps.composition import compose_model

run_step(snakemake, compose_model)
