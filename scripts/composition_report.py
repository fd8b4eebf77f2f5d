from transferability.workflow.adapter import run_step
from transferability.workflow.steps.composition import composition_report

run_step(snakemake, composition_report)
