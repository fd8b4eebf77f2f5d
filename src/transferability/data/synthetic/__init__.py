"""Synthetic stand-ins for the paper's tasks: genre-like music, emotion-like speech, and bona fide vs
spoof speech in an in-domain and a wild domain, generated deterministically from a seed."""
from transferability.data.manifest import ManifestError, read_manifest, write_manifest
from transferability.data.synthetic.dataset import TASKS, generate_task
from transferability.data.synthetic.speech import SPEECH_ENGINES, resolve_speech_engine

__all__ = ["SPEECH_ENGINES", "TASKS", "ManifestError", "generate_task", "read_manifest", "resolve_speech_engine", "write_manifest"]
