"""A real cluster run: a reduced workflow through ``--executor slurm`` on a one-node SLURM cluster
started for the test (tests/slurm_cluster.py; skipped without slurm-wlm and munge, see
scripts/install_slurm.sh, or failed then when TRANSFERABILITY_REQUIRE_SLURM=1)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.slurm_cluster import slurm_cluster
from tests.helpers.workflow_runner import REPO, SLURM_CONFIG, scheduled_rules, snakemake_command, write_config

pytestmark = pytest.mark.slow

SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.")


@pytest.fixture(scope="module")
def cluster():
    with slurm_cluster(partition="debug") as running:
        yield running


def test_cluster_runs_srun_and_batch_jobs(cluster):
    assert cluster.command("sinfo", "--noheader", "--format=%P %a %t").stdout.split() == ["debug*", "up", "idle"]
    assert cluster.command("srun", "--partition=debug", "hostname").stdout.strip() == cluster.node
    job = cluster.command("sbatch", "--parsable", "--wait", f"--output={cluster.directory}/wrap-%j.out",
                          "--wrap", "echo hello from $SLURM_JOB_ID").stdout.strip()
    assert (cluster.directory / f"wrap-{job}.out").read_text().strip() == f"hello from {job}"
    assert {"id": job, "name": "wrap", "state": "COMPLETED", "partition": "debug"} in cluster.jobs()


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    directory = tmp_path_factory.mktemp("slurm-workflow")
    results = directory / "results"
    config = write_config(directory / "config.yaml", {"results": str(results)}, base=(SLURM_CONFIG,))
    command = snakemake_command(
        # Up to 4 jobs queued: the node runs 2 at once and starts the next without waiting for a status check.
        "--executor", "slurm", "--jobs", "4",
        "--default-resources", "slurm_partition=debug", "runtime=30",
        # No accounting here, so sacct has nothing: finished jobs stay in squeue for MinJobAge (600 s).
        "--slurm-status-command", "squeue",
        "--slurm-init-seconds-before-status-checks", "1",
        "--slurm-keep-successful-logs",
        config=config, cores=2,
    )
    # Jobs inherit the submitting environment (sbatch --export=ALL): the venv's python comes first on PATH.
    env = {**cluster.env, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), cluster.env.get("PATH", "")])}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"snakemake --executor slurm failed:\n{output[-6000:]}\n{cluster.logs()}"
    return directory, results, output


def test_slurm_run_writes_the_tables(slurm_run):
    _, results, _ = slurm_run
    for name in ("transferability.tex", "transferability_beta.tex", "transferability_joint.tex", "transferability.csv",
                 "ttest.json", "flat_earth.tex", "flat_earth.csv", "composition.tex", "composition.csv"):
        assert (results / "tables/genre" / name).stat().st_size > 0, name
    assert "tables/genre/transferability.tex" in (results / "paper/main.tex").read_text()


def test_every_job_went_through_slurm(slurm_run, cluster):
    directory, _, output = slurm_run
    submitted = dict(SUBMITTED.findall(output))
    rules = set(scheduled_rules(output)) - {"all"}
    assert sum(scheduled_rules(output).values()) - 1 == len(submitted) > 0
    logs = directory / ".snakemake/slurm_logs"
    assert {p.name.removeprefix("rule_") for p in logs.iterdir()} == rules
    for job, log in submitted.items():
        text = Path(log).read_text()
        assert logs in Path(log).parents and Path(log).name == f"{job}.log"
        assert "--executor slurm-jobstep" in text and "Finished jobid: 0" in text, log
    states = {job["id"]: job for job in cluster.jobs()}
    for job in submitted:
        assert states[job]["state"] == "COMPLETED" and states[job]["partition"] == "debug", states.get(job)
