"""Finding vectors by name or path, and the converted cache that makes later loads instant.

A named set (`glove-6b-50d` ... `glove-6b-300d`) lives in the data folder as `vectors/glove.6B.<D>d.txt.gz`
(or the plain `.txt` extracted from Stanford's glove.6B.zip, which is downloaded to take it out when neither is
there: `vectors.download`); its content is checked against the published SHA-1 of the upstream text file while it
is converted. A path may be a GloVe text file (no header), a word2vec
text or binary file (`.gz` accepted) or a gensim `.kv` file.

The first use of a text or binary file converts it into a cache entry: a folder holding gensim's native
`vectors.kv` (with `vectors.kv.vectors.npy` and `vectors.kv.norms.npy` beside it, norms precomputed) and
`vocab.txt`. The entry is written into a temporary folder and renamed into place only when complete, so a
conversion killed half-way leaves nothing that looks usable. Later loads memory-map the arrays with numpy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerastoolkit.data.folder import cache_dir as folder_cache_dir
from kerastoolkit.data.folder import data_dir, make_cache_dir
from kerastoolkit.errors import VectorsError
from kerastoolkit.vectors.download import download_member
from kerastoolkit.vectors.formats import read_vectors
from kerastoolkit.vectors.wordvectors import WordVectors

DEFAULT_VECTORS = "glove-6b-50d"
GLOVE_6B_URL = "https://nlp.stanford.edu/data/glove.6B.zip"
_KV = "vectors.kv"
_VOCAB = "vocab.txt"


@dataclass(frozen=True)
class NamedVectors:
    """A published vectors file: its name, its file in the data folder, upstream archive and content SHA-1."""

    name: str
    member: str
    url: str
    sha1: str
    words: int
    dim: int

    def candidates(self, root: Path) -> list[Path]:
        return [root / "vectors" / f"{self.member}.gz", root / "vectors" / self.member]


def _glove_6b(dim: int, sha1: str) -> NamedVectors:
    # SHA-1 of the upstream text files, as pinned by Apache MXNet (contrib/text/_constants.py); the 50d one
    # also matches the file in the shared data folder (MANIFEST.vectors.md)
    return NamedVectors(f"glove-6b-{dim}d", f"glove.6B.{dim}d.txt", GLOVE_6B_URL, sha1, 400_000, dim)


NAMED: dict[str, NamedVectors] = {
    v.name: v
    for v in (
        _glove_6b(50, "21bf566a9d27f84d253e0cd4d4be9dcc07976a6d"),
        _glove_6b(100, "16b1dbfaf35476790bd9df40c83e2dfbd05312f1"),
        _glove_6b(200, "17d0355ddaa253e298ede39877d1be70f99d9148"),
        _glove_6b(300, "646443dd885090927f8215ecf7a677e9f703858d"),
    )
}


def cache_dir() -> Path:
    """Where converted vectors live: $KT_CACHE_DIR/vectors, else ~/.cache/kerastoolkit/vectors."""
    return folder_cache_dir("vectors")


def load(name_or_path: str | os.PathLike = DEFAULT_VECTORS, data: str | os.PathLike | None = None) -> WordVectors:
    """Vectors by name (see `NAMED`) or path, converted into the cache on first use, memory-mapped after."""
    named = _named(str(name_or_path))
    if named is not None:
        root = data_dir(data)
        source = next((p for p in named.candidates(root) if p.is_file()), None)
        fetch = source or (lambda: download_member(named, root))
        return _cached(cache_dir() / named.name, named.name, fetch, named.sha1)
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        raise VectorsError(f"{path} is a folder, not a vectors file")
    if not path.is_file():
        raise VectorsError(_unknown_message(str(name_or_path)))
    if path.suffix == ".kv":
        return _load_kv(path)
    return _cached(cache_dir() / _entry_name(path), path.name, path)


def _cached(entry: Path, name: str, source: Path | Callable[[], Path], sha1: str | None = None) -> WordVectors:
    """The cache `entry` of `source`, converted first when absent, and again when damaged (a truncated array, a
    lost file: the cache is only ever derived from the source). `source` is the file, or a function that fetches
    it, called only when the entry must be converted."""
    known = source if isinstance(source, Path) else None
    if (entry / _KV).exists():
        try:
            return _open_entry(entry, name, known)
        except (OSError, ValueError, EOFError):
            shutil.rmtree(entry, ignore_errors=True)
    path = known or source()
    _convert(path, entry, expected_sha1=sha1)
    return _open_entry(entry, name, path)


def is_named(name: str) -> bool:
    """Whether `name` names a published set (`glove-6b-50d`, `50d` ...) rather than a file."""
    return _named(name) is not None


def _named(name: str) -> NamedVectors | None:
    key = name.lower().replace(".", "-")
    aliases = {v.name.removeprefix("glove-6b-"): v for v in NAMED.values()}
    return NAMED.get(key) or aliases.get(key)


def _unknown_message(name: str) -> str:
    known = ", ".join(NAMED)
    if os.sep in name or Path(name).suffix:
        return f"no vectors file {name}; named vectors are {known}"
    return f"unknown vectors '{name}'; known names: {known} (or give the path of a vectors file)"


def _entry_name(path: Path) -> str:
    # the entry follows the file: a replaced or edited file gets a fresh conversion
    stat = path.resolve().stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return f"{path.name}-{hashlib.sha1(key.encode()).hexdigest()[:12]}"


def _open_entry(entry: Path, name: str, source: Path | None) -> WordVectors:
    """The vectors of a cache entry; ValueError or OSError when it is damaged."""
    words = (entry / _VOCAB).read_text(encoding="utf-8").split("\n")[:-1]
    vectors = np.load(entry / f"{_KV}.vectors.npy", mmap_mode="r")
    norms = np.load(entry / f"{_KV}.norms.npy", mmap_mode="r")
    if not len(words) == len(vectors) == len(norms):
        raise ValueError(f"{entry}: {len(words)} words, {len(vectors)} vectors and {len(norms)} norms")
    return WordVectors(name, words, vectors, norms, source=source, cache=entry)


def _load_kv(path: Path) -> WordVectors:
    from gensim.models import KeyedVectors

    try:
        kv = KeyedVectors.load(str(path), mmap="r")
    except Exception as exc:  # gensim raises pickle, numpy and OS errors alike for a bad file
        raise VectorsError(f"{path} is not a readable gensim .kv file ({type(exc).__name__}: {exc})") from None
    return WordVectors.from_keyed_vectors(kv, path.name, source=path)


STALE_AFTER_S = 3600


def _remove_stale_temporaries(cache: Path) -> None:
    """Delete temporary folders of conversions killed before their rename (an hour old: nobody writes them)."""
    for tmp in cache.glob(".*"):
        if tmp.is_dir() and time.time() - tmp.stat().st_mtime > STALE_AFTER_S:
            shutil.rmtree(tmp, ignore_errors=True)


def _convert(source: Path, entry: Path, expected_sha1: str | None = None) -> None:
    """Read `source` and write the cache `entry` folder atomically."""
    make_cache_dir("vectors")  # before the long read: an unusable cache folder fails at once
    words, vectors = read_vectors(source, expected_sha1, upstream=GLOVE_6B_URL)
    _remove_stale_temporaries(entry.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=entry.parent))
    try:
        tmp.chmod(0o755)
        _write_entry(tmp, words, vectors)
        try:
            os.replace(tmp, entry)
        except OSError:
            if not (entry / _KV).exists():  # not a concurrent conversion that finished first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_entry(folder: Path, words: list[str], vectors: np.ndarray) -> None:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vectors.shape[1], count=0, dtype=np.float32)
    kv.index_to_key = words
    kv.key_to_index = {w: i for i, w in reversed(list(enumerate(words)))}
    kv.vectors = vectors
    kv.fill_norms()
    (folder / _VOCAB).write_text("".join(w + "\n" for w in words), encoding="utf-8")
    kv.save(str(folder / _KV), separately=["vectors", "norms"])
