"""Your own data end to end: a folder of recordings (one sub-folder per class, mixed rates, channels and
lengths, a corrupt file, a folder of an unknown label, a stray file) read in place by .test/config-own-data.yaml,
two CNNs trained on it, up to the transferability tables."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf

from tests.helpers.own_data import CLASSES, CORRUPT, STRAY, UNKNOWN_LABEL, write_recording, write_recordings
from tests.helpers.workflow_runner import OWN_DATA_CONFIG, scheduled_rules, snakemake, write_config

pytestmark = pytest.mark.slow

TASK, DATASET, MODELS = "music", "recordings", ("M1", "M2")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("own_data")
    recordings = write_recordings(tmp / "my recordings")
    results = tmp / "results"
    config = write_config(tmp / "config.yaml", {"results": str(results), "datasets": {DATASET: {"path": recordings.name}}},
                          base=(OWN_DATA_CONFIG,))  # the path relative to the folder Snakemake runs in
    started = time.perf_counter()
    snakemake(str(results / "tables" / TASK / "transferability.csv"), config=config)
    print(f"own-data run: {time.perf_counter() - started:.1f} s")
    return {"recordings": recordings, "results": results, "config": config}


def test_the_folder_is_read_in_place_without_download_or_extraction(run):
    results = run["results"]
    assert not (results / "downloads").exists() and not (results / "raw").exists()
    log = (results / "logs" / "prepare" / TASK / f"{DATASET}.log").read_text()
    assert f"{run['recordings'].name}: local folder, fingerprint" in log


def test_the_manifest_holds_the_sampled_recordings_as_16k_mono(run):
    results = run["results"]
    manifest = pd.read_csv(results / "data" / TASK / "manifest.csv")
    assert manifest.groupby(["label", "split"]).size().to_dict() == {
        ("classical", "explain"): 2, ("classical", "heldout"): 2, ("classical", "train"): 4,
        ("metal", "explain"): 2, ("metal", "heldout"): 2, ("metal", "train"): 5,
    }
    assert set(manifest["dataset"]) == {DATASET} and manifest["item_id"].is_unique
    originals = set(manifest["original_id"])
    assert all(original.split("/")[0] in CLASSES and "/session-" in original for original in originals)
    assert not any(CORRUPT[:-4] in original or UNKNOWN_LABEL in original for original in originals)
    for item in manifest.itertuples():
        info = sf.info(results / "data" / TASK / item.path)
        assert (info.samplerate, info.channels) == (16000, 1) and info.frames <= 16000
        assert item.duration == pytest.approx(info.frames / 16000)


def test_the_report_lists_every_skipped_file_with_its_reason(run):
    report = json.loads((run["results"] / "data" / TASK / f"{DATASET}.report.json").read_text())
    skipped = {Path(entry["path"]).name: entry for entry in report["skipped"]}
    assert set(skipped) == {CORRUPT, "robin.wav", STRAY}
    assert skipped[CORRUPT]["stage"] == "conversion" and "unreadable or corrupt" in skipped[CORRUPT]["reason"]
    assert skipped["robin.wav"]["reason"] == f"label '{UNKNOWN_LABEL}' is not one of the task's labels {list(CLASSES)}"
    assert skipped[STRAY]["stage"] == "layout" and "not inside a class folder" in skipped[STRAY]["reason"]
    assert report["shortfalls"] == [{"label": "classical", "split": "train", "requested": 5, "taken": 4}]


def test_both_models_trained_on_the_folder_reach_the_tables(run):
    results = run["results"]
    for model in MODELS:
        log = (results / "logs" / "train" / TASK / f"{model}.log").read_text()
        assert "on 9 clips of 16000 samples" in log  # 4 + 5 train items, the shorter ones zero-padded
    table = pd.read_csv(results / "tables" / TASK / "transferability.csv")
    assert set(table["source"]) == set(MODELS)
    for name in ("transferability.tex", "transferability_beta.tex", "transferability_joint.tex", "ttest.json"):
        assert (results / "tables" / TASK / name).stat().st_size > 0
    for model in MODELS:
        facts = json.loads((results / "models" / TASK / f"{model}.facts.json").read_text())
        assert facts["heldout_items"] == {DATASET: 4} and 0.0 <= facts["accuracy"][DATASET] <= 1.0


def test_a_file_added_deep_in_the_folder_reruns_the_preparation(run):
    target = str(run["results"] / "tables" / TASK / "transferability.csv")
    assert scheduled_rules(snakemake("-n", target, config=run["config"]).stdout) == {}
    added = write_recording(run["recordings"] / "metal" / "session-0" / "metal-99.wav", "metal", 99)
    try:
        jobs = scheduled_rules(snakemake("-n", target, config=run["config"]).stdout)
        assert jobs["prepare_dataset"] == 1 and "download_dataset" not in jobs and "extract_dataset" not in jobs
    finally:
        added.unlink()
    assert scheduled_rules(snakemake("-n", target, config=run["config"]).stdout) == {}
