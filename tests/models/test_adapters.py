"""Hugging Face and entry-point classifiers honour the AudioClassifier contract."""
from __future__ import annotations

from pathlib import Path

import huggingface_hub.constants
import pytest
import torch
from transformers import AutoFeatureExtractor, AutoModelForAudioClassification

from tests.helpers.hf_tiny import BUILDERS, LABELS, SAMPLE_RATE, bin_only_copy, save_all
from transferability.models.contract import AudioClassifier, ModelLoadError
from transferability.models.entrypoint import load_entrypoint
from transferability.models.loading import load_classifier

FAMILIES = sorted(BUILDERS)
# Max abs logit difference against the HF model run on the HF extractor's own features. The
# tiny models' logits are O(1-10); measured differences are <= 2e-5 (float32 rounding).
LOGIT_ATOL = 1e-4
EXPECTED_MIN_SAMPLES = {"wav2vec2": 40, "hubert": 20, "whisper": 1, "ast": 400}
EXPECTED_MAX_SAMPLES = {"wav2vec2": None, "hubert": None, "whisper": 32000, "ast": 199 * 160 + 400}
ENTRY_FILE = Path(__file__).parents[1] / "helpers" / "entry_models.py"


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return save_all(tmp_path_factory.mktemp("hf_tiny"))


@pytest.fixture(scope="session")
def classifiers(tiny_dirs: dict[str, Path]) -> dict[str, AudioClassifier]:
    return {family: load_classifier(str(path)) for family, path in tiny_dirs.items()}


@pytest.fixture(scope="session")
def hf_models(tiny_dirs: dict[str, Path]) -> dict[str, torch.nn.Module]:
    """The tiny models loaded by transformers itself, the reference."""
    return {family: AutoModelForAudioClassification.from_pretrained(path).eval() for family, path in tiny_dirs.items()}


def noise(batch: int, n_samples: int, seed: int = 0) -> torch.Tensor:
    return 0.2 * torch.randn(batch, n_samples, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("family", FAMILIES)
def test_loads_with_contract_fields(family: str, classifiers: dict, hf_models: dict) -> None:
    classifier = classifiers[family]
    hf_model = hf_models[family]
    assert classifier.name == family
    assert classifier.class_names == LABELS
    assert classifier.sample_rate == SAMPLE_RATE
    assert classifier.parameter_count == sum(p.numel() for p in hf_model.parameters())
    assert classifier.min_samples == EXPECTED_MIN_SAMPLES[family]
    assert classifier.max_samples == EXPECTED_MAX_SAMPLES[family]
    assert classifier.logits(noise(3, SAMPLE_RATE)).shape == (3, len(LABELS))


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("n_samples", [12000, 36000])  # shorter and longer than Whisper's / AST's window
def test_logits_match_hf_pipeline(
    family: str, n_samples: int, classifiers: dict, hf_models: dict, tiny_dirs: dict
) -> None:
    hf_model = hf_models[family]
    extractor = AutoFeatureExtractor.from_pretrained(tiny_dirs[family])
    batch = noise(3, n_samples, seed=n_samples)
    batch[1] = 0.5 * torch.sin(torch.arange(n_samples) * (2 * torch.pi * 440 / SAMPLE_RATE))
    batch[2] *= 1e-3
    with torch.inference_mode():
        expected = torch.cat([
            hf_model(**extractor(clip.numpy(), sampling_rate=SAMPLE_RATE, return_tensors="pt")).logits
            for clip in batch
        ])
    torch.testing.assert_close(classifiers[family].logits(batch), expected, rtol=0, atol=LOGIT_ATOL)


@pytest.mark.parametrize("family", ["wav2vec2", "hubert"])
def test_min_samples_is_the_conv_receptive_field(family: str, classifiers: dict, hf_models: dict) -> None:
    classifier = classifiers[family]
    hf_model = hf_models[family]
    shortest = classifier.min_samples
    with torch.inference_mode():
        assert hf_model(input_values=noise(2, shortest)).logits.shape == (2, len(LABELS))
        with pytest.raises(RuntimeError):
            hf_model(input_values=noise(2, shortest - 1))
    assert classifier.logits(noise(2, shortest)).shape == (2, len(LABELS))
    with pytest.raises(ValueError, match=f"min_samples={shortest}"):
        classifier.logits(noise(2, shortest - 1))


@pytest.mark.parametrize("family", FAMILIES)
def test_shortest_clip_works(family: str, classifiers: dict) -> None:
    classifier = classifiers[family]
    assert torch.isfinite(classifier.logits(noise(2, classifier.min_samples))).all()


@pytest.mark.parametrize("family", ["whisper", "ast"])
def test_samples_beyond_max_samples_are_ignored(family: str, classifiers: dict) -> None:
    classifier = classifiers[family]
    clip = noise(2, classifier.max_samples)
    longer = torch.cat([clip, noise(2, 5000, seed=1)], dim=1)
    torch.testing.assert_close(classifier.logits(longer), classifier.logits(clip), rtol=0, atol=0)


def test_unknown_hub_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)  # fail fast: no network here
    with pytest.raises(ModelLoadError, match="model 'no-such-org/no-such-model': not found locally and could not"):
        load_classifier("no-such-org/no-such-model")


@pytest.mark.parametrize("spec", ["/nonexistent/models/tiny", "./missing_model_dir", "a/b/c"])
def test_missing_directory(spec: str) -> None:
    with pytest.raises(ModelLoadError, match=f"model '{spec}': no such directory"):
        load_classifier(spec)


def test_bin_only_directory_refused(tiny_dirs: dict, tmp_path: Path) -> None:
    directory = bin_only_copy(tiny_dirs["wav2vec2"], tmp_path / "bin_only")
    with pytest.raises(ModelLoadError, match="only pickled weights \\(pytorch_model.bin\\).*safetensors") as info:
        load_classifier(str(directory))
    assert str(directory) in str(info.value)


def test_directory_without_weights_refused(tmp_path: Path) -> None:
    directory = tmp_path / "empty"
    directory.mkdir()
    with pytest.raises(ModelLoadError, match="no weight files"):
        load_classifier(str(directory))


@pytest.mark.parametrize("spec", ["tests.helpers.entry_models:tiny_classifier", f"{ENTRY_FILE}:tiny_classifier"])
def test_entry_point_loads(spec: str) -> None:
    classifier = load_classifier(spec)
    assert classifier.name == spec
    assert classifier.class_names == ("low", "mid", "high")
    assert classifier.sample_rate == 8000
    assert classifier.min_samples == 64
    assert classifier.max_samples is None
    assert classifier.parameter_count == 4 * 3 + 3
    assert classifier.logits(noise(4, 1000)).shape == (4, 3)


def test_entry_point_object_with_plain_callable_and_kwargs() -> None:
    classifier = load_classifier("tests.helpers.entry_models:as_object", name="stats")
    assert (classifier.name, classifier.class_names, classifier.max_samples) == ("stats", ("quiet", "loud"), 8000)
    assert classifier.parameter_count is None
    assert load_entrypoint("tests.helpers.entry_models:tiny_classifier", n_classes=5).n_classes == 5


@pytest.mark.parametrize(
    "spec, message",
    [
        ("tests.helpers.entry_models:no_such_function", "has no function 'no_such_function'"),
        ("tests.helpers.entry_models:not_a_function", "has no function 'not_a_function'"),
        ("no_such_module_xyz:load", "cannot import module 'no_such_module_xyz'"),
        ("missing/file.py:load", "file 'missing/file.py' does not exist"),
        ("tests.helpers.entry_models:wrong_return", "returned int without model, class_names, sample_rate"),
        ("tests.helpers.entry_models:missing_class_names", "returned dict without class_names"),
        ("tests.helpers.entry_models:string_class_names", "class_names is not a sequence of str"),
        ("tests.helpers.entry_models:wrong_shape", r"returned shape \(2, 4\), expected \(2, 3\)"),
        ("tests.helpers.entry_models:nan_output", "non-finite logits"),
        ("tests.helpers.entry_models:raises", "calling raises\\(\\) failed \\(RuntimeError: weights unavailable\\)"),
        (f"{ENTRY_FILE}:wrong_shape", "expected \\(2, 3\\)"),
    ],
)
def test_invalid_entry_points(spec: str, message: str) -> None:
    with pytest.raises(ModelLoadError, match=message) as info:
        load_classifier(spec)
    assert f"entry point '{spec}'" in str(info.value)
