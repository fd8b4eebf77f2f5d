"""config/paper.yaml end to end on small data: archives in each dataset's real layout served from
127.0.0.1, every hub id mapped to a tiny save_pretrained model through ``hub_overrides``."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf
import yaml

from tests.helpers.dataset_archives import (
    serving,
    tar_folder,
    write_asvspoof,
    write_gtzan,
    write_in_the_wild,
    write_ravdess,
    zip_folder,
)
from tests.helpers.hf_tiny import save_tiny, save_tiny_whisper
from tests.helpers.workflow_runner import PAPER_CONFIG, PAPER_SMALL_CONFIG, REPO, snakemake, write_config

pytestmark = pytest.mark.slow

PAPER = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
FAMILIES = {"DistilHuBERT": "hubert", "HuBERT": "hubert", "Wav2Vec2": "wav2vec2", "Whisper": "whisper", "AST": "ast"}
ARCHIVES = {  # dataset -> (file name, writer, packer)
    "gtzan": ("genres.tar.gz", lambda root: write_gtzan(root, tuple(PAPER["tasks"]["genre"]["labels"]), 3), tar_folder),
    "ravdess": ("Audio_Speech_Actors_01-24.zip", write_ravdess, zip_folder),
    "asvspoof2019_la": ("LA.zip", write_asvspoof, zip_folder),
    "in_the_wild": ("release_in_the_wild.zip", write_in_the_wild, zip_folder),
}
def _checksum(path: Path, algorithm: str) -> str:
    return f"{algorithm}:{hashlib.new(algorithm, path.read_bytes()).hexdigest()}"


def _tiny_models(root: Path) -> dict[str, str]:
    """A tiny model per paper model (the task's labels, or the ones its label_overrides map), and the ASR model."""
    overrides = {}
    for task_name, task in PAPER["tasks"].items():
        for seed, (name, entry) in enumerate(task["models"].items()):
            labels = list(entry.get("label_overrides") or task["labels"])
            folder = save_tiny(FAMILIES[entry["backbone"]], root / name, seed=seed, labels=labels)
            overrides[entry["source"]] = str(folder)
    overrides[PAPER["asr"]["model"]] = str(save_tiny_whisper(root / "whisper-asr"))
    return overrides


def _paper_config(tmp: Path, server, archives: dict[str, Path], overrides: dict[str, str]) -> Path:
    """config/paper.yaml with .test/config-paper-small.yaml over it, the local server's archives and tiny models."""
    datasets = {}
    for name, dataset in PAPER["datasets"].items():
        server.files[archives[name].name] = archives[name].read_bytes()
        datasets[name] = {"url": server.url(archives[name].name)}
        if dataset["checksum"] is not None:  # the published ones are md5: pin the test archive the same way
            datasets[name]["checksum"] = _checksum(archives[name], "md5")
    overrides = {"results": str(tmp / "results"), "datasets": datasets, "hub_overrides": overrides}
    return write_config(tmp / "paper.yaml", overrides, base=(PAPER_CONFIG, PAPER_SMALL_CONFIG))


@pytest.fixture(scope="module")
def paper_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("paper")
    archives = {}
    for name, (file_name, write, pack) in ARCHIVES.items():
        archives[name] = pack(write(tmp / "layouts" / name), tmp / file_name)
    overrides = _tiny_models(tmp / "models")
    with serving() as server:
        config = _paper_config(tmp, server, archives, overrides)
        snakemake("all", config=config, timeout=3000)
        requested = {name for name, _ in server.requests}
        yield {"results": tmp / "results", "config": config, "archives": archives, "requested": requested}


def test_every_paper_table_and_figure_is_made(paper_run):
    results = paper_run["results"]
    for task, entry in PAPER["tasks"].items():
        table = pd.read_csv(results / "tables" / task / "transferability.csv")
        assert set(table["source"]) == set(entry["models"])
        for name in ("transferability.tex", "flat_earth.tex", "composition.tex"):
            assert (results / "tables" / task / name).stat().st_size > 0
        flat = pd.read_csv(results / "tables" / task / "flat_earth.csv")
        assert set(flat["model"]) == set(entry["models"])
        for figure in ("example.pdf", "composite_psd.pdf", "entropy.pdf", "beta_epsilon.pdf"):
            assert (results / "figures" / task / figure).read_bytes().startswith(b"%PDF")
    for name in ("entropy_tests.tex", "signature.tex", "asr.tex"):
        assert (results / "tables" / "spoof" / name).stat().st_size > 0
    asr = pd.read_csv(results / "tables" / "spoof" / "asr.csv")
    assert set(asr["model"]) == set(PAPER["tasks"]["spoof"]["models"])
    main = (results / "paper" / "main.tex").read_text()
    assert all(f"tables/{task}/transferability.tex" in main for task in PAPER["tasks"])


def test_every_archive_was_downloaded_from_the_local_server(paper_run):
    assert paper_run["requested"] == {path.name for path in paper_run["archives"].values()}


def test_unpinned_download_logs_the_sha256_to_pin(paper_run):
    for name in ("asvspoof2019_la", "in_the_wild"):
        log = (paper_run["results"] / "logs" / "download" / f"{name}.log").read_text()
        assert _checksum(paper_run["archives"][name], "sha256") in log


def test_manifests_follow_each_datasets_conventions(paper_run):
    results = paper_run["results"]
    genre = pd.read_csv(results / "data" / "genre" / "manifest.csv")
    assert set(genre["label"]) == set(PAPER["tasks"]["genre"]["labels"])
    sizes = genre.groupby(["label", "split"]).size().to_dict()
    assert sizes == {(label, split): (1 if split == "explain" or label == "jazz" else 2)
                     for label in PAPER["tasks"]["genre"]["labels"] for split in ("explain", "heldout")}
    report = json.loads((results / "data" / "genre" / "gtzan.report.json").read_text())
    assert [Path(entry["path"]).name for entry in report["skipped"]] == ["jazz.00054.wav"]
    assert report["shortfalls"] == [{"label": "jazz", "split": "heldout", "requested": 2, "taken": 1}]
    emotion = pd.read_csv(results / "data" / "emotion" / "manifest.csv")
    assert set(emotion["label"]) == {"neutral", "happy", "angry"}  # the emotions the small archive holds
    spoof = pd.read_csv(results / "data" / "spoof" / "manifest.csv")
    assert spoof.groupby(["dataset", "label"]).size().to_dict() == {
        (d, label): 3 for d in ("asvspoof2019_la", "in_the_wild") for label in ("bonafide", "spoof")
    }
    for path in spoof["path"]:
        info = sf.info(results / "data" / "spoof" / path)
        assert (info.samplerate, info.channels) == (16000, 1)


def test_models_come_from_the_hub_overrides_with_their_label_mappings(paper_run):
    results = paper_run["results"]
    config = yaml.safe_load(paper_run["config"].read_text())
    for task, entry in PAPER["tasks"].items():
        for name, model in entry["models"].items():
            facts = json.loads((results / "models" / task / f"{name}.facts.json").read_text())
            assert facts["spec"] == config["hub_overrides"][model["source"]]
            assert facts["label_mapping"] == (model.get("label_overrides") or {l: l for l in entry["labels"]})


def test_explanations_use_bfloat16_only_where_the_check_allowed_it(paper_run):
    results = paper_run["results"]
    for task, entry in PAPER["tasks"].items():
        for name in entry["models"]:
            decision = json.loads((results / "models" / task / f"{name}.precision.json").read_text())
            assert decision["requested"] == "bfloat16" and len(decision["items"]) == 3
            assert decision["used"] == ("bfloat16" if not decision["disagreements"] else "float32")
            log = (results / "logs" / "explain" / task / name / "shard-0.log").read_text()
            assert f"precision: {decision['used']} (bfloat16 asked for" in log


def test_an_unmapped_model_label_stops_the_run_naming_model_and_label(paper_run, tmp_path):
    config = yaml.safe_load(paper_run["config"].read_text())
    source = PAPER["tasks"]["genre"]["models"]["MC1"]["source"]
    labels = [*PAPER["tasks"]["genre"]["labels"][:-1], "polka"]
    config["hub_overrides"][source] = str(save_tiny("hubert", tmp_path / "polka", labels=labels))
    config["results"] = str(tmp_path / "results")
    path = tmp_path / "paper.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(str(tmp_path / "results" / "models" / "genre" / "MC1.facts.json"), config=path, check=False)
    assert result.returncode != 0
    log = (tmp_path / "results" / "logs" / "facts" / "genre" / "MC1.log").read_text()
    assert "MC1" in log and "polka" in log
