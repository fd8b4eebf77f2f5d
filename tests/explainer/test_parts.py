"""Unit tests of the explainer's pieces: responsibility degrees, prefix search, masks, mutants."""
from __future__ import annotations

import numpy as np
import torch

from transferability.explainer.extraction import PrefixMasks, smallest_passing_prefix
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
    prefixes = PrefixMasks(order, torch.device("cpu"))
    masks = prefixes.masks(np.array([1, 7, 500])).numpy()
    for row, k in zip(masks, (1, 7, 500)):
        assert set(np.flatnonzero(row)) == set(order[:k].tolist())
        np.testing.assert_array_equal(row, prefixes.mask(k))


def test_prefix_search_is_exact_on_a_monotone_predicate_with_few_batches():
    calls = []

    def predicate(sizes: np.ndarray) -> np.ndarray:
        calls.append(sizes.size)
        return sizes >= 1234

    assert smallest_passing_prefix(predicate, 240_001, 32) == 1234
    assert len(calls) <= 5 and max(calls) <= 32


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


def test_allocator_tuning_is_accepted_by_glibc():
    # mallopt answers 0 for a parameter it does not know: wrong constants would fail here
    import platform

    from transferability.workflow.allocator import tune_malloc

    assert tune_malloc() is (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc")
