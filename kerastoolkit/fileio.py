"""Atomic writes: a file is written under a temporary name in its own folder, then renamed into place.

A reader (or a crashed writer) therefore never sees a half-written model, cache or result, and a failed write
leaves neither its temporary file nor the folders it created behind.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def unwritable_reason(folder: str | os.PathLike) -> str | None:
    """Why files cannot be written in `folder` (created with its missing parents if need be), or None.

    Creates nothing: it looks at the nearest folder that exists.
    """
    folder = Path(folder)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def read_utf8(path: str | os.PathLike, error: type[Exception], what: str = "") -> str:
    """The text of a UTF-8 file; `error` (a KtError class) naming the file, after `what` ("corpus"), when it is
    not UTF-8 or cannot be read."""
    named = f"{what} {path}" if what else str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{named} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{named} cannot be read: {exc.strerror or exc}") from None


@contextlib.contextmanager
def removed_on_failure(folder: Path) -> Iterator[None]:
    """Create `folder` and its missing parents; if the body (or the creation) fails, remove the empty ones it
    created, so a failed write leaves no empty folders behind."""
    missing = list(itertools.takewhile(lambda p: not p.exists(), (folder, *folder.parents)))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        yield
    except BaseException:
        for created in missing:  # the deepest first
            try:
                created.rmdir()
            except OSError:  # not empty (another writer), or never made
                if created.exists():
                    break
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it onto `path`, on failure remove it (and the
    folders made for it).

    `suffix` defaults to the target's own suffix, since some writers (keras, gensim) look at it. A symbolic link
    is written through: the file it points to is replaced, the link stays.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    with removed_on_failure(target.parent):
        fd, tmp = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=suffix if suffix is not None else target.suffix, dir=target.parent
        )
        os.close(fd)
        tmp_path = Path(tmp)
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600 files; give what a plain open() would
        try:
            yield tmp_path
            os.replace(tmp_path, target)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | os.PathLike, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: str | os.PathLike) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
