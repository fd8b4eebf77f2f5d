"""Real-dataset side: resumable checked downloads, safe extraction, each dataset's layout, seeded sampling."""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from tests.helpers.dataset_archives import (
    ASVSPOOF_EVAL,
    IN_THE_WILD,
    serving,
    tar_folder,
    write_asvspoof,
    write_gtzan,
    write_in_the_wild,
    write_ravdess,
    zip_folder,
)
from transferability.data.datasets import (
    LAYOUTS,
    ChecksumError,
    DownloadError,
    LayoutError,
    UnsafeArchiveError,
    asvspoof2019_la_rows,
    combine_manifest_files,
    combine_manifests,
    download,
    extract,
    gtzan_rows,
    in_the_wild_rows,
    parse_checksum,
    ravdess_rows,
    sample_dataset,
)
from transferability.data.manifest import ManifestError, read_manifest, write_manifest

PAYLOAD = np.random.default_rng(0).integers(0, 256, 3_500_000, dtype=np.uint8).tobytes()
SHA256 = "sha256:" + hashlib.sha256(PAYLOAD).hexdigest()
MD5 = "md5:" + hashlib.md5(PAYLOAD).hexdigest()
WRONG = "sha256:" + "0" * 64


@pytest.fixture()
def server():
    with serving() as running:
        running.files["archive.zip"] = PAYLOAD
        yield running


# --- download ---------------------------------------------------------------------------------


@pytest.mark.parametrize("checksum", [SHA256, MD5], ids=["sha256", "md5"])
def test_download_verifies_and_does_not_fetch_a_complete_file_again(server, tmp_path, checksum):
    lines: list[str] = []
    destination = download(server.url("archive.zip"), tmp_path / "archive.zip", checksum, lines.append)
    assert destination.read_bytes() == PAYLOAD
    assert not (tmp_path / "archive.zip.part").exists()
    assert any("100%" in line for line in lines) and any("verified" in line for line in lines)
    assert len(lines) <= 25
    download(server.url("archive.zip"), destination, checksum, lines.append)
    assert len(server.requests) == 1


def test_download_without_checksum_logs_the_sha256_to_pin(server, tmp_path):
    lines: list[str] = []
    download(server.url("archive.zip"), tmp_path / "a.download", None, lines.append)
    assert any(SHA256 in line for line in lines)


def test_wrong_checksum_names_the_file_and_both_sums_and_a_rerun_starts_afresh(server, tmp_path):
    destination = tmp_path / "archive.zip"
    with pytest.raises(ChecksumError) as caught:
        download(server.url("archive.zip"), destination, WRONG, print)
    message = str(caught.value)
    assert str(destination) in message and WRONG in message and SHA256 in message
    assert not destination.exists() and not (tmp_path / "archive.zip.part").exists()
    assert (tmp_path / "archive.zip.bad").stat().st_size == len(PAYLOAD)
    download(server.url("archive.zip"), destination, SHA256, print)
    assert server.requests[-1] == ("archive.zip", None)
    assert destination.read_bytes() == PAYLOAD


def test_truncated_download_raises_and_a_rerun_resumes_with_range(server, tmp_path):
    server.cut_after["archive.zip"] = 1_000_000
    destination = tmp_path / "archive.zip"
    url = server.url("archive.zip")
    with pytest.raises(DownloadError) as caught:
        download(url, destination, SHA256, print)
    assert url in str(caught.value) and "1000000" in str(caught.value)
    assert (tmp_path / "archive.zip.part").stat().st_size == 1_000_000
    lines: list[str] = []
    download(url, destination, SHA256, lines.append)
    assert server.requests[-1] == ("archive.zip", "bytes=1000000-")
    assert destination.read_bytes() == PAYLOAD
    assert any("resuming at byte 1000000" in line for line in lines)


def test_a_server_ignoring_range_restarts_from_zero(server, tmp_path):
    server.ignore_range.add("archive.zip")
    (tmp_path / "archive.zip.part").write_bytes(b"stale bytes from another file")
    download(server.url("archive.zip"), tmp_path / "archive.zip", SHA256, print)
    assert server.requests[-1][1] is not None
    assert (tmp_path / "archive.zip").read_bytes() == PAYLOAD


def test_a_complete_part_is_verified_without_refetching(server, tmp_path):
    (tmp_path / "archive.zip.part").write_bytes(PAYLOAD)
    download(server.url("archive.zip"), tmp_path / "archive.zip", SHA256, print)
    assert (tmp_path / "archive.zip").read_bytes() == PAYLOAD


def test_missing_file_and_bad_checksum_format(server, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        download(server.url("nothing.zip"), tmp_path / "nothing.zip", None, print)
    for spec in ("sha1:" + "0" * 40, "md5:xyz", "sha256:abc", "0" * 64):
        with pytest.raises(ValueError, match="checksum"):
            parse_checksum(spec)
    assert parse_checksum("md5:" + "AB" * 16) == ("md5", "ab" * 16)


# --- extraction -------------------------------------------------------------------------------


@pytest.mark.parametrize("pack", [zip_folder, tar_folder])
def test_extract_by_content_and_skip_on_rerun(tmp_path, pack):
    source = write_in_the_wild(tmp_path / "source")
    archive = pack(source, tmp_path / "in_the_wild.download")  # the workflow's name: no archive suffix
    files = extract(archive, tmp_path / "raw", print)
    assert [path.name for path in files] == sorted(["meta.csv", *(name for name, _, _ in IN_THE_WILD)])
    assert all(path.is_file() for path in files)
    (tmp_path / "raw" / "release_in_the_wild" / "0.wav").unlink()
    lines: list[str] = []
    assert extract(archive, tmp_path / "raw", lines.append) == files
    assert "already extracted" in lines[0] and not (tmp_path / "raw" / "release_in_the_wild" / "0.wav").exists()


def _zip_with(archive: Path, member: str) -> Path:
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("ok.wav", b"fine")
        handle.writestr(member, b"evil")
    return archive


def _tar_with(archive: Path, member: tarfile.TarInfo) -> Path:
    with tarfile.open(archive, "w:gz") as handle:
        ok = tarfile.TarInfo("ok.wav")
        ok.size = 4
        handle.addfile(ok, io.BytesIO(b"fine"))
        handle.addfile(member, io.BytesIO(b"evil") if member.isfile() else None)
    return archive


def _tar_member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = 4 if kind == tarfile.REGTYPE else 0
    return info


@pytest.mark.parametrize("case", ["zip-dotdot", "zip-absolute", "tar-absolute", "tar-dotdot", "tar-symlink",
                                  "tar-absolute-symlink", "tar-hardlink", "tar-fifo"])
def test_extract_refuses_members_escaping_the_target(tmp_path, case):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "work" / "raw"
    members = {
        "zip-dotdot": "../evil.wav",
        "zip-absolute": f"{outside}/evil.wav",
        "tar-absolute": _tar_member(f"{outside}/evil.wav"),
        "tar-dotdot": _tar_member("sub/../../evil.wav"),
        "tar-symlink": _tar_member("link", tarfile.SYMTYPE, "../../outside"),
        "tar-absolute-symlink": _tar_member("link", tarfile.SYMTYPE, str(outside)),
        "tar-hardlink": _tar_member("hard", tarfile.LNKTYPE, "../outside/secret"),
        "tar-fifo": _tar_member("pipe", tarfile.FIFOTYPE),
    }
    member = members[case]
    if isinstance(member, str):
        archive = _zip_with(tmp_path / "evil.zip", member)
    else:
        archive = _tar_with(tmp_path / "evil.tar.gz", member)
    with pytest.raises(UnsafeArchiveError) as caught:
        extract(archive, target, print)
    name = member if isinstance(member, str) else member.name
    assert str(archive) in str(caught.value) and repr(name) in str(caught.value)
    assert list(outside.iterdir()) == []
    assert sorted(path.name for path in (tmp_path / "work").rglob("*")) == ["raw"]
    assert not (tmp_path / "evil.wav").exists()


# --- layouts ----------------------------------------------------------------------------------


def _labels(frame: pd.DataFrame) -> dict[str, str]:
    return dict(zip(frame["original_id"], frame["label"]))


def test_gtzan_layout_labels_from_folders_including_the_kaggle_name(tmp_path):
    frame = gtzan_rows(write_gtzan(tmp_path / "a"))
    assert sorted(frame["label"].value_counts().items()) == [("blues", 4), ("jazz", 4), ("rock", 4)]
    assert _labels(frame)["jazz.00054"] == "jazz" and set(frame["speaker"]) == {""}
    (tmp_path / "a" / "genres").rename(tmp_path / "a" / "genres_original")
    assert len(gtzan_rows(tmp_path / "a")) == 12
    with pytest.raises(LayoutError, match="genres"):
        gtzan_rows(tmp_path / "empty")


def test_ravdess_layout_reads_emotion_codes_and_rejects_other_names(tmp_path):
    frame = ravdess_rows(write_ravdess(tmp_path))
    labels = _labels(frame)
    assert labels["03-01-01-01-01-01-01"] == "neutral"
    assert labels["03-01-03-02-01-01-02"] == "happy"
    assert labels["03-01-05-02-01-01-01"] == "angry"
    assert sorted(frame["label"].value_counts().items()) == [("angry", 3), ("happy", 3), ("neutral", 2)]
    assert set(frame["speaker"]) == {"Actor_01", "Actor_02"}
    skipped = {Path(entry["path"]).name: entry["reason"] for entry in frame.attrs["skipped"]}
    assert set(skipped) == {"03-01-09-01-01-01-01.wav", "03-02-03-01-01-01-01.wav", "03-01-04-01-01-01-01.wav", "notes.wav"}
    assert "emotion code 09" in skipped["03-01-09-01-01-01-01.wav"] and "song" not in skipped["notes.wav"]


def test_asvspoof_layout_reads_protocol_keys_per_part(tmp_path):
    write_asvspoof(tmp_path)
    frame = asvspoof2019_la_rows(tmp_path)
    assert _labels(frame) == {file_id: key for _, file_id, _, key in ASVSPOOF_EVAL}
    assert frame["source_path"].str.endswith(".flac").all() and "LA_0039" in set(frame["speaker"])
    reasons = " ".join(entry["reason"] for entry in frame.attrs["skipped"])
    assert "missing" in reasons and "'maybe'" in reasons
    both = asvspoof2019_la_rows(tmp_path, part=["train", "eval"])
    assert len(both) == len(frame) + 2 and _labels(both)["LA_T_1271820"] == "spoof"
    with pytest.raises(ValueError, match="dev2"):
        asvspoof2019_la_rows(tmp_path, part="dev2")
    with pytest.raises(LayoutError, match="ASVspoof2019.LA.cm.dev.trl.txt"):
        asvspoof2019_la_rows(tmp_path, part="dev")


def test_in_the_wild_layout_keeps_the_dataset_labels(tmp_path):
    frame = in_the_wild_rows(write_in_the_wild(tmp_path))
    assert _labels(frame) == {Path(name).stem: label for name, _, label in IN_THE_WILD}
    assert "Barack Obama" in set(frame["speaker"])
    (tmp_path / "release_in_the_wild" / "meta.csv").write_text("path,label\n0.wav,spoof\n")
    with pytest.raises(LayoutError, match="meta.csv.*speaker"):
        in_the_wild_rows(tmp_path)


# --- prepare ----------------------------------------------------------------------------------


def test_prepare_converts_to_16k_mono_and_reports_the_corrupt_gtzan_file(tmp_path):
    rows = gtzan_rows(write_gtzan(tmp_path / "raw"))
    lines: list[str] = []
    manifest, report = sample_dataset(rows, "gtzan", "genre", tmp_path / "out", {"explain": 2, "heldout": 2}, seed=0,
                                       labels=["blues", "jazz", "rock"], log=lines.append)
    assert [entry["path"].endswith("jazz.00054.wav") for entry in report["skipped"]] == [True]
    assert "unreadable or corrupt" in report["skipped"][0]["reason"]
    assert report["counts"]["blues"] == {"explain": 2, "heldout": 2, "train": 0}
    assert report["counts"]["jazz"] == {"explain": 2, "heldout": 1, "train": 0}
    assert report["shortfalls"] == [{"label": "jazz", "split": "heldout", "requested": 2, "taken": 1}]
    assert any("warning" in line and "jazz" in line for line in lines)
    assert report["seed"] == 0 and report["crop"].startswith("none")
    assert "jazz.00054" not in set(manifest["original_id"])
    for item in manifest.itertuples():
        assert item.path == f"gtzan/{item.label}/{item.item_id}.wav"
        info = sf.info(tmp_path / "out" / item.path)
        assert (info.samplerate, info.channels) == (16000, 1)
        assert item.duration == pytest.approx(0.3, abs=1e-3)
    write_manifest(manifest, tmp_path / "out" / "gtzan.manifest.csv")
    assert len(read_manifest(tmp_path / "out" / "gtzan.manifest.csv")) == 11


def _sampled(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(zip(frame["item_id"], frame["split"]))


def test_sampling_is_seeded_and_independent_of_row_order(tmp_path):
    rows = gtzan_rows(write_gtzan(tmp_path / "raw", per_genre=6))
    counts = {"explain": 2, "heldout": 2}
    first, _ = sample_dataset(rows, "gtzan", "genre", tmp_path / "a", counts, seed=3, log=print)
    shuffled = rows.sample(frac=1.0, random_state=1).reset_index(drop=True)
    shuffled.attrs = rows.attrs
    again, _ = sample_dataset(shuffled, "gtzan", "genre", tmp_path / "b", counts, seed=3, log=print)
    other, _ = sample_dataset(rows, "gtzan", "genre", tmp_path / "c", counts, seed=4, log=print)
    assert _sampled(first) == _sampled(again) and _sampled(first) != _sampled(other)
    fewer_classes = rows[rows["label"] != "rock"]
    blues_only, _ = sample_dataset(fewer_classes, "gtzan", "genre", tmp_path / "d", counts, seed=3, log=print)
    assert _sampled(blues_only) == [pair for pair in _sampled(first) if "-rock." not in pair[0]]


def test_prepare_maps_labels_crops_skips_silent_or_nan_clips_and_never_fails_on_few_items(tmp_path):
    base = write_in_the_wild(tmp_path / "raw") / "release_in_the_wild"
    sf.write(base / "6.wav", np.zeros(4800, np.float32), 16000)
    sf.write(base / "7.wav", np.full(4800, np.nan, np.float32), 16000, subtype="FLOAT")
    with open(base / "meta.csv", "a") as handle:
        handle.write("6.wav,Nobody,spoof\n7.wav,Nobody,spoof\n")
    rows = in_the_wild_rows(tmp_path / "raw")
    label_map = {"bona-fide": "bonafide", "spoof": "spoof"}
    manifest, report = sample_dataset(rows, "in_the_wild", "spoof", tmp_path / "out", {"explain": 1, "heldout": 5},
                                       seed=0, label_map=label_map, labels=["bonafide", "spoof"], max_seconds=0.1,
                                       log=print)
    assert set(manifest["label"]) == {"bonafide", "spoof"}
    assert manifest.groupby(["label", "split"]).size().to_dict() == {
        ("bonafide", "explain"): 1, ("bonafide", "heldout"): 2, ("spoof", "explain"): 1, ("spoof", "heldout"): 2}
    assert (manifest["duration"] == 0.1).all() and report["max_seconds"] == 0.1
    assert len(report["shortfalls"]) == 2
    reasons = {Path(entry["path"]).name: entry["reason"] for entry in report["skipped"]}
    assert "silent" in reasons["6.wav"] and "NaN" in reasons["7.wav"]
    assert json.loads(json.dumps(report)) == report
    partial, report = sample_dataset(rows, "in_the_wild", "spoof", tmp_path / "x", {"explain": 1}, seed=0,
                                     label_map={"spoof": "spoof"}, labels=["bonafide", "spoof"], log=print)
    assert set(partial["label"]) == {"spoof"} and report["excluded_labels"] == {"bona-fide": 3}
    assert {e["reason"] for e in report["skipped"] if e["stage"] == "labels"} == {
        "label 'bona-fide' is not one of the task's labels ['bonafide', 'spoof']"}


def test_combine_manifests_rebases_paths_and_refuses_duplicate_ids(tmp_path):
    write_asvspoof(tmp_path / "raw_la")
    write_in_the_wild(tmp_path / "raw_wild")
    counts = {"explain": 1, "heldout": 1}
    paths = []
    for dataset, rows, label_map in (("asvspoof2019_la", asvspoof2019_la_rows(tmp_path / "raw_la"), None),
                                     ("in_the_wild", in_the_wild_rows(tmp_path / "raw_wild"),
                                      {"bona-fide": "bonafide", "spoof": "spoof"})):
        manifest, _ = sample_dataset(rows, dataset, "spoof", tmp_path / dataset, counts, seed=0, label_map=label_map,
                                      log=print)
        paths.append(write_manifest(manifest, tmp_path / dataset / f"{dataset}.manifest.csv"))
    combined = combine_manifest_files(paths, tmp_path / "task" / "manifest.csv")
    assert len(combined) == 8 and set(combined["dataset"]) == {"asvspoof2019_la", "in_the_wild"}
    assert all((tmp_path / "task" / path).is_file() for path in read_manifest(tmp_path / "task" / "manifest.csv")["path"])
    frame = read_manifest(paths[0])
    with pytest.raises(ManifestError, match="occurs more than once"):
        combine_manifests([frame, frame])


# --- the whole chain, per dataset ---------------------------------------------------------------

CHAIN = {  # dataset -> (writer, packer, task, label_map, expected labels)
    "gtzan": (write_gtzan, tar_folder, "genre", None, {"blues", "jazz", "rock"}),
    "ravdess": (write_ravdess, zip_folder, "emotion", None, {"neutral", "happy", "angry"}),
    "asvspoof2019_la": (write_asvspoof, zip_folder, "spoof", None, {"bonafide", "spoof"}),
    "in_the_wild": (write_in_the_wild, zip_folder, "spoof", {"bona-fide": "bonafide", "spoof": "spoof"},
                    {"bonafide", "spoof"}),
}


@pytest.mark.parametrize("dataset", sorted(CHAIN))
def test_download_extract_layout_prepare(server, tmp_path, dataset):
    writer, pack, task, label_map, labels = CHAIN[dataset]
    archive = pack(writer(tmp_path / "source"), tmp_path / "archive")
    server.files[dataset] = archive.read_bytes()
    checksum = "sha256:" + hashlib.sha256(server.files[dataset]).hexdigest()
    downloaded = download(server.url(dataset), tmp_path / "results" / "downloads" / f"{dataset}.download", checksum, print)
    raw = tmp_path / "results" / "raw" / dataset
    extract(downloaded, raw, print)
    manifest, report = sample_dataset(LAYOUTS[dataset](raw), dataset, task, tmp_path / "results" / "data" / task,
                                       {"explain": 1, "heldout": 1}, seed=0, label_map=label_map, log=print)
    assert set(manifest["label"]) == labels and set(report["counts"]) == labels
    assert manifest.groupby("label").size().eq(2).all()
    assert all(sf.info(tmp_path / "results" / "data" / task / path).samplerate == 16000 for path in manifest["path"])
    assert all(Path(entry["path"]).is_relative_to(raw) for entry in report["skipped"])
