"""Small, architecturally different audio classifiers built from scratch (randomly initialised, seeded)."""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from transformers import (
    ASTConfig,
    ASTFeatureExtractor,
    ASTForAudioClassification,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForSequenceClassification,
    WhisperConfig,
    WhisperFeatureExtractor,
    WhisperForAudioClassification,
)

from transferability.models.native import AudioCNN

ARCHITECTURES = ("wav2vec2", "whisper", "ast", "cnn")
BACKBONE_NAMES = {"wav2vec2": "Wav2Vec2", "whisper": "Whisper", "ast": "AST", "cnn": "CNN"}
CNN_CONFIG: dict = {"n_mels": 40, "n_fft": 400, "hop_length": 320, "channels": [16, 32, 64]}
HOP = 160  # 10 ms at 16 kHz: Whisper's and AST's frame step
INIT_STD = 0.1  # weight init of the HF transformers: their 0.02 default (for d_model ~ 1000) trains too slowly here
AST_PATCH = 16  # patch size in frames and mel bins


def backbone_name(arch: str) -> str:
    """Display name of ``arch`` for tables."""
    _check(arch)
    return BACKBONE_NAMES[arch]


def build(
    arch: str, class_names: Sequence[str], seed: int, sample_rate: int = 16000, clip_seconds: float = 2.0
) -> tuple[torch.nn.Module, object | None]:
    """A freshly initialised ``arch`` classifier for ``clip_seconds`` clips and its HF feature extractor (None for cnn).

    Seeds torch's global RNG with ``seed`` before initialising the weights.
    """
    _check(arch)
    if len(class_names) < 2:
        raise ValueError(f"need at least 2 class names, got {list(class_names)}")
    clip_samples = round(clip_seconds * sample_rate)
    if abs(clip_samples - clip_seconds * sample_rate) > 1e-6:
        raise ValueError(f"clip_seconds={clip_seconds} is not a whole number of samples at {sample_rate} Hz")
    torch.manual_seed(seed)
    return BUILDERS[arch](list(class_names), sample_rate, clip_samples)


def _labels(class_names: list[str]) -> dict:
    """The label fields every HF config takes."""
    return {
        "num_labels": len(class_names),
        "id2label": dict(enumerate(class_names)),
        "label2id": {name: i for i, name in enumerate(class_names)},
    }


def _wav2vec2(class_names: list[str], sample_rate: int, clip_samples: int) -> tuple[torch.nn.Module, object]:
    """Wav2Vec2ForSequenceClassification: layer-normed conv encoder (320-sample hop), 2 layers of width 48."""
    config = Wav2Vec2Config(
        hidden_size=48, num_hidden_layers=2, num_attention_heads=4, intermediate_size=96,
        conv_dim=(32, 32, 32, 32), conv_kernel=(20, 8, 4, 2), conv_stride=(10, 4, 4, 2), conv_bias=True,
        feat_extract_norm="layer", num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
        classifier_proj_size=32, initializer_range=INIT_STD, vocab_size=8, **_labels(class_names),
        # no dropout, layer drop or SpecAugment (which draws from numpy's global RNG): tiny model, seeded runs
        hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0, feat_proj_dropout=0.0,
        final_dropout=0.0, layerdrop=0.0, apply_spec_augment=False,
    )
    extractor = Wav2Vec2FeatureExtractor(sampling_rate=sample_rate, do_normalize=True)
    return Wav2Vec2ForSequenceClassification(config), extractor


def _whisper(class_names: list[str], sample_rate: int, clip_samples: int) -> tuple[torch.nn.Module, object]:
    """WhisperForAudioClassification: 2 encoder layers of width 64 on a clip-long window of 40 mel bins."""
    if clip_samples % (2 * HOP):
        raise ValueError(f"whisper needs clips of a multiple of {2 * HOP} samples, got {clip_samples}")
    seconds = clip_samples / sample_rate
    extractor = WhisperFeatureExtractor(
        feature_size=40, sampling_rate=sample_rate, hop_length=HOP,
        chunk_length=int(seconds) if seconds.is_integer() else seconds,
    )
    config = WhisperConfig(
        d_model=64, encoder_layers=2, encoder_attention_heads=4, encoder_ffn_dim=128,
        num_mel_bins=40, max_source_positions=clip_samples // HOP // 2,
        classifier_proj_size=32, init_std=INIT_STD, **_labels(class_names),
    )
    return WhisperForAudioClassification(config), extractor


def _ast(class_names: list[str], sample_rate: int, clip_samples: int) -> tuple[torch.nn.Module, object]:
    """ASTForAudioClassification: 16x16 patches, stride 8x8, over all frames of the clip in 32 mel bins."""
    frames = 1 + (clip_samples - 400) // HOP  # the extractor's 25 ms / 10 ms framing
    if frames < AST_PATCH:
        raise ValueError(f"ast needs clips of at least {AST_PATCH} frames ({400 + (AST_PATCH - 1) * HOP} samples)")
    extractor = ASTFeatureExtractor(sampling_rate=sample_rate, num_mel_bins=32, max_length=frames)
    config = ASTConfig(
        hidden_size=40, num_hidden_layers=2, num_attention_heads=4, intermediate_size=80,
        patch_size=AST_PATCH, frequency_stride=8, time_stride=8, max_length=frames, num_mel_bins=32,
        initializer_range=INIT_STD, **_labels(class_names),
    )
    return ASTForAudioClassification(config), extractor


def _cnn(class_names: list[str], sample_rate: int, clip_samples: int) -> tuple[torch.nn.Module, None]:
    """The native AudioCNN (``models/native.py``) with ``CNN_CONFIG``."""
    return AudioCNN(len(class_names), sample_rate, **CNN_CONFIG), None


BUILDERS: dict[str, Callable[[list[str], int, int], tuple[torch.nn.Module, object | None]]] = {
    "wav2vec2": _wav2vec2,
    "whisper": _whisper,
    "ast": _ast,
    "cnn": _cnn,
}


def _check(arch: str) -> None:
    if arch not in BUILDERS:
        raise ValueError(f"unknown architecture {arch!r} (known: {', '.join(ARCHITECTURES)})")
