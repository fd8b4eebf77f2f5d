from transferability.workflow.adapter import run_step
from transferability.workflow.steps.explain import precision_check

run_step(snakemake, precision_check)
