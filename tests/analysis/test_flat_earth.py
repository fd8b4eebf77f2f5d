"""Flat-earther permutation tests: a planted flat-earther is found, none is found where there is none,
and the pieces (within-row shuffles, differences from the others, p-value adjustment) by hand."""
import numpy as np
import pandas as pd
import pytest

from tests.analysis.test_transfer_statistics import ONEHOT, row
from transferability.analysis.flat_earth import (
    adjust_p_values,
    flat_earth_tests,
    incoming_matrix,
    incoming_test,
    outgoing_matrix,
    shuffled_within_rows,
    versus_others,
)
from transferability.analysis.transfer_statistics import off_diagonal_indicators, pair_matrix, ROW_AVERAGE

MODELS = ("A", "B", "C", "D", "E")


def acceptance_table(accept, n_items: int = 20, seed: int = 0, signal: str = "sufficient") -> pd.DataFrame:
    """Every model explains the same items as class x; target g accepts f's signal (gives x) with
    probability ``accept(f, g)``, drawn with a seeded generator."""
    rng = np.random.default_rng(seed)
    rows = []
    for source in MODELS:
        for item in range(n_items):
            for target in MODELS:
                accepted = source == target or rng.random() < accept(source, target)
                rows.append(row(source, f"i{item}", "x", target, ONEHOT["x"] if accepted else ONEHOT["y"], signal))
    return pd.DataFrame(rows)


def planted(source: str, target: str) -> float:
    """E's signals are rarely accepted and E rarely accepts; everyone else agrees most of the time."""
    return 0.15 if "E" in (source, target) else 0.75


def test_planted_flat_earther_is_found():
    result = flat_earth_tests(acceptance_table(planted), "sufficient", 2000, seed=0, level=0.05).set_index("model")
    assert result["flat_earther"].to_dict() == {"A": False, "B": False, "C": False, "D": False, "E": True}
    assert result.loc["E", "outgoing_difference"] < -0.4 and result.loc["E", "incoming_difference"] < -0.4
    # the smallest p-value 2000 permutations can give, times 5 models (Holm's first step)
    assert result.loc["E", "outgoing_p_adjusted"] == pytest.approx(5 / 2001)
    assert result.loc["E", "incoming_p_adjusted"] == pytest.approx(5 / 2001)
    assert (result.loc[list("ABCD"), ["outgoing_p_adjusted", "incoming_p_adjusted"]] > 0.05).all().all()


def test_no_flat_earther_when_every_pair_agrees_alike():
    for seed in range(3):
        result = flat_earth_tests(acceptance_table(lambda s, t: 0.6, seed=seed), "sufficient", 2000, seed, 0.05)
        assert not result["flat_earther"].any(), seed


def test_low_outgoing_alone_is_not_a_flat_earther():
    """E's signals are rejected, but E accepts the others' as they accept each other's."""
    result = flat_earth_tests(acceptance_table(lambda s, t: 0.15 if s == "E" else 0.75), "sufficient", 2000, 0, 0.05)
    e = result.set_index("model").loc["E"]
    assert e["outgoing_significant"] and not e["incoming_significant"] and not e["flat_earther"]


def test_rates_and_differences_match_the_transferability_table():
    scores = acceptance_table(planted, n_items=8, seed=4)
    matrix = pair_matrix(scores, "sufficient", "alpha", None).drop(columns=ROW_AVERAGE)
    rows = matrix.mean(axis=1)
    columns = matrix.mean(axis=0)
    result = flat_earth_tests(scores, "sufficient", 10, 0, 0.05).set_index("model")
    for model in MODELS:
        others = [m for m in MODELS if m != model]
        assert result.loc[model, "outgoing_difference"] == pytest.approx(rows[model] - rows[others].mean())
        assert result.loc[model, "incoming_difference"] == pytest.approx(columns[model] - columns[others].mean())


def test_tests_are_seeded():
    scores = acceptance_table(lambda s, t: 0.6, n_items=6, seed=1)
    first = flat_earth_tests(scores, "sufficient", 300, 5, 0.05)
    pd.testing.assert_frame_equal(first, flat_earth_tests(scores, "sufficient", 300, 5, 0.05))
    assert not first["outgoing_p_value"].equals(flat_earth_tests(scores, "sufficient", 300, 6, 0.05)["outgoing_p_value"])


def test_two_models_cannot_test_incoming():
    rows = [row(s, f"i{k}", "x", t, ONEHOT["x"] if k % 2 else ONEHOT["y"]) for s in "AB" for t in "AB" for k in range(6)]
    result = flat_earth_tests(pd.DataFrame(rows), "sufficient", 100, 0, 0.05)
    assert result["incoming_p_value"].isna().all() and (result["incoming_informative"] == 0).all()
    assert result["outgoing_p_value"].notna().all() and not result["flat_earther"].any()


def test_shuffles_permute_each_rows_values_among_its_present_positions():
    values = np.array([[1.0, 2.0, np.nan, 3.0], [np.nan, 5.0, np.nan, 7.0], [9.0, np.nan, np.nan, np.nan]])
    chunks = list(shuffled_within_rows(values, 500, np.random.default_rng(0)))
    shuffled = np.concatenate(chunks)
    assert shuffled.shape == (500, 3, 4)
    assert np.array_equal(np.isnan(shuffled), np.broadcast_to(np.isnan(values), shuffled.shape))
    for r in range(3):
        present = ~np.isnan(values[r])
        assert (np.sort(shuffled[:, r, present], axis=1) == np.sort(values[r, present])).all()
    orders = {tuple(s[0, [0, 1, 3]]) for s in shuffled}
    assert len(orders) == 6  # all 3! orders of the first row occur
    assert set(shuffled[:, 1, 1]) == {5.0, 7.0}


def test_versus_others_by_hand():
    rates = np.array([0.2, 0.6, np.nan, 1.0])
    assert versus_others(rates) == pytest.approx([0.2 - 0.8, 0.6 - 0.6, np.nan, 1.0 - 0.4], nan_ok=True)


def test_matrices_hold_per_signal_rates_and_indicators():
    scores = acceptance_table(planted, n_items=3, seed=2)
    rows = off_diagonal_indicators(scores, "sufficient", "alpha", None)
    rates = outgoing_matrix(rows, list(MODELS))
    assert rates.shape == (3, 5)
    indicators, sources = incoming_matrix(rows, list(MODELS))
    assert indicators.shape == (15, 5) and np.isnan(indicators[np.arange(15), sources]).all()
    # a signal's rate is the mean of its judges' indicators
    per_signal = np.nanmean(indicators, axis=1)
    for k, source in enumerate(sources):
        assert per_signal[k] in rates[:, source]
    statistic, p, informative = incoming_test(indicators, sources, 5, 50, np.random.default_rng(0))
    assert (informative == 12).all() and ((p > 0) & (p <= 1)).all()


def test_holm_and_bonferroni_by_hand():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.5])
    assert adjust_p_values(p, "bonferroni") == pytest.approx([0.04, 0.16, np.nan, 0.12, 1.0], nan_ok=True)
    # sorted 0.01, 0.03, 0.04, 0.5 times 4, 3, 2, 1 = 0.04, 0.09, 0.08 -> 0.09 (monotone), 0.5
    assert adjust_p_values(p, "holm") == pytest.approx([0.04, 0.09, np.nan, 0.09, 0.5], nan_ok=True)
    assert adjust_p_values(p, "none") == pytest.approx(p, nan_ok=True)
    with pytest.raises(ValueError, match="correction"):
        adjust_p_values(p, "sidak")


def test_bad_arguments_are_refused():
    scores = acceptance_table(planted, n_items=2)
    with pytest.raises(ValueError, match="level"):
        flat_earth_tests(scores, "sufficient", 10, 0, 1.5)
    with pytest.raises(ValueError, match="correction"):
        flat_earth_tests(scores, "sufficient", 10, 0, 0.05, correction="fdr")
    with pytest.raises(ValueError, match="needs epsilon"):
        flat_earth_tests(scores, "sufficient", 10, 0, 0.05, metric="joint")
