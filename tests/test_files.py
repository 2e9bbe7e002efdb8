"""Files and folders written whole or not at all, and the sweep of what killed writes left."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from tutor import files


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


class Stop(Exception):
    """Raised by a test to stop a write half-way."""


@pytest.mark.parametrize("data", [b"new \x00 bytes", "new text, ünïcode"])
def test_atomic_write_puts_bytes_or_text_in_place_and_nothing_beside_it(tmp_path, data):
    target = tmp_path / "notes.md"
    target.write_text("old")
    assert files.atomic_write(target, data) == target
    expected = data if isinstance(data, bytes) else data.encode("utf-8")
    assert target.read_bytes() == expected
    assert _names(tmp_path) == ["notes.md"]


def test_a_write_stopped_half_way_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "deck.apkg"
    target.write_bytes(b"the old deck")
    with pytest.raises(Stop), files.replacing(target) as tmp:
        tmp.write_bytes(b"half a ne")
        raise Stop
    assert target.read_bytes() == b"the old deck"
    assert _names(tmp_path) == ["deck.apkg"]


def test_a_rename_that_fails_leaves_what_was_there_and_no_temporary_file(tmp_path):
    taken = tmp_path / "graph.json"
    taken.mkdir()  # a folder where the file should go: the rename fails after the write
    (taken / "keep.txt").write_text("mine")
    with pytest.raises(OSError):
        files.atomic_write(taken, "{}")
    assert _names(tmp_path) == ["graph.json"]
    assert (taken / "keep.txt").read_text() == "mine"


def test_the_temporary_file_is_new_beside_the_target_and_named_as_asked(tmp_path):
    with files.replacing(tmp_path / "model.onnx", prefix=".export-", suffix=".onnx") as tmp:
        assert tmp.parent == tmp_path and tmp.stat().st_size == 0
        assert tmp.name.startswith(".export-") and tmp.name.endswith(".onnx")
    assert _names(tmp_path) == ["model.onnx"]


def test_two_writes_at_once_each_have_their_own_file_and_the_last_renamed_wins(tmp_path):
    target = tmp_path / "graph.json"
    with files.replacing(target) as first, files.replacing(target) as second:
        assert first != second
        first.write_text("first")
        second.write_text("second")
    assert target.read_text() == "first"  # the outer block ends last
    assert _names(tmp_path) == ["graph.json"]


def test_without_overwrite_a_file_already_there_is_kept(tmp_path):
    target = tmp_path / "progress.db"
    target.write_bytes(b"made by another session first")
    with pytest.raises(FileExistsError), files.replacing(target, overwrite=False) as tmp:
        tmp.write_bytes(b"mine")
    assert target.read_bytes() == b"made by another session first"
    assert _names(tmp_path) == ["progress.db"]
    with files.replacing(tmp_path / "new.db", overwrite=False) as tmp:
        tmp.write_bytes(b"mine")
    assert (tmp_path / "new.db").read_bytes() == b"mine"
    assert _names(tmp_path) == ["new.db", "progress.db"]


def test_a_written_file_has_the_mode_asked_for_less_the_umask(tmp_path):
    umask = os.umask(0o022)
    try:
        plain = files.atomic_write(tmp_path / "plain", "x")
        private = files.atomic_write(tmp_path / "private", "x", mode=0o600)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(plain.stat().st_mode) == 0o644  # as open() makes a file
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_a_write_sweeps_its_targets_stale_temporary_files_only(tmp_path):
    target = tmp_path / "deck.apkg"
    dead, busy = tmp_path / ".deck.apkg.dead.tmp", tmp_path / ".deck.apkg.busy.tmp"
    another = tmp_path / ".other.apkg.dead.tmp"
    for path in (dead, busy, another):
        path.write_bytes(b"half")
    for path in (dead, another):
        _age(path, 2 * files.STALE_SECONDS)
    files.atomic_write(target, b"deck")
    assert _names(tmp_path) == [".deck.apkg.busy.tmp", ".other.apkg.dead.tmp", "deck.apkg"]


def test_sweep_removes_old_matching_files_and_leaves_the_rest(tmp_path):
    old, young = tmp_path / ".upload-old.tmp", tmp_path / ".upload-young.tmp"
    unmatched, folder = tmp_path / "guide.md", tmp_path / ".upload-folder.tmp"
    for path in (old, young, unmatched):
        path.write_bytes(b"x")
    folder.mkdir()
    for path in (old, unmatched, folder):
        _age(path, 2 * files.STALE_SECONDS)
    assert files.sweep(tmp_path, ".upload-*.tmp") == 1
    assert _names(tmp_path) == [".upload-folder.tmp", ".upload-young.tmp", "guide.md"]
    assert files.sweep(tmp_path / "missing", "*") == 0


def test_a_folder_is_swapped_in_whole(tmp_path):
    folder = tmp_path / "cache" / "index-k"
    with files.replacing_folder(folder) as tmp:
        (tmp / "a").write_text("first")
    assert _names(folder) == ["a"]
    with files.replacing_folder(folder) as tmp:
        (tmp / "b").write_text("second")
    assert _names(folder) == ["b"]
    assert _names(folder.parent) == ["index-k"]


def test_a_folder_write_stopped_half_way_leaves_the_old_folder_and_no_temporary_one(tmp_path):
    folder = tmp_path / "index-k"
    with files.replacing_folder(folder) as tmp:
        (tmp / "a").write_text("first")
    with pytest.raises(Stop), files.replacing_folder(folder) as tmp:
        (tmp / "a").write_text("sec")
        raise Stop
    assert (folder / "a").read_text() == "first"
    assert _names(tmp_path) == ["index-k"]


def test_recovery_puts_back_a_folder_set_aside_by_a_killed_swap_and_clears_the_rest(tmp_path):
    folder = tmp_path / "index-k"
    (tmp_path / ".old-index-k-dead").mkdir()
    (tmp_path / ".old-index-k-dead" / "a").write_text("the old index")
    (tmp_path / ".tmp-index-k-dead").mkdir()  # the new one, killed before its rename
    (tmp_path / ".tmp-index-other-dead").mkdir()  # another folder's: not this one's to clear
    files.recover_folder(folder)
    assert (folder / "a").read_text() == "the old index"
    assert _names(tmp_path) == [".tmp-index-other-dead", "index-k"]
    files.remove_leftover_folders(tmp_path, "index-*")
    assert _names(tmp_path) == ["index-k"]
