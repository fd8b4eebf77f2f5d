"""Grouped LaTeX tables, main.tex and its compilation."""
import shutil

import numpy as np
import pandas as pd
import pytest

from transferability.report.grouped_tables import grouped_latex, in_order
from transferability.report.paper import compile_pdf, main_tex
from transferability.report.spectra_figures import plot_composite_psd, plot_entropy

NEEDS_TEX = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (CI installs it)")
ROWS = pd.DataFrame({
    "dataset": ["in", "in", "wild"], "model": ["SP_1", "SP2", "SP_1"],
    "real": [0.5, np.nan, 1.0], "fake": [0.25, 1.0, 0.125],
})
GROUPS = [("Class", [("real", "real"), ("fake", "fake")])]


def test_grouped_latex_layout():
    latex = grouped_latex(ROWS, GROUPS, "A caption", "tab:x")
    lines = latex.splitlines()
    assert r"\multicolumn{2}{c}{Class}" in latex and r"\cmidrule(lr){3-4}" in latex
    assert r"in & SP\_1 & 0.50 & 0.25 \\" in lines
    assert r" & SP2 & n/a & 1.00 \\" in lines          # dataset named on its first row only
    assert r"wild & SP\_1 & 1.00 & 0.12 \\" in lines
    assert latex.count(r"\midrule") == 2                # header rule + one between datasets


def test_grouped_latex_single_dataset_has_no_dataset_column():
    latex = grouped_latex(ROWS[ROWS["dataset"] == "in"], GROUPS, "c", "l")
    assert r"\begin{tabular}{lcc}" in latex and "Dataset" not in latex


def test_grouped_latex_names_missing_columns():
    with pytest.raises(ValueError, match="fake"):
        grouped_latex(ROWS.drop(columns="fake"), GROUPS, "c", "l")


def test_in_order_follows_the_configured_order():
    ordered = in_order(ROWS, ["wild", "in"], ["SP2", "SP_1"])
    assert list(zip(ordered["dataset"], ordered["model"])) == [("wild", "SP_1"), ("in", "SP2"), ("in", "SP_1")]


def _artefacts(tmp_path):
    table = tmp_path / "tables" / "t.tex"
    table.parent.mkdir()
    table.write_text(grouped_latex(ROWS, GROUPS, "Degree of compositionality", "tab:t"))
    rate = 16000
    t = np.arange(rate) / rate
    composites = {("in", "SP_1", "real"): (np.sin(2 * np.pi * 440 * t).astype(np.float32), rate)}
    psd = plot_composite_psd(composites, ["in"], ["SP_1", "SP2"], ["real", "fake"], 512, tmp_path / "figures" / "psd.pdf")
    entropies = pd.DataFrame({"model": ["SP_1"] * 4, "dataset": ["in"] * 4, "class": ["real", "real", "fake", "fake"],
                              "entropy": [0.1, 0.2, 0.5, 0.6]})
    tests = pd.DataFrame({"model": ["SP_1"], "dataset": ["in"], "p": [0.33]})
    entropy = plot_entropy(entropies, tests, ["in"], ["SP_1"], ["real", "fake"], tmp_path / "figures" / "entropy.pdf")
    return table, [(psd, "PSD of composites"), (entropy, "Spectral entropy")]


def test_paper_tex_inputs_every_table_and_figure(tmp_path):
    table, figures = _artefacts(tmp_path)
    tex = tmp_path / "paper" / "main.tex"
    main_tex([table], figures, tex, "Title & more", log=lambda message: None)
    text = tex.read_text()
    assert r"\input{../tables/t.tex}" in text
    assert "{../figures/psd.pdf}" in text and "{../figures/entropy.pdf}" in text
    assert r"\title{Title \& more}" in text and r"\usepackage{booktabs}" in text


@NEEDS_TEX
def test_paper_compiles(tmp_path):
    table, figures = _artefacts(tmp_path)
    tex = tmp_path / "paper" / "main.tex"
    main_tex([table], figures, tex, "Compiled", log=lambda message: None)
    pdf = tmp_path / "paper" / "main.pdf"
    compile_pdf(tex, pdf, log=lambda message: None)
    assert pdf.read_bytes().startswith(b"%PDF")


@NEEDS_TEX
def test_a_broken_table_fails_with_the_tex_log(tmp_path):
    table, figures = _artefacts(tmp_path)
    table.write_text(r"\begin{tabular}{l} \undefinedcommand \end{tabular}")
    tex = tmp_path / "paper" / "main.tex"
    main_tex([table], figures, tex, "Broken", log=lambda message: None)
    with pytest.raises(RuntimeError, match="Undefined control sequence"):
        compile_pdf(tex, tmp_path / "paper" / "main.pdf", log=lambda message: None)
