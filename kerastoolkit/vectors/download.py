"""Getting a published vectors file that is not in the data folder: Stanford ships the GloVe 6B files only inside
one archive, glove.6B.zip (822 MB, four files), so the archive is downloaded into a temporary file, the one file
asked for is taken out of it, checked against its published SHA-1 and kept in the data folder, and the archive is
deleted. A failure leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import tempfile
import urllib.error
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from kerastoolkit.data.folder import DATA_DIR_ENV, download
from kerastoolkit.errors import DataError
from kerastoolkit.fileio import atomic_path, unwritable_reason

if TYPE_CHECKING:
    from kerastoolkit.vectors.store import NamedVectors


def missing_vectors(named: NamedVectors, root: Path, reason: str) -> DataError:
    return DataError(
        f"vectors/{named.member}.gz is not in the data folder {root} and {reason}: it is {named.member} from "
        f"{named.url}; put it (gzipped or not) in {root / 'vectors'} or point {DATA_DIR_ENV} at a folder that has it"
    )


def download_member(named: NamedVectors, root: Path) -> Path:
    """`named.member`, taken out of the archive at `named.url` into the data folder's `vectors/`; its path."""
    target = root / "vectors" / named.member
    reason = unwritable_reason(target.parent)
    if reason:
        raise missing_vectors(named, root, f"cannot be downloaded there ({reason})")
    archive_name = named.url.rsplit("/", 1)[-1]
    try:
        with atomic_path(target) as out, tempfile.TemporaryDirectory(prefix=".download.", dir=target.parent) as tmp:
            archive = Path(tmp) / archive_name
            download(named.url, archive, f"{archive_name} (once, for {named.member})")
            _take_out(archive, named, out)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise missing_vectors(named, root, f"could not be downloaded ({getattr(exc, 'reason', exc)})") from None
    return target


def _take_out(archive: Path, named: NamedVectors, out: Path) -> None:
    """Copy `named.member` out of the zip `archive` into `out`, checking its SHA-1 on the way."""
    digest = hashlib.sha1()
    try:
        with zipfile.ZipFile(archive) as zipped, zipped.open(named.member) as member, out.open("wb") as f:
            for chunk in iter(lambda: member.read(1 << 20), b""):
                digest.update(chunk)
                f.write(chunk)
    except (zipfile.BadZipFile, KeyError, EOFError, zlib.error) as exc:  # not a zip, a damaged one, no such member
        raise DataError(f"the download from {named.url} is not an archive holding {named.member} ({exc})") from None
    if digest.hexdigest() != named.sha1:
        raise DataError(
            f"{named.member} from {named.url} does not match its published SHA-1, so nothing was kept; "
            f"put a good copy in {out.parent} or point {DATA_DIR_ENV} at a folder that has it"
        )
