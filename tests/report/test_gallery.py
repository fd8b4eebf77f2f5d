"""The listening gallery: seeded choice of items, playable copies, acceptance marks, and a task page built
from real explanations and scores of two toy models whose answers are known."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from matplotlib.colors import to_rgb
from PIL import Image

from tests.helpers.known_answer import SAMPLE_RATE, classifier, tones
from transferability import ExplainerConfig, explain
from transferability.analysis.explanations import ExplainedItem, write_entries
from transferability.analysis.scoring import item_signals, score_on_models
from transferability.analysis.transfer_statistics import entropy_bits, pair_matrix, per_signal_indicators
from transferability.data.audio import write_wav
from transferability.data.manifest import write_manifest
from transferability.models.labels import LabelMap
from transferability.models.toy import LoudestAudibleBand, LoudestBand
from transferability.report.explanation_figure import SIGNAL_STYLES, explanation_figure, level_db
from transferability.report.gallery import (
    acceptance_of,
    build_task_gallery,
    safe_name,
    save_palette_png,
    summarise,
)
from transferability.report.gallery_audio import PEAK, relative_gains, write_playable
from transferability.report.gallery_html import index_page, task_page
from transferability.report.transferability_tables import transferability_long

LOW, MID = (100.0, 1000.0), (2000.0, 3000.0)
LABELS = ["low", "mid", "silent"]
QUICK = ExplainerConfig(seed=1, min_iterations=4, max_iterations=4, round_size=4, minimality_max_candidates=64,
                      complete_max_candidates=64)


def test_playable_copies_are_16_bit_at_one_peak_and_gains_restore_the_levels(tmp_path):
    loud, quiet = 0.8 * np.sin(np.arange(1000) / 5), 0.01 * np.sin(np.arange(1000) / 3)
    written = [write_playable(tmp_path / name, x, 16000, fmt)
               for name, x, fmt in (("loud", loud, "wav"), ("quiet", quiet, "flac"))]
    assert [w.path.name for w in written] == ["loud.wav", "quiet.flac"]
    for playable, original in zip(written, (loud, quiet)):
        assert sf.info(playable.path).subtype == "PCM_16"
        samples, rate = sf.read(playable.path)
        assert rate == 16000 and np.abs(samples).max() == pytest.approx(PEAK, abs=1e-4)
        np.testing.assert_allclose(samples * playable.peak / PEAK, original, atol=2 * playable.peak / 32768)
    assert relative_gains([w.peak for w in written]) == pytest.approx([1.0, 0.01 / 0.8], rel=1e-3)
    silent = write_playable(tmp_path / "silent", np.zeros(100), 16000, "wav")
    assert silent.peak == 0 and not np.any(sf.read(silent.path)[0]) and relative_gains([0.0]) == [1.0]
    with pytest.raises(ValueError, match="format"):
        write_playable(tmp_path / "x", loud, 16000, "mp3")


def test_pictures_keep_every_signal_colour_exactly(tmp_path):
    """The palette is fixed, not adaptive: a lone one-bin mark keeps its colour however small it is."""
    clip = tones([(440, 0.5), (3000, 0.01)], 0.5)
    one_bin = np.zeros(clip.size // 2 + 1, dtype=bool)
    one_bin[1500] = True
    fig = explanation_figure(clip, SAMPLE_RATE, {"1-complete": one_bin}, signals={"inverse": clip}, width=8.0, dpi=72)
    path = save_palette_png(fig, tmp_path / "fig.png")
    image = Image.open(path)
    assert image.mode == "P"
    colours = {rgb for _, rgb in image.convert("RGB").getcolors(maxcolors=256)}
    for name in ("1-complete", "inverse"):
        assert tuple(int(round(255 * c)) for c in to_rgb(SIGNAL_STYLES[name])) in colours, name


def test_safe_names_keep_ordinary_ids_and_separate_the_others():
    assert safe_name("genre-blues-explain-0001") == "genre-blues-explain-0001"
    a, b = safe_name("a/b"), safe_name("a b")
    assert a != b and "/" not in a and " " not in b and a.startswith("a_b-")


def test_acceptance_marks_follow_definition_4():
    rows = []
    for target, probs in (("A", [0.9, 0.1]), ("B", [0.6, 0.4]), ("C", [0.05, 0.95])):
        rows.append({"task": "t", "dataset": "d", "item_id": "x", "source_model": "A", "signal": "sufficient",
                     "explained_class": "low", "target_model": target, "predicted_class": ["low", "mid"][np.argmax(probs)],
                     "p:low": probs[0], "p:mid": probs[1], "chain_stable": True, "converged": True})
    marks = acceptance_of(per_signal_indicators(pd.DataFrame(rows), 0.5), ["C", "B", "A"])[("A", "d", "x", "sufficient")]
    assert [m.target for m in marks] == ["C", "B", "A"]
    c, b, a = marks
    # bound 0.5 bit: H(0.9, 0.1) = 0.469 passes, H(0.6, 0.4) = 0.971 does not, H(0.05, 0.95) = 0.286 passes
    assert (a.same_class, a.low_entropy, a.transfers, a.is_source) == (True, True, True, True)
    assert (b.same_class, b.low_entropy, b.transfers) == (True, False, False)
    assert (c.predicted_class, c.same_class, c.low_entropy, c.transfers) == ("mid", False, True, False)
    assert b.entropy_bits == pytest.approx(float(entropy_bits(np.array([0.6, 0.4]))))


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [v for k, v in attrs if k in ("src", "href") and v and not v.startswith(("#", "data:"))]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A task of two toy models (A: power with a floor, B: raw energy, its labels in another order and case)
    on two items per class, explained, scored across both and put on a page."""
    root = tmp_path_factory.mktemp("gallery")
    models = {"A": classifier(LoudestAudibleBand([LOW, MID]), ("low", "mid", "silent"), "A"),
              "B<i>": classifier(LoudestBand([MID, LOW]), ("MID", "Low"), "B<i>")}
    clips = {"mid 0": tones([(2200, 0.5), (500, 0.2)], 0.25), "mid 1": tones([(2600, 0.4), (300, 0.1)], 0.25),
             "low-0": tones([(400, 0.5), (2500, 0.05)], 0.25), "low-1": tones([(700, 0.3), (2100, 0.1)], 0.25)}
    rows = []
    for item_id, clip in clips.items():
        path = write_wav(root / "audio" / f"{item_id}.wav", clip, SAMPLE_RATE)
        rows.append({"item_id": item_id, "path": f"audio/{path.name}", "label": item_id[:3], "split": "explain",
                     "duration": 0.25, "dataset": "toyset", "task": "toy"})
    manifest = write_manifest(pd.DataFrame(rows), root / "manifest.csv")
    maps = {name: LabelMap.build(name, m.class_names, LABELS) for name, m in models.items()}
    entries, facts, scores, items = {}, {}, [], {}
    for name, model in models.items():
        records = [explain(clip, model, QUICK, clip_id=item_id) for item_id, clip in clips.items()]
        entries[name] = [root / f"{name}.jsonl"]
        write_entries([{"item_id": r.clip_id, "status": "ok", "error": None, "record": r.to_dict()} for r in records],
                      entries[name][0])
        mapping = {label: LABELS[maps[name].canonical_index(i)] for i, label in enumerate(model.class_names)}
        facts[name] = root / f"{name}.facts.json"
        facts[name].write_text(json.dumps({"model": name, "backbone": "toy", "size_m": 0.0,
                                           "accuracy": {"toyset": 1.0}, "label_mapping": mapping}))
        explained = [ExplainedItem(r, "toyset", r.clip_id[:3], mapping[r.class_name], clips[r.clip_id]) for r in records]
        items[name] = {i.record.clip_id: i for i in explained}
        signals = [s for i in explained for s in item_signals(i)]
        scores.append(score_on_models(signals, "toy", name, models, maps, LABELS, log=lambda _: None))
    scores = pd.concat(scores, ignore_index=True)
    matrices = {(s, "toyset"): pair_matrix(scores, s, "alpha", 0.5, "toyset") for s in ("sufficient", "complete")}
    composite = write_wav(root / "composites" / "toyset" / "mid.wav", clips["mid 0"], SAMPLE_RATE)
    summary = root / "A.composition.json"
    summary.write_text(json.dumps({"model": "A", "sample_rate": SAMPLE_RATE, "composites": [
        {"model": "A", "dataset": "toyset", "class": "mid", "tried": 2, "kept": 1, "wav": "toyset/mid.wav"},
        {"model": "A", "dataset": "toyset", "class": "low", "tried": 0, "kept": 0}]}))
    table = root / "transferability.csv"
    transferability_long(matrices, "alpha").to_csv(table, index=False)
    folder = root / "gallery" / "toy"
    page = build_task_gallery(folder, "toy", manifest, entries, facts, scores, pd.read_csv(table), LABELS, ["toyset"],
                              0.5, 1, 0, "wav", {"A": (summary, composite.parent.parent)},
                              [(table, "alpha as CSV")], log=lambda _: None)
    (folder / "index.html").write_text(task_page(page))
    return page, folder, scores, items


def test_one_item_per_class_explained_by_every_model(built):
    page, folder, _, _ = built
    assert [(b.label, len(b.cards), b.missing) for b in page.items] == [("low", 2, ()), ("mid", 2, ())]
    assert {b.item_id for b in page.items} <= {"mid 0", "mid 1", "low-0", "low-1"}
    for block in page.items:
        for card in block.cards:
            assert [s.name for s in card.signals][:4] == ["original", "sufficient", "complete", "one_complete"]
            assert (folder / card.figure).read_bytes().startswith(b"\x89PNG")
            for view in card.signals:
                assert sf.info(folder / view.audio).subtype == "PCM_16"
            assert max(v.gain for v in card.signals) == pytest.approx(1.0)


def test_levels_gains_and_marks_agree_with_the_signals_and_the_score_table(built):
    page, folder, scores, items = built
    for block in page.items:
        for card in block.cards:
            item = items[card.model][block.item_id]
            signals = item.signals()
            peaks = {name: np.abs(x).max() for name, x in signals.items()}
            loudest = max(peaks.values())
            for view in card.signals:
                assert view.level_db == pytest.approx(level_db(signals[view.name], item.original))
                assert view.gain == pytest.approx(peaks[view.name] / loudest, rel=1e-6)
                rows = scores[(scores["source_model"] == card.model) & (scores["item_id"] == block.item_id)
                              & (scores["signal"] == view.name)].set_index("target_model")
                if view.name == "one_complete":
                    assert view.acceptance == () and rows.empty
                    continue
                assert [m.target for m in view.acceptance] == ["A", "B<i>"]
                for mark in view.acceptance:
                    row = rows.loc[mark.target]
                    probs = row[[f"p:{label}" for label in LABELS]].to_numpy(dtype=float)
                    assert mark.predicted_class == row["predicted_class"] == LABELS[int(np.argmax(probs))]
                    assert mark.same_class == (mark.predicted_class == card.explained_class)
                    assert mark.low_entropy == (float(entropy_bits(probs)) <= 0.5 * np.log2(3) + 1e-12)
                    assert mark.is_source == (mark.target == card.model)


def test_the_demo_classifier_keeps_the_clips_peaks(built):
    """Model A (the demo's rule) has a power floor: its sufficient bins are the loudest bins of the winning band."""
    _, _, _, items = built
    for item in items["A"].values():
        spectrum = np.abs(np.fft.rfft(item.original))
        kept = item.record.sufficient.mask
        freqs = np.fft.rfftfreq(item.original.size, 1 / SAMPLE_RATE)
        band = LOW if item.explained_class == "low" else MID
        inside = (freqs >= band[0]) & (freqs < band[1])
        assert kept.sum() <= 3 and spectrum[kept].min() >= 0.5 * spectrum[inside].max()


def test_the_page_is_self_contained_escaped_and_summarised(built):
    page, folder, _, _ = built
    text = (folder / "index.html").read_text()
    assert "B<i>" not in text and "B&lt;i&gt;" in text and "<script>" in text and "http" not in text
    parser = _References()
    parser.feed(text)
    assert parser.found and all(not re.match(r"^[a-z]+:|^/", ref) for ref in parser.found)
    for reference in parser.found:
        target = (folder / unquote(reference)).resolve()
        if reference == "../index.html":
            continue  # the front page, written by the gallery rule
        assert target.is_file() and target.is_relative_to(folder.resolve()), reference
    mid = next(b.item_id for b in page.items if b.label == "mid")  # "mid 0" or "mid 1": a safe file name, shown as it is
    assert f"audio/{safe_name(mid)}/" in text and safe_name(mid).startswith(mid.replace(" ", "_") + "-") and mid in text
    assert text.count("<audio") == sum(len(c.signals) for b in page.items for c in b.cards) + 1  # + one composite
    assert "kept 1 of 2" in text and "kept 0 of 0" in text and "alpha as CSV" in text
    summary = summarise(page, folder)
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert summary.bytes == sum(p.stat().st_size for p in files)
    assert summary.audio_files == sum(p.suffix == ".wav" for p in files) and summary.cards == 4
    front = index_page([summary], "Gallery")
    assert 'href="toy/index.html"' in front and "<script" not in front
