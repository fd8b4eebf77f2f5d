from transferability.workflow.adapter import run_step
from transferability.workflow.steps.transferability import beta_epsilon_figure

run_step(snakemake, beta_epsilon_figure)
