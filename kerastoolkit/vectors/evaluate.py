"""Scores on the standard test sets: the Google analogy set and word-similarity judgements.

The analogy score is gensim's `evaluate_word_analogies` (3CosAdd or 3CosMul, question words excluded, case
folded) computed in batches with one matrix product instead of one `most_similar` call per question: the same
answers for the 19,544 Google questions over GloVe's 400k words in about a tenth of the time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerastoolkit.errors import VectorsError
from kerastoolkit.fileio import read_utf8
from kerastoolkit.vectors.wordvectors import METHODS, Method, WordVectors

_BATCH = 128  # questions scored per matrix product: 128 x 400k float32 scores is 200 MB


def gensim_test_file(name: str) -> Path:
    """A test set shipped with gensim: questions-words.txt, wordsim353.tsv, simlex999.txt, lee_background.cor."""
    from gensim.test.utils import datapath

    return Path(datapath(name))


@dataclass(frozen=True)
class SectionScore:
    name: str
    correct: int
    total: int
    skipped: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def syntactic(self) -> bool:
        return self.name.startswith("gram")


@dataclass(frozen=True)
class AnalogyScore:
    """Per-section counts; `semantic`, `syntactic` and `total` are (correct, asked) pairs."""

    sections: tuple[SectionScore, ...]
    method: str
    restrict_vocab: int

    def _sum(self, syntactic: bool | None) -> tuple[int, int]:
        chosen = [s for s in self.sections if syntactic is None or s.syntactic == syntactic]
        return sum(s.correct for s in chosen), sum(s.total for s in chosen)

    @property
    def semantic(self) -> tuple[int, int]:
        return self._sum(False)

    @property
    def syntactic(self) -> tuple[int, int]:
        return self._sum(True)

    @property
    def total(self) -> tuple[int, int]:
        return self._sum(None)

    @property
    def skipped(self) -> int:
        return sum(s.skipped for s in self.sections)


@dataclass(frozen=True)
class SimilarityScore:
    name: str
    spearman: float
    pearson: float
    oov_percent: float


def _read_questions(path: Path) -> Iterator[tuple[str, list[list[str]]]]:
    section, questions = "", []
    for line_no, line in enumerate(read_utf8(path, VectorsError).splitlines(), 1):
        if line.startswith(":"):
            if questions:
                yield section, questions
            section, questions = line[1:].strip(), []
        elif line.strip():
            words = line.split()
            if len(words) != 4:
                raise VectorsError(f"{path} line {line_no}: expected 4 words, found {len(words)}")
            questions.append(words)
    if questions:
        yield section, questions


def _folded_index(words: list[str]) -> tuple[dict[str, int], np.ndarray | None]:
    """As gensim's case_insensitive=True: each upper-cased word maps to its first (most frequent) row.

    Also returns, for vocabularies where several rows fold together, each row's folded row (else None).
    """
    folded: dict[str, int] = {}
    for i, word in enumerate(words):
        folded.setdefault(word.upper(), i)
    if len(folded) == len(words):
        return folded, None
    return folded, np.array([folded[w.upper()] for w in words], dtype=np.int64)


def evaluate_analogies(
    vectors: WordVectors,
    questions: str | os.PathLike | None = None,
    method: Method = "cosadd",
    restrict_vocab: int = 0,
) -> AnalogyScore:
    """Accuracy on analogy questions (default: the Google set), answers searched among the first
    `restrict_vocab` words (0: the whole vocabulary, as the GloVe and word2vec papers score it).
    A question with a word outside that vocabulary is skipped, as gensim does by default."""
    if method not in METHODS:
        raise VectorsError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    path = Path(questions) if questions else gensim_test_file("questions-words.txt")
    limit = min(restrict_vocab or len(vectors), len(vectors))
    folded, canon = _folded_index(vectors.words[:limit])
    normed = vectors.normed()[:limit]
    sections = []
    for name, rows in _read_questions(path):
        known = [[folded[w.upper()] for w in q] for q in rows if all(w.upper() in folded for w in q)]
        questions_array = np.array(known, dtype=np.int64).reshape(-1, 4)
        correct = sum(
            _count_correct(normed, questions_array[i : i + _BATCH], method, canon) for i in range(0, len(known), _BATCH)
        )
        sections.append(SectionScore(name, correct, len(known), len(rows) - len(known)))
    if not sections:
        raise VectorsError(f"{path} holds no analogy questions (lines of four words)")
    return AnalogyScore(tuple(sections), method, limit)


def _scores(normed: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray, method: str) -> np.ndarray:
    if method == "cosadd":
        return (normed[b] - normed[a] + normed[c]) @ normed.T
    sim_a, sim_b, sim_c = ((1 + normed[w] @ normed.T) / 2 for w in (a, b, c))
    return sim_b * sim_c / (sim_a + 1e-6)


def _count_correct(normed: np.ndarray, questions: np.ndarray, method: str, canon: np.ndarray | None) -> int:
    a, b, c, d = questions.T
    scores = _scores(normed, a, b, c, method)
    rows = np.arange(len(a))
    for w in (a, b, c):
        scores[rows, w] = -np.inf
    best = np.argmax(scores, axis=1)
    if canon is None:
        return int(np.sum(best == d))
    # another case form of a question word is no answer either (gensim skips it too)
    while True:
        folded = canon[best]
        clash = np.flatnonzero((folded == a) | (folded == b) | (folded == c))
        if not clash.size:
            return int(np.sum(folded == d))
        scores[clash, best[clash]] = -np.inf
        best[clash] = np.argmax(scores[clash], axis=1)


def evaluate_similarity(vectors: WordVectors, pairs: str | os.PathLike | None = None) -> SimilarityScore:
    """Spearman and Pearson correlation with human judgements (default: wordsim353), via gensim."""
    import logging

    path = Path(pairs) if pairs else gensim_test_file("wordsim353.tsv")
    logging.getLogger("gensim.models.keyedvectors").setLevel(logging.ERROR)
    try:
        pearson, spearman, oov = vectors.keyed_vectors.evaluate_word_pairs(
            str(path), restrict_vocab=len(vectors), case_insensitive=True
        )
    except ValueError:  # scipy's correlations need two pairs at least
        raise VectorsError(f"fewer than two pairs of {path.name} are in the vocabulary of {vectors.name}") from None
    return SimilarityScore(path.name, float(spearman[0]), float(pearson[0]), float(oov))
