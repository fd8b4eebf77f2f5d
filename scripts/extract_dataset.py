from pathlib import Path

from transferability.data_steps import extract_archive
from transferability.snakemake_adapter import run_step

run_step(snakemake, extract_archive, archive=Path(snakemake.input.archive), output=Path(snakemake.output.raw))
