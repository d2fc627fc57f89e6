"""Atomic writes: a failed write leaves the old file, and no temporary file, behind."""

from __future__ import annotations

import pytest

from kerastoolkit.fileio import atomic_path, read_json, unwritable_reason, write_json


def test_write_json_round_trip(tmp_path):
    path = tmp_path / "sub" / "metrics.json"
    write_json(path, {"accuracy": 0.99, "epochs": 3})
    assert read_json(path) == {"accuracy": 0.99, "epochs": 3}
    assert oct(path.stat().st_mode & 0o777) != oct(0o600), "files get ordinary permissions"


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("old model")
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        assert tmp.parent == tmp_path and tmp.suffix == ".keras"
        tmp.write_text("half a new mod")
        raise RuntimeError("killed while writing")
    assert path.read_text() == "old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_failed_write_removes_the_folders_it_made(tmp_path):
    path = tmp_path / "new" / "deeper" / "file.txt"
    with pytest.raises(RuntimeError), atomic_path(path):
        raise RuntimeError("the download failed")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_folders_that_were_there_or_got_other_files(tmp_path):
    (tmp_path / "kept").mkdir()
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "kept" / "new" / "file.txt"):
        (tmp_path / "kept" / "new" / "other.txt").write_text("written by someone else meanwhile")
        raise RuntimeError("failed")
    assert [p.name for p in (tmp_path / "kept" / "new").iterdir()] == ["other.txt"]


def test_unwritable_reason_creates_nothing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert unwritable_reason(tmp_path / "a" / "b") is None
    assert unwritable_reason(blocker / "a") == f"{blocker} is a file, not a folder"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
