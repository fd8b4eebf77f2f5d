from transferability.workflow.adapter import run_step
from transferability.workflow.steps.models import model_facts

run_step(snakemake, model_facts)
