"""Global composition, signature transfer and spectral entropy on classifiers with known answers."""
import numpy as np
import pandas as pd
import pytest
from scipy.stats import mannwhitneyu

from tests.helpers.known_answer import SAMPLE_RATE, classifier, tones
from transferability.analysis.composition import greedy_composite, mean_signal
from transferability.analysis.signature import add_signature, signature_transfer
from transferability.analysis.spectra import mann_whitney, normalised_spectral_entropy
from transferability.models.labels import LabelMap
from transferability.models.probabilities import target_probabilities
from transferability.models.toy import LoudestBand

LOW, HIGH = (100.0, 1000.0), (2000.0, 6000.0)
CLASSES = ("low", "high")


@pytest.fixture
def model():
    return classifier(LoudestBand([LOW, HIGH]), CLASSES, "bands")


@pytest.fixture
def label_map(model):
    return LabelMap.build("bands", model.class_names, list(CLASSES))


def _signals():
    lows = [(f"low-{i}", tones([(200.0 + 150 * i, 1.0)])) for i in range(4)]
    highs = [(f"high-{i}", tones([(3000.0 + 500 * i, 3.0)])) for i in range(2)]
    return lows + highs


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_greedy_composite_keeps_exactly_the_signals_that_agree(model, label_map, seed):
    # A loud high tone outweighs at most 4 quiet low tones (energy 9 vs <= 4 in the mean), so it is
    # refused whatever the order; every low tone keeps the mean in the low band.
    composite = greedy_composite(_signals(), "bands", "d", "low", model, label_map, CLASSES, SAMPLE_RATE, seed)
    assert sorted(composite.kept) == [f"low-{i}" for i in range(4)]
    assert composite.tried == 6 and composite.degree == pytest.approx(4 / 6)
    expected = mean_signal([s for name, s in _signals() if name.startswith("low")])
    np.testing.assert_allclose(composite.waveform, expected, atol=1e-6)
    probs = target_probabilities([composite.waveform], SAMPLE_RATE, model, 1)
    assert CLASSES[int(np.argmax(probs))] == "low"  # the composite keeps its class when re-queried


def test_greedy_composite_order_is_seeded(model, label_map):
    first = greedy_composite(_signals(), "bands", "d", "low", model, label_map, CLASSES, SAMPLE_RATE, 7)
    again = greedy_composite(_signals(), "bands", "d", "low", model, label_map, CLASSES, SAMPLE_RATE, 7)
    other = [greedy_composite(_signals(), "bands", "d", "low", model, label_map, CLASSES, SAMPLE_RATE, s) for s in range(8)]
    assert [t.item_id for t in first.trials] == [t.item_id for t in again.trials]
    assert len({tuple(t.item_id for t in c.trials) for c in other}) > 1


def test_greedy_composite_respects_max_signals_and_empty_input(model, label_map):
    limited = greedy_composite(_signals(), "bands", "d", "low", model, label_map, CLASSES, SAMPLE_RATE, 0, max_signals=3)
    assert limited.tried == 3
    empty = greedy_composite([], "bands", "d", "low", model, label_map, CLASSES, SAMPLE_RATE, 0)
    assert empty.waveform is None and np.isnan(empty.degree)


def test_mean_signal_pads_shorter_signals():
    np.testing.assert_allclose(mean_signal([np.ones(4), np.ones(2)]), [1, 1, 0.5, 0.5])


def test_signature_turns_real_items_when_it_dominates(model, label_map):
    items = [(f"item-{i}", tones([(300.0 + 100 * i, 1.0)])) for i in range(3)]
    items.append(("already-high", tones([(4000.0, 1.0)])))
    loud = tones([(4500.0, 2.0)])
    turned = signature_transfer(items, loud, model, label_map, CLASSES, "low", "high", SAMPLE_RATE, 8)
    assert list(turned["item_id"]) == ["item-0", "item-1", "item-2"]  # only items classified real
    assert turned["turned"].all() and (turned["signed_class"] == "high").all()
    quiet = signature_transfer(items, 0.1 * loud, model, label_map, CLASSES, "low", "high", SAMPLE_RATE, 8)
    assert not quiet["turned"].any()


def test_add_signature_fits_the_signature_to_the_item():
    np.testing.assert_allclose(add_signature(np.zeros(4, np.float32), np.arange(1, 7, dtype=np.float32)), [1, 2, 3, 4])
    np.testing.assert_allclose(add_signature(np.ones(4, np.float32), np.ones(2, np.float32)), [2, 2, 1, 1])


def test_spectral_entropy_orders_noise_above_tones():
    noise = np.random.default_rng(0).standard_normal(SAMPLE_RATE)
    assert normalised_spectral_entropy(noise, SAMPLE_RATE, 1024) > 0.9
    assert normalised_spectral_entropy(tones([(1000.0, 1.0)]), SAMPLE_RATE, 1024) < 0.3
    assert np.isnan(normalised_spectral_entropy(np.zeros(SAMPLE_RATE), SAMPLE_RATE, 1024))


def test_spectral_entropy_grows_with_the_spread_of_the_spectrum():
    impulse = np.zeros(1024)
    impulse[512] = 1.0  # a flat spectrum (up to Welch's halved DC and Nyquist bins and detrending)
    assert normalised_spectral_entropy(impulse, SAMPLE_RATE, 1024) > 0.999
    one, two = tones([(1000.0, 1.0)]), tones([(1000.0, 1.0), (3000.0, 1.0)])
    assert normalised_spectral_entropy(one, SAMPLE_RATE, 1024) < normalised_spectral_entropy(two, SAMPLE_RATE, 1024)


def test_mann_whitney_on_separated_groups_has_the_exact_p_value():
    frame = pd.DataFrame({"class": ["a"] * 3 + ["b"] * 3, "entropy": [0.1, 0.2, 0.3, 0.7, 0.8, 0.9]})
    result = mann_whitney(frame, "a", "b")
    assert result["u"] == 0 and result["p"] == pytest.approx(0.1)  # 2 of the C(6,3) = 20 orderings
    assert result["n_first"] == 3 and result["median_second"] == pytest.approx(0.8)
    assert np.isnan(mann_whitney(frame, "a", "missing")["p"])
    assert result["p"] == pytest.approx(mannwhitneyu([0.1, 0.2, 0.3], [0.7, 0.8, 0.9]).pvalue)
