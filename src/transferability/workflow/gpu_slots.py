"""GPU slots for local jobs: one device per job, claimed with file locks before CUDA starts.

Snakemake counts the ``gpu`` resource but never tells a local job which device to use, so with
``--resources gpu=4`` every job would open GPU 0. Each GPU job therefore claims slot ``i`` by
holding an exclusive ``flock`` on ``<lock dir>/gpu-<i>.lock`` and sets ``CUDA_VISIBLE_DEVICES=i``
for its own process, which CUDA reads when it initialises (so the claim must come before the
first CUDA call). The kernel drops a ``flock`` when its holder dies, so a killed job never leaves
a slot taken. Where a scheduler already assigned devices (SLURM with gres, a Kubernetes pod, an
exported ``CUDA_VISIBLE_DEVICES``) nothing is claimed and the device is left alone.

This module never imports torch: counting devices through ``torch.cuda`` would initialise CUDA
(and cache the count) in the very process whose ``CUDA_VISIBLE_DEVICES`` is still to be set.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

COUNT_VARIABLE = "TRANSFERABILITY_GPU_COUNT"
LOCK_DIR_VARIABLE = "TRANSFERABILITY_GPU_LOCK_DIR"
VISIBLE_VARIABLE = "CUDA_VISIBLE_DEVICES"
SCHEDULER_VARIABLES = ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_GPUS", "SLURM_STEP_GPUS")
CONTAINER_VARIABLE = "NVIDIA_VISIBLE_DEVICES"  # set by the Kubernetes device plugin and `docker --gpus device=...`
CONTAINER_UNRESTRICTED = ("", "all", "none", "void")
PROC_GPUS = Path("/proc/driver/nvidia/gpus")
WAITING_MESSAGE = "waiting for a free GPU slot"


@dataclass(frozen=True)
class GpuClaim:
    """Outcome of a claim: the slots held (empty when none) and a line for the job's log."""

    devices: tuple[int, ...]
    note: str


def scheduler_assignment(env: Mapping[str, str] = os.environ) -> str | None:
    """The variable by which a scheduler already assigned devices (``NAME=value``), or None.

    Any ``CUDA_VISIBLE_DEVICES`` counts (SLURM with gres sets it, as may a user); so does an
    ``NVIDIA_VISIBLE_DEVICES`` naming particular devices, which is how the Kubernetes device
    plugin hands a pod its GPUs (``all``, as CUDA base images set it, does not count).
    """
    for name in SCHEDULER_VARIABLES:
        if name in env:
            return f"{name}={env[name]}"
    container = env.get(CONTAINER_VARIABLE)
    if container is not None and container.strip().lower() not in CONTAINER_UNRESTRICTED:
        return f"{CONTAINER_VARIABLE}={container}"
    return None


def count_nvidia_smi_gpus(listing: str) -> int:
    """Number of physical GPUs in ``nvidia-smi -L`` output (MIG lines below a GPU not counted)."""
    return sum(1 for line in listing.splitlines() if line.startswith("GPU "))


def _nvidia_smi_count() -> int:
    """GPUs listed by ``nvidia-smi -L``; 0 when the tool is missing or fails."""
    try:
        done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return 0
    return count_nvidia_smi_gpus(done.stdout)


def local_device_count(env: Mapping[str, str] = os.environ, proc_gpus: Path = PROC_GPUS) -> int:
    """Devices on this machine, without touching CUDA: env override, the driver's /proc, nvidia-smi."""
    override = env.get(COUNT_VARIABLE, "").strip()
    if override:
        if not override.isdigit():
            raise ValueError(f"{COUNT_VARIABLE} must be a whole number >= 0, got {override!r}")
        return int(override)
    if proc_gpus.is_dir():
        entries = sum(1 for _ in proc_gpus.iterdir())
        if entries:
            return entries
    return _nvidia_smi_count()


def default_lock_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Lock directory shared by every job of every run on the machine (per user unless overridden)."""
    chosen = env.get(LOCK_DIR_VARIABLE, "").strip()
    return Path(chosen) if chosen else Path(tempfile.gettempdir()) / f"transferability-gpu-locks-{os.getuid()}"


def slot_path(lock_dir: Path, slot: int) -> Path:
    """Lock file of one slot."""
    return lock_dir / f"gpu-{slot}.lock"


def _try_lock(path: Path, owner: str) -> int | None:
    """Exclusive non-blocking flock on ``path``; returns the descriptor, or None if held elsewhere."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} {owner}\n".encode())
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unlock(fd: int) -> None:
    """Clear the holder line and drop the lock."""
    try:
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the only descriptor of the open file releases the flock


def _try_claim(lock_dir: Path, count: int, n: int, owner: str) -> dict[int, int] | None:
    """All-or-none: ``n`` free slots (lowest first) with their descriptors, or None holding nothing."""
    held: dict[int, int] = {}
    try:
        for slot in range(count):
            fd = _try_lock(slot_path(lock_dir, slot), owner)
            if fd is not None:
                held[slot] = fd
                if len(held) == n:
                    return held
    except BaseException:
        _release(held)
        raise
    _release(held)
    return None


def _release(held: Mapping[int, int]) -> None:
    """Unlock every held slot."""
    for fd in held.values():
        _unlock(fd)


def _cuda_already_initialised() -> bool:
    """Whether torch (if imported at all) has already initialised CUDA in this process."""
    torch = sys.modules.get("torch")
    cuda = getattr(torch, "cuda", None)
    return bool(cuda is not None and cuda.is_initialized())


def _acquire(lock_dir: Path, count: int, n: int, owner: str, poll_s: float, timeout_s: float | None,
             log: Callable[[str], None]) -> tuple[dict[int, int], float]:
    """Poll until ``n`` slots are free; returns them and the seconds waited."""
    started = time.monotonic()
    waiting = False
    while (held := _try_claim(lock_dir, count, n, owner)) is None:
        waited = time.monotonic() - started
        if timeout_s is not None and waited >= timeout_s:
            raise TimeoutError(f"no {n} free GPU slot(s) of {count} in {lock_dir} after {waited:.1f} s")
        if not waiting:
            log(WAITING_MESSAGE)
            waiting = True
        time.sleep(poll_s)
    return held, time.monotonic() - started


@contextmanager
def claim_gpus(n: int = 1, owner: str = "", *, lock_dir: Path | None = None, poll_s: float = 0.2,
               timeout_s: float | None = None, log: Callable[[str], None] = print) -> Iterator[GpuClaim]:
    """Hold ``n`` GPU slots with ``CUDA_VISIBLE_DEVICES`` set to them; claims nothing under a scheduler or without GPUs."""
    if n < 1:
        raise ValueError(f"a claim needs at least one slot, got n={n}")
    assigned = scheduler_assignment()
    if assigned is not None:
        yield GpuClaim((), f"GPU: left to the scheduler ({assigned})")
        return
    count = local_device_count()
    if count == 0:
        yield GpuClaim((), "GPU: no GPU found: running without a slot")
        return
    if n > count:
        raise ValueError(f"the job needs {n} GPUs but this machine has {count}")
    if _cuda_already_initialised():
        log(f"warning: CUDA was initialised before the GPU claim, so {VISIBLE_VARIABLE} will not take effect")
    directory = default_lock_dir() if lock_dir is None else Path(lock_dir)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    held, waited = _acquire(directory, count, n, owner, poll_s, timeout_s, log)
    devices = tuple(sorted(held))
    visible = ",".join(str(slot) for slot in devices)
    after = f" after waiting {waited:.1f} s" if waited >= poll_s else ""
    previous = os.environ.get(VISIBLE_VARIABLE)
    try:
        os.environ[VISIBLE_VARIABLE] = visible
        yield GpuClaim(devices, f"GPU: {VISIBLE_VARIABLE}={visible} (of {count} GPUs; slot locks in {directory}{after})")
    finally:
        if previous is None:
            os.environ.pop(VISIBLE_VARIABLE, None)
        else:
            os.environ[VISIBLE_VARIABLE] = previous
        _release(held)
