"""The flat-earther table: each model's outgoing and incoming transferability, its difference from the
other models' and the test's adjusted p-value, per signal block (and dataset), as LaTeX and CSV.

``rows`` has one row per (signal, dataset, model) with the columns :data:`ROW_COLUMNS` (the
direction intervals of :func:`~transferability.analysis.transfer_statistics.direction_intervals`
joined with the tests of :func:`~transferability.analysis.flat_earth.flat_earth_tests`); ``facts``
is a competence frame (:mod:`transferability.report.model_marks`). Blocks follow the order of
the signals in ``rows`` (sufficient on top), datasets within a block likewise; a Dataset column
appears when more than one dataset is present.
"""
from __future__ import annotations

import pandas as pd

from transferability.analysis.flat_earth import DIRECTIONS
from transferability.report.latex import (
    MISSING,
    format_interval,
    format_number,
    format_p_value,
    latex_escape,
    table_row,
)
from transferability.report.model_marks import accuracy_cell, model_cell

ROW_COLUMNS = ("signal", "dataset", "model", "flat_earther") + tuple(
    f"{direction}{suffix}" for direction in DIRECTIONS
    for suffix in ("", "_low", "_high", "_difference", "_p_value", "_p_adjusted")
)
GROUP_TITLES = {"outgoing": "Outgoing (others accept its signals)", "incoming": "Incoming (it accepts others' signals)"}


def _verdict(row: pd.Series) -> str:
    if pd.isna(row["outgoing_p_adjusted"]) or pd.isna(row["incoming_p_adjusted"]):
        return MISSING
    return r"\textbf{yes}" if row["flat_earther"] else "no"


def flat_earth_latex(rows: pd.DataFrame, facts: pd.DataFrame, caption: str, label: str) -> str:
    """Per block and model: Acc. | outgoing rate [CI], difference, p | incoming rate [CI], difference, p | verdict."""
    missing = [c for c in ROW_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"flat-earth rows lack column(s) {', '.join(missing)}")
    datasets = list(pd.unique(rows["dataset"]))
    with_dataset = len(datasets) > 1
    lead = 2 + with_dataset
    n_columns = lead + 3 * len(DIRECTIONS) + 1
    groups, rules, column = [""] * lead, [], lead + 1
    for direction in DIRECTIONS:
        groups.append(rf"\multicolumn{{3}}{{c}}{{{GROUP_TITLES[direction]}}}")
        rules.append(rf"\cmidrule(lr){{{column}-{column + 2}}}")
        column += 3
    header = (["Dataset"] if with_dataset else []) + ["Model", "Acc."]
    header += [r"Rate [CI]", r"$\Delta$", "$p$"] * len(DIRECTIONS) + ["Flat-earther"]
    lines = [
        r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
        r"\begin{tabular}{" + "l" * lead + "crr" * len(DIRECTIONS) + "c}", r"\toprule",
        table_row(groups + [""]), " ".join(rules), table_row(header),
    ]
    for signal in pd.unique(rows["signal"]):
        title = latex_escape(str(signal).capitalize())
        lines += [r"\midrule", rf"\multicolumn{{{n_columns}}}{{l}}{{\textit{{{title}}}}} \\"]
        for k, dataset in enumerate(d for d in datasets if ((rows["signal"] == signal) & (rows["dataset"] == d)).any()):
            if k:
                lines.append(rf"\cmidrule(lr){{1-{n_columns}}}")
            block = rows[(rows["signal"] == signal) & (rows["dataset"] == dataset)]
            for i, (_, row) in enumerate(block.iterrows()):
                cells = [latex_escape(dataset) if i == 0 else ""] if with_dataset else []
                cells += [model_cell(facts, row["model"]), accuracy_cell(facts, row["model"], dataset)]
                for direction in DIRECTIONS:
                    cells += [format_interval(row[direction], row[f"{direction}_low"], row[f"{direction}_high"], 2),
                              format_number(row[f"{direction}_difference"], 2),
                              format_p_value(row[f"{direction}_p_adjusted"])]
                lines.append(table_row(cells + [_verdict(row)]))
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"
