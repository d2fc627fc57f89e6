"""Plain-text corpora for character-level models, split by position into train / validation / test windows.

The corpora are the classic ones: Karpathy's tinyshakespeare (char-rnn) and the Keras `nietzsche.txt`
(lstm_text_generation). The split is by position, as nanoGPT's: the first `1 - held_out` of the text trains,
the rest is cut in two halves, validation then test. Each split is cut into non-overlapping windows of
`window` characters; the target of a window is the same window shifted by one character.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerastoolkit.data.folder import RemoteFile, fetch
from kerastoolkit.errors import ConfigError, DataError
from kerastoolkit.fileio import read_utf8
from kerastoolkit.text.characters import Characters

CORPORA = {
    "tinyshakespeare": RemoteFile(
        "text/tinyshakespeare.txt",
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        1_115_394,
    ),
    # No checksum was ever published for the Keras copy; this is the sha256 of the text as the Keras example
    # reads it (600,893 characters lower-cased, 57 distinct), re-derived from two public copies.
    "nietzsche": RemoteFile(
        "text/nietzsche.txt",
        "https://s3.amazonaws.com/text-datasets/nietzsche.txt",
        "23cf69874ab69d3d256099ab530ea4be24d47d9675b673bcc67cbcd6298ec647",
        600_901,
    ),
}


def read_corpus(name: str, data_dir: str | Path | None = None) -> str:
    """The corpus's text (checksum verified; downloaded into the data folder if missing)."""
    return read_utf8(fetch(CORPORA[name], data_dir), DataError)


@dataclass
class TextSplits:
    """The three splits as character ids, and the vocabulary of the whole text (see `split_by_position`)."""

    characters: Characters
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def split_by_position(text: str, held_out: float = 0.1) -> TextSplits:
    """First `1 - held_out` of the text for training, then validation and test halves of the rest.

    The vocabulary is every character of the whole text, as nanoGPT and the Keras example build it: nietzsche's
    last tenth has a letter (Æ) that its first nine tenths lack, and a model must be able to score it.
    """
    train_end = round(len(text) * (1 - held_out))
    validation_end = train_end + (len(text) - train_end) // 2
    characters = Characters(text)
    ids = characters.encode(text)
    return TextSplits(characters, ids[:train_end], ids[train_end:validation_end], ids[validation_end:])


def windows(ids: np.ndarray, window: int, limit: int = 0, limit_name: str = "limit") -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping (inputs, next-character targets) windows of `window` ids; the first `limit` (0: all).
    A limit above the windows there are is refused (ConfigError naming `limit_name`): it would give them all."""
    count = (len(ids) - 1) // window
    if limit > count:
        raise ConfigError(f"{limit_name}={limit} is larger than the split it limits ({count} windows of {window})")
    if limit:
        count = limit
    if count < 1:
        raise DataError(f"a text of {len(ids)} characters holds no window of {window} (make sequence_length shorter)")
    inputs = ids[: count * window].reshape(count, window)
    targets = ids[1 : count * window + 1].reshape(count, window)
    return inputs, targets
