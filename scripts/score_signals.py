from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.scoring import score_model

run_step(
    snakemake,
    score_model,
    manifest=Path(snakemake.input.manifest),
    entries=[Path(snakemake.input.entries)],
    task=snakemake.params.task,
    source=snakemake.params.source,
    specs=dict(snakemake.params.specs),
    labels=list(snakemake.params.labels),
    label_overrides={k: dict(v) for k, v in snakemake.params.label_overrides.items()},
    device=snakemake.params.device,
    batch_size=snakemake.params.batch_size,
    output=Path(snakemake.output.scores),
)
