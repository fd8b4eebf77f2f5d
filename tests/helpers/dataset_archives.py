"""Tiny copies of the real datasets' layouts, their archives, and a local HTTP server that serves them.

The server answers ``Range: bytes=N-`` with 206 (``SimpleHTTPRequestHandler`` does not), can be told
to ignore ranges, and can cut a transfer after some bytes once, to simulate a dropped connection.
"""
from __future__ import annotations

import csv
import re
import tarfile
import threading
import zipfile
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile as sf

CLIP_SECONDS = 0.3
GTZAN_RATE, RAVDESS_RATE, ASVSPOOF_RATE, WILD_RATE = 22050, 48000, 16000, 44100


def clip(seed: int, sample_rate: int, channels: int = 1) -> np.ndarray:
    """A short non-silent clip: a tone plus a little noise, shape (samples,) or (samples, channels)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(CLIP_SECONDS * sample_rate)) / sample_rate
    mono = 0.3 * np.sin(2 * np.pi * rng.uniform(200, 800) * t) + 0.02 * rng.standard_normal(t.size)
    return (mono if channels == 1 else np.stack([mono] * channels, axis=1)).astype(np.float32)


def write_clip(path: Path, seed: int, sample_rate: int, channels: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, clip(seed, sample_rate, channels), sample_rate, subtype="PCM_16")
    return path


def write_gtzan(root: Path, genres: tuple[str, ...] = ("blues", "jazz", "rock"), per_genre: int = 4) -> Path:
    """``genres/<genre>/<genre>.000NN.wav`` at 22.05 kHz, the marsyas ``.mf`` lists, and a corrupt
    ``jazz.00054.wav`` (like the real one) in place of jazz's last clip."""
    base = root / "genres"
    for g, genre in enumerate(genres):
        for index in range(per_genre):
            name = f"{genre}.{index:05d}.wav"
            write_clip(base / genre / name, 100 * g + index, GTZAN_RATE)
    corrupt = base / "jazz" / f"jazz.{per_genre - 1:05d}.wav"
    corrupt.unlink()
    (base / "jazz" / "jazz.00054.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    (base / "input.mf").write_text("genres/blues/blues.00000.wav\tblues\n")
    return root


RAVDESS_FILES = {  # actor -> (emotion, intensity) pairs
    1: [("01", "01"), ("03", "01"), ("03", "02"), ("05", "02")],
    2: [("01", "01"), ("03", "02"), ("05", "01"), ("05", "02")],
}


def write_ravdess(root: Path) -> Path:
    """``Actor_XX/03-01-EE-II-01-01-XX.wav`` at 48 kHz, plus names the layout must reject."""
    for actor, files in RAVDESS_FILES.items():
        for n, (emotion, intensity) in enumerate(files):
            name = f"03-01-{emotion}-{intensity}-01-01-{actor:02d}.wav"
            write_clip(root / f"Actor_{actor:02d}" / name, 10 * actor + n, RAVDESS_RATE)
    write_clip(root / "Actor_01" / "03-01-09-01-01-01-01.wav", 90, RAVDESS_RATE)  # no emotion 09
    write_clip(root / "Actor_01" / "03-02-03-01-01-01-01.wav", 91, RAVDESS_RATE)  # song, not speech
    write_clip(root / "Actor_02" / "03-01-04-01-01-01-01.wav", 92, RAVDESS_RATE)  # actor 01 in Actor_02
    write_clip(root / "Actor_02" / "notes.wav", 93, RAVDESS_RATE)
    return root


ASVSPOOF_EVAL = [  # speaker, file, system, key
    ("LA_0039", "LA_E_2834763", "A11", "spoof"),
    ("LA_0014", "LA_E_8877452", "-", "bonafide"),
    ("LA_0040", "LA_E_6828287", "A17", "spoof"),
    ("LA_0012", "LA_E_1000147", "-", "bonafide"),
    ("LA_0039", "LA_E_3000001", "A19", "spoof"),
    ("LA_0014", "LA_E_3000002", "-", "bonafide"),
]
ASVSPOOF_TRAIN = [("LA_0079", "LA_T_1138215", "-", "bonafide"), ("LA_0079", "LA_T_1271820", "A01", "spoof")]


def write_asvspoof(root: Path) -> Path:
    """``LA/ASVspoof2019_LA_cm_protocols/*.txt`` and ``LA/ASVspoof2019_LA_<part>/flac/*.flac`` at 16 kHz;
    the eval protocol also lists one missing file and one line with an unknown key."""
    la = root / "LA"
    protocols = la / "ASVspoof2019_LA_cm_protocols"
    protocols.mkdir(parents=True)
    for part, name, lines in (("eval", "ASVspoof2019.LA.cm.eval.trl.txt", ASVSPOOF_EVAL),
                              ("train", "ASVspoof2019.LA.cm.train.trn.txt", ASVSPOOF_TRAIN)):
        for n, (_, file_id, _, _) in enumerate(lines):
            write_clip(la / f"ASVspoof2019_LA_{part}" / "flac" / f"{file_id}.flac", 300 + n, ASVSPOOF_RATE)
        text = [f"{speaker} {file_id} - {system} {key}" for speaker, file_id, system, key in lines]
        if part == "eval":
            text += ["LA_0012 LA_E_9999999 - - bonafide", "LA_0012 LA_E_1000147 - - maybe"]
        (protocols / name).write_text("\n".join(text) + "\n")
    return root


IN_THE_WILD = [("0.wav", "Alec Guinness", "spoof"), ("1.wav", "Alec Guinness", "bona-fide"),
               ("2.wav", "Barack Obama", "spoof"), ("3.wav", "Barack Obama", "bona-fide"),
               ("4.wav", "Ayn Rand", "spoof"), ("5.wav", "Ayn Rand", "bona-fide")]


def write_in_the_wild(root: Path) -> Path:
    """``release_in_the_wild/meta.csv`` (file,speaker,label) and the clips next to it (one stereo)."""
    base = root / "release_in_the_wild"
    for n, (name, _, _) in enumerate(IN_THE_WILD):
        write_clip(base / name, 400 + n, WILD_RATE, channels=2 if n == 0 else 1)
    with open(base / "meta.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "speaker", "label"])
        writer.writerows(IN_THE_WILD)
    return root


def zip_folder(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(folder.rglob("*")):
            handle.write(path, path.relative_to(folder).as_posix())
    return archive


def tar_folder(folder: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as handle:
        for path in sorted(folder.iterdir()):
            handle.add(path, path.name)
    return archive


class ArchiveServer(ThreadingHTTPServer):
    """Serves ``files[name]`` at ``/name``; records (name, Range header) of every request."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RangeHandler)
        self.files: dict[str, bytes] = {}
        self.cut_after: dict[str, int] = {}  # name -> bytes sent before the connection is dropped (once)
        self.ignore_range: set[str] = set()
        self.requests: list[tuple[str, str | None]] = []

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{name}"


class RangeHandler(BaseHTTPRequestHandler):
    server: ArchiveServer

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        name = self.path.lstrip("/")
        range_header = self.headers.get("Range")
        self.server.requests.append((name, range_header))
        body = self.server.files.get(name)
        if body is None:
            self.send_error(404)
            return
        start = 0
        if range_header and name not in self.server.ignore_range:
            start = int(re.fullmatch(r"bytes=(\d+)-", range_header).group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        cut = self.server.cut_after.pop(name, None)
        self.wfile.write(payload if cut is None else payload[:cut])

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving() -> Iterator[ArchiveServer]:
    """An :class:`ArchiveServer` on 127.0.0.1 (a free port) in a background thread."""
    server = ArchiveServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
