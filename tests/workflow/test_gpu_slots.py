"""GPU slots without GPUs: a simulated device count, concurrent jobs as subprocesses, file locks."""
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from transferability.workflow import gpu_slots
from transferability.workflow.gpu_slots import (
    WAITING_MESSAGE,
    claim_gpus,
    count_nvidia_smi_gpus,
    default_lock_dir,
    local_device_count,
    scheduler_assignment,
    slot_path,
)

ASSIGNING = ("CUDA_VISIBLE_DEVICES", "SLURM_JOB_GPUS", "SLURM_STEP_GPUS", "NVIDIA_VISIBLE_DEVICES")

# A job in its own process: loads gpu_slots.py by path (importing the package would import torch,
# seconds per process), waits at a gate so that all jobs contend at once, then holds a slot.
WORKER = r"""
import importlib.util, os, sys, time
from pathlib import Path
spec = importlib.util.spec_from_file_location("gpu_slots_worker", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
lock_dir, record, hold, gate = Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]), Path(sys.argv[5])
record.with_suffix(".ready").touch()
while not gate.exists():
    time.sleep(0.005)
with module.claim_gpus(1, owner="worker", lock_dir=lock_dir, poll_s=0.01, log=lambda message: None) as claim:
    start = time.monotonic()
    visible = os.environ["CUDA_VISIBLE_DEVICES"]
    record.with_suffix(".held").touch()
    time.sleep(hold)
    end = time.monotonic()
record.write_text(f"{claim.devices[0]} {visible} {start} {end}")
"""


@pytest.fixture(autouse=True)
def two_simulated_gpus(monkeypatch, tmp_path):
    """Two simulated devices, no scheduler assignment, and a lock dir of the test's own."""
    for name in ASSIGNING:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRANSFERABILITY_GPU_COUNT", "2")
    monkeypatch.setenv("TRANSFERABILITY_GPU_LOCK_DIR", str(tmp_path / "locks"))
    return tmp_path / "locks"


def start_worker(lock_dir: Path, record: Path, hold: float, gate: Path) -> subprocess.Popen:
    """One job holding a slot for ``hold`` seconds once ``gate`` exists."""
    args = [sys.executable, "-c", WORKER, gpu_slots.__file__, str(lock_dir), str(record), str(hold), str(gate)]
    return subprocess.Popen(args, env=dict(os.environ))


def wait_for(path: Path, timeout: float = 20.0) -> None:
    """Poll until ``path`` exists."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.005)


def held_elsewhere(path: Path) -> bool:
    """Whether another open file holds the flock on ``path``."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_concurrent_jobs_never_share_a_slot(two_simulated_gpus, tmp_path):
    gate = tmp_path / "go"
    records = [tmp_path / f"job-{i}.txt" for i in range(5)]
    workers = [start_worker(two_simulated_gpus, record, 0.3, gate) for record in records]
    for record in records:
        wait_for(record.with_suffix(".ready"))
    gate.touch()
    assert [worker.wait(timeout=30) for worker in workers] == [0] * 5

    jobs = []
    for record in records:
        slot, visible, start, end = record.read_text().split()
        assert visible == slot  # the job's CUDA_VISIBLE_DEVICES is its slot
        jobs.append((int(slot), float(start), float(end)))
    assert {slot for slot, _, _ in jobs} == {0, 1}
    for slot in (0, 1):
        intervals = sorted((start, end) for s, start, end in jobs if s == slot)
        assert all(end <= next_start for (_, end), (next_start, _) in zip(intervals, intervals[1:]))
    events = sorted([(start, 1) for _, start, _ in jobs] + [(end, -1) for _, _, end in jobs])
    running = [sum(step for _, step in events[: i + 1]) for i in range(len(events))]
    assert max(running) == 2


def test_a_claim_sets_the_device_and_restores_the_environment(two_simulated_gpus):
    with claim_gpus(1, owner="rule x", log=lambda message: None) as claim:
        assert claim.devices == (0,)
        assert os.environ["CUDA_VISIBLE_DEVICES"] == "0"
        assert "CUDA_VISIBLE_DEVICES=0" in claim.note
        holder = slot_path(two_simulated_gpus, 0).read_text()
        assert holder == f"pid {os.getpid()} rule x\n"
        assert held_elsewhere(slot_path(two_simulated_gpus, 0))
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    assert not held_elsewhere(slot_path(two_simulated_gpus, 0))


def test_a_failing_job_releases_its_slot(monkeypatch):
    monkeypatch.setenv("TRANSFERABILITY_GPU_COUNT", "1")
    with pytest.raises(RuntimeError, match="step failed"):
        with claim_gpus(1, log=lambda message: None):
            raise RuntimeError("step failed")
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    with claim_gpus(1, timeout_s=0, log=lambda message: None) as claim:  # free at once, no waiting
        assert claim.devices == (0,)


def test_a_killed_job_releases_its_slot(monkeypatch, two_simulated_gpus, tmp_path):
    monkeypatch.setenv("TRANSFERABILITY_GPU_COUNT", "1")
    gate = tmp_path / "go"
    gate.touch()
    record = tmp_path / "killed.txt"
    worker = start_worker(two_simulated_gpus, record, 60.0, gate)
    try:
        wait_for(record.with_suffix(".held"))
        with pytest.raises(TimeoutError):
            with claim_gpus(1, timeout_s=0, log=lambda message: None):
                pass
    finally:
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
    assert f"pid {worker.pid} worker" in slot_path(two_simulated_gpus, 0).read_text()  # stale line, no lock
    with claim_gpus(1, timeout_s=0, log=lambda message: None) as claim:
        assert claim.devices == (0,)


def test_a_waiting_job_logs_once_and_takes_the_freed_slot(monkeypatch, two_simulated_gpus, tmp_path):
    monkeypatch.setenv("TRANSFERABILITY_GPU_COUNT", "1")
    gate = tmp_path / "go"
    gate.touch()
    record = tmp_path / "holder.txt"
    worker = start_worker(two_simulated_gpus, record, 0.4, gate)
    wait_for(record.with_suffix(".held"))
    messages: list[str] = []
    with claim_gpus(1, poll_s=0.02, timeout_s=20, log=messages.append) as claim:
        claimed_at = time.monotonic()
        assert claim.devices == (0,)
        assert "after waiting" in claim.note
    assert worker.wait(timeout=10) == 0
    assert messages == [WAITING_MESSAGE]
    assert float(record.read_text().split()[3]) <= claimed_at  # only once the holder let go


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CUDA_VISIBLE_DEVICES", "3"),
        ("CUDA_VISIBLE_DEVICES", ""),
        ("SLURM_JOB_GPUS", "1"),
        ("SLURM_STEP_GPUS", "0,1"),
        ("NVIDIA_VISIBLE_DEVICES", "GPU-8f6d0a2c"),
    ],
)
def test_devices_a_scheduler_assigned_are_left_alone(monkeypatch, two_simulated_gpus, name, value):
    monkeypatch.setenv(name, value)
    before = os.environ.get("CUDA_VISIBLE_DEVICES")
    with claim_gpus(1, log=lambda message: None) as claim:
        assert claim.devices == ()
        assert claim.note == f"GPU: left to the scheduler ({name}={value})"
        assert os.environ.get("CUDA_VISIBLE_DEVICES") == before
    assert os.environ.get("CUDA_VISIBLE_DEVICES") == before
    assert not two_simulated_gpus.exists()  # not one lock taken


@pytest.mark.parametrize("value", ["all", "void", "none"])
def test_a_container_seeing_every_gpu_is_not_an_assignment(monkeypatch, value):
    monkeypatch.setenv("NVIDIA_VISIBLE_DEVICES", value)
    assert scheduler_assignment() is None


def test_a_machine_without_gpus_claims_nothing(monkeypatch, two_simulated_gpus):
    monkeypatch.setenv("TRANSFERABILITY_GPU_COUNT", "0")
    with claim_gpus(1, log=lambda message: None) as claim:
        assert claim.devices == ()
        assert claim.note == "GPU: no GPU found: running without a slot"
        assert "CUDA_VISIBLE_DEVICES" not in os.environ
    assert not two_simulated_gpus.exists()


def test_a_job_needing_two_gpus_claims_two_distinct_slots(monkeypatch, two_simulated_gpus):
    monkeypatch.setenv("TRANSFERABILITY_GPU_COUNT", "3")
    with claim_gpus(2, log=lambda message: None) as claim:
        assert claim.devices == (0, 1)
        assert os.environ["CUDA_VISIBLE_DEVICES"] == "0,1"
        assert held_elsewhere(slot_path(two_simulated_gpus, 0)) and held_elsewhere(slot_path(two_simulated_gpus, 1))
    assert not held_elsewhere(slot_path(two_simulated_gpus, 0)) and not held_elsewhere(slot_path(two_simulated_gpus, 1))


def test_a_multi_gpu_claim_is_all_or_none(two_simulated_gpus):
    two_simulated_gpus.mkdir()
    other = os.open(slot_path(two_simulated_gpus, 0), os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another job holds slot 0
    try:
        with pytest.raises(TimeoutError):
            with claim_gpus(2, poll_s=0.01, timeout_s=0.1, log=lambda message: None):
                pass
        assert not held_elsewhere(slot_path(two_simulated_gpus, 1))  # slot 1 not kept while waiting
    finally:
        os.close(other)
    with claim_gpus(2, timeout_s=0, log=lambda message: None) as claim:
        assert claim.devices == (0, 1)


def test_impossible_requests_fail_at_once():
    with pytest.raises(ValueError, match="needs 3 GPUs but this machine has 2"):
        with claim_gpus(3):
            pass
    with pytest.raises(ValueError, match="at least one slot"):
        with claim_gpus(0):
            pass


def test_device_count_without_cuda(tmp_path):
    assert local_device_count({"TRANSFERABILITY_GPU_COUNT": "4"}) == 4
    with pytest.raises(ValueError, match="whole number"):
        local_device_count({"TRANSFERABILITY_GPU_COUNT": "two"})
    proc = tmp_path / "gpus"
    for bus in ("0000:17:00.0", "0000:65:00.0", "0000:ca:00.0"):
        (proc / bus).mkdir(parents=True)
    assert local_device_count({}, proc_gpus=proc) == 3
    listing = (
        "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-aaaa)\n"
        "  MIG 3g.20gb     Device  0: (UUID: MIG-bbbb)\n"
        "GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-cccc)\n"
    )
    assert count_nvidia_smi_gpus(listing) == 2
    assert count_nvidia_smi_gpus("") == 0


def test_the_default_lock_dir_is_per_user_and_overridable(tmp_path):
    assert default_lock_dir({"TRANSFERABILITY_GPU_LOCK_DIR": str(tmp_path)}) == tmp_path
    assert default_lock_dir({}).name == f"transferability-gpu-locks-{os.getuid()}"


def fake_snakemake(tmp_path: Path, **resources) -> SimpleNamespace:
    """What run_step reads of a Snakemake script's ``snakemake`` object."""
    return SimpleNamespace(log=[str(tmp_path / "logs" / "x.log")], threads=1, rule="x",
                           resources=SimpleNamespace(**resources))


def test_run_step_gives_a_gpu_rule_its_own_device(tmp_path, two_simulated_gpus):
    from transferability.workflow.adapter import run_step

    seen: list[str | None] = []

    def step(log):
        seen.append(os.environ.get("CUDA_VISIBLE_DEVICES"))

    run_step(fake_snakemake(tmp_path, gpu=1), step)
    assert seen == ["0"]
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    log = (tmp_path / "logs" / "x.log").read_text()
    assert "GPU: CUDA_VISIBLE_DEVICES=0 " in log

    run_step(fake_snakemake(tmp_path), step)  # a CPU rule claims nothing and logs no GPU line
    assert seen == ["0", None]
    assert "GPU:" not in (tmp_path / "logs" / "x.log").read_text()


def test_run_step_releases_the_slot_of_a_failing_rule(tmp_path, monkeypatch):
    from transferability.workflow.adapter import run_step

    monkeypatch.setenv("TRANSFERABILITY_GPU_COUNT", "1")

    def step(log):
        raise RuntimeError("step failed")

    with pytest.raises(RuntimeError, match="step failed"):
        run_step(fake_snakemake(tmp_path, gpu=1), step)
    assert "RuntimeError: step failed" in (tmp_path / "logs" / "x.log").read_text()
    with claim_gpus(1, timeout_s=0, log=lambda message: None) as claim:
        assert claim.devices == (0,)


def test_run_step_leaves_a_scheduler_device_alone(tmp_path, monkeypatch):
    from transferability.workflow.adapter import run_step

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    seen: list[str] = []
    run_step(fake_snakemake(tmp_path, gpu=1), lambda log: seen.append(os.environ["CUDA_VISIBLE_DEVICES"]))
    assert seen == ["2"]
    assert "GPU: left to the scheduler (CUDA_VISIBLE_DEVICES=2)" in (tmp_path / "logs" / "x.log").read_text()
