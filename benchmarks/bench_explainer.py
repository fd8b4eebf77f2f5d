"""Benchmark of the explainer: queries, model calls, wall time and overhead over the bare model.

Run from the repository root::

    .venv/bin/python benchmarks/bench_explainer.py                # fixed small CNN, 1 s and 4 s clips
    .venv/bin/python benchmarks/bench_explainer.py --clips 5 --seconds 1 --json bench.json
    .venv/bin/python benchmarks/bench_explainer.py --model path/to/model.py:build

For every clip length it explains ``--clips`` seeded clips (harmonic tones + noise) and reports

* model queries (mutants scored) and model calls (batched forward passes) per explanation, and
  their ratio: the model calls saved versus querying one mutant at a time as the public ReX does;
* wall time per explanation, split into responsibility and extraction;
* the sufficient and complete sets as fractions of all rfft bins;
* the overhead ratio ``wall / (queries * t_clip)``, where ``t_clip`` is the bare forward time
  (``classifier.logits``) per clip, measured in the same run on the same clip length at the
  explainer's mean batch size (queries / model calls): median of repeats after a warm-up.
  1.0 means the explainer costs nothing beyond the model's forward passes.

A one-at-a-time baseline (``max_batch_size=1``, like the public ancestor) is run on one 1 s clip
and its overhead is computed the same way at batch size 1.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import replace

import numpy as np
import torch

from transferability import ExplainerConfig, explain
from transferability.models.base import AudioClassifier, count_parameters

SAMPLE_RATE = 16_000
CLASS_NAMES = ("alpha", "beta", "gamma", "delta")


class SmallSpectralCNN(torch.nn.Module):
    """Fixed log-magnitude STFT front end -> two 1-D convolutions over time -> mean pool -> 4 logits.

    The STFT bins are the conv channels, so the decision depends on the clip's frequency content;
    per-clip feature standardisation makes it depend on spectral shape rather than loudness.
    Weights come from ``torch.manual_seed(0)``; about 150k parameters.
    """

    def __init__(self, n_fft: int = 512, hop: int = 256, width: int = 128, n_classes: int = 4) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.n_fft, self.hop = n_fft, hop
        self.register_buffer("window", torch.hann_window(n_fft))
        n_freq = n_fft // 2 + 1
        self.conv1 = torch.nn.Conv1d(n_freq, width, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv1d(width, width, kernel_size=3, stride=2, padding=1)
        self.head = torch.nn.Linear(width, n_classes)
        self.temperature = 12.0  # sharpen the random-init logits so that top-1 confidences are not all ~1/4
        self.eval()

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(waveforms, self.n_fft, self.hop, window=self.window, center=True, return_complex=True)
        feats = torch.log1p(spec.abs())  # [batch, freq, frames]
        feats = (feats - feats.mean(dim=(1, 2), keepdim=True)) / (feats.std(dim=(1, 2), keepdim=True) + 1e-5)
        h = torch.relu(self.conv1(feats))
        h = torch.relu(self.conv2(h))
        return self.temperature * self.head(h.mean(dim=-1))


def small_model() -> AudioClassifier:
    module = SmallSpectralCNN()
    return AudioClassifier(
        name="small-spectral-cnn",
        forward=module,
        class_names=CLASS_NAMES,
        sample_rate=SAMPLE_RATE,
        min_samples=512,
        parameter_count=count_parameters(module),
    )


def clip(seed: int, seconds: float, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Two harmonic sources with random pitch and decaying partials plus white noise, float32."""
    rng = np.random.default_rng([1234, seed])
    t = np.arange(int(round(seconds * sample_rate))) / sample_rate
    x = np.zeros_like(t)
    for _ in range(2):
        f0 = rng.uniform(110.0, 880.0)
        amp = rng.uniform(0.3, 1.0)
        for h in range(1, 7):
            if h * f0 < sample_rate / 2:
                x += amp / h * np.sin(2 * np.pi * h * f0 * t + rng.uniform(0, 2 * np.pi))
    x += 0.05 * rng.standard_normal(t.shape[0])
    return (0.3 * x / np.abs(x).max()).astype(np.float32)


def forward_time_per_clip(classifier: AudioClassifier, n_samples: int, batch: int, repeats: int, min_seconds: float = 0.3) -> float:
    """Median seconds per clip of ``classifier.logits`` on a ``[batch, n_samples]`` batch."""
    batch = max(1, int(batch))
    x = torch.from_numpy(np.stack([clip(10_000 + i % 4, n_samples / classifier.sample_rate) for i in range(batch)]))
    x = x[:, :n_samples].to(classifier.device)
    for _ in range(2):  # warm-up
        classifier.logits(x)
    times = []
    spent = time.perf_counter()
    while len(times) < repeats or (time.perf_counter() - spent < min_seconds and len(times) < 50 * repeats):
        start = time.perf_counter()
        classifier.logits(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / batch


def bench_length(classifier: AudioClassifier, cfg: ExplainerConfig, seconds: float, n_clips: int, repeats: int, label: str) -> dict:
    rows = []
    for i in range(n_clips):
        x = clip(i, seconds, classifier.sample_rate)
        start = time.perf_counter()
        record = explain(x, classifier, cfg, clip_id=f"{label}-{i}")
        wall = time.perf_counter() - start
        if record.status != "ok":
            print(f"  clip {i}: status {record.status}, skipped", file=sys.stderr)
            continue
        queries, calls = record.queries["total"], record.model_calls
        mean_batch = queries / calls
        t_clip = forward_time_per_clip(classifier, record.n_samples, round(mean_batch), repeats)
        row = {
            "clip": i,
            "class": record.class_name,
            "p0": record.p0,
            "n_bins": record.n_bins,
            "queries": queries,
            "queries_by_phase": {k: v for k, v in record.queries.items() if k != "total"},
            "model_calls": calls,
            "batch_size_cap": record.batch_size,
            "mean_batch": mean_batch,
            "wall_s": wall,
            "responsibility_s": record.timings["responsibility_s"],
            "extraction_s": record.timings["extraction_s"],
            "forward_s_per_clip": t_clip,
            "model_s": queries * t_clip,
            "overhead": wall / (queries * t_clip),
            "sufficient_fraction": record.sufficient.fraction,
            "complete_fraction": record.complete.fraction,
            "iterations_run": record.stability["iterations_run"],
        }
        rows.append(row)
        print(
            f"  [{label}] clip {i}: {row['class']} p0={row['p0']:.3f}  queries={queries}  calls={calls}  "
            f"mean batch={mean_batch:.1f}  wall={wall:.2f}s (resp {row['responsibility_s']:.2f}s, "
            f"extr {row['extraction_s']:.2f}s)  fwd={t_clip * 1e3:.3f} ms/clip  overhead={row['overhead']:.2f}  "
            f"sufficient={row['sufficient_fraction']:.4f}  complete={row['complete_fraction']:.4f}",
            flush=True,
        )
    if not rows:
        return {"label": label, "seconds": seconds, "clips": []}

    def mean(key: str) -> float:
        return float(np.mean([r[key] for r in rows]))

    return {
        "label": label,
        "seconds": seconds,
        "max_batch_size": cfg.max_batch_size,
        "clips": rows,
        "queries": mean("queries"),
        "model_calls": mean("model_calls"),
        "calls_saved": mean("queries") / mean("model_calls"),
        "mean_batch": mean("mean_batch"),
        "wall_s": mean("wall_s"),
        "responsibility_s": mean("responsibility_s"),
        "extraction_s": mean("extraction_s"),
        "forward_ms_per_clip": 1e3 * mean("forward_s_per_clip"),
        "model_s": mean("model_s"),
        "overhead": float(np.median([r["overhead"] for r in rows])),
        "overhead_min": float(np.min([r["overhead"] for r in rows])),
        "overhead_max": float(np.max([r["overhead"] for r in rows])),
        "sufficient_fraction": mean("sufficient_fraction"),
        "complete_fraction": mean("complete_fraction"),
    }


def print_table(results: list[dict]) -> None:
    header = (
        f"{'run':<14}{'clips':>6}{'bins':>8}{'queries':>10}{'calls':>8}{'q/call':>8}{'wall s':>9}"
        f"{'resp s':>8}{'extr s':>8}{'fwd ms/clip':>12}{'model s':>9}{'overhead':>10}{'(min-max)':>13}"
        f"{'suff frac':>11}{'compl frac':>11}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        if not r["clips"]:
            print(f"{r['label']:<14} no explainable clips")
            continue
        spread = f"{r['overhead_min']:.2f}-{r['overhead_max']:.2f}"
        print(
            f"{r['label']:<14}{len(r['clips']):>6}{r['clips'][0]['n_bins']:>8}{r['queries']:>10.0f}{r['model_calls']:>8.1f}"
            f"{r['calls_saved']:>8.1f}{r['wall_s']:>9.2f}{r['responsibility_s']:>8.2f}{r['extraction_s']:>8.2f}"
            f"{r['forward_ms_per_clip']:>12.3f}{r['model_s']:>9.2f}{r['overhead']:>10.2f}{spread:>13}"
            f"{r['sufficient_fraction']:>11.4f}{r['complete_fraction']:>11.4f}"
        )
    print(
        "\nq/call = model calls saved versus one mutant per call; overhead = wall / (queries x bare forward "
        "time per clip at the run's mean batch size), median over clips; 1.00 = no cost beyond the model."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model spec for transferability.models.load_classifier (default: fixed small CNN)")
    parser.add_argument("--clips", type=int, default=3, help="clips per length (default 3)")
    parser.add_argument("--seconds", type=float, nargs="+", default=[1.0, 4.0], help="clip lengths in seconds")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats of the bare forward pass")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-at-a-time baseline")
    parser.add_argument("--seed", type=int, default=0, help="explainer seed")
    parser.add_argument("--json", help="write the numbers to this path")
    args = parser.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.model:
        from transferability.models import load_classifier  # lazily: being written alongside

        classifier = load_classifier(args.model)
    else:
        classifier = small_model()
    cfg = ExplainerConfig(seed=args.seed)
    machine = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "device": str(classifier.device),
    }
    try:
        machine["loadavg_start"] = list(__import__("os").getloadavg())
    except OSError:
        pass
    print(
        f"model {classifier.name}: {classifier.parameter_count} parameters, {classifier.n_classes} classes, "
        f"{classifier.sample_rate} Hz; torch {machine['torch']}, {machine['threads']} threads, device {machine['device']}"
    )
    results = []
    for seconds in args.seconds:
        results.append(bench_length(classifier, cfg, seconds, args.clips, args.repeats, f"{seconds:g} s"))
    if not args.no_baseline:
        one_at_a_time = replace(cfg, max_batch_size=1)
        results.append(bench_length(classifier, one_at_a_time, 1.0, 1, args.repeats, "1 s batch=1"))
    try:
        machine["loadavg_end"] = list(__import__("os").getloadavg())
    except OSError:
        pass
    print_table(results)
    if "loadavg_start" in machine:
        print(f"load average at start {machine['loadavg_start'][0]:.2f}, at end {machine['loadavg_end'][0]:.2f}")
    for r in results:
        if r["clips"] and r.get("max_batch_size", 0) > 1 and r["calls_saved"] < 10:
            print(f"WARNING: {r['label']}: only {r['calls_saved']:.1f} queries per model call (< 10)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"model": classifier.name, "machine": machine, "config": cfg.to_dict(), "results": results}, fh, indent=2)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
