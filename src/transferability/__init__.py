"""Transferability analysis of audio classifiers: FreqReX-style causal explanations over frequency bins."""
from transferability.explainer import explain, render_signals
from transferability.record import Explanation
from transferability.settings import ConfigError, ExplainerConfig

__all__ = ["ConfigError", "Explanation", "ExplainerConfig", "explain", "render_signals"]
__version__ = "0.1.0"
