from transferability.workflow.adapter import run_step
from transferability.workflow.steps.spectra import signature_model

run_step(snakemake, signature_model)
