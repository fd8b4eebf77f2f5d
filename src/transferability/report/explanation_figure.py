"""A Figure-1-style plot: a clip's spectrum with its explanation bins, and the signals they keep.

Drawn with matplotlib's object-oriented API on an Agg canvas (no pyplot, no display, no global
figure registry). Long spectra and waveforms are reduced to at most a few thousand drawing
groups (max envelope for the spectrum, min/max envelope for waveforms); a mask group is drawn
with a bar as tall as its fraction of marked bins, but never shorter than ``_MIN_MARK`` of the
lane when any bin in it is marked, so no marked bin is ever dropped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from transferability.models.contract import validate_waveform

MASK_STYLES: dict[str, str] = {"sufficient": "tab:blue", "complete": "tab:red", "1-complete": "tab:green"}
_MAX_GROUPS = 2000
_MAX_LANE_GROUPS = 500  # about 2 px per group at the default size, so a lone bin stays visible
_MIN_MARK = 0.4
_SUFFIXES = {".png", ".pdf", ".svg"}


def _groups(length: int, max_groups: int = _MAX_GROUPS) -> int:
    """Bins (or samples) per drawing group so that at most ``max_groups`` groups are drawn."""
    return max(1, -(-length // max_groups))


def _grouped(values: np.ndarray, size: int, fill: float) -> np.ndarray:
    """Reshape ``values`` into rows of ``size`` (padding the last row with ``fill``)."""
    pad = (-values.size) % size
    return np.concatenate([values, np.full(pad, fill, dtype=values.dtype)]).reshape(-1, size)


def _draw_spectrum(ax: Axes, magnitude_db: np.ndarray, bin_hz: float) -> None:
    """Grey max envelope of the dB spectrum."""
    size = _groups(magnitude_db.size)
    envelope = _grouped(magnitude_db, size, -np.inf).max(axis=1)
    centres = (np.arange(envelope.size) * size + (size - 1) / 2) * bin_hz
    ax.plot(centres, envelope, color="0.45", linewidth=0.8)


def _draw_mask_lanes(ax: Axes, masks: dict[str, np.ndarray], bin_hz: float) -> None:
    """One lane per mask: bar height is the fraction of marked bins per group, floored so none vanish."""
    for lane, (name, mask) in enumerate(masks.items()):
        size = _groups(mask.size, _MAX_LANE_GROUPS)
        fraction = _grouped(mask, size, False).sum(axis=1) / size
        height = np.where(fraction > 0, np.maximum(fraction, _MIN_MARK), 0.0) * 0.8
        edges = (np.arange(fraction.size + 1) * size - 0.5) * bin_hz
        base = len(masks) - 1 - lane - 0.4
        ax.stairs(base + height, edges, baseline=base, fill=True, color=MASK_STYLES[name])
    ax.set_yticks(range(len(masks)), list(masks)[::-1])
    ax.set_ylim(-0.5, len(masks) - 0.5)


def _draw_waveform(ax: Axes, signal: np.ndarray, sample_rate: int, color: str) -> None:
    """Waveform over time; min/max envelope when there are more samples than drawing groups."""
    size = _groups(signal.size)
    if size == 1:
        ax.plot(np.arange(signal.size) / sample_rate, signal, color=color, linewidth=0.6)
        return
    rows = _grouped(signal, size, np.nan)
    times = (np.arange(rows.shape[0]) * size + (size - 1) / 2) / sample_rate
    ax.fill_between(times, np.nanmin(rows, axis=1), np.nanmax(rows, axis=1), color=color, linewidth=0.4)


def plot_explanation(
    waveform: np.ndarray,
    sample_rate: int,
    masks: Mapping[str, np.ndarray | None],
    path: str | Path,
    title: str = "",
) -> Path:
    """Plot the spectrum with the bins of each mask and the signal each mask keeps; save to ``path``."""
    path = Path(path)
    if path.suffix.lower() not in _SUFFIXES:
        raise ValueError(f"figure path {str(path)!r}: suffix must be one of {sorted(_SUFFIXES)}")
    unknown = set(masks) - set(MASK_STYLES)
    if unknown:
        raise ValueError(f"unknown mask names {sorted(unknown)}; expected some of {list(MASK_STYLES)}")
    signal = validate_waveform(waveform, str(path)).astype(np.float64)
    n_samples = signal.size
    spectrum = np.fft.rfft(signal)
    n_bins = spectrum.size
    present: dict[str, np.ndarray] = {}
    for name in MASK_STYLES:
        if masks.get(name) is None:
            continue
        mask = np.asarray(masks[name], dtype=bool).reshape(-1)
        if mask.size != n_bins:
            raise ValueError(f"mask {name!r} has {mask.size} bins, expected {n_bins} for {n_samples} samples")
        present[name] = mask

    bin_hz = sample_rate / n_samples
    signals = {"original": signal} | {
        name: np.fft.irfft(spectrum * mask, n=n_samples) for name, mask in present.items()
    }
    peak = max(float(np.max(np.abs(s))) for s in signals.values())
    limit = 1.05 * peak if peak > 0 else 1.0

    heights = [3.0] + ([0.3 * len(present) + 0.3] if present else []) + [1.2] * len(signals)
    fig = Figure(figsize=(10, 1.2 + sum(heights)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(heights), 1, gridspec_kw={"height_ratios": heights})
    spectrum_ax = axes[0]
    magnitude_db = 20 * np.log10(np.maximum(np.abs(spectrum), 1e-10))
    _draw_spectrum(spectrum_ax, magnitude_db, bin_hz)
    spectrum_ax.set_ylabel("|X| (dB)")
    spectrum_ax.set_xlim(0, sample_rate / 2)
    spectrum_ax.set_title(f"magnitude spectrum: {n_bins:,} bins, {bin_hz:.3g} Hz per bin", fontsize=10)
    handles = [Patch(color="0.45", label="|X|")] + [
        Patch(color=MASK_STYLES[name], label=f"{name}: {int(mask.sum()):,} bins ({100 * mask.mean():.3g}%)")
        for name, mask in present.items()
    ]
    if peak == 0:
        spectrum_ax.text(0.5, 0.7, "all-zero clip", transform=spectrum_ax.transAxes, ha="center", va="center")
    spectrum_ax.legend(handles=handles, loc="upper right", fontsize=8)
    if present:
        lanes_ax = axes[1]
        lanes_ax.sharex(spectrum_ax)
        _draw_mask_lanes(lanes_ax, present, bin_hz)
        lanes_ax.set_title("marked bins (bar height: fraction marked per drawn group)", fontsize=8, loc="left")
        lanes_ax.set_xlabel("frequency (Hz)")
        spectrum_ax.tick_params(labelbottom=False)
    else:
        spectrum_ax.set_xlabel("frequency (Hz)")

    duration = n_samples / sample_rate
    wave_axes = axes[len(heights) - len(signals):]
    for ax, (name, values) in zip(wave_axes, signals.items()):
        _draw_waveform(ax, values, sample_rate, MASK_STYLES.get(name, "black"))
        ax.set_xlim(0, duration)
        ax.set_ylim(-limit, limit)
        ax.set_ylabel("amplitude", fontsize=8)
        ax.set_title(f"{name} signal" if name == "original" else f"{name} signal: irfft(X * mask)", fontsize=9, loc="left")
        if ax is not wave_axes[-1]:
            ax.tick_params(labelbottom=False)
    wave_axes[-1].set_xlabel("time (s)")
    if title:
        fig.suptitle(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    fig.clear()
    return path
