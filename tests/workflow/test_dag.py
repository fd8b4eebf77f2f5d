"""The workflow's DAG and config validation (dry runs only: fast)."""
from __future__ import annotations

from tests.helpers.workflow_runner import scheduled_rules, snakemake, write_config


def test_default_dag_has_every_stage_for_every_model(tmp_path):
    config = write_config(tmp_path / "config.yaml", {"results": str(tmp_path / "results")})
    result = snakemake("-n", config=config)
    jobs = scheduled_rules(result.stdout)
    assert jobs == {
        "synthetic_data": 3,
        "train_model": 12,
        "model_facts": 12,
        "explain_shard": 12,
        "score_signals": 12,
        "transferability_tables": 3,
        "compose_model": 12,
        "composition_report": 3,
        "spectral_entropy": 3,
        "signature_model": 4,
        "signature_table": 1,
        "asr_model": 8,
        "asr_table": 2,
        "example_figure": 3,
        "paper_tex": 1,
        "gallery_task": 3,
        "gallery": 1,
        "all": 1,
    }


def test_paper_pdf_is_built_only_when_asked(tmp_path):
    config = write_config(tmp_path / "config.yaml", {"results": str(tmp_path / "results"), "paper": {"pdf": True}})
    assert scheduled_rules(snakemake("-n", config=config).stdout)["paper_pdf"] == 1


def test_sections_naming_tasks_must_name_configured_ones(tmp_path):
    for overrides, named in (({"asr": {"tasks": ["speech"]}}, "asr.tasks"),
                             ({"contrasts": {"genre": {"real": "blues", "fake": "punk"}}}, "contrasts.genre"),
                             ({"asr": {"backend": "whisper"}}, "asr")):
        config = write_config(tmp_path / "config.yaml", {"results": str(tmp_path / "results"), **overrides})
        result = snakemake("-n", config=config, check=False)
        assert result.returncode != 0 and named in result.stdout + result.stderr, overrides


def test_shard_count_multiplies_explanation_and_scoring_jobs_only(tmp_path):
    config = write_config(tmp_path / "config.yaml", {"results": str(tmp_path / "results"), "explain": {"shards": 3}})
    jobs = scheduled_rules(snakemake("-n", config=config).stdout)
    assert jobs["explain_shard"] == jobs["score_signals"] == 36 and jobs["transferability_tables"] == 3


def test_reduced_precision_adds_one_check_per_model_before_its_explanations(tmp_path):
    config = write_config(tmp_path / "config.yaml", {"results": str(tmp_path / "results"), "explain": {"precision": "bfloat16"}})
    jobs = scheduled_rules(snakemake("-n", config=config).stdout)
    assert jobs["precision_check"] == 12 and jobs["explain_shard"] == 12
    config = write_config(tmp_path / "bad.yaml", {"explain": {"precision": "int8"}})
    result = snakemake("-n", config=config, check=False)
    assert result.returncode != 0 and "int8" in result.stdout + result.stderr


def test_unknown_config_key_is_refused_with_its_name(tmp_path):
    config = write_config(tmp_path / "config.yaml", {"transferability": {"epsilonn": 0.3}})
    result = snakemake("-n", config=config, check=False)
    assert result.returncode != 0
    assert "epsilonn" in result.stdout + result.stderr


def test_out_of_range_value_is_refused_with_its_name(tmp_path):
    config = write_config(tmp_path / "config.yaml", {"transferability": {"epsilon": 1.5}})
    result = snakemake("-n", config=config, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "epsilon" in output and "1.5" in output


def test_model_needs_exactly_one_of_train_or_source(tmp_path):
    for entry in ({"seed": 3}, {"train": "cnn", "source": "owner/model"}):
        config = write_config(tmp_path / "config.yaml", {"tasks": {"genre": {"models": {"MC9": entry}}}})
        result = snakemake("-n", config=config, check=False)
        assert result.returncode != 0 and "MC9" in result.stdout + result.stderr


def test_paper_config_has_the_full_paper_dag(tmp_path):
    import yaml

    from tests.helpers.workflow_runner import REPO

    config = yaml.safe_load((REPO / "config" / "paper.yaml").read_text())
    config["results"] = str(tmp_path / "results")
    path = tmp_path / "paper.yaml"
    path.write_text(yaml.safe_dump(config))
    jobs = scheduled_rules(snakemake("-n", config=path).stdout)
    models = sum(len(task["models"]) for task in config["tasks"].values())
    assert models == 13 and len(config["datasets"]) == 4
    assert jobs == {
        "download_dataset": 4, "extract_dataset": 4, "prepare_dataset": 4, "task_manifest": 3,
        "model_facts": 13, "explain_shard": 13 * config["explain"]["shards"], "score_signals": 13 * config["explain"]["shards"],
        "transferability_tables": 3, "compose_model": 13, "composition_report": 3, "spectral_entropy": 3,
        "signature_model": 3, "signature_table": 1, "asr_model": 3, "asr_table": 1, "example_figure": 3,
        "paper_tex": 1, "gallery_task": 3, "gallery": 1, "all": 1,
    }
