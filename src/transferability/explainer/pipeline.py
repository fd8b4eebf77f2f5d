"""Explain one clip with one classifier: responsibility, then sufficient / complete / inverse."""
from __future__ import annotations

import time

import numpy as np
import torch
from tqdm.auto import tqdm

from transferability.explainer.config import ExplainerConfig
from transferability.explainer.extraction import (
    MaskTest,
    MinimalityReport,
    PrefixMasks,
    evaluate,
    keeps_class,
    keeps_class_and_rest_loses_it,
    minimise,
    smallest_prefix,
)
from transferability.explainer.mutants import SpectralMutator, n_bins
from transferability.explainer.oracle import Oracle, memory_bounded_batch_size
from transferability.explainer.record import Explanation, InverseRecord, SubsetRecord
from transferability.explainer.responsibility import compute_responsibility, rank_bins
from transferability.models.contract import AudioClassifier, AudioInputError, is_silent, validate_waveform

# Confidences are compared after an rfft/irfft round trip: allow float32 rounding.
CONFIDENCE_TOLERANCE = 1e-5


def fit_to_model(waveform: np.ndarray, classifier: AudioClassifier, cfg: ExplainerConfig, clip_id: str) -> tuple[np.ndarray, dict]:
    """Crop a clip to what the model looks at; pad or refuse one shorter than it accepts."""
    notes: dict = {"original_samples": int(waveform.shape[0])}
    if waveform.shape[0] < classifier.min_samples and not cfg.pad_short_clips:
        raise AudioInputError(
            f"clip {clip_id!r}: {waveform.shape[0]} samples is shorter than model {classifier.name!r} accepts "
            f"({classifier.min_samples} at {classifier.sample_rate} Hz); set pad_short_clips to zero-pad it"
        )
    fitted = classifier.fit_window(waveform)
    if fitted.shape[0] < waveform.shape[0]:
        notes["cropped_to"] = int(fitted.shape[0])
    elif fitted.shape[0] > waveform.shape[0]:
        notes["padded_to"] = int(fitted.shape[0])
    return fitted, notes


def _subset_record(subset_mask: np.ndarray, oracle: Oracle, classifier: AudioClassifier) -> SubsetRecord:
    verdict = evaluate(oracle, subset_mask)
    return SubsetRecord(
        mask=subset_mask,
        size=verdict.size,
        fraction=verdict.size / subset_mask.shape[0],
        class_index=verdict.top1,
        class_name=classifier.class_names[verdict.top1],
        confidence=verdict.confidence,
    )


def explain(
    waveform: np.ndarray | torch.Tensor,
    classifier: AudioClassifier,
    cfg: ExplainerConfig | None = None,
    clip_id: str = "clip",
    progress: bool = False,
) -> Explanation:
    """Explain ``classifier``'s top-1 decision on a mono clip at the classifier's sample rate.

    Raises :class:`AudioInputError` (naming ``clip_id``) for NaN/Inf samples or a clip the model
    cannot take; a silent clip is recorded with status ``"silent"`` and no subsets.
    """
    cfg = cfg or ExplainerConfig()
    started = time.perf_counter()
    samples, input_notes = fit_to_model(validate_waveform(waveform, clip_id), classifier, cfg, clip_id)
    record = Explanation(
        clip_id=clip_id,
        model=classifier.name,
        status="silent",
        sample_rate=classifier.sample_rate,
        n_samples=int(samples.shape[0]),
        n_bins=n_bins(samples.shape[0]),
        seed=cfg.seed,
        delta=cfg.delta,
        config=cfg.to_dict(),
        input=input_notes,
    )
    if is_silent(samples):
        return record

    x = torch.from_numpy(samples).to(classifier.device)
    original = classifier.probabilities(x[None, :])[0].cpu()
    target = int(original.argmax())
    p0 = float(original[target])
    mutator = SpectralMutator(x, cfg.occlusion)
    batch_size = memory_bounded_batch_size(classifier, mutator.n_samples, cfg.max_batch_size)
    oracle = Oracle(classifier, mutator, target, batch_size)
    oracle.queries = oracle.model_calls = 1  # the original clip
    queries: dict[str, int] = {}

    def phase(name: str, since: int) -> None:
        queries[name] = oracle.queries - since

    bar = tqdm(total=cfg.max_iterations, desc=f"{classifier.name} {clip_id}", unit="it", disable=not progress, leave=False)
    mark = oracle.queries
    responsibility = compute_responsibility(
        oracle, mutator.magnitude, cfg, cfg.confidence_filter * p0 - CONFIDENCE_TOLERANCE, on_round=bar.update
    )
    bar.close()
    phase("responsibility", mark)
    responsibility_done = time.perf_counter()

    threshold = cfg.delta * p0 - CONFIDENCE_TOLERANCE
    order = rank_bins(responsibility.responsibility, mutator.magnitude)
    prefixes = PrefixMasks(order, mutator.device)

    def extract(name: str, test: MaskTest) -> tuple[np.ndarray, MinimalityReport, int]:
        mark = oracle.queries
        size = smallest_prefix(test, prefixes, cfg.search_grid)
        phase(f"{name}_search", mark)
        mask, report = minimise(oracle, order[:size], test, cfg.minimality_min_chunk, cfg.minimality_max_candidates)
        queries[f"{name}_minimality"] = report.queries
        return mask, report, size

    extracted = {
        "sufficient": extract("sufficient", keeps_class(oracle, threshold)),
        "complete": extract("complete", keeps_class_and_rest_loses_it(oracle, threshold)),
    }
    if cfg.one_complete:
        extracted["one_complete"] = extract("one_complete", keeps_class_and_rest_loses_it(oracle, p0 - CONFIDENCE_TOLERANCE))

    mark = oracle.queries
    for name, (mask, _, _) in extracted.items():
        setattr(record, name, _subset_record(mask, oracle, classifier))
    record.inverse = InverseRecord(defined=False)
    if not record.complete.mask.all():
        leftover = evaluate(oracle, ~record.complete.mask)
        record.inverse = InverseRecord(
            defined=True,
            class_index=leftover.top1,
            class_name=classifier.class_names[leftover.top1],
            confidence=leftover.confidence,
        )
    phase("evaluation", mark)
    queries["original"] = 1
    queries["total"] = oracle.queries
    finished = time.perf_counter()

    chains = responsibility.chain_lengths
    record.status = "ok"
    record.class_index = target
    record.class_name = classifier.class_names[target]
    record.p0 = p0
    record.minimality = {
        name: {
            "prefix_size": int(size),
            "removed_bins": report.removed_bins,
            "smallest_chunk_without_removal": report.smallest_chunk,
            "one_minimal": report.one_minimal,
        }
        for name, (_, report, size) in extracted.items()
    }
    record.stability = {
        "iterations_run": responsibility.iterations_run,
        "iterations_counted": responsibility.iterations_counted,
        "min_chain_length": cfg.min_chain_length,
        "chain_lengths": chains,
        "mean_chain_length": float(np.mean(chains)) if chains else 0.0,
        "chain_stable": responsibility.iterations_counted > 0,
        "jaccard_history": responsibility.jaccard_history,
        "converged": responsibility.converged,
    }
    record.queries = queries
    record.model_calls = oracle.model_calls
    record.batch_size = batch_size
    record.timings = {
        "responsibility_s": responsibility_done - started,
        "extraction_s": finished - responsibility_done,
        "total_s": finished - started,
    }
    record.responsibility = responsibility.responsibility
    return record


def as_explained(waveform: np.ndarray, record: Explanation) -> np.ndarray:
    """The clip as the explained model saw it: cropped or zero-padded to ``record.n_samples``."""
    samples = np.asarray(waveform, dtype=np.float32)[: record.n_samples]
    return np.pad(samples, (0, record.n_samples - samples.shape[0]))


def render_signals(waveform: np.ndarray, record: Explanation) -> dict[str, np.ndarray]:
    """The sufficient, complete, 1-complete and inverse waveforms of an explanation."""
    samples = as_explained(waveform, record)
    mutator = SpectralMutator(torch.from_numpy(samples), record.config.get("occlusion", 0.0))
    signals = {}
    for name in ("sufficient", "complete", "one_complete"):
        subset = record.subset(name)
        if subset is not None:
            signals[name] = mutator.render(subset.mask)
    if record.inverse is not None and record.inverse.defined:
        signals["inverse"] = mutator.render(~record.complete.mask)
    return signals
