"""The workflow's steps: one module per rule file (``steps/explain.py`` for ``rules/explain.smk``, ...),
one function per rule, as plain functions of paths and values that the Snakemake scripts call
through ``workflow.adapter.run_step``."""
from __future__ import annotations

from typing import Callable

Log = Callable[[str], None]
