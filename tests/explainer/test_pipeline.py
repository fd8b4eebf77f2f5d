"""Known-answer tests of the explainer: decisions that provably depend on known bands."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers.known_answer import SAMPLE_RATE, BinAboveFloor, BothBandsAboveFloor, bins_in, classifier, tones
from transferability import ConfigError, ExplainerConfig, Explanation, explain, render_signals
from transferability.models.contract import AudioClassifier, AudioInputError
from transferability.models.toy import LoudestBand

LOW, MID = (100.0, 1000.0), (2000.0, 3000.0)
FAST = ExplainerConfig(seed=3)


@pytest.fixture(scope="module")
def loudest_band():
    model = classifier(LoudestBand([LOW, MID]), ("low", "mid"), "loudest-band")
    clip = tones([(2200, 1.0), (2600, 0.8), (500, 0.6)], noise=0.01)
    return model, clip, explain(clip, model, FAST, clip_id="mid-tones")


@pytest.fixture(scope="module")
def both_bands():
    band_a, band_b = (300.0, 800.0), (4000.0, 5000.0)
    # each 1 s unit sine puts (8000)^2 = 6.4e7 of energy in its bin: one tone per band is below the floor, two are above
    model = classifier(BothBandsAboveFloor(band_a, band_b, floor=1.0e8), ("both", "not"), "both-bands")
    clip = tones([(400, 1.0), (600, 1.0), (4200, 1.0), (4700, 1.0), (1500, 1.0)])
    return model, clip, explain(clip, model, FAST, clip_id="four-tones")


@pytest.fixture(scope="module")
def decoys():
    # a detector of one quiet bin (2000 Hz) beside four loud tones it ignores; with boxes of at least
    # 256 bins the refinement never separates the neighbours, they tie in responsibility and the
    # louder decoys rank first: the ranking's smallest sufficient prefix holds decoys
    model = classifier(BinAboveFloor((1999.5, 2000.5), floor=1.0e6), ("tone", "none"), "one-bin")
    clip = tones([(2000, 0.3), (1998, 1.0), (1999, 1.0), (2001, 1.0), (2002, 1.0), (500, 1.0)])
    return model, clip, explain(clip, model, ExplainerConfig(seed=0, min_box_size=256), clip_id="decoys")


def _class_of(model: AudioClassifier, waveform: np.ndarray) -> tuple[int, float, torch.Tensor]:
    probs = model.probabilities(torch.from_numpy(waveform)[None, :])[0]
    return int(probs.argmax()), float(probs.max()), probs


def test_sufficient_set_lies_inside_the_decisive_band(loudest_band):
    model, clip, record = loudest_band
    assert record.status == "ok" and record.class_name == "mid"
    decisive = bins_in(MID, clip.shape[0])
    for name in ("sufficient", "complete", "one_complete"):
        mask = record.subset(name).mask
        assert mask.any()
        assert not (mask & ~decisive).any(), f"{name} has bins outside the decisive band"


def test_masks_select_exactly_the_ranked_bins_not_a_low_pass_range(loudest_band):
    _, clip, record = loudest_band
    # a [0, j) low-pass reading of a ranking position would include DC and the low band
    first_mid_bin = int(np.argmax(bins_in(MID, clip.shape[0])))
    for name in ("sufficient", "complete"):
        mask = record.subset(name).mask
        assert not mask[:first_mid_bin].any()
        assert record.subset(name).size == int(mask.sum()) <= 1000


def test_sufficient_signal_passes_alone_and_every_chunk_is_needed(loudest_band):
    model, clip, record = loudest_band
    signals = render_signals(clip, record)
    top1, confidence, _ = _class_of(model, signals["sufficient"])
    assert top1 == record.class_index and confidence >= record.delta * record.p0
    assert record.minimality["sufficient"]["one_minimal"]
    spectrum = np.fft.rfft(clip)
    kept = np.flatnonzero(record.sufficient.mask)
    for drop in kept:
        mask = record.sufficient.mask.copy()
        mask[drop] = False
        top1, confidence, _ = _class_of(model, np.fft.irfft(spectrum * mask, n=clip.shape[0]).astype(np.float32))
        assert top1 != record.class_index or confidence < record.delta * record.p0


def test_complete_set_is_exactly_the_two_decisive_tones(loudest_band):
    # the rest loses "mid" only once both mid tones are gone; any smaller set leaves one in the rest
    _, clip, record = loudest_band
    freqs = np.fft.rfftfreq(clip.shape[0], 1.0 / SAMPLE_RATE)
    assert sorted(freqs[record.complete.mask].tolist()) == [2200.0, 2600.0]
    assert record.minimality["complete"]["one_minimal"]


def test_complete_rest_changes_class_and_inverse_is_original_minus_complete(loudest_band):
    model, clip, record = loudest_band
    signals = render_signals(clip, record)
    assert _class_of(model, signals["complete"])[0] == record.class_index
    assert record.inverse.defined and record.inverse.class_index != record.class_index
    assert _class_of(model, signals["inverse"])[0] == record.inverse.class_index
    np.testing.assert_allclose(signals["inverse"], clip - signals["complete"], atol=1e-5)


def test_conjunctive_decision_needs_exactly_the_four_tones(both_bands):
    _, clip, record = both_bands
    freqs = np.fft.rfftfreq(clip.shape[0], 1.0 / SAMPLE_RATE)
    assert record.class_name == "both"
    assert sorted(freqs[record.sufficient.mask].tolist()) == [400.0, 600.0, 4200.0, 4700.0]
    assert record.sufficient.fraction == pytest.approx(4 / record.n_bins)
    assert record.complete.mask[record.sufficient.mask].all()
    assert not record.complete.mask[int(np.argmin(np.abs(freqs - 1500)))]


def test_the_exact_smallest_sufficient_set_is_found_where_the_ranking_alone_gives_a_larger_prefix(decoys):
    _, clip, record = decoys
    freqs = np.fft.rfftfreq(clip.shape[0], 1.0 / SAMPLE_RATE)
    assert record.class_name == "tone"
    assert record.minimality["sufficient"]["prefix_size"] > 1  # the ranking alone: decoys before the tone
    for name in ("sufficient", "complete", "one_complete"):
        assert freqs[record.subset(name).mask].tolist() == [2000.0], name
        assert record.minimality[name]["one_minimal"] and record.subset(name).verified


def test_a_sufficient_set_that_is_complete_is_the_complete_set_at_the_cost_of_one_query(both_bands):
    _, _, record = both_bands
    assert record.complete.origin == "sufficient" and record.one_complete.origin == "complete"
    np.testing.assert_array_equal(record.complete.mask, record.sufficient.mask)
    assert record.queries["complete_minimality"] == 1  # the rest of the sufficient set, to see that it loses
    entry = record.minimality["complete"]
    assert entry["carried_from"] == "sufficient" and entry["one_minimal"] and entry["prefix_size"] is None


@pytest.mark.parametrize("case", ["loudest_band", "both_bands", "decoys"])
def test_sufficient_is_never_larger_than_complete_nor_complete_than_one_complete(case, request):
    model, clip, record = request.getfixturevalue(case)
    sizes = [record.subset(name).size for name in ("sufficient", "complete", "one_complete")]
    assert sizes == sorted(sizes)
    for name in ("sufficient", "complete", "one_complete"):  # every reported set passes its test, re-checked here
        subset = record.subset(name)
        signal = render_signals(clip, record)[name]
        top1, confidence, probs = _class_of(model, signal)
        threshold = record.p0 if name == "one_complete" else record.delta * record.p0
        assert subset.verified and top1 == record.class_index and confidence >= threshold - 1e-5
        if name != "sufficient":
            rest = np.fft.irfft(np.fft.rfft(clip) * ~subset.mask, n=clip.shape[0]).astype(np.float32)
            assert _class_of(model, rest)[0] != record.class_index


def test_a_minimality_pass_out_of_budget_says_so():
    model = classifier(LoudestBand([LOW, MID]), ("low", "mid"), "loudest-band")
    clip = tones([(2200, 1.0), (2600, 0.8), (500, 0.6)], noise=0.01)
    record = explain(clip, model, ExplainerConfig(seed=3, minimality_max_candidates=2, complete_max_candidates=2), clip_id="tight")
    ran_out = [name for name, entry in record.minimality.items() if entry["budget_exhausted"]]
    assert ran_out and all(not record.minimality[name]["one_minimal"] for name in ran_out)
    assert "minimality budget ran out" in record.minimality_note() and ran_out[0] in record.minimality_note()
    assert all(record.subset(name).verified for name in ("sufficient", "complete", "one_complete"))


def test_the_sufficient_set_and_the_complete_sets_have_budgets_of_their_own():
    model = classifier(LoudestBand([LOW, MID]), ("low", "mid"), "loudest-band")
    clip = tones([(2200, 1.0), (2600, 0.8), (500, 0.6)], noise=0.01)
    record = explain(clip, model, ExplainerConfig(seed=3, complete_max_candidates=2), clip_id="tight-complete")
    assert record.minimality["sufficient"]["one_minimal"] and not record.minimality["sufficient"]["budget_exhausted"]
    complete = record.minimality["complete"]
    assert complete["budget_exhausted"] and complete["candidates"] <= 2 and not complete["one_minimal"]
    assert record.sufficient.size <= record.complete.size <= record.one_complete.size


def test_same_seed_gives_identical_masks_and_map(loudest_band):
    model, clip, record = loudest_band
    again = explain(clip, model, FAST, clip_id="mid-tones")
    for name in ("sufficient", "complete", "one_complete"):
        np.testing.assert_array_equal(record.subset(name).mask, again.subset(name).mask)
    np.testing.assert_array_equal(record.responsibility, again.responsibility)
    assert record.queries == again.queries


def test_batching_makes_several_times_fewer_model_calls_than_queries(loudest_band):
    _, _, record = loudest_band
    assert record.queries["total"] == sum(v for k, v in record.queries.items() if k != "total")
    assert record.model_calls * 5 <= record.queries["total"]
    assert record.reused_verdicts > 0  # the final sets' verdicts, at least, come from the oracle's memory


def test_stability_is_recorded(loudest_band):
    _, _, record = loudest_band
    stability = record.stability
    assert stability["iterations_run"] >= FAST.min_iterations
    assert len(stability["chain_lengths"]) == stability["iterations_run"]
    assert stability["iterations_counted"] == sum(c >= FAST.min_chain_length for c in stability["chain_lengths"])
    # one Jaccard per round compared with the round before, from the round before min_iterations on
    assert len(stability["jaccard_history"]) == stability["iterations_run"] // FAST.round_size - 1
    assert stability["converged"] == (stability["jaccard_history"][-1] >= FAST.stability_jaccard)


def test_record_round_trips_through_json(loudest_band, tmp_path):
    _, _, record = loudest_band
    loaded = Explanation.load_json(record.save_json(tmp_path / "record.json"))
    np.testing.assert_array_equal(loaded.sufficient.mask, record.sufficient.mask)
    assert loaded.to_dict() == record.to_dict()


def test_silence_is_recorded_not_explained():
    model = classifier(LoudestBand([LOW, MID]), ("low", "mid"), "loudest-band")
    record = explain(np.zeros(SAMPLE_RATE, dtype=np.float32), model, FAST, clip_id="silence")
    assert record.status == "silent" and record.sufficient is None and record.queries == {}


def test_nan_samples_are_refused_with_the_clip_named():
    model = classifier(LoudestBand([LOW, MID]), ("low", "mid"), "loudest-band")
    clip = tones([(500, 1.0)])
    clip[10] = np.nan
    with pytest.raises(AudioInputError, match="broken-clip"):
        explain(clip, model, FAST, clip_id="broken-clip")


def test_short_clips_are_refused_or_padded_and_long_ones_cropped():
    model = classifier(LoudestBand([LOW, MID]), ("low", "mid"), "picky")
    model.min_samples, model.max_samples = 12_000, 14_000
    short = tones([(2500, 1.0)], seconds=0.5)
    with pytest.raises(AudioInputError, match="'short'.*'picky'"):
        explain(short, model, FAST, clip_id="short")
    padded = explain(short, model, ExplainerConfig(seed=3, pad_short_clips=True), clip_id="short")
    assert padded.input["padded_to"] == 12_000 and padded.n_samples == 12_000
    cropped = explain(tones([(2500, 1.0)]), model, FAST, clip_id="long")
    assert cropped.input == {"original_samples": SAMPLE_RATE, "cropped_to": 14_000}
    assert cropped.n_bins == 7001 and cropped.class_name == "mid"


def test_config_errors_name_the_key():
    with pytest.raises(ConfigError, match="'delta'"):
        ExplainerConfig(delta=1.5)
    with pytest.raises(ConfigError, match="'iterations'"):
        ExplainerConfig.from_dict({"iterations": 3})
    with pytest.raises(ConfigError, match="'max_iterations'"):
        ExplainerConfig(min_iterations=30, max_iterations=20)
