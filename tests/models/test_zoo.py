"""The model zoo: each architecture learns a tiny task, saves, and loads back through load_classifier."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from transferability.models.contract import ModelLoadError
from transferability.models.loading import load_classifier
from transferability.models.native import AudioCNN, load_native, save_native
from transferability.models.zoo import (
    ARCHITECTURES,
    accuracy,
    backbone_name,
    build,
    fit,
    model_facts,
    pad_to_common_length,
    save,
    train,
)
from transferability.models.zoo.training import uniform_cross_entropy

SAMPLE_RATE = 16000
CLASSES = ("low", "mid", "high")
BANDS = ((200.0, 500.0), (900.0, 1800.0), (2500.0, 5000.0))
# Per architecture: epochs, batch size, learning rate that learn the tone task below.
RECIPES = {
    "wav2vec2": (4, 8, 2e-3),
    "whisper": (5, 8, 2e-3),
    "ast": (8, 8, 2e-3),
    "cnn": (6, 8, 2e-3),
}


def tones(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """1 s clips: three tones drawn in the class's band, random amplitudes and phases, plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    clips, labels = [], []
    for label, (low, high) in enumerate(BANDS):
        for _ in range(per_class):
            freqs, amps, phases = rng.uniform(low, high, 3), rng.uniform(0.2, 1.0, 3), rng.uniform(0, 2 * np.pi, 3)
            clip = (amps[:, None] * np.sin(2 * np.pi * freqs[:, None] * t + phases[:, None])).sum(axis=0)
            clip *= rng.uniform(0.05, 0.3) / np.sqrt(np.mean(clip**2))
            clips.append(clip + rng.normal(0.0, rng.uniform(0.005, 0.03), t.size))
            labels.append(label)
    return np.asarray(clips, dtype=np.float32), np.asarray(labels)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models train fastest on one thread; two threads on a busy 2-core machine can be 10x slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    x, y = tones(16, seed=0)
    held_x, held_y = tones(8, seed=1)
    return {"x": x, "y": y, "held_x": held_x, "held_y": held_y}


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_architecture_learns_saves_and_reloads(arch: str, data: dict, tmp_path: Path) -> None:
    epochs, batch_size, learning_rate = RECIPES[arch]
    lines: list[str] = []
    trained = fit(arch, data["x"], data["y"], CLASSES, 0, epochs, batch_size, learning_rate, log=lines.append)
    out_dir = save(trained, tmp_path / arch)
    assert len(lines) == epochs and lines[-1].startswith(f"{arch} epoch {epochs}/{epochs}: loss ")
    assert set(trained.facts) >= {"arch", "seed", "epochs", "final_loss", "train_accuracy", "seconds", "parameter_count"}

    expected = {"transferability_model.json", "model.safetensors"} if arch == "cnn" else {
        "config.json", "model.safetensors", "preprocessor_config.json"
    }
    assert expected <= {p.name for p in out_dir.iterdir()}
    classifier = load_classifier(str(out_dir))
    assert classifier.class_names == CLASSES
    assert classifier.sample_rate == SAMPLE_RATE
    assert classifier.parameter_count == trained.facts["parameter_count"]

    probe = torch.from_numpy(data["held_x"][::3])
    with torch.no_grad():
        in_memory = trained.network(probe)
    torch.testing.assert_close(classifier.logits(probe), in_memory, rtol=0, atol=1e-4)

    held_out = accuracy(classifier, data["held_x"], data["held_y"], batch_size=8)
    facts = trained.facts
    print(f"{arch}: held-out accuracy {held_out:.3f}, {facts['seconds']:.1f} s, {facts['parameter_count']} parameters")
    assert held_out >= 0.8
    # trained with the all-zero clip against the uniform distribution: not confident on silence
    silence = classifier.probabilities(torch.zeros(1, SAMPLE_RATE))[0]
    assert float(silence.max()) < 0.6


def test_uniform_cross_entropy_is_smallest_for_uniform_logits() -> None:
    assert float(uniform_cross_entropy(torch.zeros(2, 4))) == pytest.approx(np.log(4))
    assert float(uniform_cross_entropy(torch.tensor([[3.0, 0.0, 0.0, 0.0]]))) > np.log(4) + 0.5


def test_parameter_counts_are_distinct_and_small() -> None:
    counts = {arch: sum(p.numel() for p in build(arch, CLASSES, 0)[0].parameters()) for arch in ARCHITECTURES}
    assert len(set(counts.values())) == len(ARCHITECTURES), counts
    assert all(20_000 <= n <= 300_000 for n in counts.values()), counts


def test_builders_label_and_size_the_models() -> None:
    model, extractor = build("whisper", CLASSES, 0, clip_seconds=1.0)
    assert model.config.id2label == dict(enumerate(CLASSES))
    assert extractor.n_samples == SAMPLE_RATE and model.config.max_source_positions * 2 == extractor.nb_max_frames
    _, extractor = build("ast", CLASSES, 0, clip_seconds=2.0)
    assert extractor.max_length == 198  # every 25 ms frame of a 2 s clip at a 10 ms hop
    assert [backbone_name(arch) for arch in ARCHITECTURES] == ["Wav2Vec2", "Whisper", "AST", "CNN"]
    with pytest.raises(ValueError, match="unknown architecture"):
        build("resnet", CLASSES, 0)
    with pytest.raises(ValueError, match="multiple of 320"):
        build("whisper", CLASSES, 0, clip_seconds=0.51)


@pytest.mark.parametrize("arch", ["ast", "cnn"])
def test_training_is_deterministic_given_the_seed(arch: str, data: dict, tmp_path: Path) -> None:
    x, y = data["x"][::4], data["y"][::4]

    def weights(seed: int, name: str) -> dict[str, torch.Tensor]:
        facts = train(arch, x, y, CLASSES, tmp_path / name, seed, epochs=1, batch_size=4, learning_rate=1e-3, log=str)
        assert facts["arch"] == arch and facts["seed"] == seed
        return load_file(str(tmp_path / name / "model.safetensors"))

    first, again, other = weights(3, "first"), weights(3, "again"), weights(4, "other")
    assert first.keys() == again.keys() == other.keys()
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first)


def test_train_rejects_bad_inputs(data: dict, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="labels must be integers"):
        train("cnn", data["x"], data["y"] + 1, CLASSES, tmp_path, 0, 1, 4, 1e-3)
    with pytest.raises(ValueError, match="expected waveforms"):
        train("cnn", data["x"][0], data["y"], CLASSES, tmp_path, 0, 1, 4, 1e-3)


@pytest.fixture
def native_dir(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    config = {"n_mels": 16, "n_fft": 256, "hop_length": 128, "channels": [4, 8]}
    return save_native(AudioCNN(len(CLASSES), SAMPLE_RATE, **config), tmp_path / "cnn", CLASSES, SAMPLE_RATE, config)


def test_native_model_loads_and_reports_its_facts(native_dir: Path) -> None:
    classifier = load_classifier(str(native_dir), name="tiny")
    assert classifier.name == "tiny" and classifier.min_samples == 256 and classifier.max_samples is None
    assert classifier.logits(torch.randn(2, 3000)).shape == (2, len(CLASSES))
    facts = model_facts(classifier)
    millions = classifier.parameter_count / 1e6
    assert facts == {"parameters_millions": millions, "class_names": list(CLASSES), "sample_rate": SAMPLE_RATE}


def _edit_description(directory: Path, **changes: object) -> None:
    path = directory / "transferability_model.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "transferability_model.json").unlink(), "cannot read transferability_model.json"),
        (lambda d: (d / "transferability_model.json").write_text("{not json"), "cannot read transferability_model.json"),
        (lambda d: (d / "model.safetensors").unlink(), "could not rebuild 'cnn' from model.safetensors"),
        (lambda d: (d / "model.safetensors").write_bytes(b"garbage"), "could not rebuild 'cnn' from model.safetensors"),
        (lambda d: _edit_description(d, architecture="transformer"), "unknown native architecture 'transformer'"),
        (lambda d: _edit_description(d, config={"channels": [4, 8, 16]}), "could not rebuild 'cnn'"),
    ],
    ids=["missing json", "corrupt json", "missing weights", "corrupt weights", "unknown architecture", "wrong config"],
)
def test_native_loader_errors_name_the_directory(native_dir: Path, damage, message: str) -> None:
    damage(native_dir)
    with pytest.raises(ModelLoadError, match=message) as info:
        load_native(native_dir)
    assert str(native_dir) in str(info.value)


def test_save_native_refuses_foreign_modules(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a native architecture"):
        save_native(torch.nn.Linear(2, 2), tmp_path, CLASSES, SAMPLE_RATE, {})


def test_clips_of_different_lengths_are_zero_padded_to_a_whole_multiple_of_the_longest() -> None:
    clips = [np.full(700, 0.5, np.float32), np.full(641, -0.25, np.float32), np.ones(10, np.float32)]
    batch = pad_to_common_length(clips, multiple=320)
    assert batch.shape == (3, 960) and batch.dtype == np.float32
    assert (batch[0, :700] == 0.5).all() and (batch[0, 700:] == 0).all()
    assert (batch[1, :641] == -0.25).all() and (batch[1, 641:] == 0).all() and batch[2].sum() == 10
    equal = [np.arange(640, dtype=np.float32)] * 2
    assert np.array_equal(pad_to_common_length(equal, multiple=320), np.stack(equal))
    with pytest.raises(ValueError, match="no clips"):
        pad_to_common_length([])
