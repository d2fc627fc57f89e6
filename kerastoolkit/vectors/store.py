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

import gzip
import hashlib
import io
import os
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerastoolkit.data.folder import cache_dir as folder_cache_dir
from kerastoolkit.data.folder import data_dir, make_cache_dir
from kerastoolkit.errors import DataError, VectorsError
from kerastoolkit.report import counted
from kerastoolkit.vectors.download import download_member
from kerastoolkit.vectors.wordvectors import WordVectors

DEFAULT_VECTORS = "glove-6b-50d"
GLOVE_6B_URL = "https://nlp.stanford.edu/data/glove.6B.zip"
_KV = "vectors.kv"
_VOCAB = "vocab.txt"
_CHUNK_LINES = 20_000


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
    words, vectors = _read_vectors(source, expected_sha1)
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


def _read_vectors(source: Path, expected_sha1: str | None) -> tuple[list[str], np.ndarray]:
    if _is_word2vec_binary(source):
        return _read_word2vec_binary(source)
    return _TextReader(source, expected_sha1).read()


def _open_bytes(path: Path) -> io.BufferedIOBase:
    return _decompressed(path.open("rb"), path)


def _decompressed(raw: io.BufferedIOBase, path: Path) -> io.BufferedIOBase:
    """`raw` itself, or a gunzipping reader over it for a `.gz` path."""
    return gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw  # type: ignore[return-value]


def _is_word2vec_binary(path: Path) -> bool:
    try:
        with _open_bytes(path) as f:
            header = f.readline(100)
            sample = f.read(4096)
    except (OSError, EOFError, zlib.error) as exc:
        raise VectorsError(f"{path} cannot be read: {exc}") from None
    if len(header.split()) != 2 or not all(p.isdigit() for p in header.split()):
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(sample) - 4  # a multi-byte character cut at the sample's end is still text
    return False


def _read_word2vec_binary(path: Path) -> tuple[list[str], np.ndarray]:
    from gensim.models import KeyedVectors

    try:
        kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    except (ValueError, EOFError, OSError, zlib.error) as exc:
        raise VectorsError(f"{path} is a truncated or corrupt word2vec binary file: {exc}") from None
    return list(kv.index_to_key), kv.vectors.astype(np.float32, copy=False)


class _TextReader:
    """Parses a GloVe or word2vec text file in chunks of lines, naming the line of any fault."""

    def __init__(self, path: Path, expected_sha1: str | None) -> None:
        self.path = path
        self.expected_sha1 = expected_sha1
        self.sha1 = hashlib.sha1()
        self.dim = 0
        self.words: list[str] = []
        self.chunks: list[np.ndarray] = []

    def read(self) -> tuple[list[str], np.ndarray]:
        from tqdm import tqdm

        size = self.path.stat().st_size
        with (
            self.path.open("rb") as raw,
            tqdm(
                total=size, unit="B", unit_scale=True, desc=f"converting {self.path.name}", disable=None, leave=False
            ) as bar,
        ):
            for start, lines in self._chunks(_decompressed(raw, self.path)):
                self._parse(start, lines)
                bar.update(raw.tell() - bar.n)
        self._check_complete()
        return self.words, np.concatenate(self.chunks)

    def _chunks(self, stream: io.BufferedIOBase) -> Iterator[tuple[int, list[str]]]:
        lines: list[str] = []
        line_no = start = 1
        try:
            for line_no, raw_line in enumerate(stream, 1):  # noqa: B007  (line_no is used after the loop)
                self.sha1.update(raw_line)
                lines.append(self._decode(raw_line, line_no))
                if len(lines) == _CHUNK_LINES:
                    yield start, lines
                    lines, start = [], line_no + 1
        except (EOFError, OSError, zlib.error) as exc:
            raise VectorsError(f"{self.path} is truncated or corrupt after line {line_no}: {exc}") from None
        if lines:
            yield start, lines

    def _decode(self, raw_line: bytes, line_no: int) -> str:
        try:
            return raw_line.decode("utf-8").rstrip("\n").rstrip("\r")
        except UnicodeDecodeError:
            raise VectorsError(f"{self.path} line {line_no}: not UTF-8 text (a binary file named .txt?)") from None

    def _parse(self, start: int, lines: list[str]) -> None:
        if start == 1 and self._is_header(lines[0]):
            self.dim = int(lines[0].split()[1])
            lines, start = lines[1:], 2
        words, rests = [], []
        for line in lines:
            word, _, rest = line.rstrip(" ").partition(" ")
            words.append(word)
            rests.append(rest)
        self.dim = self.dim or len(rests[0].split(" "))
        self._check_counts(start, rests)
        try:
            values = np.loadtxt(rests, dtype=np.float32, delimiter=" ", ndmin=2)
        except ValueError:
            raise self._bad_number(start, rests) from None
        self.words.extend(words)
        self.chunks.append(values)

    @staticmethod
    def _is_header(line: str) -> bool:
        parts = line.split()
        return len(parts) == 2 and all(p.isdigit() for p in parts)

    def _check_counts(self, start: int, rests: list[str]) -> None:
        for offset, rest in enumerate(rests):
            found = rest.count(" ") + 1 if rest else 0
            if found != self.dim:
                raise VectorsError(
                    f"{self.path} line {start + offset}: expected a word and {counted(self.dim, 'number')}, "
                    f"found {found} (truncated, or not a vectors file?)"
                )

    def _bad_number(self, start: int, rests: list[str]) -> VectorsError:
        for offset, rest in enumerate(rests):
            try:
                [float(x) for x in rest.split(" ")]
            except ValueError as exc:
                return VectorsError(f"{self.path} line {start + offset}: {exc}")
        return VectorsError(f"{self.path} lines {start}-{start + len(rests) - 1}: unreadable numbers")

    def _check_complete(self) -> None:
        if not self.words:
            raise VectorsError(f"{self.path} holds no vectors")
        if self.expected_sha1 and self.sha1.hexdigest() != self.expected_sha1:
            raise DataError(
                f"{self.path} is corrupt or not the upstream file: content SHA-1 {self.sha1.hexdigest()[:12]}..., "
                f"expected {self.expected_sha1[:12]}...; replace it with the file from {GLOVE_6B_URL}"
            )
