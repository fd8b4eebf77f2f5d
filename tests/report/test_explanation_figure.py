"""Explanation figure: writes a readable file for ordinary, degenerate and very long inputs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from transferability.report.explanation_figure import describe_level, explanation_figure, level_db, plot_explanation

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


def test_every_signal_is_drawn_at_its_own_scale_with_its_level_re_the_original():
    """A one-bin signal 40 dB below its clip fills its own axis, and its title gives the -40 dB."""
    n = 16000
    t = np.arange(n) / 16000
    clip = np.sin(2 * np.pi * 440 * t) + 0.01 * np.sin(2 * np.pi * 3000 * t)
    one_bin = np.zeros(n // 2 + 1, dtype=bool)
    one_bin[3000] = True  # 3000 Hz at 1 Hz per bin
    quiet = np.fft.irfft(np.fft.rfft(clip) * one_bin, n=n)
    assert level_db(quiet, clip) == pytest.approx(-40.0, abs=0.01)
    fig = explanation_figure(clip.astype(np.float32), 16000, {"sufficient": one_bin})
    waves = {ax.get_title(loc="left").split(" signal")[0]: ax for ax in fig.axes if " signal" in ax.get_title(loc="left")}
    assert set(waves) == {"original", "sufficient"}
    for name, values in (("original", clip), ("sufficient", quiet)):
        assert waves[name].get_ylim()[1] == pytest.approx(1.05 * np.abs(values).max(), rel=1e-3)
    assert "\u221240.0 dB re original" in waves["sufficient"].get_title(loc="left")


def test_given_signals_are_drawn_instead_of_the_masks_irfft_and_checked():
    clip = _clip(0.5)
    n_bins = clip.size // 2 + 1
    mask = np.zeros(n_bins, dtype=bool)
    mask[220] = True
    given = {"sufficient": 0.5 * np.ones(clip.size), "inverse": np.zeros(clip.size)}
    fig = explanation_figure(clip, 16000, {"sufficient": mask}, signals=given)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert any(t.startswith("inverse signal") and "silent" in t for t in titles)
    with pytest.raises(ValueError, match="unknown signal"):
        explanation_figure(clip, 16000, {}, signals={"original": clip})
    with pytest.raises(ValueError, match="samples"):
        explanation_figure(clip, 16000, {}, signals={"complete": clip[:-1]})


def test_levels_in_db():
    x = np.ones(100)
    assert level_db(0.1 * x, x) == pytest.approx(-20.0)
    assert level_db(np.zeros(100), x) == float("-inf") and describe_level(float("-inf")) == "silent"
    assert describe_level(-3.04) == "\u22123.0 dB" and describe_level(2.0) == "+2.0 dB"
