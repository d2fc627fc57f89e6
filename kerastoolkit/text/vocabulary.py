"""Word vocabularies: words <-> integer ids, with 0 for padding and 1 for a word never seen in training.

A `Vocabulary` is built from the training split only and saved with the run (`to_json`/`from_json`), so that
`kt predict` maps a user's words exactly as training did. Unknown words are never dropped silently:
`unknown(tokens)` names them, and `encode(..., strict=True)` refuses them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from kerastoolkit.errors import InputError

PAD, UNKNOWN = "<pad>", "<unk>"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-cased words, punctuation dropped: "Where is Mary?" -> ["where", "is", "mary"]."""
    return _WORD.findall(text.lower())


class Vocabulary:
    """An ordered word list; id 0 is padding, id 1 the unknown word, real words start at 2."""

    def __init__(self, words: Iterable[str]):
        self.words: list[str] = [PAD, UNKNOWN]
        for word in words:
            if word not in (PAD, UNKNOWN):
                self.words.append(word)
        self.ids: dict[str, int] = {word: i for i, word in enumerate(self.words)}
        if len(self.ids) != len(self.words):
            raise ValueError("a vocabulary lists each word once")

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]]) -> Vocabulary:
        """Every word of `token_lists`, most frequent first (ties alphabetical), so ids are reproducible."""
        counts = Counter(word for tokens in token_lists for word in tokens)
        return cls(sorted(counts, key=lambda w: (-counts[w], w)))

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.ids

    def unknown(self, tokens: Iterable[str]) -> list[str]:
        """The words of `tokens` not in the vocabulary, in order, each once."""
        return list(dict.fromkeys(word for word in tokens if word not in self.ids))

    def encode(self, tokens: Sequence[str], *, strict: bool = False) -> list[int]:
        """Ids of `tokens`; unknown words map to 1, or raise InputError naming them when `strict`."""
        if strict and (missing := self.unknown(tokens)):
            raise InputError(f"unknown word{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
        return [self.ids.get(word, 1) for word in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Words of `ids`, padding left out."""
        return [self.words[i] for i in ids if i != 0]

    def to_json(self) -> dict[str, Any]:
        return {"words": self.words}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Vocabulary:
        """The vocabulary `to_json` wrote; ValueError for anything else."""
        words = data.get("words") if isinstance(data, dict) else None
        if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
            raise ValueError("not a vocabulary: a list of words under 'words' was expected")
        return cls(words)
