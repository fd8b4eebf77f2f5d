"""Command line: explain one audio file with one model, run the self-contained demo, or estimate compute."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from transferability.data.audio import load_audio, write_wav
from transferability.explainer.config import ConfigError, ExplainerConfig
from transferability.explainer.pipeline import as_explained, explain, render_signals
from transferability.explainer.record import Explanation
from transferability.models.contract import AudioClassifier, AudioInputError, ModelLoadError
from transferability.report.explanation_figure import FIGURE_NAMES, explanation_masks, figure_signals, plot_explanation
from transferability.workflow.allocator import tune_malloc
from transferability.workflow.estimate import add_arguments as add_estimate_arguments
from transferability.workflow.estimate import main as estimate_main


def _parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs with JSON values (``delta=0.7``, ``one_complete=false``)."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got {pair!r}")
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            values[key] = raw
    return values


def write_outputs(waveform: np.ndarray, record: Explanation, out_dir: Path) -> list[Path]:
    """The explained clip, its signals as WAV files, the JSON record, the map and the figure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clip = as_explained(waveform, record)
    written = [write_wav(out_dir / "input.wav", clip, record.sample_rate)]
    if record.status != "ok":
        return written + [record.save_json(out_dir / "explanation.json")]
    signals = render_signals(clip, record)
    for name, signal in signals.items():
        written.append(write_wav(out_dir / f"{name}.wav", signal, record.sample_rate))
    written.append(record.save_json(out_dir / "explanation.json"))
    np.save(out_dir / "responsibility.npy", record.responsibility)
    written.append(out_dir / "responsibility.npy")
    title = f"{record.model}: {record.clip_id} -> {record.class_name} (p0 = {record.p0:.3f})"
    written.append(plot_explanation(clip, record.sample_rate, explanation_masks(record), out_dir / "figure.png", title,
                                    signals=figure_signals(signals)))
    return written


def summary(record: Explanation) -> str:
    if record.status != "ok":
        return f"{record.clip_id}: status {record.status} (nothing to explain)"
    lines = [f"{record.clip_id}: class {record.class_name!r}, p0 = {record.p0:.3f}, {record.n_bins} bins"]
    for name in FIGURE_NAMES:
        subset = record.subset(name)
        if subset is not None:
            minimality = record.minimality[name]
            status = ("1-minimal" if minimality["one_minimal"] else
                      "minimality budget ran out" if minimality["budget_exhausted"] else "not 1-minimal")
            lines.append(f"  {name:<13}{subset.size:>8} bins ({100 * subset.fraction:.3f}%), confidence {subset.confidence:.3f}, "
                         f"{status}, from the {subset.origin.replace('_', '-')} set")
    inverse = record.inverse
    lines.append(f"  inverse      -> {inverse.class_name!r}" if inverse.defined else "  inverse      undefined (complete = all bins)")
    stab = record.stability
    lines.append(
        f"  {record.queries['total']} queries in {record.model_calls} model calls, {record.timings['total_s']:.1f} s; "
        f"{stab['iterations_counted']}/{stab['iterations_run']} iterations counted, converged: {stab['converged']}"
        f"{record.minimality_note()}"
    )
    return "\n".join(lines)


def run_explain(classifier: AudioClassifier, audio_path: Path, out_dir: Path, cfg: ExplainerConfig, progress: bool) -> Explanation:
    loaded = load_audio(audio_path, classifier.sample_rate)
    record = explain(loaded.waveform, classifier, cfg, clip_id=audio_path.stem, progress=progress)
    record.input.update(
        source=str(audio_path),
        original_sample_rate=loaded.original_sample_rate,
        original_channels=loaded.original_channels,
        resampled=loaded.resampled,
        downmixed=loaded.downmixed,
    )
    write_outputs(loaded.waveform, record, out_dir)
    return record


def demo_clip(seconds: float = 2.0, sample_rate: int = 16_000, seed: int = 0) -> np.ndarray:
    """Harmonic tones in the 'mid' band, quieter ones in 'low' and 'high', and a little noise."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    partials = [(220.0, 0.5), (1250.0, 0.6), (1875.0, 0.6), (2500.0, 0.5), (5000.0, 0.4)]
    x = sum(a * np.sin(2 * np.pi * f * t) for f, a in partials)
    x = x + 0.01 * np.random.default_rng(seed).standard_normal(t.shape[0])
    return (x / np.abs(x).max() * 0.9).astype(np.float32)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="transferability", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--out", type=Path, required=True, help="folder for the signals, record and figure")
    common.add_argument("--seed", type=int, help="explainer seed (default 0)")
    common.add_argument("--delta", type=float, help="confidence fraction of p0 the subsets must keep (default 0.5)")
    common.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="any other explainer setting, e.g. --set max_iterations=60 (repeatable)")
    common.add_argument("--device", default="cpu", help="torch device for the model and the masking (default cpu)")
    common.add_argument("--quiet", action="store_true", help="no progress bar")
    explain_cmd = commands.add_parser("explain", parents=[common], help="explain one audio file with one model")
    explain_cmd.add_argument("audio", type=Path, help="WAV/FLAC/OGG file; resampled and downmixed to the model's input")
    explain_cmd.add_argument("--model", required=True,
                             help="Hugging Face id or local directory, or a Python entry point module:function / file.py:function")
    commands.add_parser("demo", parents=[common],
                        help="explain a synthetic clip with a band-power classifier with a -40 dB floor (no downloads)")
    estimate_cmd = commands.add_parser(
        "estimate", help="device-hours of a config's explanations, from measured queries and seconds per query")
    add_estimate_arguments(estimate_cmd)
    return parser


def _config(args: argparse.Namespace) -> ExplainerConfig:
    values = _parse_overrides(args.overrides)
    values.update({k: v for k, v in (("seed", args.seed), ("delta", args.delta)) if v is not None})
    return ExplainerConfig.from_dict(values)


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    tune_malloc()
    if args.command == "estimate":
        return estimate_main(args)
    try:
        cfg = _config(args)
        if args.command == "demo":
            from transferability.models.entrypoint import load_entrypoint

            classifier = load_entrypoint("transferability.models.toy:loudest_audible_band", device=args.device,
                                         name="loudest-audible-band")
            args.out.mkdir(parents=True, exist_ok=True)
            audio_path = write_wav(args.out / "demo_clip.wav", demo_clip(), classifier.sample_rate)
        else:
            from transferability.models.loading import load_classifier

            classifier = load_classifier(args.model, device=args.device)
            audio_path = args.audio
        record = run_explain(classifier, audio_path, args.out, cfg, progress=not args.quiet)
    except (AudioInputError, ModelLoadError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary(record))
    print(f"wrote {args.out}/: explanation.json, signals as WAV, responsibility.npy, figure.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
