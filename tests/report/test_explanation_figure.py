"""Explanation figure: writes a readable file for ordinary, degenerate and very long inputs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from transferability.report.explanation_figure import plot_explanation

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _clip(seconds: float, sample_rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    rng = np.random.default_rng(1)
    return (0.5 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3000 * t) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def _band(n_bins: int, sample_rate: int, n_samples: int, low_hz: float, high_hz: float) -> np.ndarray:
    freqs = np.fft.rfftfreq(n_samples, 1 / sample_rate)
    assert freqs.size == n_bins
    return (freqs >= low_hz) & (freqs <= high_hz)


@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_three_masks_write_a_non_empty_file(tmp_path: Path, suffix: str) -> None:
    waveform = _clip(2.0)
    n_bins = waveform.size // 2 + 1
    masks = {
        "sufficient": _band(n_bins, 16000, waveform.size, 430, 450),
        "complete": _band(n_bins, 16000, waveform.size, 400, 500) | _band(n_bins, 16000, waveform.size, 2950, 3050),
        "1-complete": _band(n_bins, 16000, waveform.size, 300, 3500),
    }
    path = plot_explanation(waveform, 16000, masks, tmp_path / "sub" / f"fig{suffix}", title="dog_17: label dog")
    assert path == tmp_path / "sub" / f"fig{suffix}"
    data = path.read_bytes()
    assert len(data) > 1000
    assert data.startswith(PNG_MAGIC if suffix == ".png" else b"%PDF")


def test_all_zero_clip_and_empty_mask(tmp_path: Path) -> None:
    waveform = np.zeros(16000, dtype=np.float32)
    masks = {"sufficient": np.zeros(8001, dtype=bool), "complete": None, "1-complete": np.ones(8001, dtype=bool)}
    path = plot_explanation(waveform, 16000, masks, tmp_path / "zero.png")
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_empty_mask_on_a_real_clip_and_no_masks(tmp_path: Path) -> None:
    waveform = _clip(0.5)
    empty = {"sufficient": np.zeros(waveform.size // 2 + 1, dtype=bool)}
    assert plot_explanation(waveform, 16000, empty, tmp_path / "empty.png").stat().st_size > 0
    assert plot_explanation(waveform, 16000, {}, tmp_path / "none.png").stat().st_size > 0


def test_odd_length_and_single_bin_masks(tmp_path: Path) -> None:
    waveform = _clip(0.5)[:7999]
    n_bins = waveform.size // 2 + 1
    first, last = np.zeros(n_bins, dtype=bool), np.zeros(n_bins, dtype=bool)
    first[0], last[-1] = True, True
    path = plot_explanation(waveform, 16000, {"sufficient": first, "complete": last}, tmp_path / "odd.png")
    assert path.stat().st_size > 0


def test_wrong_mask_length_and_unknown_names_are_rejected(tmp_path: Path) -> None:
    waveform = _clip(0.5)
    with pytest.raises(ValueError, match="expected 4001"):
        plot_explanation(waveform, 16000, {"complete": np.ones(10, dtype=bool)}, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="unknown mask"):
        plot_explanation(waveform, 16000, {"inverse": np.ones(4001, dtype=bool)}, tmp_path / "bad.png")
    with pytest.raises(ValueError, match="suffix"):
        plot_explanation(waveform, 16000, {}, tmp_path / "bad.jpeg")


@pytest.mark.slow
def test_thirty_second_clip_with_many_marked_bins(tmp_path: Path) -> None:
    waveform = _clip(30.0)
    n_bins = waveform.size // 2 + 1
    assert n_bins == 240001
    rng = np.random.default_rng(2)
    scattered = np.zeros(n_bins, dtype=bool)
    scattered[rng.choice(n_bins, 50000, replace=False)] = True
    masks = {"sufficient": scattered, "complete": scattered | _band(n_bins, 16000, waveform.size, 0, 1000), "1-complete": ~scattered}
    path = plot_explanation(waveform, 16000, masks, tmp_path / "long.png", title="30 s clip")
    assert path.read_bytes().startswith(PNG_MAGIC)
