"""The estimate: time each model on each dataset, assemble rows and totals, and print them as tables."""
from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import torch

from transferability.explainer.config import ConfigError, ExplainerConfig
from transferability.explainer.mutants import n_bins
from transferability.models.contract import AudioClassifier
from transferability.workflow.estimate.queries import (
    DEFAULT_SEEDS,
    SAMPLE_RATE,
    Log,
    QueryCount,
    log_to_stderr,
    measure_queries,
)
from transferability.workflow.estimate.random_models import architecture_for, save_random_init
from transferability.workflow.estimate.timing import DEFAULT_BATCHES, QueryTiming, seconds_per_query
from transferability.workflow.estimate.workload import DatasetWork, ModelSlot, dataset_work, model_samples, model_slots


@dataclass
class EstimateRow:
    """One model on one dataset: items x queries/explanation x seconds/query."""

    task: str
    model: str
    backbone: str
    architecture: str
    params: int | None
    dataset: str
    items: int
    clip_seconds: float
    seconds_source: str
    n_samples: int
    queries_per_explanation: float
    queries_max: float
    seconds_per_query: float
    batch_size: int
    batch_seconds: list[float] = field(default_factory=list)  # each timed batch

    @property
    def hours(self) -> float:
        return explanation_hours(self.items, self.queries_per_explanation, self.seconds_per_query)

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "n_bins": n_bins(self.n_samples), "hours": self.hours}


def explanation_hours(items: int, queries_per_explanation: float, seconds_per_query: float) -> float:
    """Device-hours of ``items`` explanations: items x queries x seconds per query / 3600."""
    return items * queries_per_explanation * seconds_per_query / 3600.0


def total_hours(rows: Iterable[EstimateRow]) -> float:
    return float(sum(row.hours for row in rows))


@dataclass
class EstimateOptions:
    """How the estimate is measured (the CLI's options)."""

    device: str = "cpu"
    random_init: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    seeds: int = DEFAULT_SEEDS
    batches: int = DEFAULT_BATCHES
    max_batch_size: int | None = None
    query_scale: float = 1.0
    toy_device: str = "cpu"
    models: list[str] = field(default_factory=list)  # only these slots (empty: all)
    queries_from: Path | None = None


def _load_slot(slot: ModelSlot, labels: Sequence[str], options: EstimateOptions, scratch: Path) -> tuple[AudioClassifier, str]:
    """The slot's classifier, random-init at its real size where asked (models with a ``source``)."""
    from transferability.models.loading import load_classifier  # imports transformers

    if options.random_init and slot.source is not None:
        architecture = architecture_for(slot.backbone, slot.source)
        directory = scratch / f"{architecture}-{len(labels)}"
        if not directory.is_dir():
            save_random_init(architecture, list(labels), directory)
        return load_classifier(str(directory), device=options.device, name=slot.model), architecture
    return load_classifier(slot.spec, device=options.device, name=slot.model), slot.spec


def _previous_queries(path: Path | None, settings: ExplainerConfig) -> dict[int, QueryCount]:
    """Query counts of an earlier ``--output`` JSON by n_samples, if measured with the same settings."""
    if path is None:
        return {}
    data = json.loads(Path(path).read_text())
    if data.get("settings") != settings.to_dict():
        raise ConfigError(f"--queries-from {path}: its counts were measured with other explainer settings")
    return {int(k): QueryCount.from_dict(v) for k, v in data.get("queries", {}).items()}


@dataclass(frozen=True)
class _Timed:
    """One (model, dataset) pair: what was loaded and the clip length it sees."""

    slot: ModelSlot
    architecture: str
    params: int | None
    work: DatasetWork
    n_samples: int


def _time_models(config: Mapping[str, Any], slots: Sequence[ModelSlot], settings: ExplainerConfig,
                 options: EstimateOptions, log: Log) -> tuple[list[_Timed], dict[tuple[str, int], QueryTiming]]:
    """Load each slot in turn and time it at each of its datasets' clip lengths (once per architecture and length)."""
    work = {task: dataset_work(config, task, options.seconds) for task in {s.task for s in slots}}
    timings: dict[tuple[str, int], QueryTiming] = {}
    timed: list[_Timed] = []
    with tempfile.TemporaryDirectory(prefix="estimate-models-") as scratch:
        for index, slot in enumerate(slots, 1):
            classifier, architecture = _load_slot(slot, config["tasks"][slot.task]["labels"], options, Path(scratch))
            log(f"[{index}/{len(slots)}] {slot.task}/{slot.model}: {architecture}, "
                f"{_millions(classifier.parameter_count)} parameters, on {options.device}")
            for dw in work[slot.task]:
                n = model_samples(dw.seconds, classifier)
                key = (architecture, n)
                reused = key in timings
                if not reused:
                    timings[key] = seconds_per_query(classifier, n, settings, options.batches,
                                                     max_batch_size=options.max_batch_size)
                t = timings[key]
                log(f"    {dw.dataset}: {n / SAMPLE_RATE:.2f} s clips -> {t.seconds_per_query:.4g} s/query "
                    + ("(as measured above for this architecture and length)" if reused else
                       f"(batch {t.batch_size}, {t.batches} batches in {t.seconds:.1f} s)"))
                timed.append(_Timed(slot, architecture, classifier.parameter_count, dw, n))
            del classifier
            if options.device.startswith("cuda"):
                torch.cuda.empty_cache()
    return timed, timings


def _count_queries(lengths: Iterable[int], settings: ExplainerConfig, options: EstimateOptions,
                   previous: Mapping[int, QueryCount], log: Log) -> dict[int, QueryCount]:
    """Toy query counts at each clip length (the ``previous`` ones reused where present)."""
    queries = dict(previous)
    for n in sorted(set(lengths)):
        if n in queries:
            log(f"queries at {n} samples: {queries[n].mean:.0f} (from {options.queries_from})")
            continue
        log(f"toy explanations at {n / SAMPLE_RATE:.2f} s ({n_bins(n)} bins), {options.seeds} seeds ...")
        queries[n] = measure_queries(n, settings, options.seeds, options.toy_device)
        log(f"    {queries[n].mean:.0f} queries per explanation (max {queries[n].max}), "
            f"{np.mean(queries[n].wall_seconds):.1f} s each")
    return queries


def run_estimate(config: Mapping[str, Any], options: EstimateOptions, log: Log = log_to_stderr) -> dict[str, Any]:
    """Measure and assemble the estimate: rows per (model, dataset), query counts, totals."""
    started = time.perf_counter()
    settings = ExplainerConfig.from_dict(dict((config.get("explain") or {}).get("settings") or {}))
    slots = [s for s in model_slots(config) if not options.models or s.model in options.models]
    previous = _previous_queries(options.queries_from, settings)  # refused before any timing
    timed, timings = _time_models(config, slots, settings, options, log)
    queries = _count_queries((t.n_samples for t in timed), settings, options, previous, log)
    rows = []
    for t in timed:
        timing, count = timings[(t.architecture, t.n_samples)], queries[t.n_samples]
        rows.append(EstimateRow(
            task=t.slot.task, model=t.slot.model, backbone=t.slot.backbone, architecture=t.architecture,
            params=t.params, dataset=t.work.dataset, items=t.work.items, clip_seconds=t.work.seconds,
            seconds_source=t.work.seconds_source, n_samples=t.n_samples,
            queries_per_explanation=count.mean * options.query_scale, queries_max=count.max * options.query_scale,
            seconds_per_query=timing.seconds_per_query, batch_size=timing.batch_size,
            batch_seconds=list(timing.batch_seconds),
        ))
    return {
        "device": options.device, "device_name": _device_name(options.device), "random_init": options.random_init,
        "settings": settings.to_dict(), "query_scale": options.query_scale, "toy_device": options.toy_device,
        "batches": options.batches, "max_batch_size": options.max_batch_size,
        "torch_threads": torch.get_num_threads(), "rows": [r.to_dict() for r in rows],
        "queries": {str(n): q.to_dict() for n, q in sorted(queries.items())},
        "per_model_hours": {f"{r.task}/{r.model}": sum(x.hours for x in rows if (x.task, x.model) == (r.task, r.model))
                            for r in rows},
        "total_hours": total_hours(rows), "measurement_seconds": time.perf_counter() - started,
    }


def _millions(count: int | None) -> str:
    return "?" if count is None else f"{count / 1e6:.1f}M"


def _device_name(device: str) -> str:
    if device.startswith("cuda") and torch.cuda.is_available():
        return torch.cuda.get_device_name(torch.device(device))
    return device


def format_table(result: Mapping[str, Any]) -> str:
    """The estimate as a text table, one line per model and dataset, subtotals and the total."""
    header = (f"{'model':<12}{'backbone':<14}{'params':>8}  {'dataset':<16}{'clip s':>7}{'q/expl':>9}{'(max)':>8}"
              f"{'s/query':>11}{'items':>7}{'hours':>10}")
    lines = [header, "-" * len(header)]
    rows = result["rows"]
    for key, hours in result["per_model_hours"].items():
        mine = [r for r in rows if f"{r['task']}/{r['model']}" == key]
        for r in mine:
            lines.append(f"{key:<12}{r['backbone'][:13]:<14}{_millions(r['params']):>8}  {r['dataset'][:15]:<16}"
                         f"{r['n_samples'] / SAMPLE_RATE:>7.2f}{r['queries_per_explanation']:>9.0f}{r['queries_max']:>8.0f}"
                         f"{r['seconds_per_query']:>11.4g}{r['items']:>7}{r['hours']:>10.4g}")
        if len(mine) > 1:
            lines.append(f"{'':<12}{'':<14}{'':>8}  {'(model total)':<16}{'':>7}{'':>9}{'':>8}{'':>11}"
                         f"{sum(r['items'] for r in mine):>7}{hours:>10.4g}")
    lines.append("-" * len(header))
    lines.append(f"total: {result['total_hours']:.4g} device-hours on {result['device_name']} "
                 f"(query counts x {result['query_scale']:g}; explainer bookkeeping between model calls not included)")
    return "\n".join(lines)


def format_calibration(calibration: Mapping[str, Any]) -> str:
    """The recorded vs toy query counts as a text table."""
    if not calibration["records"]:
        return f"calibration: no explanation records under {calibration['explanations']}"
    lines = [f"calibration against {calibration['records']} records in {calibration['explanations']}:",
             f"{'model':<16}{'records':>8}{'bins':>9}{'recorded':>10}{'(max)':>8}{'toy':>8}{'ratio':>8}{'rec. s/query':>14}"]
    for m in calibration["models"]:
        lines.append(f"{m['task'] + '/' + m['model']:<16}{m['records']:>8}{m['n_bins'][0]:>9}{m['recorded_mean']:>10.0f}"
                     f"{m['recorded_max']:>8}{m['toy_mean']:>8.0f}{m['ratio']:>8.2f}{m['recorded_seconds_per_query']:>14.4g}")
    lines.append(f"pooled ratio recorded / toy: {calibration['ratio']:.2f}")
    return "\n".join(lines)
