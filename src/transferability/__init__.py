"""Transferability analysis of audio classifiers: FreqReX-style causal explanations over frequency bins.

The package reads in layers, each importing only the ones before it: ``models.contract`` (the
classifier contract), ``explainer`` (the causal explainer, needing only that contract), ``data``
(audio I/O, manifests, synthetic tasks, real datasets), ``models`` (loaders, label maps, trained
models), ``analysis`` (explained items, cross-model scoring and statistics, the Section 5
analyses), ``report`` (LaTeX tables, figures, the paper's TeX) and ``workflow`` (the Snakemake
steps and their plumbing); the command line (``cli``) sits on top. ``tests/test_layers.py``
keeps it so.

Heavy libraries (torch, transformers, matplotlib, scipy.signal, ...) are imported where they are used
when a module needs them for a few of its functions only, so that a workflow job does not load
what its step does not use (``tests/workflow/test_step_imports.py``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transferability.explainer import ConfigError, ExplainerConfig, Explanation, explain, render_signals

__all__ = ["ConfigError", "Explanation", "ExplainerConfig", "explain", "render_signals"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """The explainer's names, imported on first use (PEP 562): importing a subpackage, e.g. a
    workflow step, does not load the explainer and torch with it."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from transferability import explainer

    value = globals()[name] = getattr(explainer, name)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
