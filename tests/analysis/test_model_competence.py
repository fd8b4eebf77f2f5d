"""Model competence beside the tables: Wilson intervals, chance, the all-zero verdict, stale facts files."""
import json

import pytest

from transferability.analysis.model_competence import competence_frame, read_model_facts, wilson_interval


def test_wilson_interval_known_values():
    assert wilson_interval(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # the textbook 8/10 example
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    narrow, wide = wilson_interval(8, 10, 0.8), wilson_interval(8, 10, 0.99)
    assert wide[0] < narrow[0] < 0.8 < narrow[1] < wide[1]
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def facts_entry(model, accuracy, zero_probability, datasets=("d1",)):
    return {
        "model": model, "backbone": "CNN", "size_m": 0.1, "accuracy": {d: accuracy for d in datasets},
        "heldout_items": {d: 8 for d in datasets},
        "zero_signal": {d: {"label": "blues", "probability": zero_probability, "samples": 16000,
                            "confident": zero_probability >= 0.9} for d in datasets},
        "zero_signal_confident": zero_probability >= 0.9,
    }


def test_competence_frame_marks_chance_and_zero_signal():
    facts = [facts_entry("M1", 0.25, 0.97), facts_entry("M2", 0.375, 0.4)]
    frame = competence_frame(facts, ["d1"], n_labels=4, confidence=0.95).set_index("model")
    assert frame.loc["M1", "below_chance"] and not frame.loc["M2", "below_chance"]  # 1/K = 0.25 is at chance
    assert frame.loc["M1", "zero_signal_confident"] and not frame.loc["M2", "zero_signal_confident"]
    assert frame.loc["M1", "zero_signal_class"] == "blues" and frame.loc["M1", "zero_signal_probability"] == 0.97
    assert (frame.loc["M2", "accuracy_low"], frame.loc["M2", "accuracy_high"]) == pytest.approx(wilson_interval(3, 8))


def test_stale_facts_name_the_file_and_the_rule(tmp_path):
    entry = facts_entry("M1", 0.5, 0.1)
    del entry["zero_signal"]
    path = tmp_path / "M1.facts.json"
    path.write_text(json.dumps(entry))
    with pytest.raises(ValueError, match=r"M1.facts.json lack zero_signal.*model_facts"):
        read_model_facts([path])
    with pytest.raises(ValueError, match="dataset 'd2'"):
        competence_frame([facts_entry("M1", 0.5, 0.1)], ["d2"], 2, 0.95)
