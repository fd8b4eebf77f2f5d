"""Figures written to files the same way everywhere: the folder made, and no creation date, software
stamp or random SVG id in the file, so the same figure gives the same bytes on every run."""
from __future__ import annotations

from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure

_NO_STAMPS = {
    ".pdf": {"CreationDate": None, "Producer": None, "Creator": None},
    ".png": {"Software": None},
    ".svg": {"Date": None, "Creator": None},
}


def save_figure(fig: Figure, path: str | Path, dpi: float | None = None) -> Path:
    """Save ``fig`` to ``path`` (its folder created), without time or version stamps; the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rc_context({"svg.hashsalt": "transferability"}):  # SVG ids from a fixed salt, not a random one
        fig.savefig(path, dpi="figure" if dpi is None else dpi, metadata=_NO_STAMPS.get(path.suffix.lower()))
    return path
