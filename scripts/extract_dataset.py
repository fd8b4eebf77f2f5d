from transferability.workflow.adapter import run_step
from transferability.workflow.steps.data import extract_dataset

run_step(snakemake, extract_dataset)
