"""LaTeX building blocks shared by every table: escaping, number, interval and p-value cells, rows."""
from __future__ import annotations

import pandas as pd

MISSING = "n/a"
_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in str(text))


def format_number(value: float, decimals: int) -> str:
    """A number with ``decimals`` decimals, or ``n/a`` for NaN."""
    return MISSING if pd.isna(value) else f"{value:.{decimals}f}"


def table_row(cells: list[str]) -> str:
    """Cells joined as one tabular row."""
    return " & ".join(cells) + r" \\"


def format_interval(estimate: float, low: float, high: float, decimals: int = 2) -> str:
    """An estimate with its interval, ``0.42 [0.30, 0.55]``; ``n/a`` for a missing estimate or bound."""
    if pd.isna(estimate):
        return MISSING
    bounds = MISSING if pd.isna(low) or pd.isna(high) else f"{low:.{decimals}f}, {high:.{decimals}f}"
    return f"{estimate:.{decimals}f} [{bounds}]"


def format_p_value(value: float, decimals: int = 3) -> str:
    """A p-value with ``decimals`` decimals, ``<0.001`` below that, ``n/a`` for NaN."""
    if pd.isna(value):
        return MISSING
    floor = 10.0 ** -decimals
    return f"<{floor:.{decimals}f}" if value < floor else f"{value:.{decimals}f}"


def format_percent(share: float) -> str:
    """A share as a LaTeX percentage, ``0.95`` -> ``95\\%``."""
    return f"{100 * share:g}\\%"
