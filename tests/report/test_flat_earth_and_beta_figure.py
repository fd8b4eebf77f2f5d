"""The flat-earther table's layout and cells, and the beta-against-epsilon figure."""
import numpy as np
import pandas as pd
import pytest

from tests.report.test_transferability_tables import cells_of, columns_spanned
from transferability.report.flat_earth_table import ROW_COLUMNS, flat_earth_latex
from transferability.report.transferability_figures import legend_label, plot_beta_curves

MODELS = ["A_1", "B", "C"]


def competence(datasets=("d1",)) -> pd.DataFrame:
    return pd.DataFrame([
        {"model": m, "dataset": d, "backbone": "CNN", "size_m": 1.0, "accuracy": 0.25 if m == "C" else 0.8,
         "accuracy_low": 0.2, "accuracy_high": 0.9, "below_chance": m == "C", "zero_signal_confident": m == "A_1",
         "zero_signal_class": "x", "zero_signal_probability": 0.97 if m == "A_1" else 0.5}
        for m in MODELS for d in datasets
    ])


def rows(datasets=("d1",)) -> pd.DataFrame:
    found = []
    for signal in ("sufficient", "complete"):
        for dataset in datasets:
            for k, model in enumerate(MODELS):
                flat = model == "C" and signal == "sufficient"
                found.append({
                    "signal": signal, "dataset": dataset, "model": model, "flat_earther": flat,
                    "outgoing": 0.5 - 0.2 * k, "outgoing_low": 0.4 - 0.2 * k, "outgoing_high": 0.6 - 0.2 * k,
                    "outgoing_difference": -0.3 if flat else 0.1, "outgoing_p_value": 0.0002 if flat else 0.6,
                    "outgoing_p_adjusted": 0.0006 if flat else 1.0,
                    "incoming": 0.7, "incoming_low": 0.6, "incoming_high": 0.8,
                    "incoming_difference": -0.2 if flat else 0.05,
                    "incoming_p_value": 0.004 if flat else np.nan if model == "B" else 0.4,
                    "incoming_p_adjusted": 0.012 if flat else np.nan if model == "B" else 1.0,
                })
    return pd.DataFrame(found)


def test_flat_earth_layout_and_cells():
    latex = flat_earth_latex(rows(), competence(), "Flat $x$", "tab:fe")
    lines = latex.splitlines()
    assert r"\caption{Flat $x$}" in latex and r"\begin{tabular}{llcrrcrrc}" in lines
    assert r"Model & Acc. & Rate [CI] & $\Delta$ & $p$ & Rate [CI] & $\Delta$ & $p$ & Flat-earther \\" in lines
    assert r"\cmidrule(lr){3-5} \cmidrule(lr){6-8}" in lines
    for line in (line for line in lines if line.endswith(r"\\")):
        assert columns_spanned(line) == 9, line
    table = [cells_of(line) for line in lines if line.startswith((r"A\_1", "B &", "C"))]
    assert len(table) == 6
    a, b, c = table[:3]
    assert a[:3] == [r"A\_1$^{\dagger}$", "0.80 [0.20, 0.90]", "0.50 [0.40, 0.60]"]
    assert c[1] == r"0.25 [0.20, 0.90]$^{*}$"
    assert c[3:] == ["-0.30", "<0.001", "0.70 [0.60, 0.80]", "-0.20", "0.012", r"\textbf{yes}"]
    assert a[-1] == "no" and b[-2] == "n/a" and b[-1] == "n/a"
    assert table[5][-1] == "no"  # C's complete signals are not flat


def test_flat_earth_names_the_dataset_once_per_block():
    latex = flat_earth_latex(rows(("d1", "d_2")), competence(("d1", "d_2")), "c", "l")
    table = [cells_of(line) for line in latex.splitlines() if "0.70 [0.60, 0.80]" in line]
    assert [r[0] for r in table] == ["d1", "", "", r"d\_2", "", ""] * 2
    with pytest.raises(ValueError, match="flat_earther"):
        flat_earth_latex(rows().drop(columns="flat_earther"), competence(), "c", "l")
    assert "flat_earther" in ROW_COLUMNS


def test_beta_figure_is_written_with_marked_legend(tmp_path):
    epsilons = [0.0, 0.3, 0.8, 1.0]
    curve = pd.DataFrame([[0.0, 0.2, 0.5, 1.0], [0.5, 0.5, 0.9, 1.0]], index=["A_1", "C"], columns=epsilons)
    curves = {("sufficient", "d1"): curve, ("complete", "d1"): curve.iloc[:1]}
    path = plot_beta_curves(curves, ("sufficient", "complete"), ["d1"], competence(), tmp_path / "beta.pdf", "t")
    assert path.read_bytes().startswith(b"%PDF")
    assert legend_label(competence(), "A_1", "d1") == "A_1\N{DAGGER} (acc. 0.80 [0.20, 0.90])"
    assert legend_label(competence(), "C", "d1") == "C (acc. 0.25 [0.20, 0.90]*)"
