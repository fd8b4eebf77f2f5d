from transferability.workflow.adapter import run_step
from transferability.workflow.steps.spectra import signature_table

run_step(snakemake, signature_table)
