from transferability.workflow.adapter import run_step
from transferability.workflow.steps.data import task_manifest

run_step(snakemake, task_manifest)
