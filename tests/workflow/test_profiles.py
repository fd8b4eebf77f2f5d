"""The profiles in profiles/: their keys, and dry runs under each with both configs, no cluster contacted.

Every profile is run the way the README runs it (``snakemake -n --profile profiles/<name>``, from
the repository root, so the workflow profile profiles/default is loaded too), in a scratch folder,
with the default config and with config/paper.yaml. The dry runs are sandboxed: fake SLURM
commands on PATH log every call, KUBECONFIG points at a local socket that records every
connection, and the S3 storage of the Kubernetes profile is a local stub that refuses writes. A
dry run submits nothing: the SLURM log may only hold the plugin's read-only import probe, the
Kubernetes socket must see no connection and the bucket only reads.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shlex
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import yaml

from tests.helpers.workflow_runner import REPO, SNAKEMAKE, scheduled_rules, write_config

PROFILES = ("workstation", "slurm", "kubernetes")
CONFIGS = ("default", "paper")
EXECUTOR_PLUGINS = {"slurm": "snakemake_executor_plugin_slurm", "kubernetes": "snakemake_executor_plugin_kubernetes"}
# Resources that Snakemake itself (not the executor) defines for every job.
STANDARD_RESOURCES = {"mem_mb", "disk_mb", "runtime", "tmpdir", "_cores", "_nodes"}
SLURM_COMMANDS = ("sbatch", "srun", "squeue", "sacct", "sinfo", "scontrol", "scancel", "sacctmgr", "sshare")
# The SLURM plugin runs this read-only query on import (to word its --help); it submits nothing.
SLURM_IMPORT_PROBE = "scontrol show config"
DOWNLOAD_RULES = {"download_dataset", "extract_dataset"}


def profile(name: str) -> dict:
    return yaml.safe_load((REPO / "profiles" / name / "config.yaml").read_text())


def rule_blocks() -> dict[str, str]:
    """Rule name -> its text, from rules/*.smk."""
    blocks: dict[str, str] = {}
    for path in sorted((REPO / "rules").glob("*.smk")):
        parts = re.split(r"^rule (\w+):\n", path.read_text(), flags=re.M)
        for name, body in zip(parts[1::2], parts[2::2]):
            blocks[name] = re.split(r"^\S", body, maxsplit=1, flags=re.M)[0]
    return blocks


def section(block: str, keyword: str) -> str:
    """The lines under one keyword (``input:``, ``resources:``, ...) of a rule's text."""
    found = re.search(rf"^    {keyword}:\n((?:        .*\n)+)", block, flags=re.M)
    return found.group(1) if found else ""


def declared_resources(block: str) -> set[str]:
    """Names under a rule's ``resources:``."""
    found = re.search(r"^    resources:\n((?:        .*\n)+)", block, flags=re.M)
    return set(re.findall(r"^\s+(\w+)=", found.group(1), flags=re.M)) if found else set()


def gpu_rules() -> set[str]:
    """Rules that declare a ``gpu`` resource."""
    return {name for name, block in rule_blocks().items() if "gpu" in declared_resources(block)}


def plugin_resources(executor: str) -> set[str]:
    """Resource names the executor plugin reads (scanned from its source), plus Snakemake's own."""
    spec = importlib.util.find_spec(EXECUTOR_PLUGINS[executor])
    assert spec is not None, f"{EXECUTOR_PLUGINS[executor]} is missing: pip install -e '.[cluster]'"
    pattern = re.compile(r"""resources(?:_dict)?\s*(?:\.get\(\s*|\[\s*)["'](\w+)["']"""
                         r"""|["'](\w+)["']\s+in\s+(?:job\.)?resources|resources\.(\w+)\b(?!\()""")
    names = set()
    for source in Path(spec.origin).parent.glob("*.py"):
        names.update(next(g for g in m.groups() if g) for m in pattern.finditer(source.read_text()))
    return names | STANDARD_RESOURCES


def profile_problems(settings: dict, rules: set[str], known_resources: set[str] | None) -> list[str]:
    """What is wrong with a profile's resources: unknown rules under set-resources, unknown resource names."""
    problems = [f"set-resources names rule {rule!r}, which the workflow does not have"
                for rule in settings.get("set-resources", {}) if rule not in rules]
    if known_resources is not None:
        assigned = [("default-resources", name) for name in settings.get("default-resources", {})]
        assigned += [(rule, name) for rule, values in settings.get("set-resources", {}).items() for name in values]
        problems += [f"{where}: resource {name!r} is not read by the executor" for where, name in assigned
                     if name not in known_resources]
    return problems


def parse_jobs(output: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, resources) of every job a dry run lists."""
    jobs: list[tuple[str, dict[str, str]]] = []
    for line in output.splitlines():
        started = re.match(r"^(?:local)?rule (\w+):$", line)
        if started:
            jobs.append((started.group(1), {}))
            continue
        resources = re.match(r"^\s+resources: (.*)$", line)
        if resources and jobs:
            jobs[-1][1].update(item.split("=", 1) for item in resources.group(1).split(", "))
    return jobs


class _Recorder(BaseHTTPRequestHandler):
    """Local S3 stub: the bucket exists and is empty; records every request; refuses writes."""

    def _record(self) -> str:
        self.server.requests.append((self.command, self.path))
        return urlsplit(self.path).path.strip("/")

    def _reply(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:  # head_bucket: 200; head_object: 404 (nothing stored yet)
        self._reply(404 if "/" in self._record() else 200)

    def do_GET(self) -> None:  # object listings: empty
        bucket = self._record().split("/")[0]
        self._reply(200, ('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns='
                          f'"http://s3.amazonaws.com/doc/2006-03-01/"><Name>{bucket}</Name><KeyCount>0</KeyCount>'
                          "<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>").encode())

    def do_PUT(self) -> None:
        self._record()
        self._reply(403)

    do_POST = do_DELETE = do_PUT

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """Environment for the dry runs: fake SLURM commands, an unreachable-but-recorded Kubernetes API, a stub S3."""
    root = tmp_path_factory.mktemp("sandbox")
    bin_dir, calls = root / "bin", root / "slurm-calls.log"
    bin_dir.mkdir()
    for command in SLURM_COMMANDS:
        fake = bin_dir / command
        fake.write_text(f'#!/bin/sh\necho "{command} $*" >> {shlex.quote(str(calls))}\nexit 1\n')
        fake.chmod(0o755)
    kube = socket.create_server(("127.0.0.1", 0))
    kube.settimeout(0)
    kubeconfig = root / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "sandbox",
        "clusters": [{"name": "sandbox", "cluster": {"server": f"http://127.0.0.1:{kube.getsockname()[1]}"}}],
        "users": [{"name": "sandbox", "user": {"token": "none"}}],
        "contexts": [{"name": "sandbox", "context": {"cluster": "sandbox", "user": "sandbox"}}],
    }))
    s3 = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    s3.requests = []
    threading.Thread(target=s3.serve_forever, daemon=True).start()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SNAKEMAKE_PROFILE", "SLURM_", "AWS_", "KUBERNETES_")) and "proxy" not in key.lower()}
    env.update({"PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", "KUBECONFIG": str(kubeconfig),
                "AWS_ACCESS_KEY_ID": "sandbox", "AWS_SECRET_ACCESS_KEY": "sandbox", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"})
    yield SimpleNamespace(root=root, env=env, slurm_calls=calls, kube=kube, s3=s3,
                          s3_url=f"http://127.0.0.1:{s3.server_address[1]}")
    s3.shutdown()
    kube.close()


def write_configs(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paper = folder / "paper.yaml"
    paper.write_text((REPO / "config" / "paper.yaml").read_text())
    return {"default": write_config(folder / "config.yaml", {}), "paper": paper}


@pytest.fixture(scope="module")
def dry_runs(sandbox):
    """(profile, config) -> the finished dry run, run once each on first use."""
    done: dict[tuple[str, str], subprocess.CompletedProcess] = {}

    def run(name: str, config: str) -> subprocess.CompletedProcess:
        if (name, config) not in done:
            workdir = sandbox.root / f"{name}-{config}"
            configs = write_configs(workdir)
            command = [*SNAKEMAKE, "-n", "--profile", str(REPO / "profiles" / name), "--snakefile", str(REPO / "Snakefile"),
                       "--directory", str(workdir), "--configfile", str(configs[config])]
            if name == "kubernetes":
                command += ["--storage-s3-endpoint-url", sandbox.s3_url]
            result = subprocess.run(command, cwd=REPO, env=sandbox.env, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, (f"dry run with profiles/{name} and the {config} config failed:\n"
                                            f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
            done[name, config] = result
        return done[name, config]

    return run


@pytest.fixture(scope="module")
def workflow_rules(tmp_path_factory):
    config = write_config(tmp_path_factory.mktemp("rules") / "config.yaml", {})
    result = subprocess.run([*SNAKEMAKE, "--list-rules", "--snakefile", str(REPO / "Snakefile"), "--directory",
                             str(config.parent), "--configfile", str(config), "--workflow-profile", "none"],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    rules = set(result.stdout.split())
    assert {"all", "explain_shard", *DOWNLOAD_RULES} <= rules
    return rules


@pytest.mark.parametrize("name", PROFILES)
def test_profile_names_real_rules_and_resources_the_executor_reads(name, workflow_rules):
    settings = profile(name)
    executor = settings.get("executor")
    assert executor == {"workstation": None, "slurm": "slurm", "kubernetes": "kubernetes"}[name]
    known = plugin_resources(executor) if executor else None
    assert profile_problems(settings, workflow_rules, known) == []
    if name == "workstation":  # the local profile only sets global limits, which the rules must use
        declared = set().union(*map(declared_resources, rule_blocks().values()))
        assert set(settings["resources"]) <= declared | {"_cores", "_nodes"}


def test_profile_checks_catch_misspelt_rules_and_resources(workflow_rules):
    settings = {"default-resources": {"slurm_acount": "x"}, "set-resources": {"explain_shards": {"runtime": 5}}}
    problems = profile_problems(settings, workflow_rules, plugin_resources("slurm"))
    assert len(problems) == 2 and "explain_shards" in problems[0] and "slurm_acount" in problems[1]


def test_misspelt_profile_key_stops_snakemake(tmp_path):
    from snakemake.cli import parse_args

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.yaml").write_text((REPO / "profiles" / "slurm" / "config.yaml").read_text() + "slurm-acount: x\n")
    with pytest.raises(SystemExit):
        parse_args(["-n", "--snakefile", str(REPO / "Snakefile"), "--profile", str(broken)])


@pytest.mark.parametrize("name", PROFILES)
def test_commented_out_options_are_valid(name, tmp_path):
    """The optional keys a profile shows as comments (`# key: value`) parse once uncommented."""
    from snakemake.cli import parse_args

    text = (REPO / "profiles" / name / "config.yaml").read_text()
    uncommented, count = re.subn(r"^# ([a-z0-9-]+:\s)", r"\1", text, flags=re.M)
    (tmp_path / "config.yaml").write_text(uncommented)
    assert yaml.safe_load(uncommented)
    parse_args(["-n", "--snakefile", str(REPO / "Snakefile"), "--profile", str(tmp_path)])
    assert count == {"workstation": 0, "slurm": 0, "kubernetes": 4}[name]


def test_profiles_parse_into_the_documented_settings():
    from snakemake.cli import parse_args
    from snakemake.utils import available_cpu_count

    def args(name):
        return parse_args(["-n", "--snakefile", str(REPO / "Snakefile"), "--profile", str(REPO / "profiles" / name)])[1]

    workstation = args("workstation")
    assert workstation.cores == available_cpu_count() and workstation.executor is None
    assert {name: resource.value for name, resource in workstation.resources.items()} == {"gpu": 4}
    for parsed in (workstation, args("slurm"), args("kubernetes")):
        assert parsed.rerun_incomplete and parsed.show_failed_logs and parsed.printshellcmds  # as profiles/default
    slurm, kubernetes = args("slurm"), args("kubernetes")
    assert slurm.executor == "slurm" and slurm.jobs == 100
    assert kubernetes.executor == "kubernetes" and kubernetes.default_storage_provider == "s3"
    assert kubernetes.kubernetes_namespace == profile("kubernetes")["kubernetes-namespace"]
    assert kubernetes.container_image == profile("kubernetes")["container-image"]


def test_downloads_are_local_rules():
    """Under SLURM and Kubernetes the download rules run where Snakemake runs (the login node)."""
    local = {name for name, block in rule_blocks().items() if re.search(r"^\s+localrule: True$", block, flags=re.M)}
    assert local == DOWNLOAD_RULES
    for name in ("slurm", "kubernetes"):
        assert not DOWNLOAD_RULES & set(profile(name).get("set-resources", {}))


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("name", PROFILES)
def test_dry_run_assigns_the_profile_resources(name, config, dry_runs):
    result = dry_runs(name, config)
    jobs = parse_jobs(result.stdout)
    assert scheduled_rules(result.stdout) == scheduled_rules(dry_runs("workstation", config).stdout)
    assert len(jobs) == sum(scheduled_rules(result.stdout).values())
    settings = profile(name)
    for rule, resources in jobs:
        expected = {**settings.get("default-resources", {}), **settings.get("set-resources", {}).get(rule, {})}
        for key, value in expected.items():
            value = 1 if value == "threads" else value  # every rule has threads: 1
            assert resources.get(key) == str(value), (name, config, rule, key, resources)
    gpu_jobs = [(rule, resources) for rule, resources in jobs if "gpu" in resources]
    assert {rule for rule, _ in gpu_jobs} == gpu_rules() & {rule for rule, _ in jobs}
    assert {resources["gpu"] for _, resources in gpu_jobs} == ({"1"} if config == "paper" else {"0"})


@pytest.mark.parametrize("config", CONFIGS)
def test_slurm_submits_gpu_jobs_with_a_gpu(config, dry_runs):
    """The sbatch line the plugin builds from each job's resources: GPU rules get --gpus=1 on the paper config."""
    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    class Resources(dict):
        __getattr__ = dict.get

    on_gpu = gpu_rules()
    for rule, resources in parse_jobs(dry_runs("slurm", config).stdout):
        values = Resources({k: int(v) if v.isdigit() else v for k, v in resources.items()})
        job = SimpleNamespace(resources=values, threads=1, name=rule)
        params = {"run_uuid": "run", "slurm_logfile": "log", "comment_str": f"rule_{rule}", "workdir": "/work",
                  "account": f" -A {values.slurm_account}", "partition": f" -p {values.slurm_partition}"}
        sbatch = get_submit_command(job, params) + set_gres_string(job)
        assert f"-t {values.runtime}" in sbatch and f"--mem {values.mem_mb}" in sbatch and "--cpus-per-task=1" in sbatch
        wants_gpu = bool(values.gpu)
        assert ("--gpus=1" in sbatch) == wants_gpu, (rule, sbatch)
        assert wants_gpu == (config == "paper" and rule in on_gpu), (rule, sbatch)
        gpu_partition = profile("slurm")["set-resources"]["explain_shard"]["slurm_partition"]
        assert (values.slurm_partition == gpu_partition) == (rule in on_gpu), (rule, values.slurm_partition)


@pytest.mark.parametrize("config", CONFIGS)
def test_kubernetes_gpu_jobs_name_their_manufacturer(config, dry_runs):
    """The plugin refuses a job with a `gpu` resource (even gpu=0) that has no gpu_manufacturer."""
    for rule, resources in parse_jobs(dry_runs("kubernetes", config).stdout):
        if "gpu" in resources:
            assert resources.get("gpu_manufacturer") in {"nvidia", "amd"}, (rule, resources)


def test_dry_runs_contact_no_cluster_and_write_no_storage(dry_runs, sandbox):
    for name in PROFILES:
        for config in CONFIGS:
            dry_runs(name, config)
    calls = sandbox.slurm_calls.read_text().splitlines() if sandbox.slurm_calls.exists() else []
    assert set(calls) <= {SLURM_IMPORT_PROBE}, calls  # never sbatch, squeue, sacct, ...
    with pytest.raises(BlockingIOError):
        sandbox.kube.accept()  # nobody connected to the Kubernetes API
    methods = {method for method, _ in sandbox.s3.requests}
    assert methods and methods <= {"HEAD", "GET"}, sandbox.s3.requests
    bucket = urlsplit(profile("kubernetes")["default-storage-prefix"]).netloc
    assert all(path.startswith(f"/{bucket}") for _, path in sandbox.s3.requests)


def test_every_rule_on_a_torch_device_declares_gpu():
    blocks = rule_blocks()
    on_device = {name for name, block in blocks.items() if re.search(r"^\s+device=", block, flags=re.M)}
    without_gpu = {name for name in on_device if not re.search(r"^\s+gpu=", blocks[name], flags=re.M)}
    assert without_gpu == set()


def test_every_rule_reading_clips_declares_the_audio_folders():
    """Pods share no filesystem: a rule that reads clips through the manifest must declare them too."""
    inputs = {name: section(block, "input") for name, block in rule_blocks().items()}
    readers = {name for name, block in inputs.items() if "manifest=MANIFEST" in block}
    assert len(readers) >= 10
    assert {name for name in readers if "audio=get_task_audio" not in inputs[name]} == set()
