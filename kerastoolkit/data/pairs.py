"""English-French sentence pairs (Tatoeba, as packed by manythings.org/anki): reading and a split by sentence.

The data folder holds two releases of `fra.txt`, one pair a line, TAB-separated: `English<TAB>French`, and in
releases from about 2020 on a third column (the attribution), which is ignored.

- `fra-eng/fra-eng.zip`, the 2017-09-29 release: 142,787 pairs (the Keras `lstm_seq2seq` example's data);
- `fra-eng/fra-eng_2019-04-07.tar.gz`, the 2019-04-07 release: 167,130 pairs (a re-pack of its two members).

manythings.org replaces `fra-eng.zip` with each new release, so the project pins the sha256 of each release it
reads; a file with another checksum is refused with the release that was expected and where it belongs. A missing
2017 zip is downloaded from a pinned copy of that release (GitHub genimind/seq2seq, see the data folder's
MANIFEST.text.md); the 2019 re-pack has no upstream copy and must be put in place by hand.

`split_of(english)` puts each English sentence in train, validation or test by a hash of its normalised form
(sha1, 90/5/5), so every French translation of one English sentence lands in the same split: Tatoeba holds many
near-duplicates, and a random split of pairs would test on sentences seen in training.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from kerastoolkit.data.folder import RemoteFile, fetch, sha256sum
from kerastoolkit.data.folder import data_dir as data_folder
from kerastoolkit.errors import DataError

__all__ = ["RELEASES", "Release", "hash_order", "normalise", "parse_pairs", "read_pairs", "split_of"]


@dataclass(frozen=True)
class Release:
    """One release of the pairs: its file in the data folder and what it holds."""

    date: str
    remote: RemoteFile  # url "" when there is no upstream copy to download
    pairs: int


RELEASES: dict[str, Release] = {
    "2017-09-29": Release(
        "2017-09-29",
        RemoteFile(
            "fra-eng/fra-eng.zip",
            "https://raw.githubusercontent.com/genimind/seq2seq/843b8bc40396fbea4ac9171097122aacfc8b9660/fra-eng.zip",
            "16c4f7d0df9e7c5e6c54cdb0447f3f4a18a55052ff5e2e0b27dd4a06c0e49d04",
            2_951_390,
        ),
        142_787,
    ),
    "2019-04-07": Release(
        "2019-04-07",
        RemoteFile(
            "fra-eng/fra-eng_2019-04-07.tar.gz",
            "",
            "380d464801354fcc6221a8991f89dd3d10aca57705970af6bcfc04ed4d6de996",
            3_412_558,
        ),
        167_130,
    ),
}


def _archive(release: Release, root: str | Path | None) -> Path:
    """The release's file, checked against its pinned sha256 (the 2017 zip is downloaded when missing)."""
    path = data_folder(root) / release.remote.path
    where = f"put the {release.date} release ({release.pairs:,} pairs) at {path}"
    if not path.exists() and not release.remote.url:
        raise DataError(f"{release.remote.path} is not in the data folder {data_folder(root)}; {where}")
    if path.exists() and path.is_file() and sha256sum(path) != release.remote.sha256:
        raise DataError(
            f"{path} is not the {release.date} release of the Tatoeba pairs this project reads, or is damaged (sha256 "
            f"{sha256sum(path)[:16]}..., expected {release.remote.sha256[:16]}...; manythings.org replaces "
            f"fra-eng.zip with each release); {where}"
        )
    return fetch(release.remote, root)


def _read_member(path: Path, name: str = "fra.txt") -> bytes:
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return archive.read(name)
        with tarfile.open(path, "r:*") as archive:
            member = archive.extractfile(name)
            if member is None:
                raise KeyError(name)
            return member.read()
    except (KeyError, OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path} holds no readable {name} ({exc}); put an intact copy there") from None


def parse_pairs(text: str, source: str = "fra.txt") -> list[tuple[str, str]]:
    """(English, French) from lines of 2 or 3 TAB-separated columns (a third, the attribution, is ignored)."""
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        columns = line.split("\t")
        if len(columns) not in (2, 3) or not columns[0].strip() or not columns[1].strip():
            raise DataError(f"{source} line {number} is not 'English<TAB>French[<TAB>attribution]': {line[:60]!r}")
        pairs.append((columns[0].strip(), columns[1].strip()))
    return pairs


def read_pairs(release: str = "2017-09-29", data_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """Every (English, French) pair of a release, in file order (checksum verified)."""
    path = _archive(RELEASES[release], data_dir)
    data = _read_member(path)
    try:
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read()
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: fra.txt is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_pairs(text, f"{path.name}:fra.txt")


def normalise(text: str) -> str:
    """A sentence as its hash sees it: Unicode NFC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def split_of(english: str, validation: float = 0.05, test: float = 0.05) -> str:
    """`train`, `validation` or `test`, by the sha1 of the normalised English sentence (90/5/5 by default)."""
    digest = hashlib.sha1(normalise(english).encode("utf-8")).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    if position < 1.0 - validation - test:
        return "train"
    return "validation" if position < 1.0 - test else "test"


def hash_order(english: str) -> bytes:
    """A fixed, content-based order of English sentences (the same sha1 as the split)."""
    return hashlib.sha1(normalise(english).encode("utf-8")).digest()
