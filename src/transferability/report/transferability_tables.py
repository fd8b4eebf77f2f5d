"""Paper tables as LaTeX (booktabs) and long-form CSV: transferability (Tables 1-3) and models.

``facts`` is a DataFrame with columns model, backbone, size_m, accuracy, and optionally dataset
(one row per model and dataset when accuracy is per dataset, as for spoof) and the competence
columns of :mod:`transferability.report.model_marks` (accuracy interval, chance and all-zero
signal marks); its row order is the order of rows and target columns. Transferability matrices come from
:func:`transferability.analysis.transfer_statistics.pair_matrix`, keyed by (signal, dataset); blocks follow the
signals' order in that mapping (sufficient on top), datasets within a block likewise. A Dataset
column appears when more than one dataset is present, named on the first row of each group.
Given the bootstrap intervals of a block (keyed like the matrices), its Avg cells carry them.
Captions and labels are raw LaTeX; model, backbone and dataset names are escaped.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from transferability.analysis.transfer_statistics import ROW_AVERAGE
from transferability.report.latex import MISSING, format_interval, format_number, latex_escape, table_row
from transferability.report.model_marks import accuracy_cell, model_cell

FACT_COLUMNS = ("model", "backbone", "size_m", "accuracy")
LONG_COLUMNS = ("signal", "dataset", "source", "target", "metric", "value", "ci_low", "ci_high")
DIAGONAL = "--"
MatrixKey = tuple[str, str]  # (signal, dataset)


def _size(value: float) -> str:
    """Millions of parameters as in the paper: three significant figures, no exponent."""
    if pd.isna(value):
        return MISSING
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _check_facts(facts: pd.DataFrame) -> list[str]:
    """The facts' models in order; raises on missing columns."""
    missing = [c for c in FACT_COLUMNS if c not in facts.columns]
    if missing:
        raise ValueError(f"model facts lack column(s) {', '.join(missing)}")
    return list(pd.unique(facts["model"]))


def _ordered(matrix: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    unknown = sorted((set(matrix.index) | set(matrix.columns)) - set(models) - {ROW_AVERAGE})
    if unknown:
        raise ValueError(f"matrix has model(s) {', '.join(map(str, unknown))} missing from the model facts")
    return matrix.reindex(index=models, columns=models + [ROW_AVERAGE])


def _backbone_header(facts: pd.DataFrame, models: list[str], lead: int) -> list[str]:
    """The grouping row (consecutive targets with one backbone share a column) and its cmidrules."""
    backbone = facts.drop_duplicates("model").set_index("model")["backbone"]
    groups: list[tuple[str, int]] = []
    for model in models:
        if groups and groups[-1][0] == backbone[model]:
            groups[-1] = (groups[-1][0], groups[-1][1] + 1)
        else:
            groups.append((backbone[model], 1))
    cells, rules, column = [""] * lead, [], lead + 1
    for name, width in groups:
        cells.append(rf"\multicolumn{{{width}}}{{c}}{{{latex_escape(name)}}}")
        rules.append(rf"\cmidrule(lr){{{column}-{column + width - 1}}}")
        column += width
    return [table_row(cells + [""]), " ".join(rules)]


def _average_cell(matrix: pd.DataFrame, source: str, interval: pd.DataFrame | None) -> str:
    """The row average, 2 decimals, with its interval when given."""
    estimate = matrix.loc[source, ROW_AVERAGE]
    if interval is None:
        return format_number(estimate, 2)
    bounds = interval[(interval["source_model"] == source) & (interval["target_model"] == ROW_AVERAGE)]
    if not len(bounds):
        return format_interval(estimate, np.nan, np.nan, 2)
    return format_interval(estimate, bounds["ci_low"].iloc[0], bounds["ci_high"].iloc[0], 2)


def _model_rows(
    facts: pd.DataFrame, matrix: pd.DataFrame, dataset: str, with_dataset: bool, interval: pd.DataFrame | None
) -> list[str]:
    """One row per source model; the dataset is named on the first row only."""
    size = facts.drop_duplicates("model").set_index("model")["size_m"]
    lines = []
    for i, source in enumerate(matrix.index):
        cells = [latex_escape(dataset) if i == 0 else ""] if with_dataset else []
        cells += [model_cell(facts, source), _size(size[source]), accuracy_cell(facts, source, dataset)]
        cells += [DIAGONAL if t == source else format_number(matrix.loc[source, t], 3) for t in matrix.index]
        lines.append(table_row(cells + [_average_cell(matrix, source, interval)]))
    return lines


def transferability_latex(
    facts: pd.DataFrame,
    matrices: Mapping[MatrixKey, pd.DataFrame],
    caption: str,
    label: str,
    intervals: Mapping[MatrixKey, pd.DataFrame] | None = None,
) -> str:
    """A Table 1-3 style LaTeX table: one block per signal, diagonal "--", cells 3 decimals, Avg 2
    (with its interval from ``intervals``, bootstrap_interval frames keyed like the matrices)."""
    if not matrices:
        raise ValueError("no transferability matrices given")
    models = _check_facts(facts)
    signals = list(dict.fromkeys(signal for signal, _ in matrices))
    datasets = list(dict.fromkeys(dataset for _, dataset in matrices))
    with_dataset = len(datasets) > 1
    lead = 3 + with_dataset
    n_columns = lead + len(models) + 1
    header = (["Dataset"] if with_dataset else []) + ["Model", "Size (M)", "Acc."]
    average = "Avg" if intervals is None else "Avg [CI]"
    lines = [
        r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
        r"\begin{tabular}{" + "l" * (1 + with_dataset) + "rr" + "c" * len(models) + "r}", r"\toprule",
        *_backbone_header(facts, models, lead),
        table_row(header + [latex_escape(m) for m in models] + [average]),
    ]
    for signal in signals:
        title = latex_escape(signal.capitalize())
        lines += [r"\midrule", rf"\multicolumn{{{n_columns}}}{{l}}{{\textit{{{title}}}}} \\"]
        for k, dataset in enumerate(d for d in datasets if (signal, d) in matrices):
            if k:
                lines.append(rf"\cmidrule(lr){{1-{n_columns}}}")
            interval = None if intervals is None else intervals.get((signal, dataset))
            lines += _model_rows(facts, _ordered(matrices[signal, dataset], models), dataset, with_dataset, interval)
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def transferability_long(
    matrices: Mapping[MatrixKey, pd.DataFrame],
    metric: str,
    intervals: Mapping[MatrixKey, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Every off-diagonal cell and row average (target ``row_average``) at full precision, with CIs if given."""
    if not matrices:
        raise ValueError("no transferability matrices given")
    frames = []
    for (signal, dataset), matrix in matrices.items():
        long = matrix.rename_axis(index="source", columns="target").stack().rename("value").reset_index()
        long = long[long["source"] != long["target"]].assign(signal=signal, dataset=dataset, metric=metric)
        ci = (intervals or {}).get((signal, dataset))
        if ci is None:
            long = long.assign(ci_low=np.nan, ci_high=np.nan)
        else:
            ci = ci.rename(columns={"source_model": "source", "target_model": "target"})
            long = long.merge(ci[["source", "target", "ci_low", "ci_high"]], on=["source", "target"], how="left")
        frames.append(long[list(LONG_COLUMNS)])
    return pd.concat(frames, ignore_index=True)


def transferability_table(
    facts: pd.DataFrame,
    matrices: Mapping[MatrixKey, pd.DataFrame],
    metric: str,
    caption: str,
    label: str,
    latex_path: str | Path,
    csv_path: str | Path,
    intervals: Mapping[MatrixKey, pd.DataFrame] | None = None,
) -> None:
    """Write the LaTeX table (Avg with its interval when given) and its long-form CSV."""
    Path(latex_path).write_text(transferability_latex(facts, matrices, caption, label, intervals))
    transferability_long(matrices, metric, intervals).to_csv(csv_path, index=False)


def model_latex(facts: pd.DataFrame, caption: str, label: str) -> str:
    """Model, backbone, size and accuracy (one accuracy column per dataset when facts has datasets)."""
    models = _check_facts(facts)
    datasets = list(pd.unique(facts["dataset"])) if "dataset" in facts.columns else [None]
    first = facts.drop_duplicates("model").set_index("model")
    accuracy_headers = ["Acc."] if datasets == [None] else [f"Acc. ({latex_escape(d)})" for d in datasets]
    lines = [
        r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}", rf"\label{{{label}}}",
        r"\begin{tabular}{llr" + "r" * len(datasets) + "}", r"\toprule",
        table_row(["Model", "Backbone", "Size (M)"] + accuracy_headers), r"\midrule",
    ]
    for model in models:
        cells = [model_cell(facts, model), latex_escape(first.loc[model, "backbone"])]
        cells.append(_size(first.loc[model, "size_m"]))
        lines.append(table_row(cells + [accuracy_cell(facts, model, d) for d in datasets]))
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def model_table(facts: pd.DataFrame, caption: str, label: str, latex_path: str | Path, csv_path: str | Path) -> None:
    """Write the models table as LaTeX and as CSV (the facts columns, unrounded)."""
    Path(latex_path).write_text(model_latex(facts, caption, label))
    columns = ["model"] + (["dataset"] if "dataset" in facts.columns else []) + list(FACT_COLUMNS[1:])
    facts[columns].to_csv(csv_path, index=False)
