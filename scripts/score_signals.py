from transferability.workflow.adapter import run_step
from transferability.workflow.steps.scoring import score_signals

run_step(snakemake, score_signals)
