from transferability.workflow.adapter import run_step
from transferability.workflow.steps.asr import asr_originals

run_step(snakemake, asr_originals)
