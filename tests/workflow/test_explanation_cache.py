"""Resumable, sharded explanation of many items."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers.known_answer import classifier, tones
from transferability.analysis.explanations import read_entries, write_entries
from transferability.data.audio import write_wav
from transferability.explainer.config import ExplainerConfig
from transferability.models.toy import LoudestBand
from transferability.workflow.explanation_cache import Item, explain_items, shard_items

QUICK = ExplainerConfig(min_iterations=4, max_iterations=4, round_size=4)
MODEL = classifier(LoudestBand([(100.0, 1000.0), (2000.0, 3000.0)]), ("low", "mid"), "toy")


@pytest.fixture()
def items(tmp_path):
    made = []
    for i, freq in enumerate([300, 2500, 700, 2100, 2900]):
        path = write_wav(tmp_path / "audio" / f"item{i}.wav", tones([(freq, 0.5), (freq * 1.5, 0.2)], seconds=0.5), 16_000)
        made.append(Item(f"item{i}", path))
    return made


def _masks(entries):
    return {e["item_id"]: e["record"]["sufficient"]["mask"]["packbits_base64"] for e in entries}


def test_union_of_shards_does_not_depend_on_the_shard_count(items, tmp_path):
    whole = explain_items(items, MODEL, "toy", QUICK, tmp_path / "one", log=lambda _: None)
    parts = [e for index in range(3) for e in explain_items(shard_items(items, 3, index), MODEL, "toy", QUICK, tmp_path / f"three{index}", log=lambda _: None)]
    assert sorted(e["item_id"] for e in parts) == [i.item_id for i in items]
    assert _masks(parts) == _masks(whole)
    assert [i.item_id for i in shard_items(items, 3, 1)] == ["item1", "item4"]
    with pytest.raises(ValueError, match="shard index 3"):
        shard_items(items, 3, 3)


def test_finished_items_are_reused_and_stale_ones_redone(items, tmp_path):
    cache = tmp_path / "cache"
    explain_items(items[:2], MODEL, "toy", QUICK, cache, log=lambda _: None)
    stamps = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    lines: list[str] = []
    entries = explain_items(items, MODEL, "toy", QUICK, cache, log=lines.append)
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir() if p.name in stamps} == stamps
    assert lines[-1].startswith("5 items: 3 explained, 2 reused")
    # other settings, another model or changed audio invalidate the cache entry
    other = ExplainerConfig(min_iterations=4, max_iterations=4, round_size=4, seed=9)
    lines.clear()
    explain_items(items[:1], MODEL, "toy", other, cache, log=lines.append)
    assert "1 explained, 0 reused" in lines[-1]
    lines.clear()
    explain_items(items[1:2], MODEL, "retrained-toy", other, cache, log=lines.append)
    assert "1 explained, 0 reused" in lines[-1]
    assert len(entries) == 5 and all(e["status"] == "ok" for e in entries)


def test_bad_items_are_recorded_not_fatal(items, tmp_path):
    broken = tmp_path / "audio" / "broken.wav"
    broken.write_bytes(b"not audio at all")
    silent = write_wav(tmp_path / "audio" / "silent.wav", np.zeros(8000, dtype=np.float32), 16_000)
    batch = [Item("broken", broken), Item("silent", silent), items[1]]
    entries = {e["item_id"]: e for e in explain_items(batch, MODEL, "toy", QUICK, tmp_path / "c", log=lambda _: None)}
    assert entries["broken"]["status"] == "error" and "broken.wav" in entries["broken"]["error"]
    assert entries["silent"]["status"] == "silent"
    assert entries["item1"]["status"] == "ok" and entries["item1"]["record"]["class_name"] == "mid"


def test_corrupt_cache_entry_is_recomputed(items, tmp_path):
    cache = tmp_path / "cache"
    explain_items(items[:1], MODEL, "toy", QUICK, cache, log=lambda _: None)
    (cache / "item0.json").write_text("{ truncated")
    entries = explain_items(items[:1], MODEL, "toy", QUICK, cache, log=lambda _: None)
    assert entries[0]["status"] == "ok"
    assert json.loads((cache / "item0.json").read_text())["item_id"] == "item0"


def test_entries_round_trip_through_json_lines(items, tmp_path):
    entries = explain_items(items[:2], MODEL, "toy", QUICK, tmp_path / "c", log=lambda _: None)
    write_entries(entries, tmp_path / "shard-0.jsonl")
    assert read_entries([tmp_path / "shard-0.jsonl"]) == entries
