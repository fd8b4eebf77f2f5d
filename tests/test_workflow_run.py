"""A small real run of the workflow: resume after a kill, epsilon-only reruns, tables recomputed."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workflow_runner import REPO, scheduled_rules, snakemake, snakemake_command, write_config

pytestmark = pytest.mark.slow

REDUCED = {
    "data": {"seconds": 1.0, "counts": {"train": 4, "heldout": 2, "explain": 2}},
    "tasks": {
        "genre": {
            "labels": ["blues", "classical", "disco", "metal"],
            "datasets": ["genre"],
            "models": {"MC1": {"train": "cnn", "seed": 1}, "MC2": {"train": "wav2vec2", "seed": 2}, "MC3": {"train": "cnn", "seed": 3}},
        },
        "spoof": {
            "labels": ["bonafide", "spoof"],
            "datasets": ["spoof_in", "spoof_wild"],
            "models": {"SP1": {"train": "cnn", "seed": 4}, "SP2": {"train": "wav2vec2", "seed": 5}},
        },
    },
    "training": {"epochs": {"wav2vec2": 1, "whisper": 1, "ast": 1, "cnn": 2}},
    "explain": {"settings": {"min_iterations": 4, "max_iterations": 4, "round_size": 4, "minimality_max_candidates": 64}},
    "transferability": {"bootstrap_resamples": 50},
}
KILLED_SHARD = "explanations/genre/MC1/shard-0.jsonl"


def _reduced_config(directory: Path, results: Path, name: str = "config.yaml", **extra: dict) -> Path:
    config = json.loads(json.dumps(REDUCED))
    config["results"] = str(results)
    config.update(extra)
    return write_config(directory / name, config, replace=("tasks",))


def _job_processes(session: int, script: str) -> list[int]:
    """Processes of Snakemake's session running a rule's script."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) == session and script in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except (ProcessLookupError, PermissionError, FileNotFoundError):
            continue
    return found


def _kill_explanation_half_way(config: Path, results: Path) -> set[str]:
    """Run up to one explanation shard and kill that job's process once an item is cached, as a
    scheduler would; Snakemake records the failure. Returns the names of the cached items."""
    cache = results / "explanations/genre/MC1/items"
    command = snakemake_command(str(results / KILLED_SHARD), config=config, cores=1)
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while not list(cache.glob("*.json")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in _job_processes(process.pid, "explain_shard"):
        os.kill(pid, signal.SIGKILL)
    assert process.wait(timeout=120) != 0, "the explanation job finished before it could be killed"
    assert not (results / KILLED_SHARD).exists()
    return {p.name for p in cache.glob("*.json")}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("workflow")
    results = directory / "results"
    config = _reduced_config(directory, results)
    cached_before = _kill_explanation_half_way(config, results)
    stamps = {name: (results / "explanations/genre/MC1/items" / name).stat().st_mtime_ns for name in cached_before}
    snakemake(config=config)
    return directory, results, config, stamps


def test_killed_explanation_job_reuses_the_items_it_finished(run):
    _, results, _, stamps = run
    items = results / "explanations/genre/MC1/items"
    assert 1 <= len(stamps) < 8
    assert {name: (items / name).stat().st_mtime_ns for name in stamps} == stamps
    log = (results / "logs/explain/genre/MC1/shard-0.log").read_text()
    assert f"8 items: {8 - len(stamps)} explained, {len(stamps)} reused" in log
    entries = [json.loads(line) for line in (results / KILLED_SHARD).read_text().splitlines()]
    assert len(entries) == 8


def test_every_table_and_its_csv_are_written(run):
    _, results, _, _ = run
    for task in ("genre", "spoof"):
        for name in ("transferability.tex", "transferability_beta.tex", "transferability_joint.tex", "transferability.csv", "ttest.json"):
            assert (results / "tables" / task / name).stat().st_size > 0
    facts = json.loads((results / "models/genre/MC2.facts.json").read_text())
    assert facts["parameters"] > 0 and 0.0 <= facts["accuracy"]["genre"] <= 1.0


def _recomputed_alpha(scores: pd.DataFrame, signal: str, dataset: str) -> dict[tuple[str, str], float]:
    """alpha(f, g) straight from the stored probabilities: argmax over the p: columns."""
    labels = [c[2:] for c in scores.columns if c.startswith("p:")]
    rows = scores[(scores["signal"] == signal) & (scores["dataset"] == dataset) & (scores["source_model"] != scores["target_model"])]
    predicted = np.array(labels)[rows[[f"p:{label}" for label in labels]].to_numpy().argmax(axis=1)]
    hits = pd.Series(predicted == rows["explained_class"].to_numpy(), index=rows.index)
    return hits.groupby([rows["source_model"], rows["target_model"]]).mean().to_dict()


def test_tables_agree_with_numbers_recomputed_from_stored_probabilities(run):
    _, results, _, _ = run
    for task, datasets in (("genre", ["genre"]), ("spoof", ["spoof_in", "spoof_wild"])):
        scores = pd.concat([pd.read_csv(p) for p in sorted((results / "scores" / task).glob("*.csv"))])
        table = pd.read_csv(results / "tables" / task / "transferability.csv")
        latex = (results / "tables" / task / "transferability.tex").read_text()
        for signal in ("sufficient", "complete"):
            for dataset in datasets:
                expected = _recomputed_alpha(scores, signal, dataset)
                stored = table[(table["metric"] == "alpha") & (table["signal"] == signal) & (table["dataset"] == dataset)]
                for (source, target), value in expected.items():
                    cell = stored[(stored["source"] == source) & (stored["target"] == target)]["value"]
                    assert float(cell.iloc[0]) == pytest.approx(value, abs=1e-9)
                    assert f"{value:.3f}" in latex


def test_changing_epsilon_reruns_only_the_tables(run):
    directory, results, _, _ = run
    config = _reduced_config(directory, results, "epsilon.yaml", transferability={"epsilon": 0.3, "bootstrap_resamples": 50})
    jobs = scheduled_rules(snakemake("-n", config=config).stdout)
    assert jobs == {"transferability_tables": 2, "all": 1}


def test_changing_explainer_settings_reruns_explanations_and_what_follows(run):
    directory, results, _, _ = run
    settings = {**REDUCED["explain"]["settings"], "delta": 0.7}
    config = _reduced_config(directory, results, "delta.yaml", explain={"settings": settings})
    jobs = scheduled_rules(snakemake("-n", config=config).stdout)
    assert jobs == {"explain_shard": 5, "score_signals": 5, "transferability_tables": 2, "all": 1}


def test_rerun_with_nothing_changed_does_nothing(run):
    _, _, config, _ = run
    result = snakemake("-n", config=config)
    assert re.search(r"Nothing to be done", result.stdout + result.stderr)


def test_report_holds_the_tables_with_their_captions(run):
    directory, _, config, _ = run
    snakemake("--report", str(directory / "report.html"), config=config)
    html = (directory / "report.html").read_text()
    assert "Alpha-transferability of sufficient (top block)" in html
    assert html.count("transferability.csv") >= 1 and html.count("transferability.tex") >= 1
