from pathlib import Path

from transferability.workflow.adapter import run_step
from transferability.workflow.steps.asr import asr_model

vocabulary = snakemake.params.vocabulary
run_step(
    snakemake,
    asr_model,
    manifest=Path(snakemake.input.manifest),
    entries=[Path(p) for p in snakemake.input.entries],
    facts=Path(snakemake.input.facts),
    model=snakemake.params.model,
    backend=snakemake.params.backend,
    asr_model_spec=snakemake.params.asr_model,
    vocabulary=vocabulary if vocabulary is None or isinstance(vocabulary, str) else list(vocabulary),
    device=snakemake.params.device,
    output=Path(snakemake.output.transcripts),
)
