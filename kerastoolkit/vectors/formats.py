"""Reading word-vector files: GloVe text (no header), word2vec text (a `COUNT DIM` header) and word2vec binary,
each plain or gzipped. The text reader parses chunks of lines with numpy, names the line of any fault and can
check the content's SHA-1 against a published one on the way (`vectors.store` converts what it reads into its
cache).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kerastoolkit.errors import DataError, VectorsError
from kerastoolkit.report import counted

_CHUNK_LINES = 20_000


def read_vectors(source: Path, expected_sha1: str | None = None, upstream: str = "") -> tuple[list[str], np.ndarray]:
    """The words and float32 vectors of a GloVe or word2vec text file or a word2vec binary file (`.gz` read
    through); `expected_sha1`, if given, is checked against a text file's content (DataError naming `upstream`,
    where a good copy comes from). VectorsError names the line of any fault."""
    if _is_word2vec_binary(source):
        return _read_word2vec_binary(source)
    return _TextReader(source, expected_sha1, upstream).read()


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

    def __init__(self, path: Path, expected_sha1: str | None, upstream: str = "") -> None:
        self.path = path
        self.expected_sha1, self.upstream = expected_sha1, upstream
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
                f"expected {self.expected_sha1[:12]}...; replace it with the file from {self.upstream or 'its source'}"
            )
