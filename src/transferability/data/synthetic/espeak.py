"""The espeak-ng text-to-speech engine of the synthetic speech: the library and voice data shipped
by the pinned Python package ``espeakng-loader`` (never a program installed on the machine, so the
same config gives the same speech everywhere), its version, and one spoken text as a waveform.

Each request runs in a fresh interpreter (:mod:`.espeak_worker`): the library keeps state from one
utterance to the next, a fresh process does not, so an utterance depends only on its own request.
"""
from __future__ import annotations

import importlib.metadata
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import soundfile as sf

from transferability.data.audio import resample

ESPEAK_PACKAGE = "espeakng-loader"
ESPEAK_PACKAGE_VERSION = "0.2.4"   # pinned in pyproject.toml
ESPEAK_NG_VERSION = "1.52.0"       # the espeak-ng that package ships: the synthetic speech is made with it
INSTALL_HINT = (f"install it with `.venv/bin/pip install {ESPEAK_PACKAGE}=={ESPEAK_PACKAGE_VERSION}` "
                f"(scripts/install.sh does)")
WORKER = Path(__file__).with_name("espeak_worker.py")


class EspeakUnavailable(RuntimeError):
    """The espeak-ng engine cannot run here; the message says what is missing and how to get it."""


@dataclass(frozen=True)
class EspeakLibrary:
    """The espeak-ng shared library and its voice data folder."""

    library: Path
    data: Path


def find_espeak() -> EspeakLibrary:
    """The library and data of the installed ``espeakng-loader`` package (nothing on PATH is looked at)."""
    try:
        import espeakng_loader
    except ImportError as error:
        raise EspeakUnavailable(
            f"the Python package {ESPEAK_PACKAGE} is not installed in {sys.prefix} ({error}): {INSTALL_HINT}"
        ) from None
    library = Path(espeakng_loader.get_library_path())
    data = Path(espeakng_loader.__file__).parent / "espeak-ng-data"
    missing = [str(path) for path in (library, data) if not path.exists()]
    if missing:
        raise EspeakUnavailable(f"the Python package {ESPEAK_PACKAGE} lacks {', '.join(missing)}: reinstall it; "
                                f"{INSTALL_HINT}")
    return EspeakLibrary(library, data)


def _run_worker(library: EspeakLibrary, command: str, **request: object) -> bytes:
    """Stdout of one :mod:`.espeak_worker` request; RuntimeError with its stderr if it fails."""
    payload = json.dumps({"library": str(library.library), "data": str(library.data), "command": command, **request})
    result = subprocess.run([sys.executable, "-I", "-S", str(WORKER)], input=payload.encode("utf-8"),
                            capture_output=True, check=False)
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0 or not result.stdout:
        raise RuntimeError(f"espeak-ng ({library.library}) {command} {request or ''} failed with exit status "
                           f"{result.returncode}: {stderr or 'no output'}")
    return result.stdout


def espeak_version(library: EspeakLibrary) -> str:
    """The version the espeak-ng library reports, e.g. ``"1.52.0"``."""
    return _run_worker(library, "version").decode("utf-8").strip()


def check_espeak() -> str:
    """What speaks, for the data log: espeak-ng's version and where it comes from. Raises
    :class:`EspeakUnavailable` unless the library runs and is :data:`ESPEAK_NG_VERSION`."""
    library = find_espeak()
    try:
        version = espeak_version(library)
    except RuntimeError as error:
        raise EspeakUnavailable(f"the espeak-ng library of {ESPEAK_PACKAGE} does not run here: {error}") from None
    if version != ESPEAK_NG_VERSION:
        raise EspeakUnavailable(
            f"{library.library} is espeak-ng {version}, but the synthetic speech is made with espeak-ng "
            f"{ESPEAK_NG_VERSION} ({ESPEAK_PACKAGE} {ESPEAK_PACKAGE_VERSION}): {INSTALL_HINT}"
        )
    package = importlib.metadata.version(ESPEAK_PACKAGE)
    return f"espeak-ng {version} (Python package {ESPEAK_PACKAGE} {package}, {library.library})"


def speak(
    text: str,
    voice: str = "en-us+f3",
    pitch: int = 50,
    speed: int = 160,
    amplitude: int = 100,
    sample_rate: int = 16000,
    pitch_range: int = 50,
    word_gap: int = 0,
    seed: int = 0,
) -> np.ndarray:
    """``text`` spoken by espeak-ng as float32 at ``sample_rate``, silence included.

    ``pitch`` (0-99), ``speed`` (words per minute), ``amplitude`` (0-200) and ``word_gap`` (10 ms
    units) are espeak-ng's parameters; ``pitch_range`` (0-100, 50 is the voice's own) goes in as SSML;
    ``seed`` seeds espeak-ng's random generator (the noise of breathy voices). The same arguments give
    the same samples.
    """
    ssml = f'<speak><prosody range="{int(pitch_range)}">{escape(text)}</prosody></speak>'
    parameters = {"pitch": int(pitch), "rate": int(speed), "volume": int(amplitude), "wordgap": int(word_gap)}
    wav = _run_worker(find_espeak(), "speak", ssml=ssml, voice=voice, parameters=parameters, seed=int(seed))
    try:
        waveform, rate = sf.read(io.BytesIO(wav), dtype="float32")
    except sf.SoundFileError as error:
        raise RuntimeError(f"espeak-ng wrote no readable WAV for {text!r} ({error})") from None
    return resample(waveform, int(rate), sample_rate).astype(np.float32)
