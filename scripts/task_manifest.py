from pathlib import Path

from transferability.workflow.steps.data import combine_manifests
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    combine_manifests,
    manifests=[Path(p) for p in snakemake.input.manifests],
    output=Path(snakemake.output.manifest),
)
