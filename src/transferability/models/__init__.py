"""Classifiers: the contract every model is queried through, and everything that makes one.

Holds the classifier contract (``contract``: the classifier and the waveforms it accepts, no other
package imports, so the explainer can depend on it alone), the loaders of Hugging Face models with
their feature extractors re-implemented in torch (``huggingface``, ``features``), of user entry
points (``entrypoint``) and of the workflow's own models (``native``, trained by ``zoo``), one
loader for all of them by spec (``loading.load_classifier``), the mapping of each model's labels
onto a task's (``labels``), the probabilities of whole signals under a model (``probabilities``), a
model's verdict on the all-zero signal (``zero_signal``) and a classifier with a known answer
(``toy``). This ``__init__`` imports nothing, so that loading the contract does not load
transformers. May import ``data`` (audio I/O) besides itself; never ``explainer``, ``analysis``,
``report`` or ``workflow``.
"""
