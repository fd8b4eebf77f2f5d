"""Batched torch features equal the Hugging Face extractors' own numpy output, clip by clip.

Tolerance (max abs difference, features are O(1), float32 clips): wav2vec2/HuBERT 1e-5,
Whisper 1e-4, AST 1e-3 (the reference computes the Kaldi fbank in float64; measured ~3e-4 on
a pure tone, where low-energy mel bins are most sensitive).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from transformers import ASTFeatureExtractor, Wav2Vec2FeatureExtractor, WhisperFeatureExtractor

from tests.helpers.hf_tiny import SAMPLE_RATE, ast_parts, whisper_parts
from transferability.models.contract import ModelLoadError
from transferability.models.features import (
    ASTFeatures,
    Wav2Vec2Features,
    WhisperFeatures,
    feature_module_for,
)

TOLERANCE = {Wav2Vec2Features: 1e-5, WhisperFeatures: 1e-4, ASTFeatures: 1e-3}


def clips(n_samples: int, seed: int = 0) -> torch.Tensor:
    """Five different clips: noise, a tone, a quiet chirp, a click train and silence."""
    generator = torch.Generator().manual_seed(seed)
    t = torch.arange(n_samples, dtype=torch.float64) / SAMPLE_RATE
    clicks = torch.zeros(n_samples, dtype=torch.float64)
    clicks[:: SAMPLE_RATE // 20] = 0.9
    batch = torch.stack([
        0.3 * torch.randn(n_samples, generator=generator, dtype=torch.float64),
        0.5 * torch.sin(2 * math.pi * 440.0 * t),
        1e-3 * torch.sin(2 * math.pi * (100.0 + 2000.0 * t) * t),
        clicks,
        torch.zeros(n_samples, dtype=torch.float64),
    ])
    return batch.float()


def reference(extractor: object, batch: torch.Tensor, key: str) -> np.ndarray:
    """The extractor's own output, one clip per call."""
    return np.stack([
        extractor(clip.numpy(), sampling_rate=SAMPLE_RATE, return_tensors="np")[key][0] for clip in batch
    ])


CASES = [
    # (id, extractor factory, clip lengths in samples)
    ("wav2vec2-normalize", lambda: Wav2Vec2FeatureExtractor(do_normalize=True), [401, 24000]),
    ("wav2vec2-raw", lambda: Wav2Vec2FeatureExtractor(do_normalize=False), [8000]),
    ("whisper-tiny-2s", lambda: whisper_parts()[1], [1000, 32000, 40000]),
    ("whisper-default-30s", WhisperFeatureExtractor, [16000, 500000]),
    ("ast-tiny-200-frames", lambda: ast_parts()[1], [400, 8000, 32240, 48000]),
    ("ast-default-1024-frames", ASTFeatureExtractor, [16000, 170000]),
    ("ast-no-normalize", lambda: ASTFeatureExtractor(do_normalize=False, max_length=100), [8000, 20000]),
]


@pytest.mark.filterwarnings("ignore:At least one mel filter has all zero values")  # HF's own, for 128 bins
@pytest.mark.parametrize("make, lengths", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_features_match_extractor(make, lengths: list[int]) -> None:
    extractor = make()
    module = feature_module_for(extractor)
    tolerance = TOLERANCE[type(module)]
    for n_samples in lengths:
        batch = clips(n_samples, seed=n_samples)
        ours = module(batch).numpy()
        expected = reference(extractor, batch, module.input_name)
        assert ours.shape == expected.shape, n_samples
        np.testing.assert_allclose(ours, expected, rtol=0, atol=tolerance, err_msg=f"{n_samples} samples")


def test_unsupported_extractor_named() -> None:
    from transformers import SeamlessM4TFeatureExtractor

    with pytest.raises(ModelLoadError, match="SeamlessM4TFeatureExtractor"):
        feature_module_for(SeamlessM4TFeatureExtractor())


def test_ast_rejects_clip_shorter_than_a_frame() -> None:
    module = feature_module_for(ast_parts()[1])
    with pytest.raises(ValueError, match="400 samples"):
        module(torch.zeros(2, 399))
