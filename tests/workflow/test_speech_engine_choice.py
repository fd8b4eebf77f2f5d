"""The config names the speech engine: a run that cannot honour it stops, naming the key and what is missing."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers.workflow_runner import snakemake, write_config
from transferability.workflow.steps.data import synthetic_data

COUNTS = {"train": 1, "heldout": 1, "explain": 1}


def test_missing_espeak_package_stops_the_data_step_naming_the_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    with pytest.raises(RuntimeError, match=r"config data\.speech: espeak: .*espeakng-loader.*data\.speech: formant"):
        synthetic_data("emotion", COUNTS, 0.5, 16000, 0, "espeak", tmp_path / "audio", tmp_path / "manifest.csv", print)
    assert not (tmp_path / "manifest.csv").exists()


def test_data_log_names_the_engine_and_its_version(tmp_path: Path) -> None:
    lines: list[str] = []
    synthetic_data("spoof", COUNTS, 0.5, 16000, 0, "espeak", tmp_path / "audio", tmp_path / "manifest.csv", lines.append)
    assert any(line.startswith("speech engine: espeak (data.speech): espeak-ng 1.52.0 (Python package espeakng-loader 0.2.4")
               for line in lines), lines
    assert all(pd.read_csv(tmp_path / "manifest.csv", keep_default_na=False)["text"] != "")
    lines.clear()
    synthetic_data("spoof", COUNTS, 0.5, 16000, 0, "formant", tmp_path / "f/audio", tmp_path / "f/manifest.csv", lines.append)
    assert any("WARNING: spoof: the formant synthesiser speaks no words" in line for line in lines), lines


def test_a_run_on_a_machine_without_the_package_stops_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The jobs' interpreter finds an espeakng_loader that cannot be imported (as where its wheel is missing)."""
    shadow = tmp_path / "shadow" / "espeakng_loader"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("no espeakng_loader on this machine (simulated)")\n')
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(shadow.parent), os.environ.get("PYTHONPATH", "")]))
    results = tmp_path / "results"
    config = write_config(tmp_path / "config.yaml", {"results": str(results), "data": {"counts": COUNTS}})
    result = snakemake(str(results / "data/emotion/manifest.csv"), config=config, check=False)
    assert result.returncode != 0
    log = (results / "logs/data/emotion.log").read_text()
    assert "config data.speech: espeak: the Python package espeakng-loader is not installed" in log
    assert "simulated" in log and "pip install espeakng-loader==0.2.4" in log
    assert not (results / "data/emotion/manifest.csv").exists()
