"""Train a zoo classifier end to end on waveforms, through the loader's own batched preprocessing, and save it."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from transferability.models.features import feature_module_for
from transferability.models.native import save_native
from transferability.models.zoo.architectures import CNN_CONFIG, HOP, build

MAX_GAIN_DB = 3.0  # random gain, uniform in +-3 dB
MAX_SHIFT_SECONDS = 0.1  # random circular time shift
NOISE_RELATIVE = 0.01  # Gaussian noise at 1% of the clip's RMS (40 dB SNR)
WEIGHT_DECAY = 0.01
SILENCE_WEIGHT = 1.0  # weight of the all-zero clip's loss against the uniform distribution, per batch
MAX_GRAD_NORM = 1.0
CLIP_MULTIPLE = 2 * HOP  # training clip lengths are whole multiples of this (Whisper's window needs it)


class WaveformModel(torch.nn.Module):
    """A Hugging Face classifier behind the batched torch module of its feature extractor: waveforms -> logits."""

    def __init__(self, model: torch.nn.Module, feature_extractor: object) -> None:
        super().__init__()
        self.model = model
        self.features = feature_module_for(feature_extractor)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            inputs = self.features(waveforms)
        return self.model(**{self.features.input_name: inputs}).logits


@dataclass
class TrainedModel:
    """A trained classifier in eval mode: ``network`` maps waveforms to logits; ``facts`` describe the run."""

    arch: str
    model: torch.nn.Module
    feature_extractor: object | None
    network: torch.nn.Module
    class_names: tuple[str, ...]
    sample_rate: int
    facts: dict


def train(
    arch: str,
    waveforms: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    out_dir: Path,
    seed: int,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    log: Callable[[str], object] = print,
    sample_rate: int = 16000,
) -> dict:
    """Train ``arch`` on ``waveforms [n, samples]`` / ``labels [n]``, save it into ``out_dir``; the training facts."""
    trained = fit(arch, waveforms, labels, class_names, seed, epochs, batch_size, learning_rate, log, sample_rate)
    save(trained, out_dir)
    return trained.facts


def fit(
    arch: str,
    waveforms: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    seed: int,
    epochs: int,
    batch_size: int,
    learning_rate: float,
    log: Callable[[str], object] = print,
    sample_rate: int = 16000,
) -> TrainedModel:
    """Build ``arch`` for clips of ``waveforms``' length; train it with cosine-annealed AdamW on augmented batches.

    Each batch also holds the all-zero clip, the explainer's occlusion value, with the uniform distribution
    as its target: a model confident on silence would bias every occlusion explanation toward one class."""
    x, y = _as_tensors(waveforms, labels, len(class_names))
    if epochs < 1 or batch_size < 1 or learning_rate <= 0:
        raise ValueError(
            f"need epochs >= 1, batch_size >= 1, learning_rate > 0; got {epochs}, {batch_size}, {learning_rate}"
        )
    start = time.perf_counter()
    model, extractor = build(arch, class_names, seed, sample_rate, x.shape[1] / sample_rate)  # seeds torch
    network = model if extractor is None else WaveformModel(model, extractor)
    trainable = [p for p in network.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=learning_rate, weight_decay=WEIGHT_DECAY)
    steps = epochs * -(-len(y) // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    generator = torch.Generator().manual_seed(seed)
    max_shift = int(MAX_SHIFT_SECONDS * sample_rate)
    network.train()
    for epoch in range(1, epochs + 1):
        total_loss, correct = 0.0, 0
        for batch in torch.randperm(len(y), generator=generator).split(batch_size):
            with_silence = torch.cat([augment(x[batch], generator, max_shift), torch.zeros(1, x.shape[1])])
            logits, silence_logits = network(with_silence).split([len(batch), 1])
            loss = F.cross_entropy(logits, y[batch]) + SILENCE_WEIGHT * uniform_cross_entropy(silence_logits)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, MAX_GRAD_NORM)
            optimizer.step()
            schedule.step()
            total_loss += loss.item() * len(batch)
            correct += int((logits.argmax(dim=-1) == y[batch]).sum())
        final_loss, train_accuracy = total_loss / len(y), correct / len(y)
        log(f"{arch} epoch {epoch}/{epochs}: loss {final_loss:.4f}, train accuracy {train_accuracy:.3f}")
    network.eval()
    facts = {
        "arch": arch,
        "seed": seed,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "final_loss": final_loss,
        "train_accuracy": train_accuracy,
        "seconds": time.perf_counter() - start,
        "parameter_count": sum(p.numel() for p in model.parameters()),
    }
    return TrainedModel(arch, model, extractor, network, tuple(str(c) for c in class_names), sample_rate, facts)


def save(trained: TrainedModel, out_dir: Path) -> Path:
    """Save so that ``load_classifier(out_dir)`` rebuilds ``trained.network``: HF directory or native directory."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if trained.feature_extractor is None:
        save_native(trained.model, out_dir, trained.class_names, trained.sample_rate, CNN_CONFIG)
    else:
        trained.model.save_pretrained(out_dir, safe_serialization=True)
        trained.feature_extractor.save_pretrained(out_dir)
    return out_dir


def pad_to_common_length(waveforms: Sequence[np.ndarray], multiple: int = CLIP_MULTIPLE) -> np.ndarray:
    """Clips of different lengths as one float32 ``[n, samples]`` batch: each zero-padded at its end to the
    longest clip's length, rounded up to a whole ``multiple`` of samples (equal clips of such a length stay as
    they are)."""
    if not waveforms:
        raise ValueError("no clips to pad")
    samples = -(-max(w.shape[0] for w in waveforms) // multiple) * multiple
    batch = np.zeros((len(waveforms), samples), dtype=np.float32)
    for row, waveform in zip(batch, waveforms):
        row[: waveform.shape[0]] = waveform
    return batch


def augment(batch: torch.Tensor, generator: torch.Generator, max_shift: int) -> torch.Tensor:
    """Random gain, circular time shift of up to ``max_shift`` samples and small Gaussian noise, per clip."""
    n, samples = batch.shape
    gain = 10.0 ** (torch.empty(n, 1).uniform_(-MAX_GAIN_DB, MAX_GAIN_DB, generator=generator) / 20.0)
    shifts = torch.randint(-max_shift, max_shift + 1, (n, 1), generator=generator)
    rolled = batch.gather(1, (torch.arange(samples) - shifts) % samples)
    rms = batch.square().mean(dim=1, keepdim=True).sqrt()
    noise = torch.randn(batch.shape, generator=generator) * (NOISE_RELATIVE * rms)
    return gain * (rolled + noise)


def uniform_cross_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of ``logits [n, classes]`` against the uniform distribution (log(classes) at best)."""
    return -F.log_softmax(logits, dim=-1).mean()


def _as_tensors(waveforms: np.ndarray, labels: np.ndarray, n_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Checked float32 ``[n, samples]`` waveforms and int64 ``[n]`` labels in ``0..n_classes-1``."""
    x = np.asarray(waveforms, dtype=np.float32)
    y = np.asarray(labels)
    if x.ndim != 2 or y.shape != (x.shape[0],) or x.shape[0] == 0:
        raise ValueError(f"expected waveforms [n, samples] and labels [n], got {x.shape} and {y.shape}")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must be integers in 0..{n_classes - 1}")
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))
