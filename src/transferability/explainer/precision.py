"""Reduced-precision model queries, used only where a check on a sample keeps every top-1 class."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import numpy as np
import torch

from transferability.explainer.mutants import SpectralMutator
from transferability.models.contract import AudioClassifier

PRECISIONS: dict[str, torch.dtype | None] = {"float32": None, "bfloat16": torch.bfloat16, "float16": torch.float16}
# Besides each clip, the check queries random subsets of its frequency bins of these sizes, the
# kind of mutant the explainer sends: reduced precision must keep their top-1 classes too.
KEEP_FRACTIONS = (0.05, 0.2, 0.5)


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The autocast dtype of a precision name (None for float32)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {sorted(PRECISIONS)}")
    return PRECISIONS[precision]


def with_precision(classifier: AudioClassifier, precision: str) -> AudioClassifier:
    """The same classifier queried in ``precision``."""
    return dataclasses.replace(classifier, autocast_dtype=autocast_dtype(precision))


def check_inputs(waveform: np.ndarray, seed: int, device: torch.device) -> tuple[list[str], torch.Tensor]:
    """The clip and its seeded random-bin mutants ``[1 + len(KEEP_FRACTIONS), samples]``, with names."""
    x = torch.from_numpy(np.asarray(waveform, dtype=np.float32)).to(device)
    mutator = SpectralMutator(x)
    rng = np.random.default_rng(seed)
    masks = np.stack([rng.random(mutator.n_bins) < fraction for fraction in KEEP_FRACTIONS])
    names = ["clip"] + [f"keep {fraction:g} of bins" for fraction in KEEP_FRACTIONS]
    return names, torch.cat([x[None, :], mutator.mutants(torch.from_numpy(masks))])


def check_precision(
    classifier: AudioClassifier, waveforms: Sequence[np.ndarray], item_ids: Sequence[str], precision: str,
    seed: int, log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Compare top-1 classes in float32 and ``precision`` on every clip and its mutants.

    ``used`` is ``precision`` when no top-1 class changes, else float32; every disagreement is listed.
    """
    reduced = with_precision(classifier, precision)
    full = with_precision(classifier, "float32")
    disagreements: list[dict[str, Any]] = []
    queries = 0
    largest_change = 0.0
    for index, (item_id, waveform) in enumerate(zip(item_ids, waveforms)):
        names, inputs = check_inputs(waveform, seed + index, classifier.device)
        p_full = full.probabilities(inputs).cpu()
        p_reduced = reduced.probabilities(inputs).cpu()
        queries += len(names)
        largest_change = max(largest_change, float((p_full - p_reduced).abs().max()))
        for name, a, b in zip(names, p_full.argmax(-1).tolist(), p_reduced.argmax(-1).tolist()):
            if a != b:
                disagreements.append({"item_id": item_id, "input": name, "float32": classifier.class_names[a],
                                      precision: classifier.class_names[b]})
    used = precision if not disagreements else "float32"
    log(f"{precision} vs float32 on {len(item_ids)} clips ({queries} inputs): {len(disagreements)} top-1 changes, "
        f"largest probability change {largest_change:.2g} -> {used}")
    return {"requested": precision, "used": used, "items": list(item_ids), "inputs": queries,
            "keep_fractions": list(KEEP_FRACTIONS), "largest_probability_change": largest_change,
            "disagreements": disagreements}
