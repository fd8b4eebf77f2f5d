from pathlib import Path

from transferability.report.paper import compile_pdf
from transferability.workflow.adapter import run_step

run_step(snakemake, compile_pdf, tex=Path(snakemake.input.tex), output=Path(snakemake.output.pdf))
