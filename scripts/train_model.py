from transferability.workflow.adapter import run_step
from transferability.workflow.steps.models import train_model

run_step(snakemake, train_model)
