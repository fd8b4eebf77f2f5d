"""Resumable HTTP(S) downloads with progress lines and checksum verification (urllib only).

A transfer is written to ``<destination>.part``; a rerun after an interrupted transfer asks the
server for the remaining bytes (``Range``) and appends them when the server answers 206, or starts
again from byte 0 when it answers 200. Only a verified file is renamed to ``destination``; one
whose checksum does not match is kept as ``<destination>.bad`` so that a rerun downloads afresh.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import BinaryIO, Callable

Log = Callable[[str], None]
DIGEST_LENGTHS = {"sha256": 64, "md5": 32}
CHUNK_BYTES = 1 << 20
PROGRESS_LINES = 20
USER_AGENT = "transferability-dataset-downloader"


class DownloadError(RuntimeError):
    """A transfer failed or stopped early; the message names the url and the bytes received."""


class ChecksumError(ValueError):
    """A downloaded file's checksum differs from the configured one; the message names the file and both."""


def parse_checksum(spec: str) -> tuple[str, str]:
    """``"sha256:<hex>"`` or ``"md5:<hex>"`` as ``(algorithm, lowercase hex digest)``."""
    match = re.fullmatch(r"(sha256|md5):([0-9a-fA-F]+)", spec.strip())
    if match is None or len(match.group(2)) != DIGEST_LENGTHS[match.group(1)]:
        raise ValueError(f"checksum {spec!r}: expected 'sha256:<64 hex digits>' or 'md5:<32 hex digits>'")
    return match.group(1), match.group(2).lower()


def file_checksum(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    url: str, destination: Path, checksum: str | None, log: Log = print, timeout: float = 60.0
) -> Path:
    """Download ``url`` to ``destination`` (resuming a ``.part`` left by an earlier try) and verify it.

    ``checksum`` is ``"sha256:<hex>"``, ``"md5:<hex>"`` or None (then the sha256 is logged to pin it).
    An existing ``destination`` is kept when it matches ``checksum`` (or when there is none to check).
    ``timeout`` is the socket timeout in seconds for connecting and for each read.
    """
    expected = parse_checksum(checksum) if checksum is not None else None
    destination = Path(destination)
    if destination.is_file():
        if expected is None or file_checksum(destination, expected[0]) == expected[1]:
            log(f"{destination}: already downloaded, not fetched again")
            return destination
        bad = _sibling(destination, ".bad")
        os.replace(destination, bad)
        log(f"{destination}: does not match {checksum}; moved to {bad.name} and downloading afresh")
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = _sibling(destination, ".part")
    _fetch(url, part, log, timeout)
    _verify(part, destination, expected, log)
    os.replace(part, destination)
    return destination


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _fetch(url: str, part: Path, log: Log, timeout: float) -> None:
    """Bring ``part`` to the full length of ``url``'s content, resuming when the server allows it."""
    offset = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": USER_AGENT, **({"Range": f"bytes={offset}-"} if offset else {})}
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset and _content_range(error.headers) == (None, offset):
            log(f"{part.name}: all {offset} bytes already received")
            return
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        raise DownloadError(f"{url}: cannot connect ({getattr(error, 'reason', error)})") from None
    with response:
        if offset and response.status == 206:
            start, _ = _content_range(response.headers)
            if start != offset:
                response.close()
                part.unlink()
                log(f"{url}: server answered a range from byte {start}, not {offset}; starting again")
                return _fetch(url, part, log, timeout)
            log(f"{url}: resuming at byte {offset}")
        elif offset:
            log(f"{url}: server ignored the range request; starting again from byte 0")
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        with open(part, "ab" if offset else "wb") as handle:
            received = _copy(response, handle, url, _Progress(part.name, offset, total, log))
    if total is not None and received < total:
        raise DownloadError(
            f"{url}: connection closed after {received} of {total} bytes; {part} is kept, a rerun resumes it"
        )


def _content_range(headers: Message) -> tuple[int | None, int | None]:
    """(first byte, complete length) from ``Content-Range: bytes <first>-<last>/<length>`` or ``bytes */<length>``."""
    match = re.fullmatch(r"bytes (?:(\d+)-\d+|\*)/(\d+|\*)", (headers.get("Content-Range") or "").strip())
    if match is None:
        return None, None
    first, length = match.groups()
    return (int(first) if first else None), (int(length) if length != "*" else None)


def _copy(response: http.client.HTTPResponse, handle: BinaryIO, url: str, progress: _Progress) -> int:
    """Append the response body to ``handle``; the total bytes in the file afterwards."""
    received = progress.received
    try:
        for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
            handle.write(chunk)
            received += len(chunk)
            progress.update(received)
    except (OSError, http.client.HTTPException) as error:
        handle.flush()
        raise DownloadError(
            f"{url}: transfer failed after {received} bytes ({error}); {handle.name} is kept, a rerun resumes it"
        ) from None
    progress.finish(received)
    return received


def _verify(part: Path, destination: Path, expected: tuple[str, str] | None, log: Log) -> None:
    """Check ``part`` against ``expected``; a mismatch is moved to ``<destination>.bad`` and raised."""
    algorithm = expected[0] if expected else "sha256"
    actual = file_checksum(part, algorithm)
    if expected is None:
        log(f"{destination.name}: {algorithm}:{actual} (no checksum configured; pin this one)")
        return
    if actual != expected[1]:
        bad = _sibling(destination, ".bad")
        os.replace(part, bad)
        raise ChecksumError(
            f"{destination}: checksum mismatch: expected {algorithm}:{expected[1]}, got {algorithm}:{actual}"
            f" (kept as {bad.name}; a rerun downloads afresh)"
        )
    log(f"{destination.name}: {algorithm}:{actual} verified")


def _size(n_bytes: int) -> str:
    return f"{n_bytes / (1 << 20):.1f} MiB"


class _Progress:
    """At most ~``PROGRESS_LINES`` lines per file: every 5 % when the length is known, else at doubling sizes."""

    def __init__(self, name: str, received: int, total: int | None, log: Log) -> None:
        self.name, self.received, self.total, self.log = name, received, total, log
        self.step = max(1, total // PROGRESS_LINES) if total else 0
        self.next = (received // self.step + 1) * self.step if total else max(CHUNK_BYTES, 2 * received)

    def update(self, received: int) -> None:
        self.received = received
        if received < self.next:
            return
        if self.total:
            self.log(f"{self.name}: {_size(received)} of {_size(self.total)} ({100 * received / self.total:.0f}%)")
            self.next = (received // self.step + 1) * self.step
        else:
            self.log(f"{self.name}: {_size(received)} (length unknown)")
            self.next = 2 * received

    def finish(self, received: int) -> None:
        self.log(f"{self.name}: received {received} bytes")
