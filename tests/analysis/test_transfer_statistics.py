"""Transferability statistics against hand-computed answers and an independent recomputation."""
import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from transferability.analysis.transfer_statistics import (
    ROW_AVERAGE,
    beta_breakpoints,
    beta_curve,
    bootstrap_cells,
    bootstrap_interval,
    direction_intervals,
    entropy_bits,
    filter_stable,
    pair_matrix,
    paired_t_test,
    per_signal_indicators,
    per_signal_rates,
)

LABELS = ("x", "y", "z")
ONEHOT = {c: [1.0 if c == l else 0.0 for l in LABELS] for c in LABELS}  # H = 0
PEAKED = {c: [0.8 if c == l else 0.1 for l in LABELS] for c in LABELS}  # H = 0.922 bits = 0.58 log2(3)
FLAT = {c: [0.4 if c == l else 0.3 for l in LABELS] for c in LABELS}  # H = 1.571 bits = 0.99 log2(3)


def row(source, item, explained, target, probs, signal="sufficient", dataset="d1", labels=LABELS):
    return {
        "task": "toy", "dataset": dataset, "item_id": item, "source_model": source, "signal": signal,
        "explained_class": explained, "target_model": target,
        "predicted_class": labels[int(np.argmax(probs))],
        **{f"p:{label}": float(p) for label, p in zip(labels, probs)},
    }


def known_table() -> pd.DataFrame:
    """Three models, four sufficient signals each; the answers are worked out in the comments."""
    o, p, f = ONEHOT, PEAKED, FLAT
    rows = []
    # A explains x. B: same 1,1,1,0; low(eps=.75) 1,1,0,1. C: same 1,0,0,0; low 0,1,0,0.
    for item, b, c in [("a1", o["x"], f["x"]), ("a2", p["x"], o["y"]), ("a3", f["x"], f["y"]), ("a4", p["y"], f["z"])]:
        rows += [row("A", item, "x", "A", o["y"]), row("A", item, "x", "B", b), row("A", item, "x", "C", c)]
    # B explains y, y, z, z. A: same 1,1,1,0; low 1,1,1,1. C: same 1,1,0,1; low 1,0,0,1.
    for item, cls, a, c in [("b1", "y", o["y"], p["y"]), ("b2", "y", o["y"], f["y"]),
                            ("b3", "z", o["z"], f["x"]), ("b4", "z", p["x"], p["z"])]:
        rows += [row("B", item, cls, "A", a), row("B", item, cls, "B", o["x"]), row("B", item, cls, "C", c)]
    # C explains z. A: all flat z (same, not low). B: all one-hot x (low, not same).
    for item in ("c1", "c2", "c3", "c4"):
        rows += [row("C", item, "z", "A", f["z"]), row("C", item, "z", "B", o["x"]), row("C", item, "z", "C", o["y"])]
    return pd.DataFrame(rows)


EXPECTED = {  # (source, target) -> (alpha, beta at eps=0.75, joint at eps=0.75)
    ("A", "B"): (0.75, 0.75, 0.5), ("A", "C"): (0.25, 0.25, 0.0),
    ("B", "A"): (0.75, 1.0, 0.75), ("B", "C"): (0.75, 0.5, 0.5),
    ("C", "A"): (1.0, 0.0, 0.0), ("C", "B"): (0.0, 1.0, 0.0),
}


def test_entropy_bits():
    assert entropy_bits(np.array([0.5, 0.5])) == pytest.approx(1.0)
    assert entropy_bits(np.array([1.0, 0.0, 0.0])) == 0.0
    assert entropy_bits(np.full((2, 4), 0.25)) == pytest.approx([2.0, 2.0])
    assert entropy_bits(np.array(PEAKED["x"])) == pytest.approx(-(0.8 * math.log2(0.8) + 0.2 * math.log2(0.1)))


@pytest.mark.parametrize("metric, position", [("alpha", 0), ("beta", 1), ("joint", 2)])
def test_pair_matrix_matches_hand_computation(metric, position):
    matrix = pair_matrix(known_table(), "sufficient", metric, epsilon=0.75)
    assert list(matrix.index) == ["A", "B", "C"]
    assert list(matrix.columns) == ["A", "B", "C", ROW_AVERAGE]
    for (source, target), values in EXPECTED.items():
        assert matrix.loc[source, target] == pytest.approx(values[position])
    for model in "ABC":
        assert np.isnan(matrix.loc[model, model])
        off = [values[position] for (s, _), values in EXPECTED.items() if s == model]
        assert matrix.loc[model, ROW_AVERAGE] == pytest.approx(np.mean(off))


def test_epsilon_extremes():
    scores = known_table()
    ones = pair_matrix(scores, "sufficient", "beta", epsilon=1.0).drop(columns=ROW_AVERAGE)
    assert np.nanmin(ones.to_numpy()) == 1.0  # uniform-ish FLAT still counts at eps = 1
    tiny = pair_matrix(scores, "sufficient", "beta", epsilon=1e-9)
    expected_onehot = {("A", "B"): 0.25, ("A", "C"): 0.25, ("B", "A"): 0.75, ("B", "C"): 0.0,
                       ("C", "A"): 0.0, ("C", "B"): 1.0}
    for (source, target), value in expected_onehot.items():
        assert tiny.loc[source, target] == value


def test_epsilon_one_accepts_exactly_uniform():
    labels = ("a", "b", "c", "d", "e", "f", "g")
    rows = [row("A", "i", "a", "B", [1 / 7] * 7, labels=labels), row("B", "i", "a", "A", [1 / 7] * 7, labels=labels)]
    indicators = per_signal_indicators(pd.DataFrame(rows), epsilon=1.0)
    assert indicators["low_entropy"].all()


def test_diagonal_is_excluded():
    scores = known_table()
    base = pair_matrix(scores, "sufficient", "alpha", 0.75)
    flipped = scores.copy()
    diagonal = flipped["source_model"] == flipped["target_model"]
    flipped.loc[diagonal, "predicted_class"] = flipped.loc[diagonal, "explained_class"]
    pd.testing.assert_frame_equal(base, pair_matrix(flipped, "sufficient", "alpha", 0.75))


def test_row_average_equals_mean_of_per_signal_alpha():
    scores = known_table()
    rates = per_signal_rates(scores, "sufficient", "alpha", 0.75)
    matrix = pair_matrix(scores, "sufficient", "alpha", 0.75)
    per_source = rates.groupby("source_model")["rate"].mean()
    for model in "ABC":
        assert matrix.loc[model, ROW_AVERAGE] == pytest.approx(per_source[model])
    a1 = rates[(rates["source_model"] == "A") & (rates["item_id"] == "a1")]["rate"].item()
    assert a1 == 1.0  # both B and C give x


def test_indicator_columns():
    indicators = per_signal_indicators(known_table(), 0.75)
    assert {"entropy_bits", "same_class", "low_entropy", "transfers"} <= set(indicators.columns)
    assert (indicators["transfers"] == (indicators["same_class"] & indicators["low_entropy"])).all()


@pytest.mark.parametrize("bad, message", [
    ({"epsilon": 0.0}, "epsilon"), ({"epsilon": 1.5}, "epsilon"), ({"metric": "gamma"}, "metric"),
    ({"signal": "partial"}, "signal"),
])
def test_bad_arguments(bad, message):
    arguments = {"signal": "sufficient", "metric": "alpha", "epsilon": 0.5} | bad
    with pytest.raises(ValueError, match=message):
        pair_matrix(known_table(), **arguments)


def test_validation_catches_bad_tables():
    scores = known_table()
    with pytest.raises(ValueError, match="lacks column"):
        pair_matrix(scores.drop(columns="item_id"), "sufficient", "alpha", 0.5)
    with pytest.raises(ValueError, match="sum to 1"):
        pair_matrix(scores.assign(**{"p:x": 0.9}), "sufficient", "alpha", 0.5)
    with pytest.raises(ValueError, match="duplicate"):
        pair_matrix(pd.concat([scores, scores.iloc[:1]]), "sufficient", "alpha", 0.5)
    with pytest.raises(ValueError, match="outside the canonical"):
        pair_matrix(scores.assign(explained_class="w"), "sufficient", "alpha", 0.5)
    with pytest.raises(ValueError, match="several tasks"):
        pair_matrix(scores.assign(task=["t1", "t2"] * (len(scores) // 2)), "sufficient", "alpha", 0.5)


def random_table(seed: int, models=("m1", "m2", "m3", "m4"), n_items=12, drop=0.1) -> pd.DataFrame:
    """Random scores for two datasets and all four signal kinds, with some rows missing."""
    rng = np.random.default_rng(seed)
    rows = []
    for dataset in ("d1", "d2"):
        for source in models:
            for item in range(n_items):
                explained = LABELS[rng.integers(3)]
                for signal in ("original", "sufficient", "complete", "inverse"):
                    for target in models:
                        probs = rng.dirichlet(np.full(3, rng.choice([0.1, 1.0, 10.0])))
                        rows.append(row(source, f"{dataset}-{item}", explained, target, probs, signal, dataset))
    scores = pd.DataFrame(rows)
    return scores[rng.random(len(scores)) >= drop].reset_index(drop=True)


def loop_matrix(scores: pd.DataFrame, signal, metric, epsilon, dataset=None) -> dict:
    """Plain-loop recomputation of every off-diagonal cell, sharing nothing with the module."""
    sums, counts = defaultdict(float), defaultdict(int)
    for r in scores.to_dict("records"):
        if r["signal"] != signal or r["source_model"] == r["target_model"]:
            continue
        if dataset is not None and r["dataset"] != dataset:
            continue
        probs = [r[f"p:{label}"] for label in LABELS]
        entropy = -sum(p * math.log2(p) for p in probs if p > 0)
        same = r["predicted_class"] == r["explained_class"]
        low = entropy <= epsilon * math.log2(len(LABELS)) + 1e-12
        value = {"alpha": same, "beta": low, "joint": same and low}[metric]
        key = (r["source_model"], r["target_model"])
        sums[key] += float(value)
        counts[key] += 1
    return {key: sums[key] / counts[key] for key in counts}


@pytest.mark.parametrize("metric", ["alpha", "beta", "joint"])
@pytest.mark.parametrize("signal, dataset", [("sufficient", None), ("complete", "d2"), ("inverse", "d1")])
def test_pair_matrix_matches_independent_loop(metric, signal, dataset):
    scores = random_table(seed=7)
    matrix = pair_matrix(scores, signal, metric, 0.6, dataset)
    expected = loop_matrix(scores, signal, metric, 0.6, dataset)
    assert len(expected) == 12
    for (source, target), value in expected.items():
        assert matrix.loc[source, target] == pytest.approx(value)
    for source in matrix.index:
        cells = [value for (s, _), value in expected.items() if s == source]
        assert matrix.loc[source, ROW_AVERAGE] == pytest.approx(np.mean(cells))


def test_bootstrap_contains_estimate_and_is_deterministic():
    scores = random_table(seed=3, n_items=30, drop=0.0)
    first = bootstrap_interval(scores, "sufficient", "alpha", 0.6, n_resamples=500, seed=11)
    again = bootstrap_interval(scores, "sufficient", "alpha", 0.6, n_resamples=500, seed=11)
    pd.testing.assert_frame_equal(first, again)
    other = bootstrap_interval(scores, "sufficient", "alpha", 0.6, n_resamples=500, seed=12)
    assert not first[["ci_low", "ci_high"]].equals(other[["ci_low", "ci_high"]])
    assert (first["ci_low"] <= first["estimate"]).all() and (first["estimate"] <= first["ci_high"]).all()
    assert (first["ci_high"] > first["ci_low"]).any()
    matrix = pair_matrix(scores, "sufficient", "alpha", 0.6)
    for r in first.itertuples():
        assert r.estimate == pytest.approx(matrix.loc[r.source_model, r.target_model])
    assert set(first["n_signals"]) == {60}
    assert len(first) == 4 * 4  # 3 targets + row average per source


def test_bootstrap_identical_indicators_give_zero_width():
    intervals = bootstrap_interval(known_table(), "sufficient", "beta", 1.0, n_resamples=200, seed=0)
    assert (intervals["ci_low"] == 1.0).all() and (intervals["ci_high"] == 1.0).all()


def test_bootstrap_two_items_spans_both_outcomes():
    rows = [row("A", "i1", "x", "B", ONEHOT["x"]), row("A", "i2", "x", "B", ONEHOT["y"]),
            row("B", "j1", "x", "A", ONEHOT["x"])]
    intervals = bootstrap_interval(pd.DataFrame(rows), "sufficient", "alpha", 0.5, n_resamples=2000, seed=1)
    cell = intervals.set_index(["source_model", "target_model"]).loc[("A", "B")]
    assert (cell["estimate"], cell["ci_low"], cell["ci_high"]) == (0.5, 0.0, 1.0)


def rated_table(rates: dict, n_items: int = 4) -> pd.DataFrame:
    """Scores where cell (source, target) of each signal has alpha = k / n_items for k in ``rates``."""
    rows = []
    for (signal, source, target), k in rates.items():
        for item in range(n_items):
            probs = ONEHOT["x"] if item < k else ONEHOT["y"]
            rows.append(row(source, f"{source}{item}", "x", target, probs, signal))
    return pd.DataFrame(rows)


def test_paired_t_test_matches_scipy():
    sufficient = {("A", "B"): 1, ("A", "C"): 2, ("B", "A"): 0, ("B", "C"): 3, ("C", "A"): 1, ("C", "B"): 2}
    complete = {("A", "B"): 2, ("A", "C"): 2, ("B", "A"): 2, ("B", "C"): 4, ("C", "A"): 1, ("C", "B"): 4}
    rates = {("sufficient", *k): v for k, v in sufficient.items()} | {("complete", *k): v for k, v in complete.items()}
    result = paired_t_test(rated_table(rates), epsilon=0.5)
    pairs = sorted(sufficient)
    expected = stats.ttest_rel([sufficient[p] / 4 for p in pairs], [complete[p] / 4 for p in pairs])
    assert result["statistic"] == pytest.approx(expected.statistic)
    assert result["p_value"] == pytest.approx(expected.pvalue)
    assert result["n_pairs"] == 6 and result["note"] is None
    assert result["mean_sufficient"] == pytest.approx(9 / 24)
    assert result["mean_complete"] == pytest.approx(15 / 24)


def test_paired_t_test_uses_only_pairs_in_both():
    rates = {("sufficient", "A", "B"): 1, ("sufficient", "B", "A"): 3, ("sufficient", "A", "C"): 2,
             ("complete", "A", "B"): 2, ("complete", "B", "A"): 4, ("complete", "C", "A"): 0}
    result = paired_t_test(rated_table(rates), epsilon=0.5)
    assert result["n_pairs"] == 2
    assert "zero variance" in result["note"] and math.isnan(result["statistic"])  # differences both -0.25


def test_paired_t_test_fewer_than_two_pairs():
    rates = {("sufficient", "A", "B"): 1, ("sufficient", "B", "A"): 3, ("complete", "A", "B"): 2}
    result = paired_t_test(rated_table(rates), epsilon=0.5)
    assert result["n_pairs"] == 1
    assert math.isnan(result["statistic"]) and math.isnan(result["p_value"])
    assert "fewer than 2" in result["note"]


def test_filter_stable():
    scores = known_table()
    scores["chain_stable"] = scores["item_id"].isin(["a1", "a2", "b1", "c1"])
    scores["converged"] = pd.Series([True] * len(scores), dtype=object)
    scores.loc[scores["item_id"] == "a2", "converged"] = None  # missing counts as False
    original = scores[scores["item_id"] == "c2"].assign(signal="original", chain_stable=False)
    scores = pd.concat([scores, original], ignore_index=True)
    kept = filter_stable(scores, require_chain_stable=True, require_converged=True)
    assert set(kept.loc[kept["signal"] != "original", "item_id"]) == {"a1", "b1", "c1"}
    assert (kept["signal"] == "original").sum() == 3
    assert len(filter_stable(scores, False, False)) == len(scores)
    with pytest.raises(ValueError, match="converged"):
        filter_stable(scores.drop(columns="converged"), False, True)


def test_beta_curve_at_epsilon_zero_and_one_by_hand():
    curve = beta_curve(known_table(), "sufficient", [0.0, 0.75, 1.0])
    assert list(curve.index) == ["A", "B", "C"]
    # epsilon 0: only one-hot outputs count (A->B 1/4, A->C 1/4; B->A 3/4, B->C 0; C->A 0, C->B 1)
    assert curve[0.0].to_dict() == pytest.approx({"A": 0.25, "B": 0.375, "C": 0.5})
    assert curve[0.75].to_dict() == pytest.approx({"A": 0.5, "B": 0.75, "C": 0.5})  # EXPECTED's beta column
    assert curve[1.0].to_dict() == {"A": 1.0, "B": 1.0, "C": 1.0}


def test_beta_curve_is_a_step_function_with_the_entropies_as_breakpoints():
    scores = known_table()
    points = beta_breakpoints(scores, "sufficient")
    peaked, flat = (entropy_bits(np.array(d["x"])) / math.log2(3) for d in (PEAKED, FLAT))
    assert points == pytest.approx([0.0, peaked, flat, 1.0])
    curve = beta_curve(scores, "sufficient", [0.0, peaked - 1e-9, peaked, flat - 1e-9, flat])
    values = curve.to_numpy()
    assert (values[:, 0] == values[:, 1]).all() and (values[:, 2] == values[:, 3]).all()
    assert (values[:, 2] >= values[:, 1]).all() and (values[:, 4] >= values[:, 3]).all()


@pytest.mark.parametrize("signal, dataset", [("sufficient", None), ("complete", "d2")])
def test_beta_curve_agrees_with_the_beta_table_at_every_epsilon(signal, dataset):
    scores = random_table(seed=9)
    epsilons = [0.05, 0.3, 0.5, 0.77, 1.0]
    curve = beta_curve(scores, signal, epsilons, dataset)
    for epsilon in epsilons:
        table = pair_matrix(scores, signal, "beta", epsilon, dataset)
        assert curve[epsilon].to_dict() == pytest.approx(table[ROW_AVERAGE].to_dict())


def test_beta_curve_refuses_epsilon_outside_zero_one():
    with pytest.raises(ValueError, match="epsilons"):
        beta_curve(known_table(), "sufficient", [0.5, 1.2])


def test_alpha_needs_no_epsilon_and_the_others_do():
    pd.testing.assert_frame_equal(pair_matrix(known_table(), "sufficient", "alpha", None),
                                  pair_matrix(known_table(), "sufficient", "alpha", 0.75))
    with pytest.raises(ValueError, match="needs epsilon"):
        pair_matrix(known_table(), "sufficient", "beta", None)


def test_direction_intervals_hold_row_and_column_averages():
    scores = random_table(seed=3, n_items=30, drop=0.0)
    cells = bootstrap_cells(scores, "sufficient", "alpha", None, 400, seed=2)
    directions = direction_intervals(cells, 0.9).set_index("model")
    matrix = pair_matrix(scores, "sufficient", "alpha", None)
    for model in ("m1", "m2", "m3", "m4"):
        others = [m for m in ("m1", "m2", "m3", "m4") if m != model]
        assert directions.loc[model, "outgoing"] == pytest.approx(matrix.loc[model, ROW_AVERAGE])
        assert directions.loc[model, "incoming"] == pytest.approx(matrix.loc[others, model].mean())
        for direction in ("outgoing", "incoming"):
            low, estimate, high = (directions.loc[model, f"{direction}{s}"] for s in ("_low", "", "_high"))
            assert low <= estimate <= high and low < high
    # the outgoing interval is the row average's interval of the table (same resamples, same seed)
    table = bootstrap_interval(scores, "sufficient", "alpha", None, 400, seed=2, confidence=0.9)
    averages = table[table["target_model"] == ROW_AVERAGE].set_index("source_model")
    assert directions["outgoing_low"].to_dict() == pytest.approx(averages["ci_low"].to_dict())
    assert directions["outgoing_high"].to_dict() == pytest.approx(averages["ci_high"].to_dict())
