from pathlib import Path

from transferability.workflow.steps.data import download_archive
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    download_archive,
    url=snakemake.params.url,
    checksum=snakemake.params.checksum,
    output=Path(snakemake.output.archive),
)
