"""The LaTeX cells every table shares: intervals, p-values, percentages."""
import numpy as np

from transferability.report.latex import format_interval, format_p_value, format_percent


def test_interval_cell():
    assert format_interval(0.4213, 0.2987, 0.5512) == "0.42 [0.30, 0.55]"
    assert format_interval(1.0, 1.0, 1.0, 3) == "1.000 [1.000, 1.000]"
    assert format_interval(0.5, np.nan, 0.7) == "0.50 [n/a]"
    assert format_interval(np.nan, 0.1, 0.2) == "n/a"


def test_p_value_cell():
    assert format_p_value(0.04567) == "0.046"
    assert format_p_value(0.0004) == "<0.001"
    assert format_p_value(0.001) == "0.001"
    assert format_p_value(np.nan) == "n/a"


def test_percent_cell():
    assert format_percent(0.95) == r"95\%" and format_percent(0.9) == r"90\%"
