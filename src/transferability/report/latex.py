"""LaTeX building blocks shared by every table: escaping, number cells, rows."""
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
