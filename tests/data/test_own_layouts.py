"""The generic layouts of a researcher's own data (folder, csv) and how their rows are sampled: what is skipped
and why, given splits, and classes left empty."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.helpers.dataset_archives import write_clip
from transferability.data.datasets import (
    GENERIC_LAYOUTS,
    LAYOUTS,
    EmptyClassError,
    LayoutError,
    csv_rows,
    folder_rows,
    sample_dataset,
)

CORRUPT_WAV = b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4


def _reasons(entries: list[dict]) -> dict[str, str]:
    return {Path(entry["path"]).name: entry["reason"] for entry in entries}


def _folder_dataset(root: Path) -> Path:
    """dog (3 clips, one two folders down), cat (2 clips), a corrupt cat clip, a dog copy of a cat clip,
    a bird folder, a stray file at the top, a text file in a class folder and hidden files."""
    write_clip(root / "dog" / "a.wav", 1, 22050)
    write_clip(root / "dog" / "park" / "morning" / "b.wav", 2, 44100, channels=2)
    write_clip(root / "dog" / "c.flac", 3, 16000)
    write_clip(root / "cat" / "a.wav", 4, 16000)
    write_clip(root / "cat" / "d.wav", 5, 16000)
    (root / "cat" / "broken.wav").write_bytes(CORRUPT_WAV)
    shutil.copy(root / "cat" / "a.wav", root / "dog" / "copy.wav")
    write_clip(root / "bird" / "e.wav", 6, 16000)
    (root / "readme.md").write_text("my recordings")
    (root / "dog" / "notes.txt").write_text("good dog")
    (root / ".DS_Store").write_bytes(b"\0")
    write_clip(root / "dog" / ".hidden" / "f.wav", 7, 16000)
    return root


def test_folder_layout_reads_class_folders_at_any_depth_and_lists_what_it_skips(tmp_path):
    frame = folder_rows(_folder_dataset(tmp_path / "mine"))
    assert dict(zip(frame["original_id"], frame["label"])) == {
        "bird/e": "bird", "cat/a": "cat", "cat/broken": "cat", "cat/d": "cat",
        "dog/a": "dog", "dog/c": "dog", "dog/park/morning/b": "dog",
    }
    assert set(frame["speaker"]) == {""} and frame.attrs["root"] == str(tmp_path / "mine")
    skipped = _reasons(frame.attrs["skipped"])
    assert set(skipped) == {"readme.md", "notes.txt", "copy.wav"}
    assert "not inside a class folder" in skipped["readme.md"]
    assert "not an audio file name" in skipped["notes.txt"]
    assert skipped["copy.wav"] == f"same bytes as {tmp_path / 'mine' / 'cat' / 'a.wav'}"


def test_folder_layout_follows_an_archives_wrapping_folder_and_refuses_an_empty_tree(tmp_path):
    _folder_dataset(tmp_path / "raw" / "release" / "mine")
    (tmp_path / "raw" / ".extracted.json").write_text("{}")
    frame = folder_rows(tmp_path / "raw")
    assert set(frame["label"]) == {"bird", "cat", "dog"} and "dog/park/morning/b" in set(frame["original_id"])
    (tmp_path / "empty" / "dog").mkdir(parents=True)
    with pytest.raises(LayoutError, match="no folder-layout audio files"):
        folder_rows(tmp_path / "empty")
    with pytest.raises(LayoutError, match="not a folder"):
        folder_rows(tmp_path / "missing")


def test_sampling_a_folder_dataset_skips_unknown_labels_and_unreadable_files_with_their_reason(tmp_path):
    rows = folder_rows(_folder_dataset(tmp_path / "mine"))
    manifest, report = sample_dataset(rows, "mine", "pets", tmp_path / "out", {"explain": 1, "heldout": 1, "train": 1},
                                      seed=0, labels=["cat", "dog"], require_every_class=True, log=print)
    by_name = {Path(entry["path"]).name: entry for entry in report["skipped"]}
    assert by_name["e.wav"]["stage"] == "labels"
    assert by_name["e.wav"]["reason"] == "label 'bird' is not one of the task's labels ['cat', 'dog']"
    assert by_name["broken.wav"]["stage"] == "conversion" and "unreadable or corrupt" in by_name["broken.wav"]["reason"]
    assert by_name["copy.wav"]["stage"] == "layout" and report["excluded_labels"] == {"bird": 1}
    assert report["counts"] == {"cat": {"explain": 1, "heldout": 1, "train": 0}, "dog": {"explain": 1, "heldout": 1, "train": 1}}
    assert report["shortfalls"] == [{"label": "cat", "split": "train", "requested": 1, "taken": 0}]
    assert report["splits"] == "sampled per class"
    assert sorted(manifest["item_id"]) == ["mine-cat_a", "mine-cat_d", "mine-dog_a", "mine-dog_c", "mine-dog_park_morning_b"]
    for item in manifest.itertuples():
        info = sf.info(tmp_path / "out" / item.path)
        assert (info.samplerate, info.channels) == (16000, 1)


def test_an_empty_class_stops_with_the_class_and_the_folder(tmp_path):
    root = _folder_dataset(tmp_path / "mine")
    rows = folder_rows(root)
    with pytest.raises(EmptyClassError) as caught:
        sample_dataset(rows, "mine", "pets", tmp_path / "out", {"explain": 1}, seed=0, labels=["cat", "dog", "fox"],
                       require_every_class=True, log=print)
    assert "class 'fox': no file is labelled 'fox'" in str(caught.value) and str(root) in str(caught.value)
    with pytest.raises(EmptyClassError, match="class 'fox': no file is labelled 'fox' or 'vixen'"):
        sample_dataset(rows, "mine", "pets", tmp_path / "out", {"explain": 1}, seed=0, labels=["cat", "dog", "fox"],
                       label_map={"vixen": "fox", "hound": "dog"}, require_every_class=True, log=print)
    _, report = sample_dataset(rows, "mine", "pets", tmp_path / "paper", {"explain": 1}, seed=0,
                               labels=["cat", "dog", "fox"], log=print)  # the paper layouts: a warning only
    assert report["counts"]["fox"] == {"explain": 0, "heldout": 0, "train": 0}
    for path in (root / "cat").iterdir():
        path.write_bytes(CORRUPT_WAV)
    with pytest.raises(EmptyClassError) as caught:
        sample_dataset(folder_rows(root), "mine", "pets", tmp_path / "out2", {"explain": 1}, seed=0,
                       labels=["cat", "dog"], require_every_class=True, log=print)
    message = str(caught.value)
    assert "class 'cat': none of its" in message and "unreadable or corrupt" in message and "'dog'" not in message


def test_label_map_renames_the_labels_it_names_and_keeps_the_others(tmp_path):
    rows = folder_rows(_folder_dataset(tmp_path / "mine"))
    manifest, report = sample_dataset(rows, "mine", "pets", tmp_path / "out", {"explain": 2}, seed=0,
                                      labels=["cat", "canine"], label_map={"dog": "canine"}, require_every_class=True,
                                      log=print)
    assert set(manifest["label"]) == {"cat", "canine"} and report["excluded_labels"] == {"bird": 1}
    assert all(path.startswith("mine/canine/") for path in manifest.loc[manifest["label"] == "canine", "path"])


def test_files_that_map_to_one_item_id_are_skipped_as_duplicates(tmp_path):
    root = tmp_path / "mine"
    write_clip(root / "dog" / "x.wav", 1, 16000)
    write_clip(root / "dog" / "x.flac", 2, 16000)
    write_clip(root / "dog" / "y z.wav", 3, 16000)
    write_clip(root / "dog" / "y_z.wav", 4, 16000)
    write_clip(root / "cat" / "w.wav", 5, 16000)
    manifest, report = sample_dataset(folder_rows(root), "mine", "pets", tmp_path / "out", {"explain": 5}, seed=0,
                                      labels=["cat", "dog"], log=print)
    duplicates = {Path(e["path"]).name: e["reason"] for e in report["skipped"] if e["stage"] == "duplicates"}
    assert duplicates == {"x.wav": f"item id 'mine-dog_x' is already taken by {root / 'dog' / 'x.flac'}",
                          "y_z.wav": f"item id 'mine-dog_y_z' is already taken by {root / 'dog' / 'y z.wav'}"}
    assert sorted(manifest["item_id"]) == ["mine-cat_w", "mine-dog_x", "mine-dog_y_z"]


# --- csv --------------------------------------------------------------------------------------


def _csv_dataset(root: Path, header: str = "path,label,speaker", lines: tuple[str, ...] = ()) -> Path:
    """Clips under ``root/audio`` and a table ``root/meta/labels.csv`` naming them as ``../audio/...``."""
    for index, name in enumerate(("a", "b", "c", "d", "e", "f")):
        write_clip(root / "audio" / f"{name}.wav", 10 + index, 16000)
    table = root / "meta" / "labels.csv"
    table.parent.mkdir(parents=True)
    table.write_text("\n".join((header, *lines)) + "\n")
    return table


def test_csv_layout_reads_paths_relative_to_the_table_and_lists_what_it_skips(tmp_path):
    root = tmp_path / "mine"
    for index, name in enumerate(("a", "b", "c", "d")):
        write_clip(root / "clips" / f"{name}.wav", index, 16000)
    write_clip(tmp_path / "elsewhere.wav", 9, 16000)
    (root / "lists").mkdir()
    (root / "lists" / "table.csv").write_text(
        "path,label,speaker,notes\n"
        "../clips/a.wav,dog,ann,first\n"
        "../clips/b.wav,cat,bob,\n"
        "../clips/missing.wav,cat,bob,\n"
        "../clips/./a.wav,cat,ann,again\n"
        "../../elsewhere.wav,dog,ann,\n"
        "../clips/c.wav,,ann,\n"
        "../clips/d.wav,bird,cy,\n"
    )
    frame = csv_rows(root, table="table.csv")  # found one folder below the root
    assert frame.to_dict("list") == {
        "source_path": [str(root / "clips" / name) for name in ("a.wav", "b.wav", "d.wav")],
        "label": ["dog", "cat", "bird"], "original_id": ["clips/a", "clips/b", "clips/d"], "speaker": ["ann", "bob", "cy"],
    }
    skipped = [(Path(entry["path"]).name, entry["reason"]) for entry in frame.attrs["skipped"]]
    assert skipped == [
        ("missing.wav", "listed in table.csv (line 4) but missing"),
        ("a.wav", "listed again in table.csv (line 5); line 2 kept"),
        ("table.csv:6", f"'../../elsewhere.wav' lies outside {root}"),
        ("table.csv:7", "empty path or label"),
    ]
    with pytest.raises(LayoutError, match="labels.csv"):
        csv_rows(root)  # the default table name is not there
    (root / "lists" / "table.csv").write_text("file,label\n../clips/a.wav,dog\n")
    with pytest.raises(LayoutError, match=r"missing column\(s\) \['path'\]"):
        csv_rows(root, table="table.csv")


def test_a_csv_split_column_is_respected_and_counts_cap_each_split(tmp_path):
    _csv_dataset(tmp_path, "path,label,split", (
        "../audio/a.wav,dog,train", "../audio/b.wav,dog,train", "../audio/c.wav,dog,explain",
        "../audio/d.wav,cat,heldout", "../audio/e.wav,cat,explain", "../audio/f.wav,cat,test",
    ))
    rows = csv_rows(tmp_path)
    assert _reasons(rows.attrs["skipped"]) == {"f.wav": "split 'test' (line 7) is not one of ('train', 'heldout', 'explain')"}
    counts = {"explain": 5, "heldout": 5, "train": 1}
    manifest, report = sample_dataset(rows, "mine", "pets", tmp_path / "out", counts, seed=0, labels=["cat", "dog"],
                                      require_every_class=True, log=print)
    splits = dict(zip(manifest["original_id"], manifest["split"]))
    assert splits in ({"audio/a": "train", "audio/c": "explain", "audio/d": "heldout", "audio/e": "explain"},
                      {"audio/b": "train", "audio/c": "explain", "audio/d": "heldout", "audio/e": "explain"})
    assert report["splits"] == "as the table gives them"
    assert report["counts"] == {"cat": {"explain": 1, "heldout": 1, "train": 0}, "dog": {"explain": 1, "heldout": 0, "train": 1}}
    again, _ = sample_dataset(rows, "mine", "pets", tmp_path / "again", counts, seed=0, labels=["cat", "dog"], log=print)
    other_seeds = {tuple(sample_dataset(rows, "mine", "pets", tmp_path / f"s{seed}", counts, seed=seed,
                                        labels=["cat", "dog"], log=print)[0]["original_id"]) for seed in range(8)}
    assert list(again["original_id"]) == list(manifest["original_id"]) and len(other_seeds) == 2
    only_train = rows.copy()
    only_train.loc[only_train["label"] == "cat", "split"] = "train"
    with pytest.raises(EmptyClassError, match=r"class 'cat': none of its 2 file\(s\) is in a split asked for"):
        sample_dataset(only_train, "mine", "pets", tmp_path / "x", {"explain": 1, "heldout": 1}, seed=0,
                       labels=["cat", "dog"], require_every_class=True, log=print)


def test_without_a_split_column_the_csv_rows_are_sampled_per_class(tmp_path):
    _csv_dataset(tmp_path, "path,label", tuple(f"../audio/{name}.wav,{'dog' if name < 'd' else 'cat'}"
                                               for name in "abcdef"))
    rows = csv_rows(tmp_path)
    manifest, report = sample_dataset(rows, "mine", "pets", tmp_path / "out", {"explain": 1, "heldout": 1, "train": 1},
                                      seed=0, labels=["cat", "dog"], require_every_class=True, log=print)
    assert "split" not in rows.columns and report["splits"] == "sampled per class"
    assert manifest.groupby(["label", "split"]).size().to_dict() == {
        (label, split): 1 for label in ("cat", "dog") for split in ("explain", "heldout", "train")}


def test_the_registry_names_both_generic_layouts():
    assert LAYOUTS["folder"] is folder_rows and LAYOUTS["csv"] is csv_rows and GENERIC_LAYOUTS == ("folder", "csv")
