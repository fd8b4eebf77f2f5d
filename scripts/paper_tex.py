from pathlib import Path

from transferability.report.paper import paper_tex
from transferability.workflow.adapter import run_step

run_step(
    snakemake,
    paper_tex,
    tables=[Path(p) for p in snakemake.input.tables],
    figures=[(Path(path), caption) for path, caption in snakemake.params.figures],
    output=Path(snakemake.output.tex),
    title=snakemake.params.title,
)
