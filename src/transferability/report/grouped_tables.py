"""LaTeX tables of per-model values under grouped column headers (Tables 4 and 5, test tables).

``rows`` has one row per (dataset, model) with a ``dataset`` and a ``model`` column plus the value
columns; ``groups`` names the header groups and, inside each, (column, sub-header) pairs. A
Dataset column appears when more than one dataset is present, named on its first row.
"""
from __future__ import annotations

from typing import Callable, Sequence

import pandas as pd

from transferability.report.latex import format_number, latex_escape, table_row

ColumnGroups = Sequence[tuple[str, Sequence[tuple[str, str]]]]


def grouped_latex(
    rows: pd.DataFrame, groups: ColumnGroups, caption: str, label: str,
    formatter: Callable[[float], str] = lambda value: format_number(value, 2),
) -> str:
    """A booktabs table with one header row of groups (\\cmidrule under each) and one of sub-headers."""
    missing = [c for c in ["dataset", "model"] + [col for _, cols in groups for col, _ in cols] if c not in rows.columns]
    if missing:
        raise ValueError(f"table rows lack column(s) {', '.join(missing)}")
    datasets = list(pd.unique(rows["dataset"]))
    lead = 1 + (len(datasets) > 1)
    n_values = sum(len(cols) for _, cols in groups)
    group_cells, rules, start = [""] * lead, [], lead + 1
    for title, cols in groups:
        group_cells.append(rf"\multicolumn{{{len(cols)}}}{{c}}{{{latex_escape(title)}}}")
        rules.append(rf"\cmidrule(lr){{{start}-{start + len(cols) - 1}}}")
        start += len(cols)
    header = (["Dataset"] if lead == 2 else []) + ["Model"] + [latex_escape(sub) for _, cols in groups for _, sub in cols]
    lines = [
        r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
        r"\begin{tabular}{" + "l" * lead + "c" * n_values + "}", r"\toprule",
        table_row(group_cells), " ".join(rules), table_row(header), r"\midrule",
    ]
    for k, dataset in enumerate(datasets):
        if k:
            lines.append(r"\midrule")
        block = rows[rows["dataset"] == dataset]
        for i, values in enumerate(block.to_dict("records")):
            cells = [latex_escape(dataset) if i == 0 else ""] if lead == 2 else []
            cells += [latex_escape(values["model"])]
            cells += [formatter(values[col]) for _, cols in groups for col, _ in cols]
            lines.append(table_row(cells))
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def in_order(frame: pd.DataFrame, datasets: Sequence[str], models: Sequence[str]) -> pd.DataFrame:
    """Rows sorted by the configured dataset and model order."""
    key = frame["dataset"].map({d: i for i, d in enumerate(datasets)}) * len(models) + frame["model"].map(
        {m: i for i, m in enumerate(models)})
    return frame.assign(_key=key).sort_values("_key").drop(columns="_key").reset_index(drop=True)
