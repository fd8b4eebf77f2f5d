from pathlib import Path

from transferability.data_steps import combine_manifests
from transferability.snakemake_adapter import run_step

run_step(
    snakemake,
    combine_manifests,
    manifests=[Path(p) for p in snakemake.input.manifests],
    output=Path(snakemake.output.manifest),
)
