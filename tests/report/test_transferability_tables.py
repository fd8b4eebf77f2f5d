"""LaTeX and CSV tables: layout, escaping, and numbers that read back to the matrices."""
import re

import numpy as np
import pandas as pd
import pytest

from transferability.analysis.transfer_statistics import ROW_AVERAGE
from transferability.report.transferability_tables import (
    model_latex,
    model_table,
    transferability_latex,
    transferability_long,
    transferability_table,
)

MODELS = ["m_1&x", "M2", "m3%#"]
ESCAPED = [r"m\_1\&x", "M2", r"m3\%\#"]
BACKBONES = ["Wav2Vec2", "Wav2Vec2", "HuBERT"]


def facts(datasets=None) -> pd.DataFrame:
    rows = []
    for k, (model, backbone) in enumerate(zip(MODELS, BACKBONES)):
        for j, dataset in enumerate(datasets or [None]):
            rows.append({"model": model, "backbone": backbone, "size_m": [300.0, 94.6, 8.31][k],
                         "accuracy": 0.9 - 0.01 * k - 0.1 * j, **({"dataset": dataset} if datasets else {})})
    return pd.DataFrame(rows)


def matrix(seed: int) -> pd.DataFrame:
    values = np.random.default_rng(seed).random((3, 3))
    np.fill_diagonal(values, np.nan)
    frame = pd.DataFrame(values, index=MODELS, columns=MODELS)
    frame[ROW_AVERAGE] = frame[MODELS].mean(axis=1)
    return frame


def matrices(datasets=("gtzan",)) -> dict:
    return {(signal, d): matrix(10 * i + j) for i, signal in enumerate(("sufficient", "complete"))
            for j, d in enumerate(datasets)}


def cells_of(line: str) -> list[str]:
    """A table row's cells, split at unescaped ampersands."""
    return [c.strip() for c in re.split(r"(?<!\\)&", line.removesuffix(r"\\"))]


def columns_spanned(line: str) -> int:
    widths = [int(w) for w in re.findall(r"\\multicolumn\{(\d+)\}", line)]
    return len(cells_of(line)) + sum(w - 1 for w in widths)


def data_rows(latex: str) -> list[list[str]]:
    """Cells of each table row that lists a model (the ones containing an escaped model name)."""
    rows = []
    for line in latex.splitlines():
        cells = cells_of(line)
        if line.endswith(r"\\") and any(name in cells for name in ESCAPED) and "Model" not in cells:
            rows.append(cells)
    return rows


def test_latex_layout_and_escaping():
    latex = transferability_latex(facts(), matrices(), caption="Alpha of $x$", label="tab:genre")
    lines = latex.splitlines()
    for rule in (r"\toprule", r"\midrule", r"\bottomrule", r"\cmidrule(lr){4-5}", r"\cmidrule(lr){6-6}"):
        assert rule in lines or any(rule in line for line in lines)
    assert r"\caption{Alpha of $x$}" in latex and r"\label{tab:genre}" in latex
    assert r"\multicolumn{2}{c}{Wav2Vec2}" in latex and r"\multicolumn{1}{c}{HuBERT}" in latex
    header = next(line for line in lines if line.startswith("Model &"))
    assert header == r"Model & Size (M) & Acc. & m\_1\&x & M2 & m3\%\# & Avg \\"
    rows = data_rows(latex)
    assert len(rows) == 6
    table_rows = [line for line in lines if line.endswith(r"\\")]
    assert len(table_rows) == 2 + 2 + 6  # two header rows, two block labels, six model rows
    for line in table_rows:
        assert columns_spanned(line) == 7, line
    assert lines.count(r"\midrule") == 2
    assert r"\multicolumn{7}{l}{\textit{Sufficient}} \\" in lines
    assert lines.index(r"\multicolumn{7}{l}{\textit{Sufficient}} \\") < lines.index(
        r"\multicolumn{7}{l}{\textit{Complete}} \\")


def test_latex_numbers_read_back():
    given = matrices()
    rows = data_rows(transferability_latex(facts(), given, "c", "l"))
    for block, signal in enumerate(("sufficient", "complete")):
        frame = given[signal, "gtzan"]
        for i, source in enumerate(MODELS):
            cells = rows[3 * block + i]
            assert cells[0] == ESCAPED[i]
            assert cells[1] == ["300", "94.6", "8.31"][i]
            assert float(cells[2]) == pytest.approx(0.9 - 0.01 * i)
            for j, target in enumerate(MODELS):
                if i == j:
                    assert cells[3 + j] == "--"
                else:
                    assert len(cells[3 + j].split(".")[1]) == 3
                    assert float(cells[3 + j]) == round(frame.loc[source, target], 3)
            assert len(cells[-1].split(".")[1]) == 2
            assert float(cells[-1]) == round(frame.loc[source, ROW_AVERAGE], 2)


def test_spoof_layout_names_dataset_once_per_group():
    given = matrices(("ASVspoof2019", "In_the_Wild"))
    latex = transferability_latex(facts(["ASVspoof2019", "In_the_Wild"]), given, "c", "l")
    lines = latex.splitlines()
    assert r"\begin{tabular}{llrrcccr}" in lines
    assert next(line for line in lines if "Model &" in line).startswith("Dataset & Model &")
    rows = data_rows(latex)
    assert len(rows) == 12
    assert [r[0] for r in rows] == ["ASVspoof2019", "", "", r"In\_the\_Wild", "", ""] * 2
    for row in rows:
        assert len(row) == 8
    assert float(rows[3][3]) == pytest.approx(0.8)  # m_1 accuracy on the second dataset
    second = given["complete", "In_the_Wild"]
    assert rows[10][5] == "--" and float(rows[10][4]) == round(second.loc["M2", "m_1&x"], 3)
    assert sum(line.startswith(r"\cmidrule(lr){1-8}") for line in lines) == 2


def test_long_csv_round_trip(tmp_path):
    given = matrices()
    ci = given["sufficient", "gtzan"].stack().rename("estimate").reset_index()
    ci.columns = ["source_model", "target_model", "estimate"]
    ci = ci.assign(ci_low=ci["estimate"] - 0.1, ci_high=ci["estimate"] + 0.1)
    transferability_table(facts(), given, "alpha", "c", "l", tmp_path / "t.tex", tmp_path / "t.csv",
                          intervals={("sufficient", "gtzan"): ci})
    assert (tmp_path / "t.tex").read_text() == transferability_latex(
        facts(), given, "c", "l", intervals={("sufficient", "gtzan"): ci})
    table = pd.read_csv(tmp_path / "t.csv")
    assert list(table.columns) == ["signal", "dataset", "source", "target", "metric", "value", "ci_low", "ci_high"]
    assert len(table) == 2 * 3 * 3  # per block and source: two other targets and the row average
    assert set(table["metric"]) == {"alpha"}
    for r in table.itertuples():
        expected = given[r.signal, r.dataset].loc[r.source, r.target]
        assert r.value == pytest.approx(expected, abs=1e-12)
        if r.signal == "sufficient":
            assert r.ci_low == pytest.approx(expected - 0.1) and r.ci_high == pytest.approx(expected + 0.1)
        else:
            assert np.isnan(r.ci_low) and np.isnan(r.ci_high)


def test_unknown_model_in_matrix_is_an_error():
    with pytest.raises(ValueError, match="missing from the model facts"):
        transferability_latex(facts().iloc[:2], matrices(), "c", "l")


def test_missing_cell_prints_na():
    given = matrices()
    given["sufficient", "gtzan"].loc["M2", "m3%#"] = np.nan
    rows = data_rows(transferability_latex(facts(), given, "c", "l"))
    assert rows[1][5] == "n/a"


def test_model_table(tmp_path):
    model_table(facts(["ASV", "ITW"]), "Models", "tab:models", tmp_path / "m.tex", tmp_path / "m.csv")
    latex = (tmp_path / "m.tex").read_text()
    assert r"Model & Backbone & Size (M) & Acc. (ASV) & Acc. (ITW) \\" in latex
    assert r"m\_1\&x & Wav2Vec2 & 300 & 0.90 & 0.80 \\" in latex
    assert all(rule in latex for rule in (r"\toprule", r"\midrule", r"\bottomrule"))
    table = pd.read_csv(tmp_path / "m.csv")
    assert list(table.columns) == ["model", "dataset", "backbone", "size_m", "accuracy"]
    assert len(table) == 6
    single = model_latex(facts(), "c", "l")
    assert r"M2 & Wav2Vec2 & 94.6 & 0.89 \\" in single


def test_long_form_drops_only_the_diagonal():
    long = transferability_long(matrices(), "beta")
    assert not (long["source"] == long["target"]).any()
    assert (long["target"] == ROW_AVERAGE).sum() == 6


def competence(datasets=("gtzan",)) -> pd.DataFrame:
    """facts() with the competence columns: m_1&x at chance on the first dataset, M2 confident on silence."""
    frame = facts(list(datasets))
    return frame.assign(
        accuracy=[0.25 if (m == MODELS[0] and d == datasets[0]) else 0.9 for m, d in zip(frame["model"], frame["dataset"])],
        accuracy_low=0.11, accuracy_high=0.97, below_chance=lambda f: f["accuracy"] <= 0.25,
        zero_signal_confident=frame["model"] == "M2", zero_signal_class="blues", zero_signal_probability=0.95,
    )


def intervals_of(given: dict) -> dict:
    """Made-up intervals: each row average minus and plus 0.1."""
    found = {}
    for key, frame in given.items():
        averages = frame[ROW_AVERAGE]
        found[key] = pd.DataFrame({"source_model": averages.index, "target_model": ROW_AVERAGE,
                                   "ci_low": averages.to_numpy() - 0.1, "ci_high": averages.to_numpy() + 0.1})
    return found


def test_average_with_interval_and_competence_marks():
    given = matrices()
    latex = transferability_latex(competence(), given, "c", "l", intervals=intervals_of(given))
    assert r"& Avg [CI] \\" in latex
    rows = [cells_of(line) for line in latex.splitlines() if line.startswith((r"m\_1", "M2", "m3"))]
    assert len(rows) == 6
    for block, signal in enumerate(("sufficient", "complete")):
        for i, source in enumerate(MODELS):
            average = given[signal, "gtzan"].loc[source, ROW_AVERAGE]
            assert rows[3 * block + i][-1] == f"{average:.2f} [{average - 0.1:.2f}, {average + 0.1:.2f}]"
    first, second = rows[0], rows[1]
    assert first[0] == r"m\_1\&x" and first[2] == r"0.25 [0.11, 0.97]$^{*}$"  # at chance (1/K)
    assert second[0] == r"M2$^{\dagger}$" and second[2] == "0.90 [0.11, 0.97]"


def test_competence_note_lists_chance_and_every_zero_signal_verdict():
    from transferability.report.model_marks import competence_note

    note = competence_note(competence(), n_labels=4, confidence=0.95)
    assert r"95\% Wilson interval" in note and r"at or below chance (1/K = 0.25): m\_1\&x." in note
    assert r"m\_1\&x blues 0.95; M2$^{\dagger}$ blues 0.95; m3\%\# blues 0.95" in note
    assert "biased toward that class" in note
    quiet = competence().assign(zero_signal_confident=False, below_chance=False)
    note = competence_note(quiet, n_labels=4, confidence=0.95)
    assert "no model is at or below chance" in note and "No model gives one class probability 0.9" in note
