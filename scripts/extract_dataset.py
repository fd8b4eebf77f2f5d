from pathlib import Path

from transferability.workflow.steps.data import extract_archive
from transferability.workflow.adapter import run_step

run_step(snakemake, extract_archive, archive=Path(snakemake.input.archive), output=Path(snakemake.output.raw))
