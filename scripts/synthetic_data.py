from transferability.workflow.adapter import run_step
from transferability.workflow.steps.data import synthetic_data

run_step(snakemake, synthetic_data)
