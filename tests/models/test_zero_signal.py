"""The all-zero signal's verdict on classifiers whose answer to silence is known in closed form."""
import pytest

from tests.helpers.known_answer import BothBandsAboveFloor, classifier
from transferability.models.labels import LabelMap
from transferability.models.toy import EPS, LoudestBand
from transferability.models.zero_signal import ZERO_SIGNAL_CONFIDENCE, ZeroSignalVerdict, zero_signal_verdict

BANDS = ((300.0, 600.0), (2000.0, 3000.0))


@pytest.mark.parametrize("floor, confident", [(1.0, True), (0.002, False)])
def test_band_floor_classifier_calls_silence_not_with_known_probability(floor, confident):
    """On zeros both band energies are 0: logits log(EPS) and log(floor), so "not" wins with floor / (floor + EPS)."""
    model = classifier(BothBandsAboveFloor(*BANDS, floor=floor), ("both", "not"), "floor")
    labels = LabelMap.build("floor", model.class_names, ("real", "fake"), {"both": "real", "not": "fake"})
    verdict = zero_signal_verdict(model, labels, 16_000)
    assert verdict.label == "fake"  # the canonical name of the model's "not"
    assert verdict.probability == pytest.approx(floor / (floor + EPS), rel=1e-5)
    assert verdict.confident is confident and verdict.samples == 16_000
    assert verdict.as_dict() == {"label": "fake", "probability": verdict.probability, "samples": 16_000,
                                 "confident": confident}


def test_loudest_band_is_uniform_on_silence():
    model = classifier(LoudestBand([(100.0, 1000.0), (1000.0, 4000.0), (4000.0, 7900.0)]), ("low", "mid", "high"), "lb")
    verdict = zero_signal_verdict(model, LabelMap.build("lb", model.class_names, ("low", "mid", "high")), 8_000)
    assert verdict.probability == pytest.approx(1 / 3, abs=1e-6) and not verdict.confident


def test_threshold_is_inclusive():
    assert ZeroSignalVerdict("x", ZERO_SIGNAL_CONFIDENCE, 10).confident
    assert not ZeroSignalVerdict("x", ZERO_SIGNAL_CONFIDENCE - 1e-9, 10).confident


def test_length_must_be_positive():
    model = classifier(BothBandsAboveFloor(*BANDS, floor=1.0), ("both", "not"), "edge")
    with pytest.raises(ValueError, match="edge"):
        zero_signal_verdict(model, LabelMap.build("edge", model.class_names, ("both", "not")), 0)
