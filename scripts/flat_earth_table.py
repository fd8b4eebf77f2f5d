from transferability.workflow.adapter import run_step
from transferability.workflow.steps.transferability import flat_earth_table

run_step(snakemake, flat_earth_table)
