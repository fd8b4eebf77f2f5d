"""What a job loads when its script imports its step: a step that runs no model starts without torch, the
pocketsphinx ASR without transformers, and a step that runs torch loads it with its module, where
``adapter.run_step`` gives it the rule's threads. Each check runs in a fresh interpreter."""
from __future__ import annotations

import subprocess
import sys

from tests.helpers.workflow_runner import REPO

STEPS = "transferability.workflow.steps"
WITHOUT_TORCH = ("data", "transferability")  # step modules none of whose steps runs a model
WITH_TORCH = ("asr", "composition", "explain", "gallery", "models", "paper", "scoring", "spectra")


def loaded_after(code: str) -> set[str]:
    """Modules loaded once ``code`` has run in a fresh interpreter."""
    script = f"{code}\nimport sys\nprint(' '.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_every_step_module_is_listed_here():
    modules = {path.stem for path in (REPO / "src" / "transferability" / "workflow" / "steps").glob("*.py")}
    assert modules - {"__init__"} == set(WITHOUT_TORCH + WITH_TORCH)


def test_the_package_and_steps_without_a_model_load_neither_torch_nor_transformers():
    modules = ", ".join(["transferability", "transferability.workflow.adapter",
                         *(f"{STEPS}.{name}" for name in WITHOUT_TORCH)])
    loaded = loaded_after(f"import {modules}")
    assert "torch" not in loaded and "transformers" not in loaded


def test_the_pocketsphinx_asr_transcribes_without_transformers():
    loaded = loaded_after(
        f"import numpy as np\nimport {STEPS}.asr\n"
        "from transferability.analysis.asr import load_transcriber, resolve_grammar\n"
        "noise = np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)\n"
        "load_transcriber('pocketsphinx', None, resolve_grammar('synthetic')).transcribe([noise], 16000)"
    )
    assert "pocketsphinx" in loaded and "transformers" not in loaded


def test_scipy_signal_and_matplotlib_are_loaded_by_the_steps_that_use_them_only():
    """Reading audio at its own rate needs no scipy.signal; spectra, figures and resampling load it when used."""
    steps = ("composition", "data", "explain", "models", "scoring", "spectra", "transferability")
    loaded = loaded_after("import " + ", ".join(f"{STEPS}.{name}" for name in steps))
    assert "scipy.signal" not in loaded and "matplotlib" not in loaded


def test_steps_that_run_torch_import_it_with_their_module():
    """With torch hidden, importing each of these step modules fails on torch (so run_step sets its threads)."""
    code = f"""
import sys

class HideTorch:
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("torch is hidden", name=name)

sys.meta_path.insert(0, HideTorch())
for name in {WITH_TORCH!r}:
    try:
        __import__("{STEPS}." + name)
    except ImportError as error:
        assert error.name.split(".")[0] == "torch", error
    else:
        print("imported without torch:", name)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
