from transferability.workflow.adapter import run_step
from transferability.workflow.steps.data import prepare_dataset

run_step(snakemake, prepare_dataset)
