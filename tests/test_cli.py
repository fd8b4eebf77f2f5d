"""The one-file CLI: outputs, end-to-end explanations of tiny HF models, clear errors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.helpers.hf_tiny import save_all
from transferability.cli import demo_clip, main
from transferability.explainer.record import Explanation

QUICK = ["--quiet", "--set", "min_iterations=4", "--set", "max_iterations=4", "--set", "round_size=4",
         "--set", "minimality_max_candidates=64", "--set", "complete_max_candidates=64"]
ENTRY_FILE = Path(__file__).parent / "helpers" / "entry_models.py"


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return save_all(tmp_path_factory.mktemp("hf_tiny_cli"))


def _wav(path: Path, seconds: float, sample_rate: int = 16_000, channels: int = 1) -> Path:
    clip = demo_clip(seconds, sample_rate)
    sf.write(path, np.stack([clip] * channels, axis=1) if channels > 1 else clip, sample_rate, subtype="FLOAT")
    return path


def test_demo_writes_every_artefact_and_finds_the_mid_band_at_its_peaks(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 0
    for name in ("explanation.json", "input.wav", "sufficient.wav", "complete.wav", "one_complete.wav",
                 "inverse.wav", "responsibility.npy", "figure.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    record = Explanation.load_json(tmp_path / "explanation.json")
    freqs = np.fft.rfftfreq(record.n_samples, 1 / record.sample_rate)
    assert record.class_name == "mid" and record.inverse.defined
    assert ((freqs[record.complete.mask] >= 1000) & (freqs[record.complete.mask] < 4000)).all()
    # the demo's classifier has a power floor: its sufficient bins are tones of the mid band, not noise bins
    mid_tones = {1250.0, 1875.0, 2500.0}
    assert 1 <= record.sufficient.size <= 3 and set(freqs[record.sufficient.mask]) <= mid_tones
    assert set(freqs[record.complete.mask]) == mid_tones
    inverse, _ = sf.read(tmp_path / "inverse.wav", dtype="float32")
    original, _ = sf.read(tmp_path / "input.wav", dtype="float32")
    complete, _ = sf.read(tmp_path / "complete.wav", dtype="float32")
    np.testing.assert_allclose(inverse, original - complete, atol=1e-5)
    assert "class 'mid'" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("family", ["wav2vec2", "hubert", "whisper", "ast"])
def test_tiny_hugging_face_models_are_explained_end_to_end(family, tiny_dirs, tmp_path):
    audio = _wav(tmp_path / "clip.wav", 1.0, sample_rate=22_050, channels=2)  # resampled and downmixed
    out = tmp_path / "out"
    assert main(["explain", str(audio), "--model", str(tiny_dirs[family]), "--out", str(out), *QUICK]) == 0
    record = Explanation.load_json(out / "explanation.json")
    assert record.status == "ok" and record.sample_rate == 16_000
    assert record.input["resampled"] and record.input["downmixed"] and record.input["original_sample_rate"] == 22_050
    assert 0 < record.sufficient.size <= record.n_bins
    assert record.sufficient.class_index == record.class_index
    assert record.sufficient.confidence >= record.delta * record.p0 - 1e-5
    assert record.queries["total"] >= 5 * record.model_calls  # batched: several mutants per model call


def test_entry_point_file_spec_and_overrides(tmp_path):
    audio = _wav(tmp_path / "clip.wav", 0.5, sample_rate=8_000)
    out = tmp_path / "out"
    spec = f"{ENTRY_FILE}:tiny_classifier"
    assert main(["explain", str(audio), "--model", spec, "--out", str(out), "--seed", "7", "--delta", "0.8", *QUICK]) == 0
    record = Explanation.load_json(out / "explanation.json")
    assert record.seed == 7 and record.delta == 0.8 and record.config["max_iterations"] == 4


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: (["--model", "no-such-owner/no-such-model"], _wav(d / "a.wav", 0.5)), "no-such-owner/no-such-model"),
        (lambda d: (["--model", f"{ENTRY_FILE}:wrong_return"], _wav(d / "a.wav", 0.5)), "wrong_return"),
        (lambda d: (["--model", f"{ENTRY_FILE}:tiny_classifier"], d / "missing.wav"), "missing.wav"),
        (lambda d: (["--model", f"{ENTRY_FILE}:tiny_classifier", "--set", "delta=2"], _wav(d / "a.wav", 0.5)), "'delta'"),
        (lambda d: (["--model", f"{ENTRY_FILE}:tiny_classifier", "--set", "bogus=1"], _wav(d / "a.wav", 0.5)), "'bogus'"),
    ],
    ids=["unknown-model", "bad-entry-point", "missing-audio", "bad-delta", "unknown-key"],
)
def test_bad_input_exits_2_with_a_message_naming_it(setup, message, tmp_path, capsys):
    extra, audio = setup(tmp_path)
    assert main(["explain", str(audio), *extra, "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_corrupt_and_silent_audio(tmp_path, capsys):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00garbage" * 10)
    spec = f"{ENTRY_FILE}:tiny_classifier"
    assert main(["explain", str(corrupt), "--model", spec, "--out", str(tmp_path / "o1"), "--quiet"]) == 2
    assert "corrupt.wav" in capsys.readouterr().err
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(4000, dtype=np.float32), 8000)
    assert main(["explain", str(silent), "--model", spec, "--out", str(tmp_path / "o2"), "--quiet"]) == 0
    assert Explanation.load_json(tmp_path / "o2" / "explanation.json").status == "silent"
    assert "status silent" in capsys.readouterr().out
