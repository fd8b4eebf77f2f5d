"""The command line of ``transferability estimate``: its options and what it runs."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from transferability.explainer.config import ConfigError
from transferability.models.contract import ModelLoadError
from transferability.workflow.estimate.queries import DEFAULT_SEEDS, calibrate
from transferability.workflow.estimate.report import EstimateOptions, format_calibration, format_table, run_estimate
from transferability.workflow.estimate.timing import DEFAULT_BATCHES
from transferability.workflow.estimate.workload import TYPICAL_SECONDS, load_config, results_root


def _seconds_option(pairs: Sequence[str]) -> dict[str, float]:
    """``DATASET=SECONDS`` pairs of ``--seconds``."""
    values = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        try:
            seconds = float(raw)
        except ValueError:
            seconds = 0.0
        if not name or seconds <= 0:
            raise ConfigError(f"--seconds expects DATASET=SECONDS with SECONDS > 0, got {pair!r}")
        values[name] = seconds
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``transferability estimate``."""
    parser.add_argument("--configfile", type=Path, required=True, help="workflow config (e.g. config/paper.yaml)")
    parser.add_argument("--device", default="cpu", help="torch device the models are timed on (default cpu)")
    parser.add_argument("--random-init", action="store_true",
                        help="build each hub model's architecture at its real size with random weights (offline)")
    parser.add_argument("--seconds", action="append", default=[], metavar="DATASET=S",
                        help="clip length of a dataset (default: prepared manifest's mean, else the typical length: "
                             + ", ".join(f"{k} {v:g} s" for k, v in TYPICAL_SECONDS.items()) + ")")
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help="toy explanations per clip length (default 3)")
    parser.add_argument("--batches", type=int, default=DEFAULT_BATCHES, help="timed batches per model and length (default 3)")
    parser.add_argument("--max-batch-size", type=int, help="cap the timed batch below the explainer's (short CPU runs)")
    parser.add_argument("--model", dest="models", action="append", default=[], help="only this model slot (repeatable)")
    parser.add_argument("--query-scale", type=float, default=1.0,
                        help="multiply the toy query counts (e.g. by the calibration ratio; default 1)")
    parser.add_argument("--queries-from", type=Path, help="reuse the query counts of an earlier --output JSON")
    parser.add_argument("--toy-device", default="cpu", help="device of the toy explanations (default cpu)")
    parser.add_argument("--calibrate", nargs="?", const="auto", metavar="EXPLANATIONS_DIR",
                        help="compare toy counts with the records under EXPLANATIONS_DIR (default <results>/explanations)")
    parser.add_argument("--calibrate-only", action="store_true", help="only the calibration, no model timing")
    parser.add_argument("--output", type=Path, help="write the estimate as JSON")


def main(args: argparse.Namespace) -> int:
    """Run ``transferability estimate``: print the table (and calibration), write the JSON."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # weight loading/saving bars would drown the progress lines
    try:
        config = load_config(args.configfile)
        options = EstimateOptions(device=args.device, random_init=args.random_init, seconds=_seconds_option(args.seconds),
                                  seeds=args.seeds, batches=args.batches, max_batch_size=args.max_batch_size,
                                  query_scale=args.query_scale, toy_device=args.toy_device, models=args.models,
                                  queries_from=args.queries_from)
        result: dict[str, Any] = {"config": str(args.configfile)}
        if args.calibrate or args.calibrate_only:
            where = results_root(config) / "explanations" if args.calibrate in (None, "auto") else Path(args.calibrate)
            result["calibration"] = calibrate(where, options.seeds, options.toy_device)
            print(format_calibration(result["calibration"]), flush=True)
        if not args.calibrate_only:
            result.update(run_estimate(config, options))
            print(format_table(result), flush=True)
    except (ConfigError, ModelLoadError, OSError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {args.output}")
    return 0
