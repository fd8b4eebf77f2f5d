"""The compute estimate: arithmetic, items and lengths from a config, measured queries and timings, the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml

from tests.helpers.hf_tiny import save_tiny
from transferability.cli import main
from transferability.explainer.config import ExplainerConfig
from transferability.models.loading import load_classifier
from transferability.workflow import estimate

PAPER = Path(__file__).parents[2] / "config" / "paper.yaml"
QUICK = {"min_iterations": 2, "max_iterations": 2, "round_size": 2, "max_depth": 4,
         "minimality_max_candidates": 16, "complete_max_candidates": 16, "one_complete": False}


def _row(items: int, queries: float, seconds: float, model: str = "M1", dataset: str = "d") -> estimate.EstimateRow:
    return estimate.EstimateRow(task="t", model=model, backbone="b", architecture="a", params=1, dataset=dataset,
                                items=items, clip_seconds=1.0, seconds_source="test", n_samples=16000,
                                queries_per_explanation=queries, queries_max=queries, seconds_per_query=seconds,
                                batch_size=1)


def test_hours_are_items_times_queries_times_seconds():
    assert estimate.explanation_hours(200, 9000, 0.002) == pytest.approx(200 * 9000 * 0.002 / 3600)
    rows = [_row(200, 9000, 0.002), _row(100, 3600, 0.01, dataset="e")]
    assert rows[1].hours == pytest.approx(1.0)
    assert estimate.total_hours(rows) == pytest.approx(1.0 + 1.0)


def test_items_and_lengths_of_the_paper_config(tmp_path):
    config = estimate.load_config(PAPER)
    config["results"] = str(tmp_path / "none")  # no prepared manifests: typical lengths
    assert estimate.items_per_dataset(config, "genre") == {"gtzan": 10 * 20}
    assert estimate.items_per_dataset(config, "emotion") == {"ravdess": 8 * 20}
    assert estimate.items_per_dataset(config, "spoof") == {"asvspoof2019_la": 2 * 50, "in_the_wild": 2 * 50}
    work = {w.dataset: w for w in estimate.dataset_work(config, "spoof", {"in_the_wild": 5.0})}
    assert work["asvspoof2019_la"].seconds == estimate.ASVSPOOF2019_LA_EVAL_SECONDS
    assert work["in_the_wild"].seconds == 5.0 and work["in_the_wild"].seconds_source == "--seconds"
    assert {s.model for s in estimate.model_slots(config) if s.task == "genre"} == {"MC1", "MC2", "MC3", "MC4", "MC5"}


def test_a_prepared_manifest_gives_items_and_mean_length(tmp_path):
    config = {"results": str(tmp_path), "tasks": {"t": {"labels": ["a", "b"], "datasets": ["d"], "models": {}}},
              "datasets": {"d": {"url": "x", "layout": "gtzan", "counts": {"explain": 5}}}}
    (tmp_path / "data" / "t").mkdir(parents=True)
    (tmp_path / "data" / "t" / "manifest.csv").write_text(
        "item_id,path,label,split,duration,dataset,task\n"
        "i1,p,a,explain,2.0,d,t\ni2,p,b,explain,4.0,d,t\ni3,p,a,heldout,9.0,d,t\n")
    [work] = estimate.dataset_work(config, "t")
    assert (work.items, work.seconds) == (2, 3.0)


def test_architecture_from_backbone_and_size_hint():
    assert estimate.architecture_for("Wav2Vec2", "Gustking/wav2vec2-large-xlsr-deepfake-audio-classification") == "wav2vec2-large-xlsr"
    assert estimate.architecture_for("Wav2Vec2", "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition") == "wav2vec2-large-xlsr"
    assert estimate.architecture_for("Wav2Vec2", "abhishtagatya/wav2vec2-base-960h-asv19-deepfake") == "wav2vec2-base"
    assert estimate.architecture_for("DistilHuBERT", "x/distilhubert-ft") == "distilhubert"
    assert estimate.architecture_for("HuBERT", "x/hubert-base-ls960") == "hubert-base"
    assert estimate.architecture_for("Whisper", "x/whisper-tiny-ft") == "whisper-tiny"
    assert estimate.architecture_for("AST", "x/ast-ft") == "ast-base"


@pytest.mark.parametrize("architecture, millions", [("distilhubert", 23.7), ("whisper-tiny", 8.3)])
def test_random_init_architectures_have_the_real_sizes(architecture, millions):
    model, _ = estimate.ARCHITECTURES[architecture]({"num_labels": 10})
    assert sum(p.numel() for p in model.parameters()) / 1e6 == pytest.approx(millions, rel=0.02)


def test_queries_on_a_short_clip_are_positive_and_deterministic():
    settings = ExplainerConfig.from_dict(QUICK)
    first = estimate.measure_queries(4000, settings, seeds=2)
    again = estimate.measure_queries(4000, settings, seeds=2)
    assert first.totals == again.totals and all(q > 1 for q in first.totals)
    assert first.max >= first.mean > 0 and first.n_bins == 2001
    assert estimate.QueryCount.from_dict(first.to_dict()).totals == first.totals


def test_the_toy_decides_by_the_log_energy_of_each_band():
    from transferability.models.toy import DEMO_BANDS, EPS, band_energy

    clips = torch.stack([torch.from_numpy(estimate.synthetic_clip(8000, seed)) for seed in range(3)])
    clips = torch.cat([clips, clips * torch.linspace(0, 1, 8000)])  # and some with another balance
    reference = torch.log(torch.stack([band_energy(clips, band, 16_000) for band in DEMO_BANDS.values()], -1) + EPS)
    logits = estimate.toy_classifier().logits(clips)
    assert torch.allclose(logits, reference.float(), rtol=1e-6)
    assert torch.equal(logits.argmax(-1), reference.argmax(-1))


def test_seconds_per_query_of_a_tiny_model(tmp_path):
    classifier = load_classifier(str(save_tiny("wav2vec2", tmp_path / "w2v")), device="cpu")
    timing = estimate.seconds_per_query(classifier, 4000, ExplainerConfig(), batches=2, max_batch_size=4)
    assert timing.batch_size == 4 and timing.seconds_per_query > 0


def test_recorded_queries_and_calibration(tmp_path):
    record = {"status": "ok", "n_samples": 4000, "queries": {"total": 100}, "model_calls": 3, "batch_size": 256,
              "timings": {"total_s": 2.0}, "config": ExplainerConfig.from_dict(QUICK).to_dict()}
    items = tmp_path / "t" / "M1" / "items"
    items.mkdir(parents=True)
    (items / "i1.json").write_text(json.dumps({"item_id": "i1", "status": "ok", "record": record}))
    (items / "i2.json").write_text(json.dumps({"item_id": "i2", "status": "error", "record": None}))
    [found] = estimate.recorded_queries(tmp_path)
    assert (found.task, found.model, found.total) == ("t", "M1", 100)
    result = estimate.calibrate(tmp_path, seeds=1, log=lambda _: None)
    [model] = result["models"]
    assert model["ratio"] == pytest.approx(100 / model["toy_mean"]) and model["recorded_seconds_per_query"] == 0.02


def test_cli_prints_a_total_and_writes_json(tmp_path, capsys):
    tiny = save_tiny("wav2vec2", tmp_path / "w2v")
    config = {
        "results": str(tmp_path / "results"), "data": {"seconds": 0.25, "counts": {"explain": 3}},
        "hub_overrides": {"owner/tiny": str(tiny)},
        "tasks": {"t": {"labels": ["dog_bark", "siren", "speech"], "datasets": ["d"],
                        "models": {"M1": {"source": "owner/tiny", "backbone": "Wav2Vec2"},
                                   "M2": {"source": "owner/tiny", "backbone": "Wav2Vec2"}}}},
        "explain": {"settings": QUICK},
    }
    config_path = tmp_path / "config.yaml"
    config_path.write_text(yaml.safe_dump(config))
    out = tmp_path / "estimate.json"
    assert main(["estimate", "--configfile", str(config_path), "--seeds", "1", "--batches", "1",
                 "--max-batch-size", "2", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "total:" in printed and "t/M1" in printed
    result = json.loads(out.read_text())
    assert [r["items"] for r in result["rows"]] == [9, 9]
    assert result["total_hours"] == pytest.approx(sum(r["hours"] for r in result["rows"])) and result["total_hours"] > 0
    # an earlier run's query counts are reused, not re-measured
    assert main(["estimate", "--configfile", str(config_path), "--batches", "1", "--max-batch-size", "2",
                 "--queries-from", str(out), "--query-scale", "2"]) == 0
    assert "from " in capsys.readouterr().err
    result["settings"]["max_iterations"] = 3  # counts measured with other settings are refused
    out.write_text(json.dumps(result))
    assert main(["estimate", "--configfile", str(config_path), "--queries-from", str(out)]) == 2
    assert "other explainer settings" in capsys.readouterr().err


def test_cli_refuses_a_bad_seconds_option(tmp_path, capsys):
    assert main(["estimate", "--configfile", str(PAPER), "--seconds", "gtzan"]) == 2
    assert "--seconds" in capsys.readouterr().err
