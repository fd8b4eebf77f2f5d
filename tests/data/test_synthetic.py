"""Synthetic tasks: determinism, manifest contract, valid audio, learnability, spoof resynthesis."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from scipy.signal import stft

from transferability.data.synthetic import TASKS, ManifestError, generate_task, read_manifest, write_manifest
from transferability.data.synthetic.vocabulary import SPEECH_VOCABULARY
from transferability.data.synthetic.spoof import Vocoder, bonafide_style, vocode
from transferability.data.synthetic.voice import synthesise_utterance

SR = 16000
ENGINES = ["formant", "espeak"]
# Every task with every speech engine that changes it (music has no speech).
TASK_ENGINES = [("genre", "espeak"), ("emotion", "formant"), ("emotion", "espeak"), ("spoof", "formant"), ("spoof", "espeak")]
COLUMNS = ["item_id", "path", "label", "split", "duration", "dataset", "task", "text"]
LEARN_COUNTS = {"train": 20, "heldout": 10, "explain": 0}
WILD_COUNT = 12  # spoof only: explain items per class, to train a classifier on the wild domain


# --- simple hand features and a numpy ridge classifier ----------------------------------------

def _mel_filterbank(freqs: np.ndarray, n_bands: int = 20) -> np.ndarray:
    def mel(hz: float | np.ndarray) -> float | np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    edges = 700.0 * (10.0 ** (np.linspace(mel(50.0), mel(SR / 2), n_bands + 2) / 2595.0) - 1.0)
    lo, centre, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.clip(np.minimum((freqs - lo) / (centre - lo), (hi - freqs) / (hi - centre)), 0.0, None)


def clip_features(x: np.ndarray) -> np.ndarray:
    """Log-mel mean/std, envelope modulation, spectral flux, harmonic fine structure, cepstral pitch stats."""
    hop = 256
    freqs, _, z = stft(x, SR, nperseg=512, noverlap=512 - hop)
    power = np.abs(z) ** 2 + 1e-10
    logmel = 10.0 * np.log10(_mel_filterbank(freqs) @ power + 1e-10)
    envelope = logmel.mean(axis=0)
    modulation = np.abs(np.fft.rfft(envelope - envelope.mean())) ** 2
    mod_freqs = np.fft.rfftfreq(envelope.size, hop / SR)
    mod_bands = [np.log10(modulation[(mod_freqs >= a) & (mod_freqs < b)].sum() + 1e-6) for a, b in ((0.5, 2), (2, 4), (4, 8), (8, 16))]
    flux = np.mean(np.abs(np.diff(logmel, axis=1)))
    log_power = 10.0 * np.log10(power)
    fine = [log_power[a : a + 32].std(axis=0).mean() for a in range(0, 256, 32)]
    cepstrum = np.fft.irfft(np.log(np.abs(z) + 1e-6), axis=0)
    quefrencies = np.arange(SR // 400, SR // 70)
    peak = cepstrum[quefrencies].max(axis=0)
    voiced = peak > np.quantile(peak, 0.6)
    log_f0 = np.log2(SR / quefrencies[np.argmax(cepstrum[quefrencies], axis=0)])[voiced]
    pitch = [np.median(log_f0), np.subtract(*np.quantile(log_f0, [0.9, 0.1])), peak.mean()]
    return np.concatenate([logmel.mean(axis=1), logmel.std(axis=1), mod_bands, [flux], fine, pitch])


def ridge_classifier(x: np.ndarray, y: np.ndarray, penalty: float = 30.0):
    """Least-squares one-hot regression on standardised features; returns a predict function."""
    classes = np.unique(y)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9

    def design(features: np.ndarray) -> np.ndarray:
        return np.c_[(features - mean) / scale, np.ones(len(features))]

    a = design(x)
    targets = (y[:, None] == classes[None, :]).astype(float)
    weights = np.linalg.solve(a.T @ a + penalty * np.eye(a.shape[1]), a.T @ targets)
    return lambda features: classes[np.argmax(design(features) @ weights, axis=1)]


def _features(manifest: pd.DataFrame, root: Path) -> np.ndarray:
    return np.stack([clip_features(sf.read(root / path, dtype="float32")[0]) for path in manifest["path"]])


@pytest.fixture(scope="module")
def learn_set(tmp_path_factory: pytest.TempPathFactory):
    """``learn_set(task, engine)``: the task generated once at LEARN_COUNTS (seed 0), with the features of every clip."""
    sets: dict[tuple[str, str], tuple[pd.DataFrame, np.ndarray]] = {}

    def get(task: str, engine: str) -> tuple[pd.DataFrame, np.ndarray]:
        if (task, engine) not in sets:
            counts = {**LEARN_COUNTS, "explain": WILD_COUNT} if task == "spoof" else LEARN_COUNTS
            root = tmp_path_factory.mktemp(f"{task}-{engine}")
            manifest = generate_task(task, root, counts, seed=0, speech=engine)
            sets[task, engine] = (manifest, _features(manifest, root))
        return sets[task, engine]

    return get


def _heldout_accuracy(manifest: pd.DataFrame, features: np.ndarray) -> dict[str, float]:
    """Train on the train split, report held-out accuracy per dataset."""
    labels = manifest["label"].to_numpy()
    train = (manifest["split"] == "train").to_numpy()
    predict = ridge_classifier(features[train], labels[train])
    accuracy = {}
    for dataset in manifest["dataset"].unique():
        rows = ((manifest["split"] == "heldout") & (manifest["dataset"] == dataset)).to_numpy()
        accuracy[dataset] = float(np.mean(predict(features[rows]) == labels[rows]))
    return accuracy


# --- determinism ------------------------------------------------------------------------------

def _files(root: Path) -> dict[str, bytes]:
    """Relative path -> the WAV file's bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.wav"))}


@pytest.mark.parametrize(("task", "engine"), TASK_ENGINES)
def test_same_seed_gives_identical_files_and_manifest(task: str, engine: str, tmp_path: Path) -> None:
    counts = {"train": 1, "heldout": 1, "explain": 1}
    first = generate_task(task, tmp_path / "a", counts, seed=3, speech=engine)
    second = generate_task(task, tmp_path / "b", counts, seed=3, speech=engine)
    pd.testing.assert_frame_equal(first, second)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


@pytest.mark.parametrize("task", ["emotion", "spoof"])
def test_the_words_spoken_are_recorded_in_the_manifest(task: str, tmp_path: Path) -> None:
    spoken = generate_task(task, tmp_path / "espeak", {"train": 2}, seed=0, speech="espeak")
    assert all(text and set(text.split()) <= set(SPEECH_VOCABULARY) for text in spoken["text"])
    assert spoken["text"].nunique() == len(spoken)
    wordless = generate_task(task, tmp_path / "formant", {"train": 2}, seed=0, speech="formant")
    assert set(wordless["text"]) == {""}
    assert set(generate_task("genre", tmp_path / "music", {"train": 1}, seed=0)["text"]) == {""}


@pytest.mark.parametrize(("task", "engine"), TASK_ENGINES)
def test_other_seed_gives_other_audio(task: str, engine: str, tmp_path: Path) -> None:
    counts = {"train": 1}
    generate_task(task, tmp_path / "a", counts, seed=3, speech=engine)
    generate_task(task, tmp_path / "b", counts, seed=4, speech=engine)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys() and a
    assert all(a[name] != b[name] for name in a)


@pytest.mark.parametrize("engine", ENGINES)
def test_changing_one_split_count_leaves_other_items_unchanged(engine: str, tmp_path: Path) -> None:
    small = generate_task("spoof", tmp_path / "a", {"train": 2, "heldout": 1, "explain": 1}, seed=0, speech=engine)
    large = generate_task("spoof", tmp_path / "b", {"train": 2, "heldout": 1, "explain": 3}, seed=0, speech=engine)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    kept = small["path"][small["split"] != "explain"]
    assert len(kept) > 0 and all(a[path] == b[path] for path in kept)
    assert set(a) < set(b) and all(a[path] == b[path] for path in a)
    assert len(large) == len(small) + 2 * 2 * 2  # two more explain items per class in both domains


# --- manifest and audio contract --------------------------------------------------------------

@pytest.mark.parametrize(("task", "engine"), TASK_ENGINES)
def test_manifest_and_audio_follow_the_contract(task: str, engine: str, tmp_path: Path) -> None:
    counts = {"train": 2, "heldout": 1, "explain": 1}
    manifest = generate_task(task, tmp_path, counts, seed=0, speech=engine)
    spec = TASKS[task]
    assert list(manifest.columns) == COLUMNS
    assert manifest["item_id"].is_unique
    assert set(manifest["task"]) == {task}
    assert set(manifest["label"]) == set(spec.classes)
    assert np.allclose(manifest["duration"], 2.0)
    for dataset in spec.datasets:
        rows = manifest[manifest["dataset"] == dataset.name]
        assert set(rows["split"]) == set(dataset.splits)
        for split in dataset.splits:
            per_class = rows[rows["split"] == split].groupby("label").size()
            assert per_class.to_dict() == {label: counts[split] for label in spec.classes}
    for row in manifest.itertuples():
        path = tmp_path / row.path
        assert path.is_file() and path.parts[-3:-1] == (row.dataset, row.label) and path.stem == row.item_id
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype, info.frames) == (SR, 1, "FLOAT", 2 * SR)
        audio, _ = sf.read(path, dtype="float32")
        assert np.all(np.isfinite(audio))
        assert np.max(np.abs(audio)) <= 1.0
        assert np.sqrt(np.mean(audio**2)) > 1e-3


def test_spoof_wild_has_no_train_split(tmp_path: Path) -> None:
    manifest = generate_task("spoof", tmp_path, {"train": 1, "heldout": 1, "explain": 1}, seed=0, speech="formant")
    assert set(manifest.loc[manifest["dataset"] == "spoof_wild", "split"]) == {"heldout", "explain"}
    assert set(manifest.loc[manifest["dataset"] == "spoof_in", "split"]) == {"train", "heldout", "explain"}


def test_manifest_round_trips_and_missing_column_is_named(tmp_path: Path) -> None:
    manifest = generate_task("genre", tmp_path / "data", {"explain": 1}, seed=0)
    path = write_manifest(manifest, tmp_path / "manifest.csv")
    pd.testing.assert_frame_equal(read_manifest(path), manifest)
    broken = tmp_path / "broken.csv"
    manifest.drop(columns="split").to_csv(broken, index=False)
    with pytest.raises(ManifestError, match=r"broken\.csv.*'split'"):
        read_manifest(broken)
    with pytest.raises(ManifestError, match="'dataset'"):
        write_manifest(manifest.drop(columns="dataset"), tmp_path / "other.csv")


def test_bad_arguments_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown task"):
        generate_task("speech", tmp_path, {"train": 1}, seed=0)
    with pytest.raises(ValueError, match="unknown split"):
        generate_task("genre", tmp_path, {"test": 1}, seed=0)
    with pytest.raises(ValueError, match="unknown speech engine 'festival'"):
        generate_task("emotion", tmp_path, {"train": 1}, seed=0, speech="festival")


# --- learnability -----------------------------------------------------------------------------

@pytest.mark.parametrize(("task", "engine"), [("genre", "formant"), ("emotion", "formant"), ("emotion", "espeak")])
def test_four_class_tasks_are_learnable_from_simple_features(task: str, engine: str, learn_set) -> None:
    manifest, features = learn_set(task, engine)
    accuracy = _heldout_accuracy(manifest, features)
    print(task, engine, accuracy)
    assert accuracy[task] >= 0.7  # chance is 0.25


@pytest.mark.parametrize("engine", ENGINES)
def test_spoof_is_learnable_in_domain_and_harder_in_the_wild(engine: str, learn_set) -> None:
    manifest, features = learn_set("spoof", engine)
    accuracy = _heldout_accuracy(manifest, features)
    print("spoof", engine, accuracy)
    assert accuracy["spoof_in"] >= 0.8
    assert accuracy["spoof_wild"] < accuracy["spoof_in"]


@pytest.mark.parametrize("engine", ENGINES)
def test_wild_domain_is_learnable_within_itself(engine: str, learn_set) -> None:
    """The wild data is valid: trained on wild explain clips, a classifier beats chance on wild held-out clips."""
    manifest, features = learn_set("spoof", engine)
    wild = (manifest["dataset"] == "spoof_wild").to_numpy()
    labels = manifest["label"].to_numpy()
    train = wild & (manifest["split"] == "explain").to_numpy()
    test = wild & (manifest["split"] == "heldout").to_numpy()
    predict = ridge_classifier(features[train], labels[train])
    accuracy = float(np.mean(predict(features[test]) == labels[test]))
    print("spoof_wild -> spoof_wild", engine, accuracy)
    assert accuracy >= 0.6  # chance is 0.5


# --- spoof resynthesis ------------------------------------------------------------------------

def _log_spectrogram(x: np.ndarray) -> np.ndarray:
    return 20.0 * np.log10(np.abs(stft(x, SR, nperseg=512, noverlap=384)[2]) + 1e-5)


@pytest.mark.parametrize("vocoder", [Vocoder(mel_bands=56, cutoff_hz=6500.0, iterations=3), Vocoder(mel_bands=None, cutoff_hz=8000.0, iterations=16)])
def test_vocoder_keeps_the_magnitude_and_changes_the_phase(vocoder: Vocoder) -> None:
    rng = np.random.default_rng(0)
    speech = synthesise_utterance(rng, bonafide_style(rng), SR, 2.0)
    spoof = vocode(rng, speech, SR, vocoder)
    assert spoof.shape == speech.shape and spoof.dtype == np.float32
    assert np.sqrt(np.mean(spoof**2)) == pytest.approx(np.sqrt(np.mean(speech**2)), rel=0.05)
    magnitude_corr = np.corrcoef(_log_spectrogram(speech).ravel(), _log_spectrogram(spoof).ravel())[0, 1]
    waveform_corr = np.corrcoef(speech, spoof)[0, 1]
    assert magnitude_corr > 0.85
    assert abs(waveform_corr) < 0.5
