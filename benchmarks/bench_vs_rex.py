"""Side by side with the public ancestor: this project's explainer versus ReX (rex-xai 0.4.1).

One process, one model, the same clips: the fixed small STFT+CNN and the seeded harmonic clips of
``benchmarks/bench_explainer.py`` (its ``small_model()`` and ``clip()``). Per clip three methods
explain the model's top-1 decision over the clip's rfft bins:

* ``ours``: this project's explainer at library defaults, ``ExplainerConfig(seed=--seed)``;
* ``ours b=1``: the same with ``max_batch_size=1`` (one mutant per model call, as ReX queries);
* ``ReX``: rex-xai 0.4.1 driven from Python (not its command line) over the same bins.

Setup (rex-xai is never a dependency of this project; it lives in a throwaway virtualenv, and the
project's explainer needs only torch, numpy and tqdm, so it runs there from the source tree)::

    python3 -m venv /tmp/rex-venv && /tmp/rex-venv/bin/pip install torch==2.13.0 rex-xai==0.4.1
    PYTHONPATH=src:benchmarks /tmp/rex-venv/bin/python benchmarks/bench_vs_rex.py
    PYTHONPATH=src:benchmarks /tmp/rex-venv/bin/python benchmarks/bench_vs_rex.py \
        --clips 2 --seconds 1 4 --threads 1 --json out.json

Run from the repository root. The default (3 clips of 1 s and 3 of 4 s, one run of each method per
clip) took under seven minutes with ``--threads 1`` on a shared two-core machine (load average
about 12); ``--threads 1`` gives steadier timings there. The per-clip "wall / ReX" ratios cancel
most of the machine's noise, since the three methods run back to back on the same clip.
``--tune-malloc`` raises glibc's mmap/trim thresholds for the whole process first, as this
project's command line and workflow steps do at start (``workflow/allocator.tune_malloc``); it
applies to all three methods alike.

How ReX is driven
-----------------
ReX's "data" is the index vector ``1..n_bins`` (float32) in mode ``"spectral"`` with model shape
``[1, 1, n_bins]``, prepared as its command line prepares a ``.npy`` spectrum
(``Data(...)``, ``generic_tab_preprocess()``, ``set_mask_value``, ``validate_shape``). Its
occlusion writes its mask value 0 into the occluded positions, so the prediction function reads
each mutated vector back as the mask of bins ReX kept (entries != 0), renders
``irfft(X * mask)`` with ``X = rfft(clip)``, scores it with the model and returns ReX
``Prediction`` objects (top-1 class and its softmax probability, as ReX's own
``default_prediction_function`` does), counting every mutant and every call. With a numeric mask
value ReX never looks at the data's values, so the index vector changes nothing in its search
compared with, say, ``|X|``; it only makes the kept bins exact to read back. The run is
``predict_target`` -> ``calculate_responsibility`` -> ``Explanation(...).extract()``, timed as a
whole (ReX's sufficient-set wall time).

Settings: ``CausalArgs()`` defaults of rex-xai 0.4.1 -- 20 iterations, tree depth 10,
min box size 10, uniform split points, queue of length 1 ordered by area, confidence filter 0,
multiplicative responsibility, strategy Global, chunk size 10 (= min box size),
minimum confidence threshold 0 (a sufficient set need only keep the class), mask value 0,
batch size 1 -- with two changes that do not affect the search: ``seed`` (= --seed, for
reproducibility) and ``progress_bar = False`` (plus ``TQDM_DISABLE=1`` for the extraction's bar,
which takes no switch). For spectral data ReX scores its responsibility mutants one per call
whatever its batch size, and its extraction one prefix per call at batch size 1: the ``calls``
column reports what it actually did.

Known issue reproduced, not fixed: ReX's extraction ranks positions ``(0, j)`` of its
responsibility map and marks each with ``set_boolean_mask_value``, which for 1-D spectra sets
``mask[0, 0:j]``: ranked position ``j`` becomes the range ``[0, j)``. Its "sufficient explanation"
is therefore a low-pass prefix ``[0, max j)`` far larger than the bins it ranked (ties in the
ranking, whole boxes of equal responsibility, are broken towards the largest ``j``). The table
gives both: ``ranked`` (bins of the ranking prefix it inserted) and ``kept`` (bins its extracted
mutant actually keeps, read from the mutant the model saw); the latter is what is re-verified.

Re-verification (outside the timed runs, not counted as queries): each reported set is rendered
again as ``irfft(X * mask)`` and scored. Ours: the set keeps the class with confidence at least
``delta * p0`` (``p0`` for the 1-complete set), and for the complete and 1-complete sets the rest
of the clip loses the class. ReX: its kept set keeps the class (its own test) and whether it also
reaches our ``delta * p0``; its ranked set alone is scored too, for information.
"""

from __future__ import annotations

import os

os.environ.setdefault("TQDM_DISABLE", "1")  # before tqdm is imported: ReX's extraction bar has no switch

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from bench_explainer import clip, small_model, tune_malloc_if_asked
from transferability import ExplainerConfig, explain
from transferability.models.contract import AudioClassifier

try:
    from rex_xai.explanation.explanation import Explanation as ReXExplanation
    from rex_xai.explanation.rex import calculate_responsibility, predict_target, validate_shape
    from rex_xai.input.config import CausalArgs
    from rex_xai.input.input_data import Data
    from rex_xai.responsibility.prediction import Prediction
    from rex_xai.utils._utils import get_map_locations
except ImportError as err:  # pragma: no cover - the setup is a throwaway venv
    sys.exit(f"rex-xai is not importable ({err}); see the setup in {__file__}'s docstring")

CONFIDENCE_TOLERANCE = 1e-5  # float32 rounding of an rfft/irfft round trip, as the library allows
AIM = 0.5  # the project's aim: our full record in at most half of ReX's sufficient-set time
SUBSETS = ("sufficient", "complete", "one_complete")


class Renderer:
    """``irfft(X * mask)`` of one clip and the model's softmax on it, as both explainers mutate."""

    def __init__(self, classifier: AudioClassifier, waveform: np.ndarray) -> None:
        self.classifier = classifier
        self.n_samples = int(waveform.shape[0])
        self.spectrum = torch.fft.rfft(torch.from_numpy(np.asarray(waveform, dtype=np.float32)).to(classifier.device))
        self.n_bins = int(self.spectrum.shape[0])

    def probabilities(self, masks: torch.Tensor) -> torch.Tensor:
        """Softmax ``[batch, classes]`` on the CPU for boolean masks ``[batch, bins]``."""
        kept = torch.where(
            masks.to(self.classifier.device), self.spectrum[None, :], torch.zeros((), dtype=self.spectrum.dtype)
        )
        return self.classifier.probabilities(torch.fft.irfft(kept, n=self.n_samples, dim=-1)).cpu()

    def score(self, mask: np.ndarray, target: int) -> tuple[int, float]:
        """Top-1 class and the probability of ``target`` for one mask."""
        probs = self.probabilities(torch.from_numpy(np.asarray(mask, dtype=bool))[None, :])[0]
        return int(probs.argmax()), float(probs[target])


class CountingPrediction:
    """A ReX prediction function over bin masks: mutated index vector -> kept bins -> model.

    Returns ReX ``Prediction`` objects like its ``default_prediction_function`` (top-1 class and
    its probability; the target's probability when a target is given) and counts every mutant
    (``queries``) and call (``calls``). ``last_kept`` is the mask of the latest mutant scored.
    """

    def __init__(self, renderer: Renderer) -> None:
        self.renderer = renderer
        self.queries = 0
        self.calls = 0
        self.batch_sizes: list[int] = []
        self.last_kept: np.ndarray | None = None

    def __call__(self, mutants: torch.Tensor, target: Prediction | None = None, raw: bool = False):
        rows = torch.as_tensor(mutants).reshape(-1, self.renderer.n_bins)
        kept = rows != 0
        probs = (
            self.renderer.probabilities(kept) if rows.shape[0] else torch.zeros(0, self.renderer.classifier.n_classes)
        )
        self.queries += int(rows.shape[0])
        self.calls += 1
        self.batch_sizes.append(int(rows.shape[0]))
        if rows.shape[0]:
            self.last_kept = kept[-1].cpu().numpy()
        if raw:
            return probs
        confidence, top1 = probs.max(dim=1)
        predictions = []
        for i in range(rows.shape[0]):
            p = Prediction(int(top1[i]), float(confidence[i]))
            if target is not None:
                p.target = target
                p.target_confidence = float(probs[i, target.classification])
            predictions.append(p)
        return predictions


@dataclass
class ReXResult:
    """What one ReX run did and produced."""

    target: int
    confidence: float
    queries: int
    calls: int
    max_batch: int
    wall_s: float
    responsibility_s: float
    extraction_s: float
    extraction_queries: int
    ranked: np.ndarray  # bins of the ranking prefix its extraction inserted
    kept: np.ndarray  # bins its extracted (sufficient) mutant keeps
    reported_confidence: float | None
    run_stats: dict = field(default_factory=dict)
    kept_matches_last_mutant: bool = True


def rex_args(seed: int) -> CausalArgs:
    """ReX's defaults, seeded, without progress bars."""
    args = CausalArgs()
    args.seed = seed
    args.progress_bar = False
    return args


def run_rex(renderer: Renderer, seed: int) -> ReXResult:
    """Explain the renderer's clip with ReX over its rfft bins (see the module docstring)."""
    n_bins = renderer.n_bins
    args = rex_args(seed)
    args.mode = "spectral"
    model_shape = [1, 1, n_bins]
    predict = CountingPrediction(renderer)
    start = time.perf_counter()
    data = Data(np.arange(1, n_bins + 1, dtype=np.float32), model_shape, device="cpu", mode="spectral")
    data.data = data.generic_tab_preprocess()
    data.set_mask_value(args.mask_value)
    data = validate_shape(data, model_shape)
    data.target = predict_target(data, args, predict)
    maps, run_stats = calculate_responsibility(data, args, predict)
    responsibility_done = time.perf_counter()
    extraction_mark = predict.queries
    explanation = ReXExplanation(maps, predict, data, args, run_stats)
    explanation.extract()
    finished = time.perf_counter()

    extraction_queries = predict.queries - extraction_mark
    ranking = get_map_locations(explanation.target_map)
    inserted = ranking[: args.chunk_size * extraction_queries]  # one prefix (chunk) per call at batch size 1
    ranked = np.zeros(n_bins, dtype=bool)
    ranked[[int(loc[-1]) for _, loc in inserted]] = True
    kept = explanation.sufficiency_mask.detach().cpu().numpy().reshape(-1).astype(bool)
    return ReXResult(
        target=int(data.target.classification),
        confidence=float(data.target.confidence),
        queries=predict.queries,
        calls=predict.calls,
        max_batch=max(predict.batch_sizes),
        wall_s=finished - start,
        responsibility_s=responsibility_done - start,
        extraction_s=finished - responsibility_done,
        extraction_queries=extraction_queries,
        ranked=ranked,
        kept=kept,
        reported_confidence=explanation.sufficiency_confidence,
        run_stats={k: float(v) for k, v in run_stats.items()},
        kept_matches_last_mutant=predict.last_kept is not None and bool(np.array_equal(predict.last_kept, kept)),
    )


def verify_ours(renderer: Renderer, record, name: str) -> dict:
    """Re-render one of our sets and check its test: class kept at the threshold, the rest losing."""
    subset = record.subset(name)
    threshold = (record.p0 if name == "one_complete" else record.delta * record.p0) - CONFIDENCE_TOLERANCE
    top1, confidence = renderer.score(subset.mask, record.class_index)
    check = {
        "size": subset.size,
        "confidence": confidence,
        "threshold": threshold,
        "keeps_class": top1 == record.class_index,
        "meets_threshold": top1 == record.class_index and confidence >= threshold,
        "reported_verified": bool(subset.verified),
    }
    if name != "sufficient":
        rest_top1, _ = renderer.score(~subset.mask, record.class_index)
        check["rest_loses"] = rest_top1 != record.class_index
    check["passes"] = check["meets_threshold"] and check.get("rest_loses", True)
    return check


def run_ours(
    classifier: AudioClassifier, waveform: np.ndarray, renderer: Renderer, cfg: ExplainerConfig, clip_id: str
) -> dict:
    start = time.perf_counter()
    record = explain(waveform, classifier, cfg, clip_id=clip_id)
    wall = time.perf_counter() - start
    if record.status != "ok":
        return {"status": record.status, "wall_s": wall}
    return {
        "status": "ok",
        "class_index": record.class_index,
        "p0": record.p0,
        "n_bins": record.n_bins,
        "queries": int(record.queries["total"]),
        "calls": int(record.model_calls),
        "wall_s": wall,
        "timings": dict(record.timings),
        "minimality": record.minimality,
        "sets": {name: verify_ours(renderer, record, name) for name in SUBSETS if record.subset(name) is not None},
    }


def rex_row(renderer: Renderer, seed: int, delta: float) -> dict:
    """ReX on the renderer's clip, its sets re-verified; ``status`` says whether it produced one."""
    try:
        rex = run_rex(renderer, seed)
    except Exception as err:  # noqa: BLE001 - ReX's own failure is a result here (e.g. no passing mutant at all)
        return {"status": f"failed: {type(err).__name__}: {err}"}
    kept_top1, kept_conf = renderer.score(rex.kept, rex.target)
    ranked_top1, ranked_conf = renderer.score(rex.ranked, rex.target)
    kept_end = int(np.flatnonzero(rex.kept).max()) + 1 if rex.kept.any() else 0
    ranked_max = int(np.flatnonzero(rex.ranked).max()) if rex.ranked.any() else 0
    return {
        "status": "ok",
        "class_index": rex.target,
        "p0": rex.confidence,
        "queries": rex.queries,
        "calls": rex.calls,
        "max_batch": rex.max_batch,
        "wall_s": rex.wall_s,
        "responsibility_s": rex.responsibility_s,
        "extraction_s": rex.extraction_s,
        "extraction_queries": rex.extraction_queries,
        "run_stats": rex.run_stats,
        "ranked_size": int(rex.ranked.sum()),
        "ranked_max_bin": ranked_max,
        "kept_size": int(rex.kept.sum()),
        "kept_is_prefix": int(rex.kept.sum()) == kept_end,
        "kept_is_range_below_ranked_max": bool(np.array_equal(rex.kept, np.arange(renderer.n_bins) < ranked_max)),
        "kept_matches_last_mutant": rex.kept_matches_last_mutant,
        "reported_confidence": rex.reported_confidence,
        "kept_keeps_class": kept_top1 == rex.target,
        "kept_confidence": kept_conf,
        "kept_meets_delta_p0": kept_top1 == rex.target and kept_conf >= delta * rex.confidence - CONFIDENCE_TOLERANCE,
        "ranked_keeps_class": ranked_top1 == rex.target,
        "ranked_confidence": ranked_conf,
    }


def bench_clip(classifier: AudioClassifier, seconds: float, index: int, seed: int) -> dict:
    """All three methods on one clip, ReX first, then ours at defaults and at one mutant per call."""
    waveform = classifier.fit_window(clip(index, seconds, classifier.sample_rate))
    renderer = Renderer(classifier, waveform)
    renderer.score(np.ones(renderer.n_bins, dtype=bool), 0)  # warm-up at this length, outside the timed runs
    label = f"{seconds:g} s #{index}"
    cfg = ExplainerConfig(seed=seed)
    row: dict = {"clip": label, "seconds": seconds, "index": index, "n_bins": renderer.n_bins}

    rex = row["rex"] = rex_row(renderer, seed, cfg.delta)
    if rex["status"] == "ok":
        print(
            f"  [{label}] ReX: class {rex['class_index']} p0={rex['p0']:.3f} "
            f"queries={rex['queries']} calls={rex['calls']} "
            f"wall={rex['wall_s']:.1f}s ranked={rex['ranked_size']} (max bin {rex['ranked_max_bin']}) "
            f"kept={rex['kept_size']} (= bins [0, max ranked bin): {rex['kept_is_range_below_ranked_max']}) "
            f"kept keeps class: {rex['kept_keeps_class']}",
            flush=True,
        )
    else:
        print(f"  [{label}] ReX {rex['status']}", flush=True)
    for key, config in (("ours", cfg), ("ours_b1", replace(cfg, max_batch_size=1))):
        result = row[key] = run_ours(classifier, waveform, renderer, config, f"{label} {key}")
        if result["status"] != "ok":
            print(f"  [{label}] {key}: status {result['status']}", flush=True)
            continue
        if rex["status"] == "ok" and result["class_index"] != rex["class_index"]:
            print(f"  [{label}] WARNING: {key} explains class {result['class_index']}, ReX class {rex['class_index']}")
        sizes = "/".join(str(s["size"]) for s in result["sets"].values())
        print(
            f"  [{label}] {key}: queries={result['queries']} calls={result['calls']} wall={result['wall_s']:.1f}s "
            f"({ratio(result, rex)} x ReX) sets={sizes} "
            f"re-verified={all(check['passes'] for check in result['sets'].values())}",
            flush=True,
        )
    return row


def ratio(result: dict, rex: dict) -> str:
    """``result``'s wall time over ReX's on the same clip, or "-" when either has none."""
    if result["status"] != "ok" or rex["status"] != "ok":
        return "-"
    return f"{result['wall_s'] / rex['wall_s']:.2f}"


def _mark(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def _prefix_note(rex: dict) -> str:
    """Where ReX's kept set is the range [0, n), say so; flag a kept set that is not the mutant the model saw."""
    note = f" = [0, {rex['kept_size']})" if rex["kept_is_prefix"] else ""
    return note + ("" if rex["kept_matches_last_mutant"] else " (differs from its last mutant!)")


def _median(values: list[float], digits: int = 0) -> str:
    return f"{statistics.median(values):.{digits}f}" if values else "-"


def _rex_line(clip_label: str, n_bins: int, rex: dict) -> str:
    if rex["status"] != "ok":
        return f"| {clip_label} | {n_bins} | ReX | {rex['status']} | | | | | | | |"
    return (
        f"| {clip_label} | {n_bins} | ReX | {rex['queries']} | {rex['calls']} | {rex['wall_s']:.1f} | 1.00 "
        f"| kept {rex['kept_size']}{_prefix_note(rex)} (ranked {rex['ranked_size']}) | - | - "
        f"| class kept: {_mark(rex['kept_keeps_class'])}, conf {rex['kept_confidence']:.3f} "
        f"(>= delta*p0: {'yes' if rex['kept_meets_delta_p0'] else 'no'}); ranked alone kept: "
        f"{'yes' if rex['ranked_keeps_class'] else 'no'} |"
    )


def _ours_line(clip_label: str, n_bins: int, name: str, result: dict, rex: dict) -> str:
    if result["status"] != "ok":
        return f"| {clip_label} | {n_bins} | {name} | status {result['status']} | | | | | | | |"
    sets = result["sets"]
    sizes = " | ".join(str(sets[subset]["size"]) if subset in sets else "-" for subset in SUBSETS)
    failed = [subset for subset, check in sets.items() if not check["passes"]]
    verdict = f"{len(sets) - len(failed)}/{len(sets)} pass" + (f" (**fail**: {', '.join(failed)})" if failed else "")
    return (
        f"| {clip_label} | {n_bins} | {name} | {result['queries']} | {result['calls']} | {result['wall_s']:.1f} "
        f"| {ratio(result, rex)} | {sizes} | {verdict} |"
    )


METHODS = (("ours", "ours"), ("ours_b1", "ours b=1"))


def markdown_table(rows: list[dict]) -> str:
    """Per clip and method, then medians per clip length and method."""
    lines = [
        "| clip | bins | method | queries | model calls | wall s | wall / ReX "
        "| sufficient | complete | 1-complete | re-verified |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(_rex_line(row["clip"], row["n_bins"], row["rex"]))
        lines += [_ours_line(row["clip"], row["n_bins"], name, row[key], row["rex"]) for key, name in METHODS]
    for seconds in sorted({row["seconds"] for row in rows}):
        group = [row for row in rows if row["seconds"] == seconds]
        label, n_bins = f"**median {seconds:g} s**", group[0]["n_bins"]
        rex = [row["rex"] for row in group if row["rex"]["status"] == "ok"]
        if rex:
            lines.append(
                f"| {label} ({len(rex)}) | {n_bins} | ReX | {_median([r['queries'] for r in rex])} "
                f"| {_median([r['calls'] for r in rex])} | {_median([r['wall_s'] for r in rex], 1)} | 1.00 "
                f"| kept {_median([r['kept_size'] for r in rex])} "
                f"(ranked {_median([r['ranked_size'] for r in rex])}) | - | - "
                f"| class kept on {sum(r['kept_keeps_class'] for r in rex)}/{len(rex)} clips |"
            )
        for key, name in METHODS:
            ok = [row for row in group if row[key]["status"] == "ok"]
            if not ok:
                continue
            sizes = " | ".join(
                _median([row[key]["sets"][subset]["size"] for row in ok if subset in row[key]["sets"]])
                for subset in SUBSETS
            )
            ratios = [row[key]["wall_s"] / row["rex"]["wall_s"] for row in ok if row["rex"]["status"] == "ok"]
            passed = sum(all(check["passes"] for check in row[key]["sets"].values()) for row in ok)
            lines.append(
                f"| {label} ({len(ok)}) | {n_bins} | {name} | {_median([row[key]['queries'] for row in ok])} "
                f"| {_median([row[key]['calls'] for row in ok])} | {_median([row[key]['wall_s'] for row in ok], 1)} "
                f"| {_median(ratios, 2)} | {sizes} | all sets pass on {passed}/{len(ok)} clips |"
            )
    return "\n".join(lines)


def aim_table(rows: list[dict]) -> str:
    """Per clip: our full-record wall time over ReX's sufficient-set wall time, against the aim."""
    lines = [
        f"| clip | ReX wall s | ours wall s | ours / ReX | <= {AIM} | ours b=1 / ReX |",
        "|---|---:|---:|---:|---|---:|",
    ]
    ratios = []
    for row in rows:
        rex, ours = row["rex"], row["ours"]
        rex_wall = f"{rex['wall_s']:.1f}" if rex["status"] == "ok" else "-"
        ours_wall = f"{ours['wall_s']:.1f}" if ours["status"] == "ok" else "-"
        ours_ratio = ratio(ours, rex)
        met = "-"
        if ours_ratio != "-":
            ratios.append(ours["wall_s"] / rex["wall_s"])
            met = _mark(ratios[-1] <= AIM)
        lines.append(
            f"| {row['clip']} | {rex_wall} | {ours_wall} | {ours_ratio} | {met} | {ratio(row['ours_b1'], rex)} |"
        )
    if ratios:
        lines.append(
            f"| **median** | | | {statistics.median(ratios):.2f} "
            f"| aim met on {sum(r <= AIM for r in ratios)}/{len(ratios)} clips | |"
        )
    return "\n".join(lines)


NOTES = """\
queries: mutants scored (ours: record.queries["total"]; ReX: every mutated vector its prediction
function received, the unmutated target prediction included). model calls: forward passes.
wall / ReX: the method's wall time over ReX's on the same clip in the same process.
Sizes are bins. ReX "kept": bins its extracted sufficient mutant keeps (a low-pass prefix, see the
docstring); "ranked": bins of the ranking prefix its extraction inserted. re-verified: each set
re-rendered as irfft(X * mask) and re-scored; ours pass when the class is kept at >= delta*p0
(p0 for the 1-complete set) and, for complete and 1-complete, the rest of the clip loses the class.
ReX's own test is only "class kept" (minimum confidence threshold 0)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=3, help="clips per length (default 3)")
    parser.add_argument(
        "--seconds", type=float, nargs="+", default=[1.0, 4.0], help="clip lengths in seconds (default 1 4)"
    )
    parser.add_argument("--threads", type=int, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=0, help="seed of both explainers (default 0)")
    parser.add_argument("--json", help="write every number to this path")
    parser.add_argument(
        "--tune-malloc", action="store_true",
        help="raise glibc's mmap/trim thresholds first, as this project's CLI and workflow steps do (whole process)",
    )
    args = parser.parse_args(argv)

    if args.threads:
        torch.set_num_threads(args.threads)
    malloc_tuned = tune_malloc_if_asked(args.tune_malloc)
    classifier = small_model()
    machine = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
        "loadavg_start": list(os.getloadavg()),
        "malloc_tuned": malloc_tuned,
    }
    from importlib.metadata import version

    machine["rex_xai"] = version("rex-xai")
    print(
        f"model {classifier.name}: {classifier.parameter_count} parameters; torch {machine['torch']}, "
        f"{machine['threads']} threads; rex-xai {machine['rex_xai']}; load average {machine['loadavg_start'][0]:.2f}"
        + ("; glibc malloc thresholds raised" if malloc_tuned else ""),
        flush=True,
    )
    classifier.probabilities(torch.zeros(2, classifier.sample_rate))  # warm-up, outside every timed run
    rows = []
    for seconds in args.seconds:
        for index in range(args.clips):
            rows.append(bench_clip(classifier, seconds, index, args.seed))
    machine["loadavg_end"] = list(os.getloadavg())

    print()
    print(markdown_table(rows))
    print()
    print(aim_table(rows))
    print()
    print(NOTES)
    print(f"load average at start {machine['loadavg_start'][0]:.2f}, at end {machine['loadavg_end'][0]:.2f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"machine": machine, "clips": rows}, out, indent=1, default=float)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
