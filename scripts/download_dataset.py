from transferability.workflow.adapter import run_step
from transferability.workflow.steps.data import download_dataset

run_step(snakemake, download_dataset)
