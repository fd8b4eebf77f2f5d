from pathlib import Path

from transferability.data_steps import download_archive
from transferability.snakemake_adapter import run_step

run_step(
    snakemake,
    download_archive,
    url=snakemake.params.url,
    checksum=snakemake.params.checksum,
    output=Path(snakemake.output.archive),
)
