"""Transferability analysis of audio classifiers: FreqReX-style causal explanations over frequency bins."""
from .explainer import explain, render_signals
from .record import Explanation
from .settings import ConfigError, ExplainerConfig

__all__ = ["ConfigError", "Explanation", "ExplainerConfig", "explain", "render_signals"]
__version__ = "0.1.0"
