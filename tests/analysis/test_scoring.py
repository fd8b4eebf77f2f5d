"""Cross-model scoring: canonical labels, all four signals, every target."""
from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.known_answer import classifier, tones
from transferability import ExplainerConfig, explain
from transferability.analysis.explanations import ExplainedItem
from transferability.analysis.scoring import item_signals, score_on_models
from transferability.models.labels import LabelMap
from transferability.models.probabilities import fit_to_target
from transferability.models.toy import LoudestBand

LOW, MID = (100.0, 1000.0), (2000.0, 3000.0)
CANONICAL = ["low", "mid"]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    source = classifier(LoudestBand([LOW, MID]), ("low", "mid"), "A")
    mirrored = classifier(LoudestBand([MID, LOW]), ("MID", "Low"), "B")  # same decision, other label order and case
    clip = tones([(2200, 1.0), (2600, 0.8), (500, 0.6)], noise=0.01)
    record = explain(clip, source, ExplainerConfig(seed=1), clip_id="x")
    maps = {m.name: LabelMap.build(m.name, m.class_names, CANONICAL) for m in (source, mirrored)}
    item = ExplainedItem(record, "toyset", "mid", CANONICAL[maps["A"].canonical_index(record.class_index)], clip)
    signals = item_signals(item)
    table = score_on_models(signals, "toy", "A", {"A": source, "B": mirrored}, maps, CANONICAL, log=lambda _: None)
    return record, table


def test_one_row_per_signal_and_target(scored):
    _, table = scored
    assert len(table) == 8
    assert sorted(set(table["signal"])) == ["complete", "inverse", "original", "sufficient"]
    assert set(table["explained_class"]) == {"mid"} and set(table["dataset"]) == {"toyset"}
    probs = table[["p:low", "p:mid"]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)


def test_label_order_and_names_are_mapped_onto_the_canonical_labels(scored):
    _, table = scored
    by_target = {t: frame.set_index("signal") for t, frame in table.groupby("target_model")}
    np.testing.assert_allclose(by_target["A"][["p:low", "p:mid"]], by_target["B"][["p:low", "p:mid"]], atol=1e-6)
    predicted = by_target["B"]["predicted_class"]
    assert predicted["sufficient"] == predicted["complete"] == predicted["original"] == "mid"
    assert predicted["inverse"] == "low"


def test_scores_match_the_explanation_record(scored):
    record, table = scored
    own = table[(table["target_model"] == "A")].set_index("signal")
    assert own.loc["sufficient", "p:mid"] == pytest.approx(record.sufficient.confidence, abs=1e-5)
    assert own.loc["original", "p:mid"] == pytest.approx(record.p0, abs=1e-5)


def test_signals_are_fitted_to_each_target():
    target = classifier(LoudestBand([LOW, MID]), ("low", "mid"), "T")
    target.sample_rate, target.min_samples, target.max_samples = 8_000, 6_000, 7_000
    half = fit_to_target(np.ones(16_000, dtype=np.float32), 16_000, target)
    assert half.shape == (7_000,)
    padded = fit_to_target(np.ones(8_000, dtype=np.float32), 16_000, target)
    assert padded.shape == (6_000,) and padded[-1] == 0.0
