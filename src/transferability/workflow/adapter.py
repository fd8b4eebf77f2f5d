"""Runs a workflow step from a Snakemake script: arguments by name, output to the rule's log, threads, GPU slot, timing."""
from __future__ import annotations

import sys
import time
import traceback
from contextlib import nullcontext, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, Callable

from transferability.workflow.allocator import tune_malloc
from transferability.workflow.gpu_slots import claim_gpus
from transferability.workflow.step_arguments import step_arguments


def _log(message: str) -> None:
    """Print one line to the job's log at once."""
    print(message, flush=True)


def gpus_requested(snakemake: Any) -> int:
    """The rule's ``gpu`` resource (0 when it declares none)."""
    return int(getattr(getattr(snakemake, "resources", None), "gpu", 0) or 0)


def _gpu_claim(snakemake: Any) -> Any:
    """Context that holds the job's GPU slots (nothing for a CPU rule) and logs the device."""
    n = gpus_requested(snakemake)
    if n <= 0:
        return nullcontext()
    return claim_gpus(n, owner=f"rule {snakemake.rule}", log=_log)


def run_step(snakemake: Any, step: Callable[..., None], **kwargs: Any) -> None:
    """Call ``step(..., log=...)`` with stdout and stderr going to ``snakemake.log[0]``.

    The step's arguments are ``kwargs`` and, for every other parameter, the rule's input,
    output, param or wildcard of that name (``step_arguments``). A rule with ``resources:
    gpu=k`` first claims k GPU slots (see ``gpu_slots``), which sets ``CUDA_VISIBLE_DEVICES``:
    no CUDA call may happen in this process before that. torch, when the step's module loaded it,
    runs on the rule's threads; a step that does not use torch starts without it.
    """
    log_path = Path(snakemake.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", buffering=1) as handle, redirect_stdout(handle), redirect_stderr(handle):
        torch = sys.modules.get("torch")
        if torch is not None:  # a step that runs torch loads it with its module (tests/workflow/test_step_imports.py)
            torch.set_num_threads(max(1, int(snakemake.threads)))
        tune_malloc()
        print(f"rule {snakemake.rule}: {step.__module__}.{step.__name__}", flush=True)
        try:
            arguments = step_arguments(step, snakemake, kwargs)
            with _gpu_claim(snakemake) as claim:
                if claim is not None:
                    _log(claim.note)
                started = time.perf_counter()
                step(**arguments, log=_log)
        except Exception:
            traceback.print_exc()
            raise
        print(f"done in {time.perf_counter() - started:.1f} s", flush=True)
