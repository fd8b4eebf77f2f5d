"""Figure 3 (Welch PSD of each class's composite) and Figure 4 (spectral entropy by class)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from transferability.analysis.spectra import welch_psd
from transferability.report.figure_files import save_figure

CLASS_COLOURS = ("tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:pink", "tab:olive",
                 "tab:cyan", "tab:gray")
PSD_RANGE_DB = 100.0  # dynamic range shown below each panel's peak
# (dataset, model, class) -> (composite waveform, sample rate)
Composites = Mapping[tuple[str, str, str], tuple[np.ndarray, int]]


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | Path, title: str) -> Path:
    if title:
        fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)


def plot_composite_psd(
    composites: Composites, datasets: Sequence[str], models: Sequence[str], classes: Sequence[str],
    segment: int, path: str | Path, title: str = "",
) -> Path:
    """One row per (dataset, class), one column per model: the composite's Welch PSD in dB."""
    rows = [(d, c) for d in datasets for c in classes]
    fig = _new_figure(2.6 * len(models) + 1.0, 1.6 * len(rows) + 0.8)
    axes = np.asarray(fig.subplots(len(rows), len(models), squeeze=False, sharex=True))
    for r, (dataset, class_name) in enumerate(rows):
        colour = CLASS_COLOURS[list(classes).index(class_name) % len(CLASS_COLOURS)]
        for m, model in enumerate(models):
            ax = axes[r, m]
            entry = composites.get((dataset, model, class_name))
            if entry is None:
                ax.text(0.5, 0.5, "no composite", transform=ax.transAxes, ha="center", va="center", fontsize=8)
            else:
                freqs, psd = welch_psd(entry[0], entry[1], segment)
                level = 10 * np.log10(np.maximum(psd, 1e-30))
                ax.plot(freqs, level, color=colour, linewidth=0.7)
                ax.set_ylim(level.max() - PSD_RANGE_DB, level.max() + 5)
            if r == 0:
                ax.set_title(model, fontsize=9)
            if m == 0:
                ax.set_ylabel(f"{dataset}\n{class_name}\nPSD (dB/Hz)", fontsize=8)
            if r == len(rows) - 1:
                ax.set_xlabel("frequency (Hz)", fontsize=8)
            ax.tick_params(labelsize=7)
    return _save(fig, path, title)


def plot_entropy(
    entropies: pd.DataFrame, tests: pd.DataFrame, datasets: Sequence[str], models: Sequence[str],
    classes: Sequence[str], path: str | Path, title: str = "",
) -> Path:
    """Box plots of normalised spectral entropy per model and class, one panel per dataset, with test p-values."""
    fig = _new_figure(max(4.0, 1.4 * len(models) * max(1, len(classes)) / 2 + 1.5), 2.8 * len(datasets) + 0.6)
    axes = np.asarray(fig.subplots(len(datasets), 1, squeeze=False))[:, 0]
    width = 0.8 / max(1, len(classes))
    for ax, dataset in zip(axes, datasets):
        for k, class_name in enumerate(classes):
            rows = entropies[(entropies["dataset"] == dataset) & (entropies["class"] == class_name)]
            values = [rows.loc[rows["model"] == model, "entropy"].dropna().to_numpy() for model in models]
            positions = np.arange(len(models)) + (k - (len(classes) - 1) / 2) * width
            present = [i for i, v in enumerate(values) if v.size]
            if present:
                boxes = ax.boxplot([values[i] for i in present], positions=positions[present], widths=0.9 * width,
                                   patch_artist=True, manage_ticks=False)
                for box in boxes["boxes"]:
                    box.set_facecolor(CLASS_COLOURS[k % len(CLASS_COLOURS)])
                    box.set_alpha(0.6)
            ax.plot([], [], color=CLASS_COLOURS[k % len(CLASS_COLOURS)], linewidth=6, alpha=0.6, label=class_name)
        for m, model in enumerate(models):
            test = tests[(tests["dataset"] == dataset) & (tests["model"] == model)]
            if len(test) and np.isfinite(test["p"].iloc[0]):
                ax.annotate(f"p={test['p'].iloc[0]:.2g}", (m, 1.0), xycoords=("data", "axes fraction"),
                            ha="center", va="bottom", fontsize=7)
        ax.set_xticks(np.arange(len(models)), list(models), fontsize=8)
        ax.set_ylabel(f"{dataset}\nspectral entropy", fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
    return _save(fig, path, title)
