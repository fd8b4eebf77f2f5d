from transferability.workflow.adapter import run_step
from transferability.workflow.steps.gallery import gallery_task

run_step(snakemake, gallery_task)
