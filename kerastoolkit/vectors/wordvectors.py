"""`WordVectors`: a vocabulary and its vectors, with the analogy and nearest-word queries.

The queries are gensim's own formulas (`KeyedVectors.most_similar` for 3CosAdd, `most_similar_cosmul` for
3CosMul) written against numpy arrays, so that a warm `kt analogy` needs no gensim import: importing gensim alone
takes about a second on a small machine, longer than the whole query. `tests/test_vectors.py` checks that the
answers and scores equal gensim's. `.keyed_vectors` gives the gensim object for everything else.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from kerastoolkit.errors import VectorsError

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

Method = Literal["cosadd", "cosmul"]
METHODS: tuple[str, ...] = ("cosadd", "cosmul")
_CLOSE_MATCH_POOL = 100_000  # most frequent words searched for "did you mean" (all of them is slow)


def _words(words: str | Sequence[str]) -> list[str]:
    """A lone word as a list of one (a string is a sequence of letters, not of words)."""
    return [words] if isinstance(words, str) else list(words)


@dataclass
class WordVectors:
    """Words and their vectors (rows of `vectors`, often memory-mapped) with precomputed L2 `norms`."""

    name: str
    words: list[str]
    vectors: np.ndarray
    norms: np.ndarray
    source: Path | None = None
    cache: Path | None = None
    _kv: KeyedVectors | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        """`"king" in vectors`: whether `word` has a vector (as stored, or lower-cased, as `lookup` finds it)."""
        return isinstance(word, str) and self._row(word) is not None

    def __getitem__(self, word: str) -> np.ndarray:
        """`vectors["king"]`: the word's vector, as gensim's KeyedVectors gives it."""
        return self.vector(word)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @cached_property
    def index(self) -> dict[str, int]:
        """Word -> row; a word listed twice keeps its first (most frequent) row."""
        index: dict[str, int] = {}
        for i, word in enumerate(self.words):
            index.setdefault(word, i)
        return index

    def _row(self, word: str) -> int | None:
        """The row of `word` as stored, else of its lower-case form; None if neither has one."""
        return next((self.index[form] for form in (word, word.lower()) if form in self.index), None)

    def lookup(self, word: str) -> int:
        """The row of `word` as stored, else of its lower-case form; `VectorsError` with close matches if neither."""
        row = self._row(word)
        if row is not None:
            return row
        pool = self.words[:_CLOSE_MATCH_POOL]
        close = difflib.get_close_matches(word.lower(), pool, n=4, cutoff=0.75)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise VectorsError(f"'{word}' is not in the vocabulary of {self.name} ({len(self)} words){hint}")

    def unit(self, row: int) -> np.ndarray:
        return np.asarray(self.vectors[row] / self.norms[row], dtype=np.float32)

    def cosines(self, direction: np.ndarray) -> np.ndarray:
        """Cosine of every word vector with the unit vector `direction` (gensim: dot(vectors, mean) / norms)."""
        return np.dot(self.vectors, direction) / self.norms

    def nearest(
        self,
        positive: str | Sequence[str],
        negative: str | Sequence[str] = (),
        topn: int = 10,
        method: Method = "cosadd",
    ) -> list[tuple[str, float]]:
        """The `topn` words closest to sum(positive) - sum(negative), the query words excluded; a lone word may be
        given as a string, as to gensim's `most_similar`."""
        if method not in METHODS:
            raise VectorsError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
        pos = [self.lookup(w) for w in _words(positive)]
        neg = [self.lookup(w) for w in _words(negative)]
        if not pos and not neg:
            raise VectorsError("nearest needs at least one word")
        scores = self._cosadd(pos, neg) if method == "cosadd" else self._cosmul(pos, neg)
        exclude = set(pos + neg)
        k = min(topn + len(exclude), len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best if i not in exclude][:topn]

    def _cosadd(self, pos: list[int], neg: list[int]) -> np.ndarray:
        terms = [self.unit(i) for i in pos] + [-self.unit(i) for i in neg]
        mean = np.mean(terms, axis=0)
        return self.cosines((mean / np.linalg.norm(mean.astype(np.float64))).astype(np.float32))

    def _cosmul(self, pos: list[int], neg: list[int]) -> np.ndarray:
        # Levy & Goldberg (2014) eq. 4, cosines shifted to [0, 1] as in their footnote 7 (and gensim)
        pos_sims = [(1 + self.cosines(self.unit(i))) / 2 for i in pos]
        neg_sims = [(1 + self.cosines(self.unit(i))) / 2 for i in neg]
        return np.prod(pos_sims, axis=0) / (np.prod(neg_sims, axis=0) + 1e-6)

    def analogy(self, a: str, b: str, c: str, topn: int = 5, method: Method = "cosadd") -> list[tuple[str, float]]:
        """a - b + c: `analogy("king", "man", "woman")[0][0] == "queen"`."""
        return self.nearest([a, c], [b], topn=topn, method=method)

    def similar(self, word: str, topn: int = 10) -> list[tuple[str, float]]:
        """The `topn` nearest words to `word` by cosine."""
        return self.nearest([word], topn=topn)

    def vector(self, word: str) -> np.ndarray:
        return np.asarray(self.vectors[self.lookup(word)])

    def normed(self) -> np.ndarray:
        """All vectors scaled to unit length (a new in-memory array)."""
        return (self.vectors / self.norms[:, None]).astype(np.float32)

    @property
    def keyed_vectors(self) -> KeyedVectors:
        """The same vectors as a gensim `KeyedVectors` (arrays shared, not copied)."""
        if self._kv is None:
            from gensim.models import KeyedVectors

            kv = KeyedVectors(self.dim, count=0, dtype=self.vectors.dtype)
            kv.index_to_key = self.words
            kv.key_to_index = self.index
            kv.vectors = self.vectors
            kv.norms = self.norms
            self._kv = kv
        return self._kv

    @classmethod
    def from_keyed_vectors(cls, kv: KeyedVectors, name: str, source: Path | None = None) -> WordVectors:
        kv.fill_norms()
        return cls(name, list(kv.index_to_key), kv.vectors, kv.norms, source=source, _kv=kv)
