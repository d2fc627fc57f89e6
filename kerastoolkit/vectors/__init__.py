"""Word vectors on gensim: load by name or path, analogies, nearest words, evaluation, word2vec, embeddings.

    >>> from kerastoolkit import vectors
    >>> wv = vectors.load()                        # GloVe 6B 50d from the data folder, cached  # doctest: +SKIP
    >>> wv.analogy("king", "man", "woman")[0]      # doctest: +SKIP
    ('queen', 0.852...)
    >>> matrix, coverage = vectors.embedding_matrix(wv, ["", "[UNK]", "the", "cat"])  # doctest: +SKIP

Importing this package costs numpy only; gensim, matplotlib and keras are imported by the functions that use them.
"""

from kerastoolkit.vectors.embedding import Coverage, embedding_layer, embedding_matrix
from kerastoolkit.vectors.evaluate import AnalogyScore, SimilarityScore, evaluate_analogies, evaluate_similarity
from kerastoolkit.vectors.plot import plot
from kerastoolkit.vectors.store import DEFAULT_VECTORS, NAMED, cache_dir, load
from kerastoolkit.vectors.train import TrainResult, train
from kerastoolkit.vectors.wordvectors import METHODS, WordVectors

__all__ = [
    "DEFAULT_VECTORS",
    "METHODS",
    "NAMED",
    "AnalogyScore",
    "Coverage",
    "SimilarityScore",
    "TrainResult",
    "WordVectors",
    "cache_dir",
    "embedding_layer",
    "embedding_matrix",
    "evaluate_analogies",
    "evaluate_similarity",
    "load",
    "plot",
    "train",
]
