"""The idx format of MNIST-style datasets (http://yann.lecun.com/exdb/mnist/), plain or gzipped.

An idx file is a 4-byte magic (two zero bytes, a type code, the number of dimensions), one big-endian
uint32 per dimension, then the values in C order. Every failure is a `DataError` naming the file.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from kerastoolkit.errors import DataError

_UBYTE = 0x08


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{path} is corrupt or truncated: cannot decompress it ({exc})") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None


def _parse_header(path: Path, data: bytes) -> tuple[int, ...]:
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError(f"{path} is not an idx file (bad magic number {data[:4].hex() or 'empty'})")
    type_code, ndim = data[2], data[3]
    if type_code != _UBYTE:
        raise DataError(f"{path} holds idx type 0x{type_code:02x}; only unsigned bytes (0x08) are supported")
    if ndim == 0 or len(data) < 4 + 4 * ndim:
        raise DataError(f"{path} is corrupt or truncated: incomplete idx header")
    return struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])


def read_idx(path: str | Path) -> np.ndarray:
    """The uint8 array stored in an idx file (`.gz` is decompressed); DataError on a bad or truncated file."""
    path = Path(path)
    data = _read_bytes(path)
    shape = _parse_header(path, data)
    offset = 4 + 4 * len(shape)
    expected = math.prod(shape)
    got = len(data) - offset
    if got != expected:
        kind = "truncated" if got < expected else "corrupt (trailing bytes)"
        raise DataError(f"{path} is {kind}: {got} bytes of data for shape {shape}, expected {expected}")
    # A copy, so callers get an ordinary writable array rather than a read-only view of the bytes.
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape).copy()
