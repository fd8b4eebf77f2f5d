"""Extraction of .zip and .tar(.gz/.bz2/.xz) archives that refuses members escaping the target folder.

The format is read from the file's content, not its name (the workflow stores downloads as
``<dataset>.download``). Every member is checked before anything is written: absolute names, names
with ``..`` leading out of the target, links pointing outside it and special files are refused. A
marker file written last lets a rerun skip an archive already extracted.
"""
from __future__ import annotations

import json
import os
import tarfile
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Callable, Iterator

Log = Callable[[str], None]
MARKER = ".extracted.json"
PROGRESS_LINES = 20


class UnsafeArchiveError(ValueError):
    """An archive member would be written (or link) outside the target folder."""


def extract(archive: Path, target: Path, log: Log = print) -> list[Path]:
    """Extract ``archive`` into ``target`` and return the extracted files (sorted; folders and links excluded)."""
    archive, target = Path(archive), Path(target)
    marker = target / MARKER
    previous = _read_marker(marker, archive)
    if previous is not None:
        log(f"{archive}: already extracted into {target}")
        return previous
    target.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        names = _extract_zip(archive, target, log)
    elif tarfile.is_tarfile(archive):
        names = _extract_tar(archive, target, log)
    else:
        raise ValueError(f"archive {str(archive)!r}: neither a zip nor a tar file")
    files = sorted(target / name for name in names)
    marker.write_text(json.dumps({"archive": archive.name, "bytes": archive.stat().st_size,
                                  "files": [path.relative_to(target).as_posix() for path in files]}))
    log(f"{archive}: extracted {len(files)} files into {target}")
    return files


def _read_marker(marker: Path, archive: Path) -> list[Path] | None:
    """The files recorded by an earlier extraction of this same archive (name and size), else None."""
    if not marker.is_file():
        return None
    record = json.loads(marker.read_text())
    if record.get("archive") != archive.name or record.get("bytes") != archive.stat().st_size:
        return None
    return [marker.parent / name for name in record["files"]]


def _inside(target: Path, relative: str) -> bool:
    """Whether ``relative`` (an archive name or link target, joined to ``target``) stays within ``target``."""
    if PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).anchor:
        return False
    root = os.path.abspath(target)
    joined = os.path.normpath(os.path.join(root, relative))
    return joined == root or joined.startswith(root + os.sep)


def _refuse(archive: Path, member: str, why: str) -> UnsafeArchiveError:
    return UnsafeArchiveError(f"archive {str(archive)!r}: member {member!r} {why}; nothing was extracted")


def _extract_zip(archive: Path, target: Path, log: Log) -> list[str]:
    with zipfile.ZipFile(archive) as handle:
        members = handle.infolist()
        for member in members:
            if not _inside(target, member.filename):
                raise _refuse(archive, member.filename, f"would be written outside {target}")
        for done, member in enumerate(members, start=1):
            handle.extract(member, target)
            _progress(archive, done, len(members), log)
    return [member.filename for member in members if not member.is_dir()]


def _extract_tar(archive: Path, target: Path, log: Log) -> list[str]:
    with tarfile.open(archive, "r:*") as handle:
        members = handle.getmembers()
        for member in members:
            _check_tar_member(archive, target, member)
        try:  # the "data" filter re-checks every member against the files already on disk
            handle.extractall(target, members=_logged(members, archive, log), filter="data")
        except tarfile.FilterError as error:
            raise UnsafeArchiveError(f"archive {str(archive)!r}: {error}") from None
    return [member.name for member in members if member.isfile()]


def _progress(archive: Path, done: int, total: int, log: Log) -> None:
    """A line every ~5 % of the members."""
    if done == total or done % max(1, total // PROGRESS_LINES) == 0:
        log(f"{archive.name}: {done} of {total} members extracted ({100 * done / total:.0f}%)")


def _logged(members: list[tarfile.TarInfo], archive: Path, log: Log) -> Iterator[tarfile.TarInfo]:
    """``members`` in order, with a progress line every ~5 % (extractall takes them one by one)."""
    for done, member in enumerate(members, start=1):
        yield member
        _progress(archive, done, len(members), log)


def _check_tar_member(archive: Path, target: Path, member: tarfile.TarInfo) -> None:
    if not _inside(target, member.name):
        raise _refuse(archive, member.name, f"would be written outside {target}")
    if member.issym():
        if not _inside(target, os.path.join(os.path.dirname(member.name), member.linkname)):
            raise _refuse(archive, member.name, f"is a symlink to {member.linkname!r}, outside {target}")
    elif member.islnk():
        if not _inside(target, member.linkname):
            raise _refuse(archive, member.name, f"is a hard link to {member.linkname!r}, outside {target}")
    elif not (member.isfile() or member.isdir()):
        raise _refuse(archive, member.name, "is a device, fifo or other special file")
