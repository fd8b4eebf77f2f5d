"""Batched torch re-implementations of Hugging Face audio feature extractors.

Each module maps a float32 ``[batch, samples]`` waveform tensor, on the model's device, to the
tensor the model takes (``input_name``), as the extractor's own ``__call__`` does clip by clip
with its default arguments (no attention mask: the clips of a batch have one length).
``min_samples`` / ``max_samples`` give the shortest clip the features exist for and the last
sample they look at (None: all of them).

Agreement with the extractors' own numpy output, checked in ``tests/test_features.py`` on
float32 clips (max abs difference allowed; the features are O(1)):

- wav2vec2 / HuBERT (``Wav2Vec2FeatureExtractor``) ``input_values``: 1e-5
- Whisper (``WhisperFeatureExtractor``) ``input_features``: 1e-4
- AST (``ASTFeatureExtractor``) ``input_values``: 1e-3 (the reference computes its STFT in
  float64, this module in float32)
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from transformers import ASTFeatureExtractor, Wav2Vec2FeatureExtractor, WhisperFeatureExtractor
from transformers.audio_utils import mel_filter_bank, window_function

from transferability.models.contract import ModelLoadError


class Wav2Vec2Features(torch.nn.Module):
    """Raw waveform, zero-mean unit-variance per clip when ``do_normalize``."""

    input_name = "input_values"
    epsilon = 1e-7  # as Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm
    min_samples = 1
    max_samples = None

    def __init__(self, feature_extractor: Wav2Vec2FeatureExtractor) -> None:
        super().__init__()
        self.do_normalize = bool(feature_extractor.do_normalize)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        if not self.do_normalize:
            return waveforms
        mean = waveforms.mean(dim=-1, keepdim=True)
        var = waveforms.var(dim=-1, correction=0, keepdim=True)
        return (waveforms - mean) / torch.sqrt(var + self.epsilon)


class WhisperFeatures(torch.nn.Module):
    """Log-mel spectrogram ``[batch, n_mels, n_samples // hop_length]`` of the padded/truncated clip."""

    input_name = "input_features"
    min_samples = 1

    def __init__(self, feature_extractor: WhisperFeatureExtractor) -> None:
        super().__init__()
        fe = feature_extractor
        self.n_fft = int(fe.n_fft)
        self.hop_length = int(fe.hop_length)
        self.n_samples = int(fe.n_samples)
        self.max_samples = self.n_samples
        self.padding_value = float(fe.padding_value)
        self.dither = float(getattr(fe, "dither", 0.0))
        self.register_buffer("window", torch.hann_window(self.n_fft), persistent=False)
        mel_t = torch.from_numpy(np.asarray(fe.mel_filters, dtype=np.float32).T.copy())
        self.register_buffer("mel_filters_t", mel_t, persistent=False)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        n = waveforms.shape[-1]
        if n >= self.n_samples:
            waveforms = waveforms[:, : self.n_samples]
        else:
            waveforms = F.pad(waveforms, (0, self.n_samples - n), value=self.padding_value)
        if self.dither != 0.0:
            waveforms = waveforms + self.dither * torch.randn_like(waveforms)
        stft = torch.stft(waveforms, self.n_fft, self.hop_length, window=self.window, return_complex=True)
        power = (stft[..., :-1].abs() ** 2).contiguous()
        log_spec = torch.clamp(self.mel_filters_t @ power, min=1e-10).log10()
        peak = log_spec.amax(dim=(1, 2), keepdim=True)
        log_spec = torch.maximum(log_spec, peak - 8.0)
        return (log_spec + 4.0) / 4.0


class ASTFeatures(torch.nn.Module):
    """Kaldi-style log-mel fbank ``[batch, max_length, num_mel_bins]``, padded/truncated and normalised."""

    input_name = "input_values"
    frame_length = 400  # the extractor's fixed 25 ms / 10 ms framing at 16 kHz, in samples
    hop_length = 160
    fft_length = 512
    preemphasis = 0.97
    mel_floor = 1.192092955078125e-07
    min_samples = frame_length

    def __init__(self, feature_extractor: ASTFeatureExtractor) -> None:
        super().__init__()
        fe = feature_extractor
        self.max_length = int(fe.max_length)
        self.max_samples = (self.max_length - 1) * self.hop_length + self.frame_length
        self.do_normalize = bool(fe.do_normalize)
        self.mean = float(fe.mean)
        self.std = float(fe.std)
        window = getattr(fe, "window", None)
        if window is None:
            window = window_function(self.frame_length, "hann", periodic=False)
        mel_filters = getattr(fe, "mel_filters", None)
        if mel_filters is None:
            mel_filters = _ast_mel_filters(fe)
        self.register_buffer("window", torch.tensor(window, dtype=torch.float32), persistent=False)
        self.register_buffer("mel_filters", torch.tensor(mel_filters, dtype=torch.float32), persistent=False)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        if waveforms.shape[-1] < self.frame_length:
            raise ValueError(
                f"AST features need at least {self.frame_length} samples (one frame), got {waveforms.shape[-1]}"
            )
        frames = waveforms.unfold(-1, self.frame_length, self.hop_length)[:, : self.max_length]
        frames = frames - frames.mean(dim=-1, keepdim=True)
        frames = torch.cat(
            (frames[..., :1] * (1.0 - self.preemphasis), frames[..., 1:] - self.preemphasis * frames[..., :-1]),
            dim=-1,
        )
        power = torch.fft.rfft(frames * self.window, n=self.fft_length).abs() ** 2
        fbank = torch.clamp(power @ self.mel_filters, min=self.mel_floor).log()
        fbank = F.pad(fbank, (0, 0, 0, self.max_length - fbank.shape[1]))
        if self.do_normalize:
            fbank = (fbank - self.mean) / (self.std * 2)
        return fbank


def _ast_mel_filters(fe: ASTFeatureExtractor) -> np.ndarray:
    """The filter bank ASTFeatureExtractor builds when torchaudio is absent."""
    return mel_filter_bank(
        num_frequency_bins=ASTFeatures.fft_length // 2 + 1,
        num_mel_filters=fe.num_mel_bins,
        min_frequency=20,
        max_frequency=fe.sampling_rate // 2,
        sampling_rate=fe.sampling_rate,
        norm=None,
        mel_scale="kaldi",
        triangularize_in_mel_space=True,
    )


FEATURE_MODULES: dict[type, type[torch.nn.Module]] = {
    Wav2Vec2FeatureExtractor: Wav2Vec2Features,
    WhisperFeatureExtractor: WhisperFeatures,
    ASTFeatureExtractor: ASTFeatures,
}


def feature_module_for(feature_extractor: object) -> torch.nn.Module:
    """The batched torch module reproducing ``feature_extractor`` (matched by exact class)."""
    module = FEATURE_MODULES.get(type(feature_extractor))
    if module is None:
        supported = ", ".join(cls.__name__ for cls in FEATURE_MODULES)
        raise ModelLoadError(
            f"unsupported feature extractor {type(feature_extractor).__name__} (supported: {supported})"
        )
    return module(feature_extractor)
