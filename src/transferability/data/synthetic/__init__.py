"""Synthetic stand-ins for the paper's tasks: genre-like music, emotion-like speech, and bona fide vs
spoof speech in an in-domain and a wild domain, generated deterministically from a seed."""
from transferability.data.manifest import ManifestError, read_manifest, write_manifest
from transferability.data.synthetic.dataset import TASKS, generate_task
from transferability.data.synthetic.espeak import EspeakUnavailable
from transferability.data.synthetic.speech import FORMANT_WARNING, SPEECH_ENGINES, check_speech_engine

__all__ = ["FORMANT_WARNING", "SPEECH_ENGINES", "TASKS", "EspeakUnavailable", "ManifestError",
           "check_speech_engine", "generate_task", "read_manifest", "write_manifest"]
