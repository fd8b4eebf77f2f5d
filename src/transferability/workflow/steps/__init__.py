"""The workflow's steps: one module per rule file (``steps/explain.py`` for ``rules/explain.smk``, ...),
one function per rule, as plain functions of paths and values that the Snakemake scripts call
through ``workflow.adapter.run_step``.

A step module imports at its top what its steps share, and what loads torch when one of them runs a model
(``run_step`` sets torch's threads only when the module has loaded it); a library that only one step uses
(matplotlib, scipy.signal, the speech synthesis, ...) that step imports itself, so that a job loads what its
rule needs (``tests/workflow/test_step_imports.py``)."""
from __future__ import annotations

from typing import Callable

Log = Callable[[str], None]
