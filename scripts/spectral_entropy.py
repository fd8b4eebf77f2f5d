from transferability.workflow.adapter import run_step
from transferability.workflow.steps.spectra import spectral_entropy

run_step(snakemake, spectral_entropy)
