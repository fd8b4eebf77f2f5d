"""Explain one clip with one classifier: responsibility, then the sufficient, complete and 1-complete sets."""
from __future__ import annotations

import time

import numpy as np
import torch
from tqdm.auto import tqdm

from transferability.explainer.config import ExplainerConfig
from transferability.explainer.extraction import (
    MinimalityReport,
    SetTest,
    mask_of,
    minimise,
    prefix_sizes,
    smallest_passing_extension,
)
from transferability.explainer.mutants import SpectralMutator, n_bins
from transferability.explainer.oracle import Oracle, memory_bounded_batch_size
from transferability.explainer.record import SUBSET_NAMES, Explanation, InverseRecord, SubsetRecord
from transferability.explainer.responsibility import compute_responsibility, rank_bins
from transferability.models.contract import AudioClassifier, AudioInputError, is_silent, validate_waveform

# Confidences are compared after an rfft/irfft round trip: allow float32 rounding.
CONFIDENCE_TOLERANCE = 1e-5
# A set passing one test passes those before it. Sets are extracted in this order, least demanding first:
# a set that passes the next test is that set too, at no further minimality cost.
DEMANDING_ORDER = ("sufficient", "complete", "one_complete")


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


def set_tests(cfg: ExplainerConfig, p0: float) -> dict[str, SetTest]:
    """The test each extracted set must pass, most demanding first (each implies the ones after it)."""
    tests = {}
    if cfg.one_complete:
        tests["one_complete"] = SetTest(p0 - CONFIDENCE_TOLERANCE, rest_loses=True)
    tests["complete"] = SetTest(cfg.delta * p0 - CONFIDENCE_TOLERANCE, rest_loses=True)
    tests["sufficient"] = SetTest(cfg.delta * p0 - CONFIDENCE_TOLERANCE)
    return tests


def _subset_record(mask: np.ndarray, origin: str, test: SetTest, oracle: Oracle, classifier: AudioClassifier) -> SubsetRecord:
    verdict = oracle.verdicts(mask[None, :])
    top1, confidence = int(verdict.top1[0]), float(verdict.confidence[0])
    return SubsetRecord(
        mask=mask,
        size=int(mask.sum()),
        fraction=float(mask.sum()) / mask.shape[0],
        class_index=top1,
        class_name=classifier.class_names[top1],
        confidence=confidence,
        origin=origin,
        verified=bool(test.passes(oracle, mask[None, :])[0]),
    )


def _minimality_entry(prefix_size: int | None, report: MinimalityReport, earlier_candidates: int = 0) -> dict:
    """The record's minimality entry of one set; ``earlier_candidates`` counts those of a first pass whose result was replaced."""
    return {
        "prefix_size": prefix_size,
        "start_size": report.start_size,
        "removed_bins": report.removed_bins,
        "smallest_chunk_without_removal": report.smallest_chunk,
        "one_minimal": report.one_minimal,
        "budget_exhausted": report.budget_exhausted,
        "candidates": earlier_candidates + report.candidates,
    }


def explain(
    waveform: np.ndarray | torch.Tensor,
    classifier: AudioClassifier,
    cfg: ExplainerConfig | None = None,
    clip_id: str = "clip",
    progress: bool = False,
) -> Explanation:
    """Explain ``classifier``'s top-1 decision on a mono clip at the classifier's sample rate.

    Responsibility ranks the bins. The sufficient set is minimised from the smaller of the ranking's
    smallest sufficient prefix and the smallest sufficient mutant the refinement met. Then each
    more demanding set in turn: where the set before already passes its test it is that set
    (``origin`` names it; a removal that fails a less demanding test fails this one too, so the
    minimality findings carry over), else it is minimised from the smaller of its own prefix and
    the set before grown by the fewest next-ranked bins that pass. A 1-complete set is complete
    and a complete set sufficient: where a more demanding set came out smaller, it replaces the
    less demanding one, minimised again under that one's test. So sufficient <= complete <=
    1-complete in size, and each subset's ``origin`` says where it came from. Raises
    :class:`AudioInputError` (naming ``clip_id``) for NaN/Inf samples or a clip the model cannot
    take; a silent clip is recorded with status ``"silent"`` and no subsets.
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
    queries: dict[str, int] = {"original": 1}
    tests = set_tests(cfg, p0)
    magnitude = mutator.magnitude
    searched = {"queries": 0}

    def search(responsibility: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, dict[str, int]]:
        """The ranking this map gives and its smallest passing prefix for each named test."""
        mark = oracle.queries
        order = rank_bins(responsibility, magnitude)
        sizes = prefix_sizes(oracle, order, {name: tests[name] for name in names}, cfg.search_grid)
        searched["queries"] += oracle.queries - mark
        return order, sizes

    def sufficient_prefix(responsibility: np.ndarray) -> list[frozenset[int]]:
        """The set the stability check compares with the round before's ranking: the smallest sufficient prefix."""
        order, sizes = search(responsibility, ("sufficient",))
        return [frozenset(order[: sizes["sufficient"]].tolist())]

    bar = tqdm(total=cfg.max_iterations, desc=f"{classifier.name} {clip_id}", unit="it", disable=not progress, leave=False)
    mark = oracle.queries
    responsibility = compute_responsibility(
        oracle, cfg, cfg.confidence_filter * p0 - CONFIDENCE_TOLERANCE, tests["sufficient"].min_confidence,
        sufficient_prefix, on_round=bar.update,
    )
    bar.close()
    order, sizes = search(responsibility.responsibility, ("sufficient",))  # reused from the last stability check
    queries["responsibility"] = oracle.queries - mark - searched["queries"]
    responsibility_done = time.perf_counter()

    def prefix_size(name: str) -> int:
        """The smallest prefix passing this test or a more demanding one (which implies it), searched
        for all of them together the first time a complete test needs it."""
        demanding = [other for other in DEMANDING_ORDER[DEMANDING_ORDER.index(name):] if other in tests]
        missing = tuple(other for other in demanding if other not in sizes)
        if missing and name != "sufficient":
            sizes.update(search(responsibility.responsibility, missing)[1])
        return min(sizes[other] for other in demanding if other in sizes)

    position = np.empty_like(order)
    position[order] = np.arange(order.shape[0])

    def ranked(mask: np.ndarray) -> np.ndarray:
        bins = np.flatnonzero(mask)
        return bins[np.argsort(position[bins], kind="stable")]

    def minimised(name: str, start: np.ndarray) -> tuple[np.ndarray, MinimalityReport]:
        """The set ``start`` minimised under this set's test and budget, its queries counted to it."""
        mask, report = minimise(oracle, start, tests[name], cfg.minimality_min_chunk, cfg.max_candidates(name),
                                cfg.search_grid)
        queries[f"{name}_minimality"] = queries.get(f"{name}_minimality", 0) + report.queries
        return mask, report

    extracted: dict[str, tuple[np.ndarray, str, dict]] = {}
    names = [name for name in DEMANDING_ORDER if name in tests]
    for before, name in zip([None, *names], names):
        test = tests[name]
        if before is not None:
            mark = oracle.queries
            carried = test.passes(oracle, extracted[before][0][None, :])[0]
            queries[f"{name}_minimality"] = oracle.queries - mark  # asking whether the set before passes this test
            if carried:
                # a removal that fails the less demanding test fails this one too: the pass's findings carry over
                mask, _, entry = extracted[before]
                extracted[name] = (mask, before, {**entry, "prefix_size": None, "carried_from": before})
                continue
        candidates = [("prefix", order[: prefix_size(name)])]
        if name == "sufficient" and responsibility.smallest_sufficient is not None:
            candidates.append(("refinement", ranked(mask_of(responsibility.smallest_sufficient, mutator.n_bins))))
        if before is not None:  # grown from the set before, searched only among sets smaller than the prefix
            grow_mark = oracle.queries
            grown = smallest_passing_extension(oracle, ranked(extracted[before][0]), order, test, cfg.search_grid,
                                               max_size=candidates[0][1].shape[0] - 1)
            searched["queries"] += oracle.queries - grow_mark
            if grown is not None:
                candidates.append(("grown", grown))
        origin, start = min(candidates, key=lambda candidate: candidate[1].shape[0])  # the first of equal sizes
        mask, report = minimised(name, start)
        extracted[name] = (mask, origin, _minimality_entry(sizes.get(name), report))
    # a 1-complete set is complete and a complete set sufficient: where a more demanding set came out
    # smaller, it replaces the less demanding one, minimised again under that one's test with a budget
    # of its own (the findings of the more demanding set's pass do not carry over in this direction)
    for weaker, stronger in reversed(list(zip(names, names[1:]))):
        if extracted[stronger][0].sum() < extracted[weaker][0].sum():
            earlier = extracted[weaker][2]["candidates"]
            mask, report = minimised(weaker, np.flatnonzero(extracted[stronger][0]))
            extracted[weaker] = (mask, stronger, _minimality_entry(extracted[weaker][2]["prefix_size"], report, earlier))

    queries["prefix_search"] = searched["queries"]  # stability checks, final prefixes, grown sets
    mark = oracle.queries
    for name, (mask, origin, _) in extracted.items():
        setattr(record, name, _subset_record(mask, origin, tests[name], oracle, classifier))
    record.inverse = InverseRecord(defined=False)
    if not record.complete.mask.all():
        leftover = oracle.verdicts(~record.complete.mask[None, :])
        record.inverse = InverseRecord(
            defined=True,
            class_index=int(leftover.top1[0]),
            class_name=classifier.class_names[int(leftover.top1[0])],
            confidence=float(leftover.confidence[0]),
        )
    queries["evaluation"] = oracle.queries - mark
    queries["total"] = oracle.queries
    finished = time.perf_counter()

    chains = responsibility.chain_lengths
    record.status = "ok"
    record.class_index = target
    record.class_name = classifier.class_names[target]
    record.p0 = p0
    record.minimality = {name: extracted[name][2] for name in SUBSET_NAMES if name in extracted}
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
    record.reused_verdicts = oracle.reused
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
