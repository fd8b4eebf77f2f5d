"""Figures saved without time stamps: the same figure gives the same bytes."""
from __future__ import annotations

import time

import pytest
from matplotlib.figure import Figure

from transferability.report.figure_files import save_figure


def _figure() -> Figure:
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1, 0])
    return fig


@pytest.mark.parametrize("suffix", [".pdf", ".png", ".svg"])
def test_the_same_figure_saved_twice_gives_the_same_bytes(tmp_path, suffix):
    first = save_figure(_figure(), tmp_path / "a" / f"fig{suffix}")
    time.sleep(1.1)  # a creation date in seconds would differ
    second = save_figure(_figure(), tmp_path / "b" / f"fig{suffix}")
    assert first.read_bytes() == second.read_bytes()
    assert b"CreationDate" not in first.read_bytes()
