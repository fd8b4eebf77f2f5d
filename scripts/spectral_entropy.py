from pathlib import Path

from transferability.workflow.steps.spectra import entropy_analysis
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    entropy_analysis,
    manifest=Path(snakemake.input.manifest),
    entries={m: [Path(p) for p in paths] for m, paths in snakemake.params.entries.items()},
    facts={m: Path(p) for m, p in snakemake.params.facts.items()},
    task=snakemake.params.task,
    labels=list(snakemake.params.labels),
    datasets=list(snakemake.params.datasets),
    signal=snakemake.params.signal,
    segment=snakemake.params.segment,
    contrast=snakemake.params.contrast,
    values=Path(snakemake.output.values),
    tests_csv=Path(snakemake.output.tests_csv),
    tests_latex=Path(snakemake.output.tests_latex),
    figure=Path(snakemake.output.figure),
)
