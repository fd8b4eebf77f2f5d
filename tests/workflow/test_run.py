"""A small real run of the workflow: resume after a kill, epsilon-only reruns, tables recomputed, the
gallery opened in a headless browser."""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.helpers.browser import LOAD_MEDIA, Browser, chromium_binary
from tests.helpers.workflow_runner import (
    REPO,
    SMALL_CONFIG,
    load_config,
    scheduled_rules,
    snakemake,
    snakemake_command,
    write_config,
)
from transferability.data.audio import load_audio
from transferability.models.loading import load_classifier
from transferability.models.probabilities import target_probabilities

pytestmark = pytest.mark.slow

# CI installs a minimal TeX (tests/conftest.py fails without it there); elsewhere the PDF is built when it can be.
PDF = shutil.which("pdflatex") is not None
REDUCED = load_config(SMALL_CONFIG)
PAPER_JOBS = {"paper_tex": 1, **({"paper_pdf": 1} if PDF else {})}
GALLERY_JOBS = {"gallery_task": 2, "gallery": 1}
KILLED_SHARD = "explanations/genre/MC1/shard-0.jsonl"


def _reduced_config(directory: Path, results: Path, name: str = "config.yaml", **extra: dict) -> Path:
    """.test/config-small.yaml writing to ``results``, with ``extra`` sections replacing its own."""
    overrides = {"results": str(results), "paper": {"pdf": PDF}, **extra}
    return write_config(directory / name, overrides, replace=tuple(extra), base=(SMALL_CONFIG,))


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
        for name in ("transferability.tex", "transferability_beta.tex", "transferability_joint.tex", "transferability.csv",
                     "ttest.json", "flat_earth.tex", "flat_earth.csv"):
            assert (results / "tables" / task / name).stat().st_size > 0
    facts = json.loads((results / "models/genre/MC2.facts.json").read_text())
    assert facts["parameters"] > 0 and 0.0 <= facts["accuracy"]["genre"] <= 1.0
    verdict = facts["zero_signal"]["genre"]
    assert verdict["label"] in REDUCED["tasks"]["genre"]["labels"] and 0.25 <= verdict["probability"] <= 1.0
    assert facts["zero_signal_confident"] == (verdict["probability"] >= facts["zero_signal_threshold"])


def test_every_analysis_artefact_is_written(run):
    _, results, _, _ = run
    for task in ("genre", "spoof"):
        for name in ("tables/{t}/composition.tex", "tables/{t}/composition.csv", "figures/{t}/example.pdf",
                     "figures/{t}/composite_psd.pdf", "figures/{t}/entropy.pdf", "figures/{t}/beta_epsilon.pdf",
                     "entropy/{t}.csv"):
            assert (results / name.format(t=task)).stat().st_size > 0, name
    for name in ("entropy_tests.tex", "signature.tex", "signature.csv", "asr.tex", "asr.csv"):
        assert (results / "tables/spoof" / name).stat().st_size > 0, name
    tex = (results / "paper/main.tex").read_text()
    for task in ("genre", "spoof"):
        for name in ("tables/{t}/transferability.tex", "tables/{t}/flat_earth.tex", "figures/{t}/entropy.pdf",
                     "figures/{t}/beta_epsilon.pdf"):
            assert name.format(t=task) in tex
    assert "tables/spoof/asr.tex" in tex and "tables/genre/asr.tex" not in tex
    if PDF:
        assert (results / "paper/main.pdf").read_bytes().startswith(b"%PDF")


def test_composites_keep_their_class_when_requeried(run):
    _, results, _, _ = run
    checked = 0
    for summary in sorted((results / "composition/spoof").glob("*.json")):
        payload = json.loads(summary.read_text())
        model = load_classifier(str(results / "models/spoof" / payload["model"]), name=payload["model"])
        for composite in payload["composites"]:
            if "wav" not in composite:
                assert composite["kept"] == 0
                continue
            clip = load_audio(summary.with_suffix("") / composite["wav"], model.sample_rate).waveform
            probs = target_probabilities([clip], model.sample_rate, model, 1)[0]
            assert model.class_names[int(np.argmax(probs))] == composite["class"]
            checked += 1
    assert checked > 0


def test_compositionality_degree_recomputed_from_the_trials(run):
    _, results, _, _ = run
    table = pd.read_csv(results / "tables/genre/composition.csv")
    for summary in sorted((results / "composition/genre").glob("*.json")):
        for composite in json.loads(summary.read_text())["composites"]:
            trials = composite["trials"]
            row = table[(table["model"] == composite["model"]) & (table["class"] == composite["class"])]
            if not trials:
                assert np.isnan(row["degree"].iloc[0])
                continue
            kept = sum(t["kept"] for t in trials)
            assert row["degree"].iloc[0] == pytest.approx(kept / len(trials))
            assert kept == len(composite["kept_items"]) and trials[0]["kept"] == (trials[0]["predicted"] == composite["class"])


def test_mann_whitney_p_value_recomputed_from_the_stored_entropies(run):
    from scipy.stats import mannwhitneyu

    _, results, _, _ = run
    values = pd.read_csv(results / "entropy/spoof.csv")
    tests = pd.read_csv(results / "tables/spoof/entropy_tests.csv")
    compared = 0
    for test in tests.itertuples():
        group = values[(values["model"] == test.model) & (values["dataset"] == test.dataset)]
        real = group.loc[group["class"] == "bonafide", "entropy"]
        fake = group.loc[group["class"] == "spoof", "entropy"]
        if len(real) and len(fake):
            assert test.p == pytest.approx(mannwhitneyu(real, fake, alternative="two-sided").pvalue)
            compared += 1
        else:
            assert np.isnan(test.p)
    assert compared > 0


def _indel_ratio(a: str, b: str) -> float:
    """1 - (insertions + deletions) / (len(a) + len(b)), by a longest-common-subsequence table."""
    if not a and not b:
        return 1.0
    lcs = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            lcs[i + 1][j + 1] = lcs[i][j] + 1 if x == y else max(lcs[i][j + 1], lcs[i + 1][j])
    return 2 * lcs[-1][-1] / (len(a) + len(b))


def test_levenshtein_ratios_and_stoi_recomputed_from_the_transcripts(run):
    _, results, _, _ = run
    transcripts = pd.concat([pd.read_csv(p, keep_default_na=False) for p in sorted((results / "asr/spoof").glob("*.csv"))])
    assert len(transcripts) > 0
    for (_, _), item in transcripts.groupby(["model", "item_id"]):
        reference = item.loc[item["signal"] == "original", "normalised"].iloc[0]
        for row in item.itertuples():
            assert float(row.levenshtein_ratio) == pytest.approx(_indel_ratio(reference, row.normalised))
    originals = transcripts[transcripts["signal"] == "original"]
    assert (originals["levenshtein_ratio"].astype(float) == 1.0).all()
    once = pd.read_csv(results / "asr/originals/spoof.csv", keep_default_na=False).set_index("item_id")
    # asr.items_per_class: 2 of the 3 explain items per dataset and class, the same for every model
    assert originals.groupby(["model", "dataset"])["item_id"].nunique().max() <= 4
    assert len(once) == 12 and originals["item_id"].nunique() <= 8 < len(once)
    assert (originals["transcript"].to_numpy() == once.loc[originals["item_id"], "transcript"].to_numpy()).all()
    assert (once["text"] != "").all() and (once["reference_words"] > 0).all()
    table = pd.read_csv(results / "tables/spoof/asr.csv")
    for dataset, rows in once.groupby("dataset"):
        accuracy = 1 - rows["word_errors"].sum() / rows["reference_words"].sum()
        assert np.allclose(table.loc[table["dataset"] == dataset, "original_word_accuracy"], accuracy)
    assert "Word accuracy of pocketsphinx on the original clips" in (results / "tables/spoof/asr.tex").read_text()
    stoi = originals["stoi"].replace("", np.nan).astype(float).dropna()
    assert len(stoi) and np.allclose(stoi, 1.0, atol=1e-6)  # STOI of a signal against itself


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
        scores = pd.concat([pd.read_csv(p) for p in sorted((results / "scores" / task).glob("*/shard-*.csv"))])
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


def _explanations(results: Path, task: str) -> dict[str, dict]:
    """Every explained item's record by model and item, whatever the shard files; without its timings and
    the absolute path of its audio (another results folder)."""
    found = {}
    for path in sorted((results / "explanations" / task).glob("*/shard-*.jsonl")):
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            entry["record"].pop("timings")
            entry["record"]["input"].pop("source")
            found[(path.parent.name, entry["item_id"])] = entry["record"]
    return found


def test_results_do_not_depend_on_the_shard_count(run, tmp_path):
    _, results, _, _ = run
    sharded = tmp_path / "results"
    for part in ("data", "models"):  # the same data and models
        shutil.copytree(results / part, sharded / part)
    config = _reduced_config(tmp_path, sharded, explain={**REDUCED["explain"], "shards": 3})
    # spoof: two models, two datasets; every explanation and score of it is redone in 3 shards
    targets = [str(sharded / "tables" / "spoof" / name) for name in ("transferability.csv", "composition.csv")]
    jobs = scheduled_rules(snakemake("-n", *targets, config=config).stdout)
    assert jobs["explain_shard"] == jobs["score_signals"] == 2 * 3 and "train_model" not in jobs
    snakemake(*targets, config=config)
    assert _explanations(sharded, "spoof") == _explanations(results, "spoof")
    for name in ("transferability.csv", "composition.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(sharded / "tables" / "spoof" / name),
                                      pd.read_csv(results / "tables" / "spoof" / name))


def test_changing_epsilon_reruns_only_the_tables(run):
    directory, results, _, _ = run
    config = _reduced_config(directory, results, "epsilon.yaml", transferability={"epsilon": 0.3, "bootstrap_resamples": 50})
    jobs = scheduled_rules(snakemake("-n", config=config).stdout)
    assert jobs == {"transferability_tables": 2, **PAPER_JOBS, **GALLERY_JOBS, "all": 1}
    # the flat-earther tests (alpha) and the beta curve over every epsilon do not read the configured epsilon
    assert "flat_earth_table" not in jobs and "beta_epsilon_figure" not in jobs


def test_flat_earth_table_agrees_with_the_alpha_table(run):
    _, results, _, _ = run
    for task, n_models in (("genre", 3), ("spoof", 2)):
        alpha = pd.read_csv(results / "tables" / task / "transferability.csv")
        averages = alpha[(alpha["metric"] == "alpha") & (alpha["target"] == "row_average")]
        averages = averages.set_index(["signal", "dataset", "source"])
        flat = pd.read_csv(results / "tables" / task / "flat_earth.csv")
        assert len(flat) == 2 * n_models * len(REDUCED["tasks"][task]["datasets"])
        for r in flat.itertuples():
            average = averages.loc[(r.signal, r.dataset, r.model)]
            assert r.outgoing == pytest.approx(average["value"])  # the row average, with the same bootstrap
            assert (r.outgoing_low, r.outgoing_high) == pytest.approx((average["ci_low"], average["ci_high"]))
            assert 1 / 10001 <= r.outgoing_p_value <= 1.0 and r.outgoing_p_value <= r.outgoing_p_adjusted
            assert r.accuracy_low <= r.accuracy <= r.accuracy_high
        # incoming needs two judges per signal: three models
        assert flat["incoming_p_value"].notna().all() if n_models == 3 else flat["incoming_p_value"].isna().all()
        latex = (results / "tables" / task / "flat_earth.tex").read_text()
        assert "Holm-adjusted" in latex and "All-zero signal (class, probability)" in latex


def test_changing_explainer_settings_reruns_explanations_and_what_follows(run):
    directory, results, _, _ = run
    settings = {**REDUCED["explain"]["settings"], "delta": 0.7}
    config = _reduced_config(directory, results, "delta.yaml", explain={"settings": settings})
    jobs = scheduled_rules(snakemake("-n", config=config).stdout)
    assert jobs == {
        "explain_shard": 5, "score_signals": 5, "transferability_tables": 2, "flat_earth_table": 2,
        "beta_epsilon_figure": 2, "compose_model": 5,
        "composition_report": 2, "spectral_entropy": 2, "signature_model": 2, "signature_table": 1,
        "asr_model": 2, "asr_table": 1, "example_figure": 2, **PAPER_JOBS, **GALLERY_JOBS, "all": 1,
    }


def test_rerun_with_nothing_changed_does_nothing(run):
    _, _, config, _ = run
    result = snakemake("-n", config=config)
    assert re.search(r"Nothing to be done", result.stdout + result.stderr)


def test_report_holds_the_tables_with_their_captions_and_the_gallery(run):
    directory, _, config, _ = run
    snakemake("--report", str(directory / "report.zip"), config=config)
    with zipfile.ZipFile(directory / "report.zip") as archive:
        names = archive.namelist()
        html = archive.read("report/report.html").decode()
    assert "Alpha-transferability of sufficient (top block)" in html
    for caption in ("Flat-earthers of task", "Beta-transferability of the sufficient and complete signals",
                    "Degree of compositionality for task", "Welch power spectral density", "Mann-Whitney U test",
                    "Transfer across labels", "Speech recognition as an oracle", "A Figure 1-style example",
                    "Listening gallery of task"):
        assert caption in html, caption
    assert html.count("transferability.csv") >= 1 and html.count("transferability.tex") >= 1
    pages = [n for n in names if n.startswith("report/data/raw/") and n.endswith("/index.html")]
    assert len(pages) == 2  # each task's gallery page with the files it plays and links, as one result
    for page in pages:
        folder = page[: -len("index.html")]
        assert any(n.startswith(f"{folder}audio/") and n.endswith("/original.wav") for n in names), page
        assert f"{folder}tables/transferability.csv" in names


# The gallery in a browser: CI installs Debian's chromium (scripts/install_system_packages.sh) and sets
# TRANSFERABILITY_REQUIRE_CHROMIUM, so these tests cannot be skipped there.
CHROMIUM = chromium_binary()
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("TRANSFERABILITY_REQUIRE_CHROMIUM"),
                                    reason="chromium is not installed")
SCHEMA = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
EPSILON = SCHEMA["properties"]["transferability"]["properties"]["epsilon"]["default"]  # the small config keeps it
GALLERY_MARKS = """
Array.from(document.querySelectorAll('article.card')).map(card => ({
  model: card.dataset.model, item: card.dataset.item, explained: card.dataset.explained,
  rows: Array.from(card.querySelectorAll('tr[data-signal]')).map(row => ({
    signal: row.dataset.signal,
    marks: Array.from(row.querySelectorAll('td.mark')).map(td => ({
      target: td.dataset.target, predicted: td.dataset.predicted, alpha: td.dataset.alpha === 'true',
      beta: td.dataset.beta === 'true', kind: ['joint', 'alpha', 'beta', 'none'].find(k => td.classList.contains(k)),
      colour: getComputedStyle(td).backgroundColor})),
  })),
}))
"""
LEGEND_COLOURS = """
Object.fromEntries(['joint', 'alpha', 'beta', 'none'].map(
  k => [k, getComputedStyle(document.querySelector('.legend .' + k)).backgroundColor]))
"""


class _References(HTMLParser):
    """Every src and href of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("src", "href") and value]


def _references(page: Path) -> list[str]:
    parser = _References()
    parser.feed(page.read_text())
    return parser.found


def _expected_marks(results: Path, task: str) -> dict[tuple[str, str, str, str], tuple[str, bool, bool]]:
    """(source, item, signal, target) -> (predicted class, alpha, beta), recomputed from the stored probabilities."""
    scores = pd.concat([pd.read_csv(p) for p in sorted((results / "scores" / task).glob("*/shard-*.csv"))])
    columns = [c for c in scores.columns if c.startswith("p:")]
    probs = scores[columns].to_numpy(dtype=float)
    entropy = -np.sum(np.where(probs > 0, probs * np.log2(np.where(probs > 0, probs, 1.0)), 0.0), axis=1)
    predicted = np.array([c[2:] for c in columns])[probs.argmax(axis=1)]
    low = entropy <= EPSILON * np.log2(len(columns)) + 1e-12
    return {(r.source_model, r.item_id, r.signal, r.target_model): (p, p == r.explained_class, bool(b))
            for r, p, b in zip(scores.itertuples(index=False), predicted, low)}


def _check_page(page, url: str) -> dict:
    """Open ``url``: no console error, every audio source decodes, every image loads."""
    page.open(url)
    media = page.evaluate(LOAD_MEDIA)
    assert page.errors() == [], url
    undecoded = [a for a in media["audio"] if a["error"] is not None or not a["duration"] or a["duration"] <= 0]
    assert undecoded == [], f"{url}: {undecoded[:5]}"
    assert [i for i in media["images"] if not i["width"]] == [], url
    return media


@needs_chromium
def test_gallery_plays_in_a_browser_and_its_marks_match_the_scores(run):
    directory, results, _, _ = run
    gallery = results / "gallery"
    pages = [gallery / "index.html", *(gallery / task / "index.html" for task in ("genre", "spoof"))]
    for page in pages:  # relative paths only, each to a file inside the gallery: no network, no CDN
        for reference in _references(page):
            if reference.startswith("#") or reference == "data:,":
                continue
            parts = urlsplit(reference)
            assert not parts.scheme and not parts.netloc, f"{page}: {reference}"
            target = (page.parent / unquote(parts.path)).resolve()
            assert target.is_file() and target.is_relative_to(gallery.resolve()), f"{page}: {reference}"
    with Browser(CHROMIUM) as browser:
        front = browser.new_page()
        _check_page(front, pages[0].as_uri())
        assert front.evaluate("Array.from(document.links).map(a => a.getAttribute('href'))") == \
            ["genre/index.html", "spoof/index.html"]
        for task in ("genre", "spoof"):
            page = browser.new_page()
            media = _check_page(page, (gallery / task / "index.html").as_uri())
            assert len(media["audio"]) > 0 and len(media["images"]) > 0
            if task == "genre":
                (directory / "gallery.png").write_bytes(page.screenshot())
            cards = page.evaluate(GALLERY_MARKS)
            colours = page.evaluate(LEGEND_COLOURS)
            expected = _expected_marks(results, task)
            models = len(REDUCED["tasks"][task]["models"])
            checked = 0
            for card in cards:
                for row in card["rows"]:
                    if row["signal"] == "one_complete":  # not scored across models
                        assert row["marks"] == []
                        continue
                    assert len(row["marks"]) == models - 1, (card["model"], card["item"], row["signal"])
                    for mark in row["marks"]:
                        predicted, alpha, beta = expected[card["model"], card["item"], row["signal"], mark["target"]]
                        assert (mark["predicted"], mark["alpha"], mark["beta"]) == (predicted, alpha, beta)
                        kind = {(True, True): "joint", (True, False): "alpha", (False, True): "beta"}.get((alpha, beta), "none")
                        assert mark["kind"] == kind and mark["colour"] == colours[kind]
                        checked += 1
            assert checked > 0
            shown = page.evaluate("(() => { const s = document.querySelector('select[data-filter=model]');"
                                  " s.value = s.options[2].value; s.dispatchEvent(new Event('change'));"
                                  " return [s.value, Array.from(document.querySelectorAll('article.card'))"
                                  ".filter(c => !c.hidden && !c.closest('section').hidden).map(c => c.dataset.model)]; })()")
            assert shown[1] and set(shown[1]) == {shown[0]}
    assert (directory / "gallery.png").read_bytes().startswith(b"\x89PNG")


@needs_chromium
def test_gallery_plays_from_a_static_web_server(run):
    _, results, _, _ = run
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(results))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Browser(CHROMIUM) as browser:
            media = _check_page(browser.new_page(), f"http://127.0.0.1:{server.server_port}/gallery/spoof/index.html")
            assert len(media["audio"]) > 0
    finally:
        server.shutdown()
        server.server_close()
