from transferability.workflow.adapter import run_step
from transferability.workflow.steps.paper import paper_tex

run_step(snakemake, paper_tex)
