"""Runs a workflow step from a Snakemake script: output to the rule's log, threads, timing."""
from __future__ import annotations

import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, Callable

import torch

from .allocator import tune_malloc


def run_step(snakemake: Any, step: Callable[..., None], **kwargs: Any) -> None:
    """Call ``step(**kwargs, log=...)`` with stdout and stderr going to ``snakemake.log[0]``."""
    log_path = Path(snakemake.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", buffering=1) as handle, redirect_stdout(handle), redirect_stderr(handle):
        torch.set_num_threads(max(1, int(snakemake.threads)))
        tune_malloc()
        started = time.perf_counter()
        print(f"rule {snakemake.rule}: {step.__module__}.{step.__name__}", flush=True)
        try:
            step(**kwargs, log=lambda message: print(message, flush=True))
        except Exception:
            traceback.print_exc()
            raise
        print(f"done in {time.perf_counter() - started:.1f} s", flush=True)
