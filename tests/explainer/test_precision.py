"""Reduced-precision queries: autocast in the classifier, and the top-1 check that allows them."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.helpers.hf_tiny import save_tiny
from transferability.explainer.precision import KEEP_FRACTIONS, check_inputs, check_precision, with_precision
from transferability.models.contract import AudioClassifier
from transferability.models.loading import load_classifier

RATE = 16000


def two_logit_classifier(second: float) -> AudioClassifier:
    """Logits (1, ``second``) through a linear layer, whatever the input: bfloat16 cannot tell 1 from 1.001."""
    layer = torch.nn.Linear(1, 2, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0], [second]]))
    return AudioClassifier(name="two", forward=lambda w: layer(torch.ones(w.shape[0], 1)), class_names=("a", "b"),
                           sample_rate=RATE)


def clips(n: int, seconds: float = 0.1) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(int(seconds * RATE)).astype(np.float32) for _ in range(n)]


def test_a_top1_change_in_bfloat16_keeps_float32_and_names_the_items():
    decision = check_precision(two_logit_classifier(1.001), clips(2), ["x", "y"], "bfloat16", seed=0, log=lambda m: None)
    assert decision["used"] == "float32" and decision["requested"] == "bfloat16"
    assert decision["inputs"] == 2 * (1 + len(KEEP_FRACTIONS))
    assert {d["item_id"] for d in decision["disagreements"]} == {"x", "y"}
    assert all(d["float32"] == "b" and d["bfloat16"] == "a" for d in decision["disagreements"])


def test_a_clear_margin_allows_bfloat16():
    decision = check_precision(two_logit_classifier(2.0), clips(3), ["x", "y", "z"], "bfloat16", seed=0, log=lambda m: None)
    assert decision["used"] == "bfloat16" and decision["disagreements"] == []


def test_autocast_runs_the_forward_pass_in_reduced_precision_and_returns_float32():
    seen = []

    def forward(w: torch.Tensor) -> torch.Tensor:
        out = torch.nn.functional.linear(w[:, :4], torch.ones(2, 4))
        seen.append(out.dtype)
        return out

    classifier = AudioClassifier(name="m", forward=forward, class_names=("a", "b"), sample_rate=RATE)
    x = torch.randn(3, 100)
    assert classifier.logits(x).dtype == torch.float32 and seen[-1] == torch.float32
    assert with_precision(classifier, "bfloat16").logits(x).dtype == torch.float32 and seen[-1] == torch.bfloat16
    assert classifier.autocast_dtype is None  # with_precision leaves the original alone


def test_unknown_precision_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="float16"):
        with_precision(two_logit_classifier(2.0), "int8")


def test_check_inputs_are_the_clip_and_seeded_mutants():
    clip = clips(1)[0]
    names, inputs = check_inputs(clip, seed=3, device=torch.device("cpu"))
    again = check_inputs(clip, seed=3, device=torch.device("cpu"))[1]
    assert names[0] == "clip" and len(names) == inputs.shape[0] == 1 + len(KEEP_FRACTIONS)
    assert torch.allclose(inputs[0], torch.from_numpy(clip)) and torch.equal(inputs, again)
    energy = (inputs[1:] ** 2).sum(dim=1) / (inputs[0] ** 2).sum()
    assert torch.all(energy[:-1] < energy[1:])  # more bins kept, more energy


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_hugging_face_model_is_checked_in_reduced_precision(tmp_path, precision):
    classifier = load_classifier(str(save_tiny("wav2vec2", tmp_path / "w2v")))
    decision = check_precision(classifier, clips(2, 0.3), ["x", "y"], precision, seed=0, log=lambda m: None)
    assert decision["used"] in (precision, "float32")
    assert (decision["used"] == precision) == (decision["disagreements"] == [])
    assert 0 < decision["largest_probability_change"] < 0.5
