"""The Snakemake workflow's side of the library: its steps and the plumbing they run in.

Holds one step module per rule file (``steps``), the adapter the Snakemake scripts call
(``adapter.run_step``: log, threads, GPU slot, keyword arguments), GPU slot claims
(``gpu_slots``), allocator tuning (``allocator``), content fingerprints (``fingerprint``), the
resumable per-item explanation cache (``explanation_cache``) and the compute estimate of a
configuration (``estimate``). May import every other subpackage; nothing below imports it.
"""
