"""Atomic writes: a failed write leaves the old file, and no temporary file, behind."""

from __future__ import annotations

import pytest

from kerastoolkit.fileio import atomic_path, read_json, write_json


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
