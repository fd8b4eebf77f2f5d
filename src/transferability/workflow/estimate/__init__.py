"""Device-hours of the explanation step, from measured costs: items x queries/explanation x seconds/query.

For every model slot of a config and every dataset of its task::

    hours = items x queries_per_explanation(clip length) x seconds_per_query(model, clip length) / 3600

- ``items``: the task's canonical labels x ``counts.explain`` of the dataset (the explain split of
  the prepared manifest when it exists).
- ``queries_per_explanation``: measured by running the real explainer (``explainer.explain``,
  the config's ``explain.settings``) on synthetic clips of that length with a cheap classifier of
  known decision (LoudestBand's rule, ``toy_models``). The count depends on the classifier: real
  models' counts differ (their decisions rest on more of the spectrum, so more refinement and
  minimality queries, or fewer). The workflow's own records hold the real counts
  (``record["queries"]``, ``<results>/explanations/<task>/<model>/items/*.json``):
  :func:`recorded_queries` reads them and :func:`calibrate` gives the recorded / toy ratio at the
  recorded lengths and settings; ``--query-scale`` applies such a ratio to the estimate.
- ``seconds_per_query``: a timed loop of what the oracle does per model call (render a batch of
  mutants with ``irfft`` on the device, run the model, bring the probabilities to the CPU) at
  the batch size the explainer would use (``oracle.memory_bounded_batch_size``).

The clip length a model sees is the dataset's clip length cropped to the model's ``max_samples``
(AST looks at 10.24 s, Whisper at 30 s): a 30 s GTZAN clip is explained over 164,080 samples by
AST. Explainer bookkeeping between model calls (masks, ranking) is not in the estimate; the
records' ``timings["total_s"]`` include it (see :func:`calibrate`).

Offline (no hub), ``random_init`` builds each slot's architecture at its real size from a
transformers config (by the slot's ``backbone`` and a size hint in its source id, see
:func:`architecture_for`), saves it with ``save_pretrained`` and loads it through
``models.load_classifier``, so the timed path is the real one.
"""
from __future__ import annotations

from transferability.workflow.estimate.command import add_arguments, main
from transferability.workflow.estimate.queries import (
    DEFAULT_SEEDS,
    SAMPLE_RATE,
    Log,
    QueryCount,
    RecordedQueries,
    calibrate,
    measure_queries,
    recorded_queries,
    synthetic_clip,
    toy_classifier,
)
from transferability.workflow.estimate.random_models import (
    ARCHITECTURES,
    LARGE_ENCODER,
    LARGE_HINTS,
    architecture_for,
    save_random_init,
)
from transferability.workflow.estimate.report import (
    EstimateOptions,
    EstimateRow,
    explanation_hours,
    format_calibration,
    format_table,
    run_estimate,
    total_hours,
)
from transferability.workflow.estimate.timing import DEFAULT_BATCHES, QueryTiming, seconds_per_query
from transferability.workflow.estimate.workload import (
    ASVSPOOF2019_LA_EVAL_SECONDS,
    GTZAN_SECONDS,
    IN_THE_WILD_SECONDS,
    RAVDESS_SPEECH_SECONDS,
    SCHEMA_DEFAULT_EXPLAIN_COUNT,
    SYNTHETIC_DEFAULT_EXPLAIN_COUNT,
    SYNTHETIC_DEFAULT_SECONDS,
    TYPICAL_SECONDS,
    DatasetWork,
    ModelSlot,
    dataset_work,
    explain_count,
    items_per_dataset,
    load_config,
    manifest_explain_split,
    model_samples,
    model_slots,
    results_root,
    typical_seconds,
)

__all__ = [
    "ARCHITECTURES", "ASVSPOOF2019_LA_EVAL_SECONDS", "DEFAULT_BATCHES", "DEFAULT_SEEDS", "GTZAN_SECONDS",
    "IN_THE_WILD_SECONDS", "LARGE_ENCODER", "LARGE_HINTS", "RAVDESS_SPEECH_SECONDS", "SAMPLE_RATE",
    "SCHEMA_DEFAULT_EXPLAIN_COUNT", "SYNTHETIC_DEFAULT_EXPLAIN_COUNT", "SYNTHETIC_DEFAULT_SECONDS", "TYPICAL_SECONDS",
    "DatasetWork", "EstimateOptions", "EstimateRow", "Log", "ModelSlot", "QueryCount",
    "QueryTiming", "RecordedQueries", "add_arguments", "architecture_for", "calibrate", "dataset_work",
    "explain_count", "explanation_hours", "format_calibration", "format_table", "items_per_dataset", "load_config",
    "main", "manifest_explain_split", "measure_queries", "model_samples", "model_slots", "recorded_queries",
    "results_root", "run_estimate", "save_random_init", "seconds_per_query", "synthetic_clip", "total_hours",
    "toy_classifier", "typical_seconds",
]
