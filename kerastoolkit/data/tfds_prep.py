"""Preparing a tensorflow-datasets builder once, offline, from files kt has already fetched and verified.

`prepare(builder_class, source_dir, name)` gives the builder of a complete prepared copy in `$KT_CACHE_DIR/tfds`
(default `~/.cache/kerastoolkit/tfds`), preparing it first if needed: under a file lock (two processes prepare
once), quietly (tfds's progress bars and banners hidden), and checked on every use (each file's size and SHA-256 in
`kt_files.json`, written once tfds finished; a process hashes an unchanged file once), so a copy a kill or a disk
left damaged is prepared again rather than trusted. A dataset module (`data.mnist`) supplies the builder class and
the files.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kerastoolkit.data.folder import cache_dir, sha256sum
from kerastoolkit.errors import DataError
from kerastoolkit.fileio import read_json, write_json


def tfds_cache_dir() -> Path:
    """Where prepared tensorflow-datasets data lives: $KT_CACHE_DIR/tfds, else the user's cache folder."""
    return cache_dir("tfds")


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """An exclusive advisory lock on `lock_path` (a no-op where fcntl is missing)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: preparation is still atomic (tfds renames a finished folder into place)
        yield
        return
    with lock_path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _quiet_tfds() -> Iterator[None]:
    """Silence tfds's progress bars, info logs and stdout banners during preparation."""
    import tensorflow_datasets as tfds

    absl_logger = logging.getLogger("absl")
    level = absl_logger.level
    absl_logger.setLevel(logging.WARNING)
    tfds.disable_progress_bar()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        absl_logger.setLevel(level)


@contextlib.contextmanager
def _temporary_folders_in(folder: str) -> Iterator[None]:
    """Python's temporary files and folders made inside `folder` for a while: a tfds builder that finds no
    prepared copy makes an empty folder for dataset info from GCS and never removes it (one per preparation)."""
    saved = tempfile.tempdir
    tempfile.tempdir = folder
    try:
        yield
    finally:
        tempfile.tempdir = saved


PREPARED_FILES = "kt_files.json"  # each file of a prepared copy, its size and SHA-256, written once it is complete


def _version_folder(cls: type, root: Path) -> Path:
    """Where tfds keeps the prepared copy of builder class `cls` under `root` (its `data_path`)."""
    return root / cls.name / str(cls.VERSION)


def _prepared(cls, root: Path):
    """The builder of a complete prepared copy under `root`, else None: none yet, or one damaged since (a junk
    dataset_info.json, a record file deleted, cut short or overwritten), which is then prepared again."""
    if not (_version_folder(cls, root) / PREPARED_FILES).is_file():
        return None  # (tfds would look its info up on GCS, leaving an empty temporary folder each time)
    try:
        builder = cls(data_dir=os.fspath(root))
        data_path = Path(builder.data_path)
        files = read_json(data_path / PREPARED_FILES)
        if files and all(_fingerprint(data_path / name) == recorded for name, recorded in files.items()):
            return builder
    except Exception:  # protobuf, json and OS errors alike mean: not a usable copy
        pass
    return None


def _fingerprint(path: Path) -> dict[str, Any]:
    """A file's size and SHA-256 (cheap beside training: MNIST's two record files hold 23 MB)."""
    return {"size": path.stat().st_size, "sha256": sha256sum(path)}


def _record_files(data_path: Path) -> None:
    write_json(data_path / PREPARED_FILES, {f.name: _fingerprint(f) for f in sorted(data_path.iterdir())})


def _remove_leftovers(root: Path, name: str, data_path: Path) -> None:
    """Remove what a killed preparation left (temporary folders) and a version folder that is no complete copy."""
    for stale in [*(root / name).glob("incomplete.*"), *root.glob(f".downloads.{name}.*")]:
        shutil.rmtree(stale, ignore_errors=True)
    if data_path.exists():  # tfds would trust (and "reuse") such a folder
        shutil.rmtree(data_path)


def prepare(cls: type, source_dir: Path, name: str) -> Any:
    """The prepared builder of the tfds builder class `cls`, preparing it (once, offline) from the verified files
    in `source_dir` if no complete copy is there; `name` is the dataset's name in messages."""
    import tensorflow_datasets as tfds

    root = tfds_cache_dir()
    builder = _prepared(cls, root)
    if builder is not None:
        return builder
    with _locked(root / f".{cls.name}.lock"):
        builder = _prepared(cls, root)  # another process may have prepared it while we waited
        if builder is not None:
            return builder
        _remove_leftovers(root, cls.name, _version_folder(cls, root))
        print(f"preparing {name} for tensorflow-datasets in {root} (once)...", file=sys.stderr)
        start = time.monotonic()
        downloads_dir = tempfile.TemporaryDirectory(prefix=f".downloads.{cls.name}.", dir=root)
        with downloads_dir as downloads, _quiet_tfds():
            with _temporary_folders_in(downloads):
                builder = cls(data_dir=os.fspath(root))
            config = tfds.download.DownloadConfig(manual_dir=os.fspath(source_dir), try_download_gcs=False)
            try:
                builder.download_and_prepare(download_dir=downloads, download_config=config)
            except Exception as exc:
                raise DataError(f"cannot prepare {name} from {source_dir} into {root}: {exc}") from exc
        _record_files(Path(builder.data_path))
        print(f"prepared {name} in {time.monotonic() - start:.1f} s", file=sys.stderr)
    return cls(data_dir=os.fspath(root))
