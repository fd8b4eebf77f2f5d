"""Beta-transferability against epsilon: one panel per (dataset, signal), one step line per source model."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from transferability.report.figure_files import save_figure

MODEL_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:gray",
                 "tab:olive", "tab:cyan")
# (signal, dataset) -> beta_curve frame: source models (index) x epsilon (sorted columns)
BetaCurves = Mapping[tuple[str, str], pd.DataFrame]


def legend_label(facts: pd.DataFrame, model: str, dataset: str) -> str:
    """``MC1† (acc. 0.94 [0.85, 0.98]*)``: the model, its all-zero-signal dagger, accuracy, chance mark."""
    row = facts[(facts["model"] == model) & (facts["dataset"] == dataset)].iloc[0]
    dagger = "\N{DAGGER}" if row["zero_signal_confident"] else ""
    chance = "*" if row["below_chance"] else ""
    return (f"{model}{dagger} (acc. {row['accuracy']:.2f} [{row['accuracy_low']:.2f}, "
            f"{row['accuracy_high']:.2f}]{chance})")


def plot_beta_curves(
    curves: BetaCurves, signals: Sequence[str], datasets: Sequence[str], facts: pd.DataFrame, path: str | Path,
    title: str = "",
) -> Path:
    """Rows are datasets, columns signals; each source model's curve is drawn as the step function it is
    (beta jumps where epsilon reaches an entropy). Lines are labelled by :func:`legend_label` from the
    competence frame ``facts``, whose model order they follow."""
    models = list(pd.unique(facts["model"]))
    fig = Figure(figsize=(4.2 * len(signals) + 1.6, 3.0 * len(datasets) + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = np.asarray(fig.subplots(len(datasets), len(signals), squeeze=False, sharex=True, sharey=True))
    for r, dataset in enumerate(datasets):
        for c, signal in enumerate(signals):
            ax = axes[r, c]
            curve = curves.get((signal, dataset))
            for k, model in enumerate(models):
                if curve is None or model not in curve.index:
                    continue
                epsilons = curve.columns.to_numpy(dtype=float)
                ax.plot(epsilons, curve.loc[model].to_numpy(dtype=float), drawstyle="steps-post", linewidth=1.2,
                        color=MODEL_COLOURS[k % len(MODEL_COLOURS)], label=legend_label(facts, model, dataset))
            if curve is None or curve.empty:
                ax.text(0.5, 0.5, "no signals", transform=ax.transAxes, ha="center", va="center", fontsize=8)
            ax.set_xlim(0.0, 1.0)
            ax.set_ylim(-0.02, 1.02)
            ax.grid(alpha=0.3)
            ax.set_title(f"{signal}" + (f", {dataset}" if len(datasets) > 1 else ""), fontsize=9)
            if r == len(datasets) - 1:
                ax.set_xlabel(r"$\epsilon$ (entropy bound, fraction of $\log_2 K$)", fontsize=8)
            if c == 0:
                ax.set_ylabel(r"$\beta$ (mean over targets)", fontsize=8)
            if c == len(signals) - 1 and curve is not None and not curve.empty:
                ax.legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=10)
    return save_figure(fig, path)
