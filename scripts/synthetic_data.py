from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.data import make_synthetic_data

run_step(
    snakemake,
    make_synthetic_data,
    task=snakemake.params.task,
    counts=dict(snakemake.params.counts),
    seconds=snakemake.params.seconds,
    sample_rate=snakemake.params.sample_rate,
    seed=snakemake.params.seed,
    speech=snakemake.params.speech,
    audio=Path(snakemake.output.audio),
    output=Path(snakemake.output.manifest),
)
