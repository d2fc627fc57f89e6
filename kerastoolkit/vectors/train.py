"""word2vec training with gensim (skip-gram or CBOW, negative sampling, all cores) on a plain-text corpus."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kerastoolkit.errors import VectorsError
from kerastoolkit.fileio import atomic_path, read_utf8, unwritable_reason


@dataclass(frozen=True)
class TrainResult:
    """What `vectors.train` reports: the saved .kv file, the vocabulary size, the dimension, the corpus's words and
    the training time."""

    path: Path
    vocabulary: int
    dim: int
    raw_words: int
    seconds: float

    @property
    def words_per_second(self) -> float:
        """Corpus words processed per second of training (all epochs, before subsampling)."""
        return self.raw_words / self.seconds if self.seconds else 0.0


def read_corpus(path: str | os.PathLike) -> list[list[str]]:
    """One sentence per non-empty line, lower-cased words without punctuation (gensim's simple_preprocess)."""
    from gensim.utils import simple_preprocess

    corpus = Path(path)
    text = read_utf8(corpus, VectorsError, "corpus")
    sentences = [s for s in (simple_preprocess(line, min_len=1, max_len=40) for line in text.splitlines()) if s]
    if not sentences:
        raise VectorsError(f"corpus {corpus} holds no words")
    return sentences


def _progress(epochs: int) -> object:
    from gensim.models.callbacks import CallbackAny2Vec
    from tqdm import tqdm

    class EpochBar(CallbackAny2Vec):
        def on_train_begin(self, model: object) -> None:
            self.bar = tqdm(total=epochs, unit="epoch", desc="word2vec", disable=None, leave=False)

        def on_epoch_end(self, model: object) -> None:
            self.bar.update(1)

        def on_train_end(self, model: object) -> None:
            self.bar.close()

    return EpochBar()


def train(
    corpus: str | os.PathLike | Iterable[list[str]],
    out: str | os.PathLike,
    dim: int = 100,
    window: int = 5,
    min_count: int = 5,
    epochs: int = 5,
    skipgram: bool = True,
    negative: int = 5,
    workers: int | None = None,
    seed: int = 1,
) -> TrainResult:
    """Train word2vec on `corpus` (a text file, or tokenised sentences) and save the vectors to `out` (.kv)."""
    from gensim.models import Word2Vec

    for name, value in (("dim", dim), ("window", window), ("min_count", min_count), ("epochs", epochs)):
        if value < 1:
            raise VectorsError(f"{name} must be at least 1, got {value}")
    out_path = Path(out)
    if out_path.suffix != ".kv":
        raise VectorsError(f"--out {out_path}: give a .kv file name (gensim's native format)")
    reason = unwritable_reason(out_path.parent)
    if reason:  # known before the training, not after it
        raise VectorsError(f"cannot write --out {out_path}: {reason}")
    if isinstance(corpus, str | os.PathLike) and out_path.resolve() == Path(corpus).resolve():
        raise VectorsError(f"--out {out_path} is the corpus itself; give another file name")
    sentences = read_corpus(corpus) if isinstance(corpus, (str, os.PathLike)) else list(corpus)
    model = Word2Vec(
        vector_size=dim,
        window=window,
        min_count=min_count,
        sg=int(skipgram),
        hs=0,
        negative=negative,
        workers=workers or os.cpu_count() or 1,
        seed=seed,
        epochs=epochs,
    )
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        raise VectorsError(f"no word occurs {min_count} times in the corpus; lower --min-count")
    start = time.perf_counter()
    _, raw_words = model.train(
        sentences, total_examples=model.corpus_count, epochs=epochs, callbacks=[_progress(epochs)]
    )
    seconds = time.perf_counter() - start
    model.wv.fill_norms()
    try:
        with atomic_path(out_path) as tmp:
            model.wv.save(str(tmp), separately=[])  # one file, so the atomic rename covers all of it
    except OSError as exc:
        raise VectorsError(f"cannot write --out {out_path}: {exc.strerror or exc}") from None
    return TrainResult(out_path, len(model.wv), dim, raw_words, seconds)
