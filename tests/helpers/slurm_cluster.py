"""A throwaway single-node SLURM cluster for tests: Debian's slurm-wlm and munge, run as child processes.

``slurm_cluster()`` writes a one-node config (partition ``debug``, no cgroups, no accounting) into a
temporary folder, starts a private munged, slurmctld and slurmd, waits for the node to be idle,
yields a ``SlurmCluster`` and stops everything again. Without the programs (scripts/install_slurm.sh
installs them), without root, or when the daemons cannot start, the calling test is skipped with the
reason, or fails when TRANSFERABILITY_REQUIRE_SLURM=1 is set (as CI does once it installs them).

The config is also written to /etc/slurm/slurm.conf for the duration (and removed afterwards): the
slurm-jobstep executor plugin strips every SLURM_* variable, SLURM_CONF included, from the
environment of the ``srun`` it runs inside a job, so that ``srun`` only finds the config at the
default path, as on a real cluster. An /etc/slurm/slurm.conf this module did not write is never
touched: the test is skipped instead.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

REQUIRE_FLAG = "TRANSFERABILITY_REQUIRE_SLURM"
PROGRAMS = ("munged", "slurmctld", "slurmd", "sinfo", "sbatch", "squeue", "srun", "scontrol", "scancel")
SYSTEM_CONFIG = Path("/etc/slurm/slurm.conf")
MARKER = "# written by tests/slurm_cluster.py; removed when its cluster stops"
MIN_JOB_AGE = 600  # finished jobs stay visible to squeue this long: the executor's status source without accounting


def unavailable(reason: str):
    """Skip the calling test, or fail it when TRANSFERABILITY_REQUIRE_SLURM is set."""
    if os.environ.get(REQUIRE_FLAG):
        pytest.fail(f"{REQUIRE_FLAG} is set but {reason}", pytrace=False)
    pytest.skip(reason)


def program(name: str) -> str | None:
    """Full path of a SLURM/munge program; the daemons live in /usr/sbin, not always on PATH."""
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/local/sbin"])
    return shutil.which(name, path=search)


def missing_programs() -> list[str]:
    return [name for name in PROGRAMS if program(name) is None]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _node_line(node: str) -> str:
    """The node's hardware as slurmd detects it (``slurmd -C``), so that slurmd accepts it."""
    try:
        detected = subprocess.run([program("slurmd"), "-C"], capture_output=True, text=True, timeout=30).stdout
        words = [w for w in detected.splitlines()[0].split() if w.split("=")[0] in
                 ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory")]
    except (OSError, IndexError, subprocess.SubprocessError):
        words = []
    if not any(w.startswith("CPUs=") for w in words):
        memory = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")).split()[1]) // 1024
        words = [f"CPUs={os.cpu_count() or 1}", f"RealMemory={memory}"]
    return f"NodeName={node} NodeAddr=127.0.0.1 {' '.join(words)} State=UNKNOWN"


def write_config(directory: Path, node: str, partition: str) -> str:
    munge, state, spool, logs = (directory / name for name in ("munge", "state", "spool", "log"))
    return "\n".join([
        MARKER,
        "ClusterName=testcluster",
        f"SlurmctldHost={node}(127.0.0.1)",
        f"SlurmctldPort={_free_port()}",
        f"SlurmdPort={_free_port()}",
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={munge / 'munge.socket'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "SwitchType=switch/none",
        "MailProg=/bin/true",
        "ReturnToService=2",
        f"MinJobAge={MIN_JOB_AGE}",
        f"SlurmctldPidFile={state / 'slurmctld.pid'}",
        f"SlurmdPidFile={state / 'slurmd.pid'}",
        f"StateSaveLocation={state}",
        f"SlurmdSpoolDir={spool}",
        f"SlurmctldLogFile={logs / 'slurmctld.log'}",
        f"SlurmdLogFile={logs / 'slurmd.log'}",
        _node_line(node),
        f"PartitionName={partition} Nodes={node} Default=YES MaxTime=INFINITE State=UP",
        "",
    ])


@dataclass
class SlurmCluster:
    directory: Path
    config: Path
    node: str
    partition: str
    env: dict = field(default_factory=dict)  # os.environ with SLURM_CONF pointing at this cluster

    def command(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        """A SLURM client command (sinfo, squeue, sbatch, ...) against this cluster."""
        return subprocess.run([program(args[0]) or args[0], *args[1:]], env=self.env, capture_output=True,
                              text=True, check=check, timeout=timeout)

    def jobs(self) -> list[dict[str, str]]:
        """Every job the controller still knows (finished ones for MinJobAge seconds): id, name, state, partition."""
        out = self.command("squeue", "--states=all", "--noheader", "--format=%i|%j|%T|%P").stdout
        return [dict(zip(("id", "name", "state", "partition"), line.split("|"))) for line in out.splitlines() if line]

    def logs(self, lines: int = 40) -> str:
        """The end of every daemon log, for failure messages."""
        parts = []
        for path in sorted((self.directory / "log").glob("*")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"== {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def _wait_for(condition, timeout: float, processes: dict[str, subprocess.Popen], cluster_dir: Path, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for name, process in processes.items():
            if process.poll() is not None:
                unavailable(f"{name} exited with {process.returncode} while waiting for {what}:\n{_log_tails(cluster_dir)}")
        if time.monotonic() > deadline:
            unavailable(f"timed out after {timeout:.0f}s waiting for {what}:\n{_log_tails(cluster_dir)}")
        time.sleep(0.2)


def _log_tails(directory: Path) -> str:
    return SlurmCluster(directory, directory / "slurm.conf", "", "").logs(20)


def _stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def _node_state(env: dict, node: str) -> str:
    result = subprocess.run([program("sinfo"), "--noheader", "--Node", "--nodes", node, "--format=%t"],
                            env=env, capture_output=True, text=True, timeout=30)
    return result.stdout.strip()


def _munge_works(env: dict, socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    munge, unmunge = program("munge"), program("unmunge")
    if munge is None or unmunge is None:
        return True
    credential = subprocess.run([munge, "--no-input", f"--socket={socket_path}"], capture_output=True, text=True)
    decoded = subprocess.run([unmunge, f"--socket={socket_path}"], input=credential.stdout, capture_output=True, text=True)
    return decoded.returncode == 0


@contextlib.contextmanager
def slurm_cluster(partition: str = "debug", timeout: float = 60) -> Iterator[SlurmCluster]:
    """Start a one-node cluster (see the module docstring); skips the test where that is impossible."""
    missing = missing_programs()
    if missing:
        unavailable(f"SLURM/munge programs missing: {', '.join(missing)} (scripts/install_slurm.sh installs them)")
    if os.geteuid() != 0:
        unavailable("a test SLURM cluster needs root (slurmd runs the jobs)")
    if SYSTEM_CONFIG.exists() and MARKER not in SYSTEM_CONFIG.read_text(errors="replace"):
        unavailable(f"{SYSTEM_CONFIG} belongs to a real SLURM installation; not starting a test cluster over it")

    directory = Path(tempfile.mkdtemp(prefix="slurm-cluster-"))
    directory.chmod(0o755)  # munged wants every folder above its socket to be searchable by all
    for name in ("munge", "state", "spool", "log"):
        (directory / name).mkdir(mode=0o755)
    key = directory / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o400)

    node = socket.gethostname().split(".")[0]
    text = write_config(directory, node, partition)
    config = directory / "slurm.conf"
    config.write_text(text)
    env = {**os.environ, "SLURM_CONF": str(SYSTEM_CONFIG)}
    cluster = SlurmCluster(directory, config, node, partition, env)
    processes: dict[str, subprocess.Popen] = {}

    def start(name: str, *args: str) -> None:
        log = open(directory / "log" / f"{name}.out", "w")
        processes[name] = subprocess.Popen([program(name), *args], stdin=subprocess.DEVNULL, stdout=log,
                                           stderr=subprocess.STDOUT, env=env)
        log.close()

    try:
        SYSTEM_CONFIG.parent.mkdir(parents=True, exist_ok=True)
        SYSTEM_CONFIG.write_text(text)
        socket_path = directory / "munge" / "munge.socket"
        start("munged", "--foreground", f"--socket={socket_path}", f"--key-file={key}",
              f"--pid-file={directory / 'munge' / 'munged.pid'}", f"--log-file={directory / 'log' / 'munged.log'}",
              f"--seed-file={directory / 'munge' / 'munged.seed'}")
        _wait_for(lambda: _munge_works(env, socket_path), timeout, processes, directory, "munged")
        start("slurmctld", "-D", "-i", "-f", str(SYSTEM_CONFIG))
        start("slurmd", "-D", "-N", node, "-f", str(SYSTEM_CONFIG))
        _wait_for(lambda: _node_state(env, node) == "idle", timeout, processes, directory, f"node {node} to be idle")
        yield cluster
    finally:
        if "slurmctld" in processes and processes["slurmctld"].poll() is None:
            subprocess.run([program("scancel"), "--full", f"--partition={partition}"], env=env, capture_output=True, timeout=30)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and any(
                    job["state"] in ("RUNNING", "COMPLETING", "PENDING", "CONFIGURING") for job in _safe_jobs(cluster)):
                time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "munged"):
            if name in processes:
                _stop(processes[name])
        if SYSTEM_CONFIG.exists() and MARKER in SYSTEM_CONFIG.read_text(errors="replace"):
            SYSTEM_CONFIG.unlink()
        shutil.rmtree(directory, ignore_errors=True)


def _safe_jobs(cluster: SlurmCluster) -> list[dict[str, str]]:
    try:
        return cluster.jobs()
    except (subprocess.SubprocessError, OSError):
        return []
