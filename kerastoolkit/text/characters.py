"""Character vocabularies for character-level language models: each distinct character of the training text
gets an id (sorted, so the ids are reproducible), saved with the run so `kt predict` encodes a prime exactly as
training did. A character never seen in training is refused by name, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from kerastoolkit.errors import InputError


class Characters:
    """The characters of a text, id i for the i-th in sorted order."""

    def __init__(self, characters: Iterable[str]):
        self.characters: str = "".join(sorted(set(characters)))
        self.ids: dict[str, int] = {c: i for i, c in enumerate(self.characters)}

    def __len__(self) -> int:
        return len(self.characters)

    def unknown(self, text: str) -> list[str]:
        """The characters of `text` that are not in the vocabulary, each once, in order of appearance."""
        return list(dict.fromkeys(c for c in text if c not in self.ids))

    def encode(self, text: str) -> np.ndarray:
        """`text` as int32 ids; InputError naming the characters the vocabulary lacks."""
        missing = self.unknown(text)
        if missing:
            shown = ", ".join(repr(c) for c in missing[:10])
            raise InputError(f"{len(missing)} character(s) never seen in training: {shown}")
        return np.fromiter((self.ids[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.characters[int(i)] for i in ids)

    def to_json(self) -> str:
        return self.characters

    @classmethod
    def from_json(cls, value: str) -> Characters:
        """The characters `to_json` wrote; ValueError for anything else."""
        if not isinstance(value, str) or not value:
            raise ValueError("not a character vocabulary: a non-empty string was expected")
        return cls(value)
