from transferability.workflow.adapter import run_step
from transferability.workflow.steps.explain import explain_shard

run_step(snakemake, explain_shard)
