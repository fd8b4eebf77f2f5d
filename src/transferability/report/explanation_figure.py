"""A Figure-1-style plot: a clip's spectrum with its explanation bins, and the signals they keep.

Drawn with matplotlib's object-oriented API on an Agg canvas (no pyplot, no display, no global
figure registry). Long spectra and waveforms are reduced to drawing groups, about 1.5 per pixel
of the figure's width (max envelope for the spectrum, min/max envelope for waveforms); a mask
group is drawn with a bar as tall as its fraction of marked bins, but never shorter than
``_MIN_MARK`` of the lane when any bin in it is marked, so no marked bin is ever dropped. The
kept bins are also marked on the spectrum itself, at their magnitude, so a reader sees whether
they are peaks: ringed when a mask has a few (nested rings, so every mask stays visible), as a
coloured envelope over the grey one when it has many.
Every signal is drawn at its own scale (a one-bin signal 30 dB below the clip would look like
silence on the clip's axis), with its RMS level relative to the original in dB in its title.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from transferability.explainer.record import Explanation
from transferability.models.contract import validate_waveform
from transferability.report.figure_files import save_figure

MASK_STYLES: dict[str, str] = {"sufficient": "tab:blue", "complete": "tab:red", "1-complete": "tab:green"}
SIGNAL_STYLES: dict[str, str] = {"original": "black", **MASK_STYLES, "inverse": "tab:purple"}
FIGURE_NAMES = {"sufficient": "sufficient", "complete": "complete", "one_complete": "1-complete"}  # record -> figure
_MARKER_SIZES = {"sufficient": 9.0, "complete": 25.0, "1-complete": 49.0}  # nested circles: every mask stays visible
_GROUPS_PER_PIXEL = 1.5
_PIXELS_PER_LANE_GROUP = 2.4  # a lone marked bin stays visible in the lanes
_MAX_RINGS = 40               # a mask marking more groups is drawn as an envelope instead of rings
_MIN_MARK = 0.4
_SUFFIXES = {".png", ".pdf", ".svg"}


def explanation_masks(record: Explanation) -> dict[str, np.ndarray]:
    """The record's subsets (those it has) under the figure's names."""
    return {label: record.subset(name).mask for name, label in FIGURE_NAMES.items() if record.subset(name) is not None}


def figure_signals(signals: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``render_signals``'s waveforms (no original) under the figure's names."""
    return {FIGURE_NAMES.get(name, name): values for name, values in signals.items() if name != "original"}


def _groups(length: int, max_groups: int) -> int:
    """Bins (or samples) per drawing group so that at most ``max_groups`` groups are drawn."""
    return max(1, -(-length // max_groups))


def _grouped(values: np.ndarray, size: int, fill: float) -> np.ndarray:
    """Reshape ``values`` into rows of ``size`` (padding the last row with ``fill``)."""
    pad = (-values.size) % size
    return np.concatenate([values, np.full(pad, fill, dtype=values.dtype)]).reshape(-1, size)


def _draw_spectrum(ax: Axes, magnitude_db: np.ndarray, bin_hz: float, max_groups: int) -> None:
    """Grey max envelope of the dB spectrum."""
    size = _groups(magnitude_db.size, max_groups)
    envelope = _grouped(magnitude_db, size, -np.inf).max(axis=1)
    centres = (np.arange(envelope.size) * size + (size - 1) / 2) * bin_hz
    ax.plot(centres, envelope, color="0.45", linewidth=0.8)


def _mark_kept_bins(ax: Axes, magnitude_db: np.ndarray, masks: dict[str, np.ndarray], bin_hz: float,
                    max_groups: int) -> None:
    """Each mask's loudest kept bin per drawing group, at its magnitude: rings when there are at most
    ``_MAX_RINGS`` such groups, else a coloured envelope (gaps where a group keeps nothing)."""
    size = _groups(magnitude_db.size, max_groups)
    for name in reversed(list(masks)):
        rows = _grouped(np.where(masks[name], magnitude_db, -np.inf), size, -np.inf)
        loudest = rows.max(axis=1)
        groups = np.flatnonzero(np.isfinite(loudest))
        if groups.size <= _MAX_RINGS:
            freqs = (groups * size + rows[groups].argmax(axis=1)) * bin_hz
            ax.scatter(freqs, loudest[groups], s=_MARKER_SIZES[name], facecolors="none",
                       edgecolors=MASK_STYLES[name], linewidths=1.0, zorder=3)
        else:
            centres = (np.arange(loudest.size) * size + (size - 1) / 2) * bin_hz
            ax.plot(centres, np.where(np.isfinite(loudest), loudest, np.nan), color=MASK_STYLES[name],
                    linewidth=0.9, zorder=3)


def _bins(count: int) -> str:
    return f"{count:,} bin" if count == 1 else f"{count:,} bins"


def level_db(signal: np.ndarray, reference: np.ndarray) -> float:
    """RMS level of ``signal`` relative to ``reference`` in dB (-inf for silence, +inf over a silent reference)."""
    power = float(np.mean(np.square(signal, dtype=np.float64)))
    reference_power = float(np.mean(np.square(reference, dtype=np.float64)))
    if power == 0:
        return float("-inf")
    if reference_power == 0:
        return float("inf")
    return 10.0 * np.log10(power / reference_power)


def describe_level(db: float) -> str:
    """``-12.3 dB`` with a true minus sign; ``silent`` for -inf."""
    if db == float("-inf"):
        return "silent"
    return f"{db:+.1f} dB".replace("-", "\u2212")


def _draw_mask_lanes(ax: Axes, masks: dict[str, np.ndarray], bin_hz: float, max_groups: int) -> None:
    """One lane per mask: bar height is the fraction of marked bins per group, floored so none vanish."""
    for lane, (name, mask) in enumerate(masks.items()):
        size = _groups(mask.size, max_groups)
        fraction = _grouped(mask, size, False).sum(axis=1) / size
        height = np.where(fraction > 0, np.maximum(fraction, _MIN_MARK), 0.0) * 0.8
        edges = (np.arange(fraction.size + 1) * size - 0.5) * bin_hz
        base = len(masks) - 1 - lane - 0.4
        ax.stairs(base + height, edges, baseline=base, fill=True, color=MASK_STYLES[name])
    ax.set_yticks(range(len(masks)), list(masks)[::-1])
    ax.set_ylim(-0.5, len(masks) - 0.5)


def _draw_waveform(ax: Axes, signal: np.ndarray, sample_rate: int, color: str, max_groups: int) -> None:
    """Waveform over time; min/max envelope when there are more samples than drawing groups."""
    size = _groups(signal.size, max_groups)
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
    signals: Mapping[str, np.ndarray] | None = None,
    width: float = 10.0,
    dpi: int = 120,
) -> Path:
    """Plot the spectrum with the bins of each mask and the signal each mask keeps; save to ``path``
    (see :func:`explanation_figure`)."""
    path = Path(path)
    if path.suffix.lower() not in _SUFFIXES:
        raise ValueError(f"figure path {str(path)!r}: suffix must be one of {sorted(_SUFFIXES)}")
    fig = explanation_figure(waveform, sample_rate, masks, title, signals, width, dpi, what=str(path))
    save_figure(fig, path, dpi=dpi)
    fig.clear()
    return path


def explanation_figure(
    waveform: np.ndarray,
    sample_rate: int,
    masks: Mapping[str, np.ndarray | None],
    title: str = "",
    signals: Mapping[str, np.ndarray] | None = None,
    width: float = 10.0,
    dpi: int = 120,
    what: str = "clip",
) -> Figure:
    """The spectrum with the bins of each mask marked and laned, and the original and each signal
    at its own scale, for ``width`` inches at ``dpi``; ``what`` names the clip in errors.

    ``signals`` (names among ``SIGNAL_STYLES`` but ``original``) are drawn instead of
    ``irfft(X * mask)`` of each mask, e.g. ``render_signals``'s with the explainer's occlusion and
    the inverse.
    """
    unknown = set(masks) - set(MASK_STYLES)
    if unknown:
        raise ValueError(f"unknown mask names {sorted(unknown)}; expected some of {list(MASK_STYLES)}")
    signal = validate_waveform(waveform, what).astype(np.float64)
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
    if signals is None:
        drawn = {name: np.fft.irfft(spectrum * mask, n=n_samples) for name, mask in present.items()}
    else:
        unknown = set(signals) - set(SIGNAL_STYLES) | ({"original"} & set(signals))
        if unknown:
            raise ValueError(f"unknown signal names {sorted(unknown)}; expected some of {list(SIGNAL_STYLES)[1:]}")
        drawn = {name: np.asarray(signals[name], dtype=np.float64).reshape(-1) for name in SIGNAL_STYLES if name in signals}
        wrong = [name for name, values in drawn.items() if values.size != n_samples]
        if wrong:
            raise ValueError(f"signal(s) {wrong} do not have the original's {n_samples} samples")
    all_signals = {"original": signal} | drawn
    peak = float(np.max(np.abs(signal))) if n_samples else 0.0

    heights = [3.0] + ([0.3 * len(present) + 0.3] if present else []) + [1.2] * len(all_signals)
    fig = Figure(figsize=(width, 1.2 + sum(heights)), dpi=dpi, layout="constrained")
    max_groups = max(1, int(_GROUPS_PER_PIXEL * width * dpi))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(heights), 1, gridspec_kw={"height_ratios": heights})
    spectrum_ax = axes[0]
    magnitude_db = 20 * np.log10(np.maximum(np.abs(spectrum), 1e-10))
    _draw_spectrum(spectrum_ax, magnitude_db, bin_hz, max_groups)
    if peak > 0:
        _mark_kept_bins(spectrum_ax, magnitude_db, present, bin_hz, max_groups)
    spectrum_ax.set_ylabel("|X| (dB)")
    spectrum_ax.set_xlim(-0.01 * sample_rate / 2, 1.01 * sample_rate / 2)  # bins at 0 Hz and Nyquist stay visible
    spectrum_ax.set_title(f"magnitude spectrum: {n_bins:,} bins, {bin_hz:.3g} Hz per bin", fontsize=10)
    handles = [Patch(color="0.45", label="|X|")] + [
        Patch(color=MASK_STYLES[name], label=f"{name}: {_bins(int(mask.sum()))} ({100 * mask.mean():.3g}%)")
        for name, mask in present.items()
    ]
    if peak == 0:
        spectrum_ax.text(0.5, 0.7, "all-zero clip", transform=spectrum_ax.transAxes, ha="center", va="center")
    spectrum_ax.legend(handles=handles, loc="upper right", fontsize=8)
    if present:
        lanes_ax = axes[1]
        lanes_ax.sharex(spectrum_ax)
        _draw_mask_lanes(lanes_ax, present, bin_hz, max(1, int(width * dpi / _PIXELS_PER_LANE_GROUP)))
        lanes_ax.set_title("marked bins (bar height: fraction marked per drawn group)", fontsize=8, loc="left")
        lanes_ax.set_xlabel("frequency (Hz)")
        spectrum_ax.tick_params(labelbottom=False)
    else:
        spectrum_ax.set_xlabel("frequency (Hz)")

    duration = n_samples / sample_rate
    wave_axes = axes[len(heights) - len(all_signals):]
    for ax, (name, values) in zip(wave_axes, all_signals.items()):
        _draw_waveform(ax, values, sample_rate, SIGNAL_STYLES[name], max_groups)
        own_peak = float(np.max(np.abs(values))) if values.size else 0.0
        limit = 1.05 * own_peak if own_peak > 0 else 1.0
        ax.set_xlim(0, duration)
        ax.set_ylim(-limit, limit)
        ax.set_ylabel("amplitude", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        if name == "original":
            heading = "original signal"
        else:
            how = "irfft(X * mask)" if name in MASK_STYLES else "irfft(X * not complete)"
            heading = f"{name} signal: {how}, {describe_level(level_db(values, signal))} re original (RMS)"
        ax.set_title(f"{heading}; own scale, peak {own_peak:.3g}", fontsize=9, loc="left")
        if ax is not wave_axes[-1]:
            ax.tick_params(labelbottom=False)
    wave_axes[-1].set_xlabel("time (s)")
    if title:
        fig.suptitle(title)
    return fig
