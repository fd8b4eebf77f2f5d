"""The workflow's DAG and config validation (dry runs only: fast)."""
from __future__ import annotations

import yaml

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
        "flat_earth_table": 3,
        "beta_epsilon_figure": 3,
        "compose_model": 12,
        "composition_report": 3,
        "spectral_entropy": 3,
        "signature_model": 4,
        "signature_table": 1,
        "asr_originals": 2,
        "asr_model": 8,
        "asr_table": 2,
        "example_figure": 3,
        "paper_tex": 1,
        "gallery_task": 3,
        "gallery": 1,
        "all": 1,
    }


def test_original_clips_are_transcribed_once_per_task_for_all_its_models(tmp_path):
    results = tmp_path / "results"
    config = write_config(tmp_path / "config.yaml", {"results": str(results)})
    targets = [str(results / f"asr/{task}/{model}.csv") for task, models in
               (("emotion", ("VC1", "VC2", "VC3", "VC4")), ("spoof", ("SP1", "SP2"))) for model in models]
    jobs = scheduled_rules(snakemake("-n", *targets, config=config).stdout)
    assert jobs["asr_originals"] == 2 and jobs["asr_model"] == 6
    jobs = scheduled_rules(snakemake("-n", str(results / "asr/spoof/SP1.csv"), config=config).stdout)
    assert jobs["asr_originals"] == 1 and jobs["asr_model"] == 1


def test_formant_speech_warns_at_the_start_and_end_of_a_run_that_the_asr_tables_are_not_meaningful(tmp_path):
    results = tmp_path / "results"
    overrides = {"results": str(results), "data": {"speech": "formant", "counts": {"train": 1, "heldout": 1, "explain": 1}}}
    config = write_config(tmp_path / "config.yaml", overrides)
    output = snakemake(str(results / "data/genre/manifest.csv"), config=config)
    warning = "WARNING: data.speech is formant: the synthetic speech of emotion, spoof has no words"
    assert (output.stdout + output.stderr).count(warning) == 2, output.stderr
    config = write_config(tmp_path / "espeak.yaml", {**overrides, "data": {"counts": overrides["data"]["counts"]}})
    output = snakemake(str(results / "data/genre/manifest.csv"), "--forcerun", "synthetic_data", config=config)
    assert "WARNING: data.speech" not in output.stdout + output.stderr


def test_paper_pdf_is_built_only_when_asked(tmp_path):
    config = write_config(tmp_path / "config.yaml", {"results": str(tmp_path / "results"), "paper": {"pdf": True}})
    assert scheduled_rules(snakemake("-n", config=config).stdout)["paper_pdf"] == 1


def test_sections_naming_tasks_must_name_configured_ones(tmp_path):
    for overrides, named in (({"asr": {"tasks": ["speech"]}}, "asr.tasks"),
                             ({"contrasts": {"genre": {"real": "blues", "fake": "punk"}}}, "contrasts.genre"),
                             ({"asr": {"backend": "whisper"}}, "asr"),
                             ({"data": {"speech": "auto"}}, "speech")):
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
        "transferability_tables": 3, "flat_earth_table": 3, "beta_epsilon_figure": 3, "compose_model": 13,
        "composition_report": 3, "spectral_entropy": 3, "signature_model": 3, "signature_table": 1,
        "asr_originals": 1, "asr_model": 3, "asr_table": 1, "example_figure": 3,
        "paper_tex": 1, "gallery_task": 3, "gallery": 1, "all": 1,
    }


def _own_data_config(tmp_path, dataset: dict, models: dict | None = None):
    """.test/config-own-data.yaml with its dataset entry replaced (and its models, when given)."""
    from tests.helpers.workflow_runner import OWN_DATA_CONFIG, load_config

    config = load_config(OWN_DATA_CONFIG)
    config["results"] = str(tmp_path / "results")
    config["datasets"]["recordings"] = dataset
    if models is not None:
        config["tasks"]["music"]["models"] = models
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_local_folder_dataset_is_prepared_in_place_without_download_or_extraction(tmp_path):
    (tmp_path / "recordings").mkdir()
    local = {"path": str(tmp_path / "recordings"), "layout": "folder", "counts": {"train": 2}}
    jobs = scheduled_rules(snakemake("-n", config=_own_data_config(tmp_path, local)).stdout)
    assert jobs["prepare_dataset"] == 1 and jobs["task_manifest"] == 1 and jobs["train_model"] == 2
    assert "download_dataset" not in jobs and "extract_dataset" not in jobs
    archive = {"url": "https://example.org/recordings.zip", "layout": "csv", "options": {"table": "meta.csv"}}
    jobs = scheduled_rules(snakemake("-n", config=_own_data_config(tmp_path, archive)).stdout)
    assert jobs["download_dataset"] == jobs["extract_dataset"] == jobs["prepare_dataset"] == 1


def test_a_dataset_needs_exactly_one_of_url_and_path_and_a_path_that_is_a_folder(tmp_path):
    (tmp_path / "recordings").mkdir()
    folder = str(tmp_path / "recordings")
    for entry, named in (({"layout": "folder"}, "recordings"),
                         ({"layout": "folder", "path": folder, "url": "https://example.org/r.zip"}, "recordings"),
                         ({"layout": "folder", "path": str(tmp_path / "nothing")}, "datasets.recordings.path"),
                         ({"layout": "folder", "path": folder, "checksum": "md5:" + "0" * 32}, "datasets.recordings.checksum"),
                         ({"layout": "folders", "path": folder}, "folders")):
        result = snakemake("-n", config=_own_data_config(tmp_path, {"counts": {"train": 1}, **entry}), check=False)
        assert result.returncode != 0 and named in result.stdout + result.stderr, entry


def test_models_trained_on_a_dataset_need_its_train_items(tmp_path):
    (tmp_path / "recordings").mkdir()
    local = {"path": str(tmp_path / "recordings"), "layout": "folder"}
    result = snakemake("-n", config=_own_data_config(tmp_path, local), check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "task 'music' trains ['M1', 'M2']" in output and "counts.train" in output
    pretrained = {"T1": {"source": "transferability.models.toy:loudest_band"},
                  "T2": {"source": "transferability.models.toy:loudest_band"}}
    jobs = scheduled_rules(snakemake("-n", config=_own_data_config(tmp_path, local, pretrained)).stdout)
    assert "train_model" not in jobs and jobs["prepare_dataset"] == 1
