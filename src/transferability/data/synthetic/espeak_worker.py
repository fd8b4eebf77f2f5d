"""One espeak-ng request in a fresh interpreter: :mod:`.espeak` runs this file as a script
(``python -I -S espeak_worker.py``) for every utterance, because the espeak-ng library keeps state
(pitch and echo buffers) from one utterance to the next: in a fresh process the same request gives
the same samples whatever was spoken before. espeak-ng seeds its random generator (breathy voices'
noise) from the clock when it starts; the request's ``seed`` replaces that. Standard library only.

Request (JSON on stdin): ``library`` and ``data`` (paths of libespeak-ng and its espeak-ng-data),
``command``: ``"version"`` (writes the library's version) or ``"speak"`` with ``ssml``, ``voice``,
``parameters`` (espeak-ng parameter name -> value) and ``seed`` (writes a 16-bit mono WAV). Errors
go to stderr with exit status 1.
"""
from __future__ import annotations

import ctypes
import io
import json
import sys
import wave

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
POS_CHARACTER = 1
CHARS_UTF8_SSML = 0x01 | 0x10
PARAMETERS = {"rate": 1, "volume": 2, "pitch": 3, "range": 4, "wordgap": 7}
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def fail(message: str) -> None:
    sys.stderr.write(message + "\n")
    raise SystemExit(1)


def load(library: str, data: str) -> tuple[ctypes.CDLL, int]:
    """The library, initialised for synchronous synthesis from ``data``, and its sample rate."""
    try:
        lib = ctypes.CDLL(library)
    except OSError as error:
        fail(f"cannot load the espeak-ng library {library}: {error}")
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                 ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data.encode(), INITIALIZE_DONT_EXIT)
    if rate <= 0:
        fail(f"espeak-ng could not initialise with its data folder {data} (status {rate})")
    return lib, rate


def speak(lib: ctypes.CDLL, rate: int, ssml: str, voice: str, parameters: dict[str, int], seed: int) -> bytes:
    """``ssml`` spoken by ``voice`` with espeak-ng's random generator seeded with ``seed``: a 16-bit mono WAV file's bytes."""
    chunks: list[bytes] = []

    def collect(samples, count, events):  # noqa: ANN001 - ctypes callback
        if count > 0 and samples:
            chunks.append(ctypes.string_at(samples, 2 * count))
        return 0

    callback = CALLBACK(collect)
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_ng_SetRandSeed(ctypes.c_long(seed))
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        fail(f"espeak-ng voice {voice!r} does not exist")
    for name, value in parameters.items():
        if name not in PARAMETERS:
            fail(f"unknown espeak-ng parameter {name!r}; expected one of {sorted(PARAMETERS)}")
        lib.espeak_SetParameter(PARAMETERS[name], int(value), 0)
    text = ssml.encode("utf-8") + b"\0"
    status = lib.espeak_Synth(text, len(text), 0, POS_CHARACTER, 0, CHARS_UTF8_SSML, None, None)
    if status != 0 or lib.espeak_Synchronize() != 0:
        fail(f"espeak-ng failed to speak {ssml!r} (status {status})")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(chunks))
    return buffer.getvalue()


def main() -> None:
    request = json.load(sys.stdin)
    lib, rate = load(request["library"], request["data"])
    if request["command"] == "version":
        sys.stdout.write(lib.espeak_Info(None).decode())
    elif request["command"] == "speak":
        sys.stdout.buffer.write(speak(lib, rate, request["ssml"], request["voice"], request["parameters"],
                                         int(request["seed"])))
    else:
        fail(f"unknown command {request['command']!r}")


if __name__ == "__main__":
    main()
