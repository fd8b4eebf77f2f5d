from transferability.workflow.adapter import run_step
from transferability.workflow.steps.gallery import gallery

run_step(snakemake, gallery)
