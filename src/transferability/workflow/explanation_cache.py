"""Explain many items with one model, resumably: each finished item is cached on disk at once."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from transferability.data.audio import load_audio
from transferability.explainer.config import ExplainerConfig
from transferability.explainer.pipeline import explain
from transferability.explainer.record import SCHEMA_VERSION, Explanation
from transferability.models.contract import AudioClassifier, AudioInputError
from transferability.workflow.fingerprint import file_digest, settings_fingerprint


@dataclass(frozen=True)
class Item:
    item_id: str
    path: Path


def shard_items(items: list[Item], n_shards: int, index: int) -> list[Item]:
    """Every ``n_shards``-th item in ``item_id`` order, starting at ``index``.

    Each item is explained on its own with the configured seed, so the union of the shards'
    results does not depend on ``n_shards``.
    """
    if not 0 <= index < n_shards:
        raise ValueError(f"shard index {index} outside 0..{n_shards - 1}")
    return sorted(items, key=lambda item: item.item_id)[index::n_shards]


def _write_atomically(path: Path, payload: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload))
    os.replace(temporary, path)


def _cached(path: Path, fingerprint: str, audio_digest: str) -> dict[str, Any] | None:
    """The cached entry when it was made from the same model, settings and audio."""
    try:
        entry = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if entry.get("fingerprint") != fingerprint or entry.get("audio_sha256") != audio_digest:
        return None
    return entry


def explain_items(
    items: Iterable[Item],
    classifier: AudioClassifier,
    model_fingerprint: str,
    cfg: ExplainerConfig,
    cache_dir: Path,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """One entry per item: ``{"item_id", "status", "error", "record"}``, reusing valid cache entries.

    An item whose audio the explainer refuses (unreadable, NaN, too short) gets status
    ``"error"`` and its message instead of stopping the job; a killed job loses at most the item
    it was working on.
    """
    items = list(items)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # the record's schema version too: a cache written by an older explainer is explained again
    fingerprint = settings_fingerprint({"explainer": cfg.to_dict(), "model": model_fingerprint, "record": SCHEMA_VERSION})
    entries, reused = [], 0
    for number, item in enumerate(items, start=1):
        cache = cache_dir / f"{item.item_id}.json"
        audio_digest = file_digest(item.path) if item.path.exists() else "missing"
        entry = _cached(cache, fingerprint, audio_digest)
        if entry is not None:
            reused += 1
            log(f"[{number}/{len(items)}] {item.item_id}: reused ({entry['status']})")
            entries.append(entry)
            continue
        started = time.perf_counter()
        entry = {"item_id": item.item_id, "fingerprint": fingerprint, "audio_sha256": audio_digest,
                 "status": "error", "error": None, "record": None}
        try:
            loaded = load_audio(item.path, classifier.sample_rate)
            record = explain(loaded.waveform, classifier, cfg, clip_id=item.item_id)
            record.input.update(source=str(item.path), resampled=loaded.resampled, downmixed=loaded.downmixed)
            entry.update(status=record.status, record=record.to_dict())
            summary = _summary(record)
        except AudioInputError as error:
            entry["error"] = str(error)
            summary = f"error: {error}"
        _write_atomically(cache, entry)
        entries.append(entry)
        log(f"[{number}/{len(items)}] {item.item_id}: {summary} ({time.perf_counter() - started:.1f} s)")
    log(f"{len(items)} items: {len(items) - reused} explained, {reused} reused from {cache_dir}")
    return entries


def _summary(record: Explanation) -> str:
    if record.status != "ok":
        return record.status
    return (
        f"{record.class_name} p0={record.p0:.2f} sufficient={record.sufficient.size} "
        f"complete={record.complete.size} queries={record.queries['total']}{record.minimality_note()}"
    )
