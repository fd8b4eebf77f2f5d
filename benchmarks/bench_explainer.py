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
  1.0 means the explainer costs nothing beyond the model's forward passes. Diagnostics beside it:
  the same ratio in process CPU time (``cpu``, steadier on a shared machine), ``in-run`` = wall /
  time inside the model's forward during the explanation (the library's own share), and ``mix`` =
  bare-forward time at the calls' actual batch sizes / at the mean batch size.

Each clip is explained ``--runs`` times (medians). On a shared machine prefer ``--threads 1``:
with several OpenMP threads and other busy processes, every small torch op can stall for a
scheduler slice and the timings say more about the machine than about the explainer.
``--tune-malloc`` raises glibc's mmap/trim thresholds first; without it large batches of long
clips page-fault their activations in on every call (see ``tune_malloc``).

A one-at-a-time baseline (``max_batch_size=1``, like the public ancestor) is run on one 1 s clip
and its overhead is computed the same way at batch size 1.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import replace

import numpy as np
import torch

from transferability import ExplainerConfig, explain
from transferability.workflow.allocator import tune_malloc
from transferability.models.contract import AudioInputError
from transferability.models.contract import AudioClassifier, count_parameters

SAMPLE_RATE = 16_000
CLASS_NAMES = ("low-harmonic", "mid-harmonic", "high-harmonic", "noise")


def _prototype_signals(sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """One second of each class's prototype: harmonic tones at 150 / 400 / 1200 Hz and white noise."""
    t = np.arange(sample_rate) / sample_rate

    def harmonic(f0: float) -> np.ndarray:
        return sum(np.sin(2 * np.pi * h * f0 * t) / h for h in range(1, 7) if h * f0 < sample_rate / 2)

    signals = [harmonic(150.0), harmonic(400.0), harmonic(1200.0), np.random.default_rng(0).standard_normal(sample_rate)]
    return torch.tensor(np.stack([0.3 * s / np.abs(s).max() for s in signals]), dtype=torch.float32)


class SmallSpectralCNN(torch.nn.Module):
    """Fixed log-magnitude STFT front end -> two 1-D convolutions over time -> mean pool -> nearest prototype.

    The STFT bins are the conv channels, so the embedding depends on the clip's frequency content
    (a magnitude floor of 1e-2 keeps quiet bins from dominating). The conv weights come from
    ``torch.manual_seed(0)`` (about 148k parameters); the logits are minus the scaled distances
    of the embedding to the embeddings of four prototype signals (``CLASS_NAMES``), so the classes
    genuinely compete and a mutant's class changes as bins are removed.
    """

    def __init__(self, n_fft: int = 512, hop: int = 256, width: int = 128, floor: float = 1e-2, temperature: float = 5.0) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.n_fft, self.hop, self.floor, self.temperature = n_fft, hop, floor, temperature
        self.register_buffer("window", torch.hann_window(n_fft))
        n_freq = n_fft // 2 + 1
        self.conv1 = torch.nn.Conv1d(n_freq, width, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv1d(width, width, kernel_size=3, stride=2, padding=1)
        self.eval()
        with torch.no_grad():
            prototypes = self.embed(_prototype_signals())
        self.register_buffer("prototypes", prototypes)
        self.register_buffer("scale", torch.cdist(prototypes, prototypes).mean())

    def embed(self, waveforms: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(waveforms, self.n_fft, self.hop, window=self.window, center=True, return_complex=True)
        feats = (torch.log(spec.abs() + self.floor) - np.log(self.floor) - 2.0) / 2.0  # [batch, freq, frames]
        h = torch.relu(self.conv1(feats))
        h = torch.relu(self.conv2(h))
        return h.mean(dim=-1)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        return -self.temperature * torch.cdist(self.embed(waveforms), self.prototypes) / self.scale


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


class TimedForward:
    """Wraps a classifier's ``forward`` to log (batch size, seconds) of every model call."""

    def __init__(self, forward) -> None:
        self.forward = forward
        self.calls: list[tuple[int, float]] = []

    def __call__(self, waveforms: torch.Tensor) -> torch.Tensor:
        start = time.perf_counter()
        out = self.forward(waveforms)
        self.calls.append((int(waveforms.shape[0]), time.perf_counter() - start))
        return out

    @property
    def seconds(self) -> float:
        return sum(t for _, t in self.calls)


def forward_input(classifier: AudioClassifier, n_samples: int, batch: int) -> torch.Tensor:
    seconds = n_samples / classifier.sample_rate + 0.01
    rows = [clip(10_000 + i % 4, seconds, classifier.sample_rate)[:n_samples] for i in range(batch)]
    return torch.from_numpy(np.stack(rows)).to(classifier.device)


def forward_times_per_clip(
    classifier: AudioClassifier, n_samples: int, batch: int, repeats: int, min_seconds: float = 0.3
) -> tuple[float, float]:
    """Median wall and CPU (process) seconds per clip of the bare ``classifier.logits`` on a
    ``[batch, n_samples]`` batch, after two warm-up calls."""
    batch = max(1, int(batch))
    x = forward_input(classifier, n_samples, batch)
    for _ in range(2):  # warm-up
        classifier.logits(x)
    walls, cpus = [], []
    spent = time.perf_counter()
    while len(walls) < repeats or (time.perf_counter() - spent < min_seconds and len(walls) < 10 * repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        classifier.logits(x)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls) / batch, statistics.median(cpus) / batch


def forward_time_per_clip(classifier: AudioClassifier, n_samples: int, batch: int, repeats: int, min_seconds: float = 0.3) -> float:
    """Median wall seconds per clip of the bare ``classifier.logits`` at ``batch``."""
    return forward_times_per_clip(classifier, n_samples, batch, repeats, min_seconds)[0]


_MIX_CACHE: dict[tuple[int, int], float] = {}  # (samples, batch) -> seconds per clip, one model per process


def batch_mix_seconds(classifier: AudioClassifier, n_samples: int, calls: list[tuple[int, float]], repeats: int) -> float:
    """Bare-forward seconds the explainer's calls would take at their actual batch sizes.

    Per-clip forward time is measured at powers of two spanning the sizes used (and the largest
    size) and interpolated in log batch size. Compared with ``queries x t(mean batch)`` it shows
    how much of the overhead is the mix of batch sizes rather than the library's own work.
    """
    sizes = sorted({b for b, _ in calls})
    grid = sorted({2**k for k in range(int(np.log2(sizes[-1])) + 1)} | {sizes[-1]})
    for b in grid:
        if (n_samples, b) not in _MIX_CACHE:
            _MIX_CACHE[(n_samples, b)] = forward_time_per_clip(classifier, n_samples, b, max(3, repeats // 3), min_seconds=0.1)
    per_clip = [_MIX_CACHE[(n_samples, b)] for b in grid]
    return float(sum(b * np.interp(np.log2(b), np.log2(grid), per_clip) for b, _ in calls))


def bench_length(
    classifier: AudioClassifier, cfg: ExplainerConfig, seconds: float, n_clips: int, runs: int, repeats: int, label: str, mix: bool
) -> dict:
    """Explain ``n_clips`` clips ``runs`` times each; per clip, medians over runs."""
    rows = []
    timed = TimedForward(classifier.forward)
    original_forward = classifier.forward
    for i in range(n_clips):
        x = clip(i, seconds, classifier.sample_rate)
        per_run = []
        for _ in range(runs):
            timed.calls = []
            classifier.forward = timed
            try:
                start, start_cpu = time.perf_counter(), time.process_time()
                record = explain(x, classifier, cfg, clip_id=f"{label}-{i}")
                wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            except AudioInputError as err:  # e.g. a --model that needs longer clips
                print(f"  [{label}] clip {i}: {err}", file=sys.stderr)
                return {"label": label, "seconds": seconds, "clips": []}
            finally:
                classifier.forward = original_forward
            if record.status != "ok":
                break
            queries, calls = record.queries["total"], record.model_calls
            t_clip, cpu_clip = forward_times_per_clip(classifier, record.n_samples, round(queries / calls), repeats)
            per_run.append(
                {
                    "wall_s": wall,
                    "responsibility_s": record.timings["responsibility_s"],
                    "extraction_s": record.timings["extraction_s"],
                    "model_in_run_s": timed.seconds,
                    "forward_s_per_clip": t_clip,
                    "overhead": wall / (queries * t_clip),
                    "cpu_s": cpu,
                    "forward_cpu_s_per_clip": cpu_clip,
                    "cpu_overhead": cpu / (queries * cpu_clip),
                    "in_run_overhead": wall / timed.seconds,
                }
            )
        if record.status != "ok":
            print(f"  [{label}] clip {i}: status {record.status}, skipped", file=sys.stderr)
            continue

        def med(key: str) -> float:
            return float(np.median([r[key] for r in per_run]))

        row = {
            "clip": i,
            "class": record.class_name,
            "p0": record.p0,
            "n_bins": record.n_bins,
            "queries": queries,
            "queries_by_phase": {k: v for k, v in record.queries.items() if k != "total"},
            "model_calls": calls,
            "batch_size_cap": record.batch_size,
            "mean_batch": queries / calls,
            "runs": runs,
            **{key: med(key) for key in per_run[0]},
            "wall_s_runs": [r["wall_s"] for r in per_run],
            "sufficient_fraction": record.sufficient.fraction,
            "complete_fraction": record.complete.fraction,
            "iterations_run": record.stability["iterations_run"],
        }
        row["model_s"] = queries * row["forward_s_per_clip"]
        row["library_s"] = row["wall_s"] - row["model_in_run_s"]
        if mix:
            row["batch_mix_model_s"] = batch_mix_seconds(classifier, record.n_samples, timed.calls, repeats)
        rows.append(row)
        print(
            f"  [{label}] clip {i}: {row['class']} p0={row['p0']:.3f}  queries={queries}  calls={calls}  "
            f"mean batch={row['mean_batch']:.1f}  wall={row['wall_s']:.2f}s (resp {row['responsibility_s']:.2f}s, "
            f"extr {row['extraction_s']:.2f}s; model in run {row['model_in_run_s']:.2f}s)  "
            f"bare fwd={row['forward_s_per_clip'] * 1e3:.3f} ms/clip  overhead={row['overhead']:.2f} "
            f"(cpu {row['cpu_overhead']:.2f}, in-run {row['in_run_overhead']:.2f})  "
            f"sufficient={row['sufficient_fraction']:.4f}  complete={row['complete_fraction']:.4f}",
            flush=True,
        )
    if not rows:
        return {"label": label, "seconds": seconds, "clips": []}

    def mean(key: str) -> float:
        return float(np.mean([r[key] for r in rows]))

    summary = {
        "label": label,
        "seconds": seconds,
        "max_batch_size": cfg.max_batch_size,
        "clips": rows,
        **{
            key: mean(key)
            for key in (
                "queries", "model_calls", "mean_batch", "wall_s", "responsibility_s", "extraction_s",
                "model_s", "model_in_run_s", "library_s", "sufficient_fraction", "complete_fraction",
            )
        },
        "forward_ms_per_clip": 1e3 * mean("forward_s_per_clip"),
        "overhead": float(np.median([r["overhead"] for r in rows])),
        "overhead_min": float(np.min([r["overhead"] for r in rows])),
        "overhead_max": float(np.max([r["overhead"] for r in rows])),
        "in_run_overhead": float(np.median([r["in_run_overhead"] for r in rows])),
        "cpu_overhead": float(np.median([r["cpu_overhead"] for r in rows])),
    }
    summary["calls_saved"] = summary["queries"] / summary["model_calls"]
    if mix:
        summary["batch_mix_factor"] = float(np.median([r["batch_mix_model_s"] / r["model_s"] for r in rows]))
    return summary


def print_table(results: list[dict]) -> None:
    header = (
        f"{'run':<13}{'clips':>6}{'bins':>7}{'queries':>9}{'calls':>8}{'q/call':>8}{'wall s':>8}"
        f"{'resp s':>8}{'extr s':>8}{'fwd ms/clip':>12}{'model s':>9}{'overhead':>9}{'(min-max)':>13}"
        f"{'cpu':>6}{'in-run':>8}{'mix':>6}{'suff frac':>10}{'compl frac':>11}"
    )
    print()
    print(header)
    print("-" * len(header))
    for r in results:
        if not r["clips"]:
            print(f"{r['label']:<13} no explainable clips")
            continue
        spread = f"{r['overhead_min']:.2f}-{r['overhead_max']:.2f}"
        mix = f"{r['batch_mix_factor']:.2f}" if "batch_mix_factor" in r else "-"
        print(
            f"{r['label']:<13}{len(r['clips']):>6}{r['clips'][0]['n_bins']:>7}{r['queries']:>9.0f}{r['model_calls']:>8.1f}"
            f"{r['calls_saved']:>8.1f}{r['wall_s']:>8.2f}{r['responsibility_s']:>8.2f}{r['extraction_s']:>8.2f}"
            f"{r['forward_ms_per_clip']:>12.3f}{r['model_s']:>9.2f}{r['overhead']:>9.2f}{spread:>13}"
            f"{r['cpu_overhead']:>6.2f}{r['in_run_overhead']:>8.2f}{mix:>6}{r['sufficient_fraction']:>10.4f}{r['complete_fraction']:>11.4f}"
        )
    print(
        "\nq/call: queries per model call = model calls saved versus one mutant per call (public ReX).\n"
        "overhead: wall / (queries x bare forward time per clip at the run's mean batch size), median over clips;\n"
        "  1.00 = the explanation costs no more than its queries' forward passes at that batch size.\n"
        "cpu: the same ratio with process CPU time instead of wall time (less sensitive to other load).\n"
        "in-run: wall / time spent inside the model's forward during the explanation (the library's own share).\n"
        "mix: bare-forward time at the calls' actual batch sizes / at the mean batch size (small or very large\n"
        "  batches cost more per clip); overhead ~ in-run x mix x (in-run vs bare timing noise).\n"
        "wall, resp, extr: medians over --runs repeats per clip, then mean over clips."
    )


def tune_malloc_if_asked(asked: bool) -> bool:
    """``--tune-malloc``: raise glibc's thresholds for the whole process; whether they were raised."""
    tuned = tune_malloc() if asked else False
    if asked and not tuned:
        print("--tune-malloc: mallopt not available, running with the default allocator", file=sys.stderr)
    return tuned


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model spec for transferability.models.load_classifier (default: fixed small CNN)")
    parser.add_argument("--clips", type=int, default=3, help="clips per length (default 3)")
    parser.add_argument("--seconds", type=float, nargs="+", default=[1.0, 4.0], help="clip lengths in seconds")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads")
    parser.add_argument("--runs", type=int, default=3, help="explanations per clip; wall times are medians (default 3)")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats of the bare forward pass")
    parser.add_argument("--no-mix", action="store_true", help="skip timing the bare forward at the calls' batch sizes")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-at-a-time baseline")
    parser.add_argument("--seed", type=int, default=0, help="explainer seed")
    parser.add_argument("--json", help="write the numbers to this path")
    parser.add_argument(
        "--tune-malloc", action="store_true", help="raise glibc's mmap/trim thresholds first (see tune_malloc)"
    )
    args = parser.parse_args(argv)

    malloc_tuned = tune_malloc_if_asked(args.tune_malloc)

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.model:
        from transferability.models.loading import load_classifier  # here: it imports transformers

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
        "malloc_tuned": malloc_tuned,
    }
    try:
        machine["loadavg_start"] = list(os.getloadavg())
    except OSError:
        pass
    print(
        f"model {classifier.name}: {classifier.parameter_count} parameters, {classifier.n_classes} classes, "
        f"{classifier.sample_rate} Hz; torch {machine['torch']}, {machine['threads']} threads, device {machine['device']}"
        + ("; glibc malloc thresholds raised" if malloc_tuned else "")
    )
    results = []
    for seconds in args.seconds:
        results.append(bench_length(classifier, cfg, seconds, args.clips, args.runs, args.repeats, f"{seconds:g} s", not args.no_mix))
    if not args.no_baseline:
        one_at_a_time = replace(cfg, max_batch_size=1)
        results.append(bench_length(classifier, one_at_a_time, 1.0, 1, args.runs, args.repeats, "1 s batch=1", False))
    try:
        machine["loadavg_end"] = list(os.getloadavg())
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
