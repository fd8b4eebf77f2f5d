from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.explain import explain_shard

run_step(
    snakemake,
    explain_shard,
    manifest=Path(snakemake.input.manifest),
    model=snakemake.wildcards.model,
    spec=snakemake.params.spec,
    datasets=list(snakemake.params.datasets),
    settings=dict(snakemake.params.settings),
    shards=snakemake.params.shards,
    shard_index=int(snakemake.wildcards.shard),
    device=snakemake.params.device,
    precision=snakemake.params.precision,
    precision_check=Path(snakemake.input.precision) if snakemake.input.precision else None,
    cache_dir=Path(snakemake.params.cache),
    output=Path(snakemake.output.entries),
)
