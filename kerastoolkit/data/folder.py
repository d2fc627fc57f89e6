"""The data folder and its checksummed files.

Files live under the data folder: `--data-dir`, else `$KT_DATA_DIR`, else `~/.cache/kerastoolkit/data`;
what kt derives from them lives in `cache_dir(kind)`: `$KT_CACHE_DIR/kind`, else `~/.cache/kerastoolkit/kind`.
`fetch(RemoteFile(...))` returns the local path of a file after checking its sha256; a missing file is
downloaded from its upstream address (atomically, checksum verified; a failed download leaves no file and no
folder behind) and a file whose checksum does not match is refused. Every failure is a `DataError` naming the
file, its address and the data folder.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kerastoolkit.errors import DataError
from kerastoolkit.fileio import atomic_path, unwritable_reason

DATA_DIR_ENV = "KT_DATA_DIR"
CACHE_DIR_ENV = "KT_CACHE_DIR"
_CHUNK = 1 << 20
_verified: dict[tuple[str, int, int], str] = {}


@dataclass(frozen=True)
class RemoteFile:
    """A file of a dataset: where it lives under the data folder, its upstream address and its sha256."""

    path: str
    url: str
    sha256: str
    size: int | None = None


def _user_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kerastoolkit"


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The data folder: `override`, else $KT_DATA_DIR, else a cache folder in the user's home."""
    if override:
        return Path(override).expanduser()
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    return _user_cache() / "data"


def cache_dir(kind: str) -> Path:
    """Where kt keeps what it derives from the data (`tfds`, `vectors`): $KT_CACHE_DIR/kind, else the user's cache.

    Never inside the data folder, which may be read-only and shared.
    """
    root = Path(os.environ[CACHE_DIR_ENV]).expanduser() if os.environ.get(CACHE_DIR_ENV) else _user_cache()
    return root / kind


def make_cache_dir(kind: str) -> Path:
    """`cache_dir(kind)`, created if missing; a DataError naming $KT_CACHE_DIR when it cannot be written."""
    folder = cache_dir(kind)
    reason = unwritable_reason(folder)
    if reason is None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or str(exc)
    if reason is not None:
        raise DataError(f"cannot use the cache folder {folder}: {reason}; point {CACHE_DIR_ENV} at a writable one")
    return folder


def sha256sum(path: Path) -> str:
    """The file's sha256, remembered per (path, size, mtime) so a process hashes each file once."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _verified:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(_CHUNK), b""):
                digest.update(chunk)
        _verified[key] = digest.hexdigest()
    return _verified[key]


def _check(remote: RemoteFile, path: Path) -> None:
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        raise DataError(
            f"{path} is truncated or corrupt: {size} bytes, expected {remote.size}; "
            f"delete it to download it again from {remote.url}"
        )
    got = sha256sum(path)
    if got != remote.sha256:
        raise DataError(
            f"{path} is corrupt: sha256 {got[:16]}..., expected {remote.sha256[:16]}...; "
            f"delete it to download it again from {remote.url}"
        )


def download(url: str, out: Path, name: str) -> None:
    """Write what `url` serves into the file `out`, with a progress bar named `name`; urllib's and the OS's
    errors (URLError, OSError, TimeoutError) are the caller's to turn into a message."""
    from tqdm import tqdm

    with urllib.request.urlopen(url, timeout=30) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with (
            out.open("wb") as f,
            tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {name}", leave=False) as bar,
        ):
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                f.write(chunk)
                bar.update(len(chunk))


def _download(remote: RemoteFile, target: Path, root: Path) -> None:
    try:
        with atomic_path(target) as tmp:
            download(remote.url, tmp, target.name)
            try:
                _check(remote, tmp)
            except DataError:  # its message names the temporary file, which atomic_path removes
                raise DataError(
                    f"the download of {remote.path} from {remote.url} did not match its checksum (size or sha256), "
                    f"so nothing was kept; put a good copy in {root} or point {DATA_DIR_ENV} at a folder that has it"
                ) from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(
            f"{remote.path} is not in the data folder {root} and could not be downloaded from {remote.url} "
            f"({reason}); put the file there or point {DATA_DIR_ENV} at a folder that has it"
        ) from None


def fetch(remote: RemoteFile, root: str | os.PathLike | None = None) -> Path:
    """The local path of `remote` under the data folder, downloaded if missing, checksum verified."""
    folder = data_dir(root)
    path = folder / remote.path
    if not path.exists():
        reason = unwritable_reason(path.parent)
        if reason:
            raise DataError(
                f"{remote.path} is not in the data folder {folder}, and it cannot be downloaded there ({reason}); "
                f"put the file there or point {DATA_DIR_ENV} at a folder that has it"
            )
        _download(remote, path, folder)
    _check(remote, path)
    return path
