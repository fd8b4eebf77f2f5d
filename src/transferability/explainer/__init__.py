"""The causal explainer: which frequency bins of one clip a classifier needs for its decision.

Holds the spectral mutants (``mutants``: bin masks to waveforms on the model's device), the
counted, batched model queries (``oracle``), causal responsibility over random partitions of the
bins (``responsibility``), the extraction of sufficient, complete and 1-complete sets
(``extraction``), the explanation record (``record``), the explainer's settings (``config``), the
whole explanation of one clip (``pipeline``) and the reduced-precision check (``precision``).
Imports nothing of this package but the classifier contract, ``transferability.models.contract``.
"""
from transferability.explainer.config import ConfigError, ExplainerConfig
from transferability.explainer.pipeline import as_explained, explain, render_signals
from transferability.explainer.record import Explanation

__all__ = ["ConfigError", "Explanation", "ExplainerConfig", "as_explained", "explain", "render_signals"]
