"""Unit tests of the explainer's pieces: responsibility degrees, prefix search, masks, mutants."""
from __future__ import annotations

import numpy as np
import torch

from transferability.explainer.extraction import prefix_masks, smallest_passing_prefix, smallest_passing_prefixes
from transferability.explainer.mutants import SpectralMutator
from transferability.explainer.record import pack_mask, unpack_mask
from transferability.explainer.responsibility import _split, degrees_of_responsibility, rank_bins


def _passing(*subsets: int) -> np.ndarray:
    table = np.zeros(16, dtype=bool)
    table[15] = True
    table[list(subsets)] = True
    return table


def test_lone_necessary_child_gets_full_responsibility():
    # only subsets containing child 0 pass: removing child 0 from the full set already fails (k = 0)
    passing = _passing(*[s for s in range(1, 15) if s & 1])
    np.testing.assert_allclose(degrees_of_responsibility(passing), [1.0, 0.0, 0.0, 0.0])


def test_nothing_passing_makes_every_child_counterfactual_in_the_full_set():
    np.testing.assert_allclose(degrees_of_responsibility(_passing()), [1.0, 1.0, 1.0, 1.0])


def test_either_of_two_children_suffices():
    # children 0 and 1 are interchangeable: each is counterfactual once the other is removed (k = 1)
    passing = _passing(*[s for s in range(1, 15) if s & 0b11])
    np.testing.assert_allclose(degrees_of_responsibility(passing), [0.5, 0.5, 0.0, 0.0])


def test_two_children_needed_together():
    # children 0 and 1 are both needed: removing either from the full set fails (k = 0)
    passing = _passing(*[s for s in range(1, 15) if s & 0b11 == 0b11])
    np.testing.assert_allclose(degrees_of_responsibility(passing), [1.0, 1.0, 0.0, 0.0])


def test_split_gives_four_nonempty_contiguous_runs_covering_the_region():
    rng = np.random.default_rng(0)
    region = np.arange(10, 60)
    for _ in range(100):
        children = _split(region, rng)
        assert len(children) == 4 and all(c.size for c in children)
        np.testing.assert_array_equal(np.concatenate(children), region)


def test_ranking_breaks_ties_by_magnitude():
    responsibility = np.array([0.5, 1.0, 0.5, 0.0, 1.0])
    magnitude = np.array([1.0, 2.0, 3.0, 9.0, 5.0])
    np.testing.assert_array_equal(rank_bins(responsibility, magnitude), [4, 1, 2, 0, 3])


def test_prefix_masks_hold_exactly_the_top_ranked_bins():
    order = np.random.default_rng(1).permutation(1000)
    masks = prefix_masks(order, np.array([1, 7, 500]))
    for row, k in zip(masks, (1, 7, 500)):
        assert set(np.flatnonzero(row)) == set(order[:k].tolist())


def test_prefix_search_is_exact_on_a_monotone_predicate_with_few_batches():
    calls = []

    def predicate(sizes: np.ndarray) -> np.ndarray:
        calls.append(sizes.size)
        return sizes >= 1234

    assert smallest_passing_prefix(predicate, 240_001, 32) == 1234
    assert len(calls) <= 5 and max(calls) <= 32


def test_several_prefix_searches_run_together_and_see_each_round_first():
    rounds = []
    found = smallest_passing_prefixes({"a": lambda s: s >= 10, "b": lambda s: s >= 5000}, 8001, 8,
                                      before_round=lambda sizes: rounds.append(sizes))
    assert found == {"a": 10, "b": 5000}
    assert all(np.all(np.diff(sizes) > 0) for sizes in rounds)  # one sorted union per round


def test_mutants_keep_exactly_the_masked_bins():
    x = torch.from_numpy(np.random.default_rng(2).standard_normal(1001).astype(np.float32))
    mutator = SpectralMutator(x)
    masks = torch.from_numpy(np.random.default_rng(3).random((3, mutator.n_bins)) < 0.3)
    mutants = mutator.mutants(masks)
    spectra = torch.fft.rfft(mutants, dim=-1)
    expected = torch.where(masks, mutator.spectrum[None, :], torch.zeros((), dtype=torch.complex64))
    torch.testing.assert_close(spectra, expected, atol=2e-4, rtol=0)
    np.testing.assert_allclose(mutator.render(np.ones(mutator.n_bins, dtype=bool)), x.numpy(), atol=1e-5)


def test_occlusion_value_fills_removed_bins():
    mutator = SpectralMutator(torch.zeros(64), occlusion=2.0)
    mask = np.zeros(mutator.n_bins, dtype=bool)
    spectrum = np.fft.rfft(mutator.render(mask))
    np.testing.assert_allclose(spectrum.real, 2.0, atol=1e-4)


def test_mask_packing_round_trips():
    mask = np.random.default_rng(4).random(240_001) < 0.01
    np.testing.assert_array_equal(unpack_mask(pack_mask(mask)), mask)


def test_the_oracle_remembers_verdicts_and_counts_only_new_mutants():
    from tests.helpers.known_answer import classifier, tones
    from transferability.explainer.oracle import Oracle
    from transferability.models.toy import LoudestBand

    model = classifier(LoudestBand([(100.0, 1000.0), (2000.0, 3000.0)]), ("low", "mid"), "loudest-band")
    mutator = SpectralMutator(torch.from_numpy(tones([(2500, 1.0), (500, 0.5)])))
    oracle = Oracle(model, mutator, target=1, batch_size=4)
    masks = np.random.default_rng(5).random((6, mutator.n_bins)) < 0.5
    first = oracle.verdicts(masks)
    assert (oracle.queries, oracle.reused) == (6, 0)
    again = oracle.verdicts(np.concatenate([masks[[4, 1]], masks[[1]], ~masks[:1]]))
    assert (oracle.queries, oracle.reused) == (7, 3)  # only the new mask (~masks[0]) reached the model
    np.testing.assert_array_equal(again.top1[:3], first.top1[[4, 1, 1]])
    np.testing.assert_array_equal(again.confidence[:3], first.confidence[[4, 1, 1]])
    assert oracle.model_calls == 3  # 6 masks in batches of 4, then 1



def _loudest_band_oracle(target: int = 1, parts: tuple = ((2500, 1.0), (500, 0.5))):
    from tests.helpers.known_answer import classifier, tones
    from transferability.explainer.oracle import Oracle
    from transferability.models.toy import LoudestBand

    model = classifier(LoudestBand([(100.0, 1000.0), (2000.0, 3000.0)]), ("low", "mid"), "loudest-band")
    mutator = SpectralMutator(torch.from_numpy(tones(list(parts))))
    return Oracle(model, mutator, target=target, batch_size=64), mutator


def test_a_complete_test_gives_the_same_answer_whichever_half_it_asks_first():
    from transferability.explainer.extraction import SetTest

    two_mid_tones = ((2500, 1.0), (2700, 1.0), (500, 0.5))  # bins of a 1 s clip are 1 Hz apart
    oracle, mutator = _loudest_band_oracle(parts=two_mid_tones)
    masks = np.zeros((3, mutator.n_bins), dtype=bool)
    masks[0, [2500, 2700]] = True  # keeps the class and the rest (the low tone) loses it: passes
    masks[1, 500] = True  # loses the class itself, while its rest keeps it
    masks[2, 2500] = True  # keeps the class, but so does its rest (the other mid tone)
    test = SetTest(0.0, rest_loses=True)
    keep_first = test.passes(oracle, masks)
    np.testing.assert_array_equal(keep_first, [True, False, False])
    assert oracle.queries == 3 + 2  # every kept half, then the rests of the two that kept the class
    rest_first_oracle, _ = _loudest_band_oracle(parts=two_mid_tones)
    np.testing.assert_array_equal(test.passes(rest_first_oracle, masks, rest_first=True), keep_first)
    assert rest_first_oracle.queries == 3 + 1  # every rest, then the kept half of the one whose rest lost


def test_minimising_never_removes_every_bin_even_where_the_empty_signal_would_pass():
    from transferability.explainer.extraction import SetTest, minimise

    oracle, _ = _loudest_band_oracle(target=0)  # silence ties both bands and reads as class 0
    assert SetTest(0.0).passes(oracle, np.zeros((1, oracle.mutator.n_bins), dtype=bool))[0]
    mask, report = minimise(oracle, np.arange(496, 504), SetTest(0.0), min_chunk=1, max_candidates=100)
    assert mask.sum() == 1 and report.one_minimal and not report.budget_exhausted


def test_a_grown_set_is_searched_only_up_to_its_size_limit():
    from transferability.explainer.extraction import SetTest, smallest_passing_extension

    oracle, mutator = _loudest_band_oracle(parts=((2500, 1.0), (2700, 1.0), (500, 0.5)))
    first = [2500, 7000, 2700]
    order = np.concatenate([first, np.setdiff1d(np.arange(mutator.n_bins), first)])
    complete = SetTest(0.0, rest_loses=True)  # the rest (the low tone) loses "mid" once both mid tones are kept
    grown = smallest_passing_extension(oracle, np.array([2500]), order, complete, points=8)
    assert grown.tolist() == first
    assert smallest_passing_extension(oracle, np.array([2500]), order, complete, points=8, max_size=3).tolist() == first
    asked = oracle.queries
    assert smallest_passing_extension(oracle, np.array([2500]), order, complete, points=8, max_size=2) is None
    assert oracle.queries - asked <= 2  # one set at the limit, and its rest


class _RequiredBins:
    """An oracle stand-in whose class (1) stays exactly while every required bin is kept."""

    def __init__(self, n_bins: int, required: np.ndarray) -> None:
        from types import SimpleNamespace

        self.mutator = SimpleNamespace(n_bins=n_bins)
        self.required = np.asarray(required)
        self.target = 1
        self.queries = 0

    def verdicts(self, masks: np.ndarray):
        from transferability.explainer.oracle import Verdicts

        masks = np.asarray(masks, dtype=bool).reshape(-1, self.mutator.n_bins)
        self.queries += masks.shape[0]
        keeps = masks[:, self.required].all(axis=1)
        return Verdicts(top1=np.where(keeps, 1, 0), confidence=keeps.astype(np.float64))


def test_a_run_search_cut_short_by_the_budget_still_removes_the_chunks_it_found_can_go():
    from transferability.explainer.extraction import SetTest, minimise

    oracle = _RequiredBins(1000, np.arange(100))  # only the first quarter of the set is needed
    mask, report = minimise(oracle, np.arange(1000), SetTest(0.5), min_chunk=1, max_candidates=6)
    # the quarters alone (4 candidates), then the run of the three that can go searched in the 2 left
    assert np.flatnonzero(mask).tolist() == list(range(250))
    assert report.candidates == 6 and report.budget_exhausted and not report.one_minimal


def test_a_pass_out_of_budget_skips_a_level_coarser_than_the_one_it_completed():
    from transferability.explainer.extraction import SetTest, minimise

    oracle = _RequiredBins(700, np.arange(0, 700, 7))  # every 7th bin needed: no chunk of 7 or more can go
    budget = 170  # room for the levels down to chunks of 10 (135 candidates), not for the 140 chunks of 5
    mask, report = minimise(oracle, np.arange(700), SetTest(0.5), min_chunk=1, max_candidates=budget)
    assert report.budget_exhausted and report.smallest_chunk == 10 and mask[oracle.required].all()
    # the 19 candidates left after room for a run search would have made chunks of 37 bins, each
    # holding a whole chunk of 10 that could not go: no such level was tested. The levels down to 10
    # tested 135 chunks but one: the last 6-bin chunk holds the failed 3-bin tail of the 21-bin level
    assert report.candidates == 134


def test_after_a_restart_no_chunk_holding_one_that_failed_is_tested_again():
    from transferability.explainer.extraction import SetTest, minimise

    oracle = _RequiredBins(800, np.arange(0, 800, 50))  # one needed bin in every 50
    mask, report = minimise(oracle, np.arange(800), SetTest(0.5), min_chunk=1, max_candidates=1000)
    assert np.flatnonzero(mask).tolist() == oracle.required.tolist() and report.one_minimal
    # chunks of 200, 100 and 50 all fail, half the 25-bin chunks go, and the pass restarts on the 400
    # bins left: its chunks of 100, 50 and 25 each hold a 25-bin chunk that failed, and so on at each
    # later restart. Testing them again, as the pass did before it remembered them, took 382 candidates
    assert report.candidates == 254



def test_the_stability_check_extracts_sets_only_after_rounds_that_can_stop_the_run():
    from transferability.explainer.config import ExplainerConfig
    from transferability.explainer.responsibility import compute_responsibility, jaccard

    oracle, mutator = _loudest_band_oracle()
    top = lambda responsibility: frozenset(rank_bins(responsibility, mutator.magnitude)[:40].tolist())  # noqa: E731
    extracted_after = []

    def extracted(responsibility: np.ndarray) -> list[frozenset[int]]:
        extracted_after.append(responsibility.copy())
        return [top(responsibility)]

    cfg = ExplainerConfig(seed=0, round_size=3, min_iterations=6, max_iterations=6)
    result = compute_responsibility(oracle, cfg, 0.0, 0.0, extracted)
    one_round = ExplainerConfig(seed=0, round_size=3, min_iterations=3, max_iterations=3)
    first_round = compute_responsibility(oracle, one_round, 0.0, 0.0, extracted).responsibility
    # the round ending at 3 iterations cannot stop the run: only the final ranking's sets were extracted,
    # each compared with as many top-ranked bins of the ranking after 3 iterations
    assert len(extracted_after) == 1 and result.iterations_run == 6
    np.testing.assert_array_equal(extracted_after[0], result.responsibility)
    assert result.jaccard_history == [jaccard(top(first_round), top(result.responsibility))]
    assert result.jaccard_history[0] < 1.0  # the two rankings differ: the comparison is not vacuous
