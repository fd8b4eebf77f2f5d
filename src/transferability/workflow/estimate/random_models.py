"""Randomly initialised models of the real architectures' sizes, to time them offline."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from transferability.explainer.config import ConfigError


def _distilhubert(labels: dict) -> tuple[Any, Any]:
    from transformers import HubertConfig, HubertForSequenceClassification, Wav2Vec2FeatureExtractor

    config = HubertConfig(num_hidden_layers=2, hidden_size=768, **labels)  # ntu-spml/distilhubert
    return HubertForSequenceClassification(config), Wav2Vec2FeatureExtractor(do_normalize=True)


def _hubert_base(labels: dict) -> tuple[Any, Any]:
    from transformers import HubertConfig, HubertForSequenceClassification, Wav2Vec2FeatureExtractor

    return HubertForSequenceClassification(HubertConfig(**labels)), Wav2Vec2FeatureExtractor(do_normalize=True)


LARGE_ENCODER = {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096,
                 "feat_extract_norm": "layer", "do_stable_layer_norm": True, "conv_bias": True}


def _hubert_large(labels: dict) -> tuple[Any, Any]:
    from transformers import HubertConfig, HubertForSequenceClassification, Wav2Vec2FeatureExtractor

    config = HubertConfig(**LARGE_ENCODER, **labels)
    return HubertForSequenceClassification(config), Wav2Vec2FeatureExtractor(do_normalize=True)


def _wav2vec2_base(labels: dict) -> tuple[Any, Any]:
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForSequenceClassification

    return Wav2Vec2ForSequenceClassification(Wav2Vec2Config(**labels)), Wav2Vec2FeatureExtractor(do_normalize=True)


def _wav2vec2_large_xlsr(labels: dict) -> tuple[Any, Any]:
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForSequenceClassification

    config = Wav2Vec2Config(**LARGE_ENCODER, **labels)  # facebook/wav2vec2-large-xlsr-53 / xls-r-300m
    return Wav2Vec2ForSequenceClassification(config), Wav2Vec2FeatureExtractor(do_normalize=True)


def _whisper_tiny(labels: dict) -> tuple[Any, Any]:
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForAudioClassification

    config = WhisperConfig(d_model=384, encoder_layers=4, decoder_layers=4, encoder_attention_heads=6,
                           decoder_attention_heads=6, encoder_ffn_dim=1536, decoder_ffn_dim=1536,
                           num_mel_bins=80, max_source_positions=1500, **labels)  # openai/whisper-tiny
    return WhisperForAudioClassification(config), WhisperFeatureExtractor(feature_size=80, chunk_length=30)


def _ast_base(labels: dict) -> tuple[Any, Any]:
    from transformers import ASTConfig, ASTFeatureExtractor, ASTForAudioClassification

    config = ASTConfig(max_length=1024, num_mel_bins=128, **labels)  # MIT/ast-finetuned-audioset-10-10-0.4593
    return ASTForAudioClassification(config), ASTFeatureExtractor(max_length=1024, num_mel_bins=128)


ARCHITECTURES: dict[str, Callable[[dict], tuple[Any, Any]]] = {
    "distilhubert": _distilhubert,  # 23.7M parameters
    "hubert-base": _hubert_base,  # 94.6M
    "hubert-large": _hubert_large,  # 316M
    "wav2vec2-base": _wav2vec2_base,  # 94.6M
    "wav2vec2-large-xlsr": _wav2vec2_large_xlsr,  # 316M
    "whisper-tiny": _whisper_tiny,  # 8.3M (WhisperForAudioClassification keeps only the encoder)
    "ast-base": _ast_base,  # 86.2M
}

LARGE_HINTS = ("large", "-lg-", "xlsr", "xls-r", "300m")


def architecture_for(backbone: str, source: str = "") -> str:
    """The ARCHITECTURES key of a model slot, from its ``backbone`` and a size hint in its source.

    Size hint: a source id containing one of ``LARGE_HINTS`` ("large", "-lg-", "xlsr", "xls-r",
    "300m", case-insensitive) is the 24-layer, 1024-wide model (wav2vec2 XLS-R / HuBERT large);
    otherwise the base size. DistilHuBERT, Whisper (tiny: the sizes the paper's Whisper slots
    are assumed to have; a source naming another size is refused) and AST have one size each.
    """
    name = backbone.lower().replace("-", "").replace("_", "").replace(" ", "")
    large = any(hint in source.lower() for hint in LARGE_HINTS)
    if name.startswith("distilhubert"):
        return "distilhubert"
    if name.startswith("hubert"):
        return "hubert-large" if large else "hubert-base"
    if name.startswith("wav2vec2") or name.startswith("xlsr"):
        return "wav2vec2-large-xlsr" if large else "wav2vec2-base"
    if name.startswith("whisper"):
        other = [s for s in ("base", "small", "medium", "large") if f"whisper-{s}" in source.lower()]
        if other:
            raise ConfigError(f"model source {source!r}: only whisper-tiny has a random-init architecture here")
        return "whisper-tiny"
    if name.startswith("ast"):
        return "ast-base"
    raise ConfigError(f"backbone {backbone!r}: no random-init architecture (known: {', '.join(ARCHITECTURES)})")


def save_random_init(architecture: str, labels: Sequence[str], directory: Path, seed: int = 0) -> Path:
    """Build ``architecture`` with random weights and ``labels`` and save it with its feature extractor."""
    torch.manual_seed(seed)
    label_kwargs = {"num_labels": len(labels), "id2label": dict(enumerate(labels)),
                    "label2id": {label: i for i, label in enumerate(labels)}}
    model, extractor = ARCHITECTURES[architecture](label_kwargs)
    model.save_pretrained(directory)
    extractor.save_pretrained(directory)
    return directory
