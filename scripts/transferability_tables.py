from transferability.workflow.adapter import run_step
from transferability.workflow.steps.transferability import transferability_tables

run_step(snakemake, transferability_tables)
