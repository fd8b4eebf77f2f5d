"""Run the Snakemake workflow of this repository from tests, in a scratch results folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


DEFAULT_CONFIG = REPO / "config" / "config.yaml"
PAPER_CONFIG = REPO / "config" / "paper.yaml"
SMALL_CONFIG = REPO / ".test" / "config-small.yaml"  # the reduced workflow of test_run.py
SLURM_CONFIG = REPO / ".test" / "config-slurm.yaml"  # the reduced workflow of test_slurm_run.py
PAPER_SMALL_CONFIG = REPO / ".test" / "config-paper-small.yaml"  # laid over PAPER_CONFIG by test_paper_run.py
OWN_DATA_CONFIG = REPO / ".test" / "config-own-data.yaml"  # a local folder dataset, test_own_data_run.py


def merge(base: dict, extra: dict) -> dict:
    """``extra`` merged into ``base`` key by key (nested dicts too), as Snakemake merges several config files."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def load_config(*paths: Path) -> dict:
    """The config files merged in order."""
    config: dict = {}
    for path in paths:
        merge(config, yaml.safe_load(Path(path).read_text()))
    return config


def write_config(path: Path, overrides: dict, replace: tuple[str, ...] = (), base: tuple[Path, ...] = (DEFAULT_CONFIG,)) -> Path:
    """The ``base`` config files with ``overrides`` merged in (nested dicts merged key by key, except top-level ``replace`` keys)."""
    config = load_config(*base)
    merge(config, {k: v for k, v in overrides.items() if k not in replace})
    config.update({k: v for k, v in overrides.items() if k in replace})
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake_command(*args: str, config: Path | None = None, cores: int = 2) -> list[str]:
    """The command line: the repository's Snakefile, run in the config's folder, without any profile."""
    workdir = config.parent if config is not None else REPO
    command = [*SNAKEMAKE, *args, "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
               "--workflow-profile", "none", "--cores", str(cores)]
    return command + (["--configfile", str(config)] if config is not None else [])


def snakemake(*args: str, config: Path | None = None, check: bool = True, timeout: float = 1800) -> subprocess.CompletedProcess:
    """``snakemake ARGS`` (see ``snakemake_command``), capturing its output."""
    command = snakemake_command(*args, config=config)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def scheduled_rules(dry_run_output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table of a dry run."""
    counts: dict[str, int] = {}
    lines = dry_run_output.splitlines()
    if "Job stats:" not in lines:
        return counts
    for line in lines[lines.index("Job stats:") + 3 :]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        if parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts
