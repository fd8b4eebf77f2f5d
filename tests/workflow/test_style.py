"""The workflow's own style checks, also run by .ci/run: Snakemake's linter and snakefmt."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers.workflow_runner import REPO, SNAKEMAKE


def test_snakemake_lint_finds_nothing():
    result = subprocess.run([*SNAKEMAKE, "--lint", "--cores", "1", "--workflow-profile", "none"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def test_snakefmt_leaves_the_workflow_unchanged():
    snakefmt = Path(sys.executable).parent / "snakefmt"
    result = subprocess.run([str(snakefmt), "--check", "Snakefile", "rules/"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rule_names_its_conda_environment_and_the_file_exists():
    for path in sorted((REPO / "rules").glob("*.smk")):
        for name, body in re.findall(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)+)", path.read_text(), flags=re.M):
            env = re.search(r"^    conda:\n        \"([^\"]+)\"", body, flags=re.M)
            assert env is not None, f"rule {name} ({path.name}) names no conda environment"
            assert (path.parent / env.group(1)).resolve().is_file(), f"rule {name}: {env.group(1)} does not exist"
