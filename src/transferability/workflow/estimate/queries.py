"""Queries per explanation: the toy classifier's measured counts, the workflow's recorded ones, their ratio."""
from __future__ import annotations

import dataclasses
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import torch

from transferability.explainer.config import ExplainerConfig
from transferability.explainer.mutants import n_bins
from transferability.explainer.pipeline import explain
from transferability.models.contract import AudioClassifier
from transferability.models.toy import DEMO_BANDS, LoudestBand

SAMPLE_RATE = 16_000
DEFAULT_SEEDS = 3  # synthetic clips (and explainer seeds) per clip length

Log = Callable[[str], None]


def log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def toy_classifier(device: str | torch.device = "cpu") -> AudioClassifier:
    """The cheap classifier of known decision whose explanations give the query counts."""
    module = LoudestBand(list(DEMO_BANDS.values()), SAMPLE_RATE).to(device)
    return AudioClassifier(name="loudest-band", forward=module, class_names=tuple(DEMO_BANDS),
                           sample_rate=SAMPLE_RATE, device=torch.device(device))


def synthetic_clip(n_samples: int, seed: int) -> np.ndarray:
    """A dense, audio-like spectrum: pink noise plus a harmonic series on a random fundamental.

    Float32, peak 0.9. Real recordings have dense spectra too; a few pure tones would let the
    explainer stop after very few refinements.
    """
    rng = np.random.default_rng(seed)
    freqs = np.fft.rfftfreq(n_samples, 1.0 / SAMPLE_RATE)
    shape = 1.0 / np.sqrt(np.maximum(freqs, 20.0))
    noise = np.fft.irfft(shape * (rng.standard_normal(freqs.shape) + 1j * rng.standard_normal(freqs.shape)), n=n_samples)
    t = np.arange(n_samples) / SAMPLE_RATE
    f0 = rng.uniform(80.0, 400.0)
    partials = sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
                   for k in range(1, 16) if k * f0 < SAMPLE_RATE / 2)
    x = partials + 0.5 * noise / (np.abs(noise).max() + 1e-12)
    return (0.9 * x / np.abs(x).max()).astype(np.float32)


@dataclass
class QueryCount:
    """Queries per explanation of the toy classifier at one clip length, one entry per seed."""

    n_samples: int
    totals: list[int]
    model_calls: list[int]
    wall_seconds: list[float]
    phases: dict[str, float] = field(default_factory=dict)  # mean queries per explainer phase

    @property
    def n_bins(self) -> int:
        return n_bins(self.n_samples)

    @property
    def mean(self) -> float:
        return float(np.mean(self.totals))

    @property
    def max(self) -> int:
        return int(np.max(self.totals))

    def to_dict(self) -> dict[str, Any]:
        return {"n_samples": self.n_samples, "n_bins": self.n_bins, "seconds": self.n_samples / SAMPLE_RATE,
                "mean": self.mean, "max": self.max, "per_seed": self.totals, "model_calls": self.model_calls,
                "wall_seconds": self.wall_seconds, "phases_mean": self.phases}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "QueryCount":
        return cls(n_samples=int(values["n_samples"]), totals=[int(v) for v in values["per_seed"]],
                   model_calls=[int(v) for v in values["model_calls"]],
                   wall_seconds=[float(v) for v in values["wall_seconds"]], phases=dict(values.get("phases_mean", {})))


def measure_queries(n_samples: int, settings: ExplainerConfig, seeds: int = DEFAULT_SEEDS,
                    device: str | torch.device = "cpu") -> QueryCount:
    """Explain ``seeds`` synthetic clips of ``n_samples`` with the toy classifier; count the queries.

    Clip ``i`` is ``synthetic_clip(n_samples, i)`` explained with ``settings.seed + i``: the counts
    are deterministic for given settings, length and seeds (on one device). These are the toy's
    counts; trained models' counts differ (see :func:`calibrate`).
    """
    classifier = toy_classifier(device)
    count = QueryCount(n_samples=n_samples, totals=[], model_calls=[], wall_seconds=[])
    phases: list[dict[str, int]] = []
    for i in range(seeds):
        cfg = dataclasses.replace(settings, seed=settings.seed + i)
        started = time.perf_counter()
        record = explain(synthetic_clip(n_samples, i), classifier, cfg, clip_id=f"synthetic-{n_samples}-{i}")
        if record.status != "ok":
            raise RuntimeError(f"the toy explanation of a {n_samples}-sample clip ended with status {record.status!r}")
        count.wall_seconds.append(time.perf_counter() - started)
        count.totals.append(int(record.queries["total"]))
        count.model_calls.append(int(record.model_calls))
        phases.append(record.queries)
    count.phases = {k: float(np.mean([p.get(k, 0) for p in phases])) for k in phases[0]}
    return count


# --------------------------------------------------------------------------------------------
# Recorded counts of real explanations, and the toy calibration


@dataclass(frozen=True)
class RecordedQueries:
    """What one explanation record of the workflow says about its cost."""

    task: str
    model: str
    item_id: str
    n_samples: int
    total: int
    model_calls: int
    batch_size: int
    total_seconds: float
    settings: dict[str, Any]


def recorded_queries(explanations_dir: Path) -> list[RecordedQueries]:
    """Every successful explanation under ``<explanations_dir>/<task>/<model>/items/*.json``."""
    found = []
    for path in sorted(Path(explanations_dir).glob("*/*/items/*.json")):
        entry = json.loads(path.read_text())
        record = entry.get("record")
        if not record or record.get("status") != "ok":
            continue
        found.append(RecordedQueries(
            task=path.parents[2].name, model=path.parents[1].name, item_id=str(entry.get("item_id", path.stem)),
            n_samples=int(record["n_samples"]), total=int(record["queries"]["total"]),
            model_calls=int(record["model_calls"]), batch_size=int(record.get("batch_size") or 0),
            total_seconds=float(record.get("timings", {}).get("total_s", float("nan"))),
            settings=dict(record["config"]),
        ))
    return found


def calibrate(explanations_dir: Path, seeds: int = DEFAULT_SEEDS, device: str | torch.device = "cpu",
              log: Log = log_to_stderr) -> dict[str, Any]:
    """Recorded (trained models') / toy queries per explanation, at each recorded length and settings.

    Returns per (task, model) the recorded mean and the toy mean at the same ``n_samples`` and
    settings, their ratio, the records' seconds per query end to end (``timings.total_s`` /
    queries, explainer bookkeeping included), and the ratio of all records pooled.
    """
    records = recorded_queries(explanations_dir)
    if not records:
        return {"explanations": str(explanations_dir), "records": 0, "models": [], "ratio": None}
    toy: dict[tuple[int, str], QueryCount] = {}
    models = []
    all_toy_means: list[float] = []
    for (task, model), group in _group(records, lambda r: (r.task, r.model)).items():
        toy_means = []
        for r in group:
            key = (r.n_samples, json.dumps(r.settings, sort_keys=True))
            if key not in toy:
                log(f"calibration: toy explanations at {r.n_samples} samples ({n_bins(r.n_samples)} bins), {seeds} seeds")
                toy[key] = measure_queries(r.n_samples, ExplainerConfig.from_dict(r.settings), seeds, device)
            toy_means.append(toy[key].mean)
        all_toy_means.extend(toy_means)
        recorded = float(np.mean([r.total for r in group]))
        models.append({
            "task": task, "model": model, "records": len(group), "n_bins": sorted({n_bins(r.n_samples) for r in group}),
            "recorded_mean": recorded, "recorded_max": max(r.total for r in group), "toy_mean": float(np.mean(toy_means)),
            "ratio": recorded / float(np.mean(toy_means)),
            "recorded_seconds_per_query": float(np.mean([r.total_seconds / r.total for r in group])),
        })
    pooled = float(np.sum([r.total for r in records])) / float(np.sum(all_toy_means))
    return {"explanations": str(explanations_dir), "records": len(records), "models": models, "ratio": pooled,
            "toy": {f"{n}": q.to_dict() for (n, _), q in toy.items()}}


def _group(values: Iterable[Any], key: Callable[[Any], Any]) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for v in values:
        groups.setdefault(key(v), []).append(v)
    return groups
