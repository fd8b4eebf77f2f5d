"""Tiny randomly initialised Hugging Face audio classifiers and a Whisper ASR model, saved with save_pretrained, for tests."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import torch
from tokenizers.pre_tokenizers import ByteLevel
from transformers import (
    ASTConfig,
    ASTFeatureExtractor,
    ASTForAudioClassification,
    GenerationConfig,
    HubertConfig,
    HubertForSequenceClassification,
    Wav2Vec2Config,
    Wav2Vec2FeatureExtractor,
    Wav2Vec2ForSequenceClassification,
    WhisperConfig,
    WhisperFeatureExtractor,
    WhisperForAudioClassification,
    WhisperForConditionalGeneration,
    WhisperProcessor,
    WhisperTokenizer,
)

LABELS = ("dog_bark", "siren", "speech")
ID2LABEL = dict(enumerate(LABELS))
LABEL2ID = {label: i for i, label in enumerate(LABELS)}
SAMPLE_RATE = 16000
WHISPER_SECONDS = 2  # chunk_length; n_samples = 32000, 200 frames = 2 * max_source_positions
AST_MAX_LENGTH = 200  # frames
AST_MEL_BINS = 64


def _common(labels: Sequence[str] = LABELS) -> dict:
    """Labels, and weights large enough that logits are O(1) rather than O(0.01)."""
    return {"num_labels": len(labels), "id2label": dict(enumerate(labels)),
            "label2id": {label: i for i, label in enumerate(labels)}, "initializer_range": 0.5}


def wav2vec2_parts(labels: Sequence[str] = LABELS) -> tuple[torch.nn.Module, Wav2Vec2FeatureExtractor]:
    """Wav2Vec2ForSequenceClassification, receptive field (40 samples) from conv (10,3,3) / (5,2,2)."""
    config = Wav2Vec2Config(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
        conv_dim=(16, 16, 16), conv_kernel=(10, 3, 3), conv_stride=(5, 2, 2),
        num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2, classifier_proj_size=8,
        vocab_size=8, **_common(labels),
    )
    extractor = Wav2Vec2FeatureExtractor(sampling_rate=SAMPLE_RATE, do_normalize=True)
    return Wav2Vec2ForSequenceClassification(config), extractor


def hubert_parts(labels: Sequence[str] = LABELS) -> tuple[torch.nn.Module, Wav2Vec2FeatureExtractor]:
    """HubertForSequenceClassification with layer-norm conv features, receptive field 20 samples."""
    config = HubertConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
        conv_dim=(16, 16), conv_kernel=(8, 4), conv_stride=(4, 2), feat_extract_norm="layer",
        num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2, classifier_proj_size=8,
        vocab_size=8, **_common(labels),
    )
    extractor = Wav2Vec2FeatureExtractor(sampling_rate=SAMPLE_RATE, do_normalize=True, return_attention_mask=True)
    return HubertForSequenceClassification(config), extractor


def whisper_parts(labels: Sequence[str] = LABELS) -> tuple[torch.nn.Module, WhisperFeatureExtractor]:
    """WhisperForAudioClassification on 2 s windows of 40 mel bins."""
    extractor = WhisperFeatureExtractor(feature_size=40, sampling_rate=SAMPLE_RATE, chunk_length=WHISPER_SECONDS)
    config = WhisperConfig(
        d_model=32, encoder_layers=2, encoder_attention_heads=2, encoder_ffn_dim=37,
        decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=37,
        num_mel_bins=40, max_source_positions=extractor.nb_max_frames // 2, max_target_positions=16,
        classifier_proj_size=8, **_common(labels),
    )
    return WhisperForAudioClassification(config), extractor


def ast_parts(labels: Sequence[str] = LABELS) -> tuple[torch.nn.Module, ASTFeatureExtractor]:
    """ASTForAudioClassification on 200 frames of 64 mel bins."""
    config = ASTConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
        max_length=AST_MAX_LENGTH, num_mel_bins=AST_MEL_BINS, **_common(labels),
    )
    extractor = ASTFeatureExtractor(sampling_rate=SAMPLE_RATE, num_mel_bins=AST_MEL_BINS, max_length=AST_MAX_LENGTH)
    return ASTForAudioClassification(config), extractor


WHISPER_SPECIALS = (
    "<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|translate|>", "<|transcribe|>",
    "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>",
)


def save_tiny_whisper(directory: Path, multilingual: bool = True, seed: int = 0) -> Path:
    """A randomly initialised WhisperForConditionalGeneration on 2 s windows with a byte-level tokenizer."""
    tokenizer = WhisperTokenizer(vocab={c: i for i, c in enumerate(sorted(ByteLevel.alphabet()))}, merges=[])
    tokenizer.add_special_tokens({"additional_special_tokens": list(WHISPER_SPECIALS)})
    ids = dict(zip(WHISPER_SPECIALS, tokenizer.convert_tokens_to_ids(list(WHISPER_SPECIALS))))
    extractor = WhisperFeatureExtractor(feature_size=40, sampling_rate=SAMPLE_RATE, chunk_length=WHISPER_SECONDS)
    special = {"decoder_start_token_id": ids["<|startoftranscript|>"], "eos_token_id": ids["<|endoftext|>"],
               "pad_token_id": ids["<|endoftext|>"], "bos_token_id": ids["<|endoftext|>"]}
    config = WhisperConfig(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=1, encoder_attention_heads=2, encoder_ffn_dim=37,
        decoder_layers=1, decoder_attention_heads=2, decoder_ffn_dim=37, num_mel_bins=40,
        max_source_positions=extractor.nb_max_frames // 2, max_target_positions=32, **special,
    )
    torch.manual_seed(seed)
    model = WhisperForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        **special, max_length=12, is_multilingual=multilingual, begin_suppress_tokens=[], suppress_tokens=[],
        lang_to_id={"<|en|>": ids["<|en|>"]},
        task_to_id={"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]},
        no_timestamps_token_id=ids["<|notimestamps|>"],
    )
    model.save_pretrained(directory)
    WhisperProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(directory)
    return directory


BUILDERS: dict[str, Callable[..., tuple[torch.nn.Module, object]]] = {
    "wav2vec2": wav2vec2_parts,
    "hubert": hubert_parts,
    "whisper": whisper_parts,
    "ast": ast_parts,
}


def save_tiny(family: str, directory: Path, seed: int = 0, labels: Sequence[str] = LABELS) -> Path:
    """Build the tiny ``family`` model with a fixed seed and save it and its extractor into ``directory``."""
    torch.manual_seed(seed)
    model, extractor = BUILDERS[family](labels)
    model.save_pretrained(directory)  # transformers >= 5 always writes model.safetensors
    extractor.save_pretrained(directory)
    return directory


def save_all(root: Path) -> dict[str, Path]:
    """Every tiny family saved under ``root/<family>``."""
    return {family: save_tiny(family, root / family) for family in BUILDERS}


def bin_only_copy(source: Path, directory: Path) -> Path:
    """A copy of a saved model whose weights are a pickled ``pytorch_model.bin`` instead of safetensors."""
    from safetensors.torch import load_file

    directory.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.suffix == ".safetensors":
            torch.save(load_file(path), directory / "pytorch_model.bin")
        else:
            (directory / path.name).write_bytes(path.read_bytes())
    return directory
