from transferability.workflow.adapter import run_step
from transferability.workflow.steps.asr import asr_model

run_step(snakemake, asr_model)
