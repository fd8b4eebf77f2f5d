"""Each dataset's own conventions, read from its extracted tree into rows.

Every layout function takes the extraction root (the dataset's top folder may sit at the root or up
to two folders below it) and returns a DataFrame with the columns :data:`ROW_COLUMNS`: the absolute
``source_path``, the dataset's own ``label`` string, its ``original_id`` and the ``speaker`` ("" when
the dataset has none). Files the conventions reject (names that do not parse, unknown keys, files a
list names but the tree lacks) are not rows: they are listed in ``frame.attrs["skipped"]`` as
``{"path": ..., "reason": ...}``; ``frame.attrs["root"]`` is the folder the rows were read from.
The generic layouts of a researcher's own data are in :mod:`transferability.data.datasets.generic`.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Sequence

import pandas as pd

ROW_COLUMNS = ("source_path", "label", "original_id", "speaker")
RAVDESS_EMOTIONS = {
    "01": "neutral", "02": "calm", "03": "happy", "04": "sad",
    "05": "angry", "06": "fearful", "07": "disgust", "08": "surprised",
}
ASVSPOOF_PROTOCOLS = {
    "train": "ASVspoof2019.LA.cm.train.trn.txt",
    "dev": "ASVspoof2019.LA.cm.dev.trl.txt",
    "eval": "ASVspoof2019.LA.cm.eval.trl.txt",
}
ASVSPOOF_KEYS = ("bonafide", "spoof")
IN_THE_WILD_COLUMNS = ("file", "speaker", "label")
SEARCH_DEPTH = 3  # the root itself and two folders below it

Row = tuple[str, str, str, str]
Skipped = dict[str, str]


class LayoutError(ValueError):
    """The extracted tree lacks what the dataset's conventions require; the message names the path."""


def find_one(root: Path, names: Sequence[str], want_dir: bool, hint: str) -> Path:
    """The single folder (or file) named one of ``names`` at the root or up to two levels below it."""
    found = sorted(
        path
        for depth in range(SEARCH_DEPTH)
        for name in names
        for path in root.glob("/".join(["*"] * depth + [name]))
        if (path.is_dir() if want_dir else path.is_file())
    )
    if not found:
        raise LayoutError(f"{root}: no {' or '.join(names)} found (expected {hint})")
    if len(found) > 1:
        raise LayoutError(f"{root}: several candidates for {' or '.join(names)}: {[str(path) for path in found]}")
    return found[0]


def rows_frame(
    rows: Sequence[tuple[str, ...]], skipped: list[Skipped], root: Path, dataset: str,
    columns: Sequence[str] = ROW_COLUMNS,
) -> pd.DataFrame:
    """The layout's rows as a frame, with the files it rejected and the folder it read; refuses an empty one."""
    if not rows:
        raise LayoutError(f"{root}: no {dataset} audio files found ({len(skipped)} rejected)")
    frame = pd.DataFrame(list(rows), columns=list(columns))
    frame.attrs["skipped"] = skipped
    frame.attrs["root"] = str(root)
    return frame


def gtzan_rows(root: Path) -> pd.DataFrame:
    """GTZAN: ``genres/<genre>/<genre>.000NN.wav`` (or ``.au``; Kaggle mirrors use ``genres_original``);
    the label is the folder name."""
    root = Path(root)
    base = find_one(root, ("genres", "genres_original"), True, "genres/<genre>/<genre>.000NN.wav")
    rows: list[Row] = []
    skipped: list[Skipped] = []
    for folder in sorted(path for path in base.iterdir() if path.is_dir()):
        genre = folder.name
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in (".wav", ".au"):
                continue
            if re.fullmatch(rf"{re.escape(genre)}\.\d{{5}}\.(wav|au)", path.name, re.IGNORECASE) is None:
                skipped.append({"path": str(path), "reason": f"name is not {genre}.NNNNN.wav"})
                continue
            rows.append((str(path), genre, path.stem, ""))
    return rows_frame(rows, skipped, root, "GTZAN")


def _ravdess_fields(name: str, actor: str) -> tuple[str, str]:
    """(emotion, speaker) from ``03-01-EE-II-SS-RR-AA.wav``; ValueError with the reason otherwise."""
    match = re.fullmatch(r"(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.wav", name, re.IGNORECASE)
    if match is None:
        raise ValueError("name is not MM-VV-EE-II-SS-RR-AA.wav")
    modality, channel, emotion, intensity, statement, repetition, speaker = match.groups()
    if modality != "03" or channel != "01":
        raise ValueError(f"modality {modality}, vocal channel {channel}: not audio-only speech (03-01)")
    if emotion not in RAVDESS_EMOTIONS:
        raise ValueError(f"unknown emotion code {emotion}")
    if not {intensity, statement, repetition} <= {"01", "02"}:
        raise ValueError("intensity, statement and repetition must each be 01 or 02")
    if speaker != actor:
        raise ValueError(f"actor {speaker} in the name, but the file is in Actor_{actor}")
    return RAVDESS_EMOTIONS[emotion], f"Actor_{speaker}"


def ravdess_rows(root: Path) -> pd.DataFrame:
    """RAVDESS speech: ``Actor_XX/03-01-EE-II-SS-RR-AA.wav``; label from EE, speaker ``Actor_AA``."""
    root = Path(root)
    folders = sorted(
        path
        for depth in range(SEARCH_DEPTH)
        for path in root.glob("/".join(["*"] * depth + ["Actor_*"]))
        if path.is_dir() and re.fullmatch(r"Actor_\d\d", path.name)
    )
    if not folders:
        raise LayoutError(f"{root}: no Actor_XX folders found (expected Actor_XX/03-01-EE-II-SS-RR-AA.wav)")
    rows: list[Row] = []
    skipped: list[Skipped] = []
    for folder in folders:
        for path in sorted(path for path in folder.iterdir() if path.is_file()):
            try:
                emotion, speaker = _ravdess_fields(path.name, folder.name[-2:])
            except ValueError as reason:
                skipped.append({"path": str(path), "reason": str(reason)})
                continue
            rows.append((str(path), emotion, path.stem, speaker))
    return rows_frame(rows, skipped, root, "RAVDESS")


def _asvspoof_part(protocol: Path, audio_dir: Path, rows: list[Row], skipped: list[Skipped]) -> None:
    """Rows of one protocol file, lines ``speaker file - system key``; audio ``<audio_dir>/<file>.flac``."""
    for number, line in enumerate(protocol.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{protocol}:{number}"
        fields = line.split()
        if len(fields) != 5:
            skipped.append({"path": where, "reason": "expected 5 fields 'speaker file - system key'"})
            continue
        speaker, file_id, _, _, key = fields
        if key not in ASVSPOOF_KEYS:
            skipped.append({"path": where, "reason": f"key {key!r} is not one of {ASVSPOOF_KEYS}"})
            continue
        path = audio_dir / f"{file_id}.flac"
        if not path.is_file():
            skipped.append({"path": str(path), "reason": f"listed in {protocol.name} but missing"})
            continue
        rows.append((str(path), key, file_id, speaker))


def asvspoof2019_la_rows(root: Path, part: str | Sequence[str] = "eval") -> pd.DataFrame:
    """ASVspoof2019 LA: the CM protocol of each ``part`` (train, dev, eval) with audio
    ``LA/ASVspoof2019_LA_<part>/flac/<file>.flac``; the label is the key (bonafide/spoof)."""
    root = Path(root)
    parts = [part] if isinstance(part, str) else list(part)
    unknown = [name for name in parts if name not in ASVSPOOF_PROTOCOLS]
    if unknown or not parts:
        raise ValueError(f"ASVspoof2019 LA part(s) {unknown or parts}: expected some of {sorted(ASVSPOOF_PROTOCOLS)}")
    protocols = find_one(root, ("ASVspoof2019_LA_cm_protocols",), True, "LA/ASVspoof2019_LA_cm_protocols/")
    rows: list[Row] = []
    skipped: list[Skipped] = []
    for name in parts:
        protocol = protocols / ASVSPOOF_PROTOCOLS[name]
        if not protocol.is_file():
            raise LayoutError(f"{protocol}: protocol file of part {name!r} not found")
        _asvspoof_part(protocol, protocols.parent / f"ASVspoof2019_LA_{name}" / "flac", rows, skipped)
    return rows_frame(rows, skipped, root, "ASVspoof2019 LA")


def in_the_wild_rows(root: Path) -> pd.DataFrame:
    """In-the-Wild: ``release_in_the_wild/meta.csv`` (``file,speaker,label``), audio next to it; the label
    is the dataset's own string (``spoof``/``bona-fide``), mapped to the task's labels later."""
    root = Path(root)
    meta = find_one(root, ("meta.csv",), False, "release_in_the_wild/meta.csv")
    rows: list[Row] = []
    skipped: list[Skipped] = []
    with open(meta, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in IN_THE_WILD_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise LayoutError(f"{meta}: missing column(s) {missing}; expected header {','.join(IN_THE_WILD_COLUMNS)}")
        for number, record in enumerate(reader, start=2):
            name, speaker, label = (str(record[column] or "").strip() for column in IN_THE_WILD_COLUMNS)
            path = meta.parent / name
            if not name or not label:
                skipped.append({"path": f"{meta}:{number}", "reason": "empty file or label"})
            elif not path.is_file():
                skipped.append({"path": str(path), "reason": f"listed in {meta.name} but missing"})
            else:
                rows.append((str(path), label, Path(name).stem, speaker))
    return rows_frame(rows, skipped, root, "In-the-Wild")

