from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.models import train_model

run_step(
    snakemake,
    train_model,
    manifest=Path(snakemake.input.manifest),
    arch=snakemake.params.train["arch"],
    seed=snakemake.params.train["seed"],
    labels=list(snakemake.params.labels),
    epochs=snakemake.params.epochs,
    batch_size=snakemake.params.batch_size,
    learning_rate=snakemake.params.learning_rate,
    output=Path(snakemake.output.model),
)
