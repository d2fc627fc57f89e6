"""Writing a translation with a trained model: greedy search and beam search.

Both call the teacher-forcing model itself on the prefix written so far (`NextWord`): the models' decoders are
causal, so the logits at the prefix's last position are those of the next word. The encoder runs again at each
step; for sentences of at most ~20 words that costs less than keeping per-model decoder states, and one decoder
serves the LSTM, the attention GRU and the transformer alike. (keras-hub's `BeamSampler` needs a fixed-length
prompt and has no length normalisation; this search is short enough to read.)

Beam search keeps the `width` best prefixes of each sentence by summed log-probability; a prefix that has written
`<end>` is finished and carries on unchanged at no cost. At the end (all finished, or `max_length` words) each
sentence's answer is the prefix with the best log-probability divided by Wu et al. 2016's length penalty
((5 + length) / 6) ** alpha (alpha 0: the plain sum). With `width=1` it writes exactly what greedy search writes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kerastoolkit.translation.tokens import END_ID, START_ID

NextWord = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (sources, prefixes) -> log-probs of the next word


def next_word(model: object) -> NextWord:
    """`(sources (n, s), prefixes (n, t)) -> log-probabilities (n, vocabulary)` of the word after each prefix."""
    import tensorflow as tf

    ids = tf.TensorSpec([None, None], tf.int32)

    @tf.function(input_signature=[ids, ids])
    def step(sources: tf.Tensor, prefixes: tf.Tensor) -> tf.Tensor:
        logits = model({"source": sources, "target": prefixes}, training=False)[:, -1]  # type: ignore[operator]
        return tf.nn.log_softmax(logits)

    return lambda sources, prefixes: step(sources.astype(np.int32), prefixes.astype(np.int32)).numpy()


def _trim(row: np.ndarray) -> list[int]:
    """The words of a written row: after `<start>`, up to (not including) `<end>`."""
    ids = [int(i) for i in row[1:]]
    return ids[: ids.index(END_ID)] if END_ID in ids else ids


def greedy(step: NextWord, sources: np.ndarray, max_length: int) -> list[list[int]]:
    """The most probable next word each time, until `<end>` or `max_length` words."""
    prefixes = np.full((len(sources), 1), START_ID, dtype=np.int32)
    done = np.zeros(len(sources), dtype=bool)
    for _ in range(max_length):
        chosen = np.argmax(step(sources, prefixes), axis=-1).astype(np.int32)
        chosen[done] = 0
        prefixes = np.concatenate([prefixes, chosen[:, None]], axis=1)
        done |= chosen == END_ID
        if done.all():
            break
    return [_trim(row) for row in prefixes]


def length_penalty(lengths: np.ndarray, alpha: float) -> np.ndarray:
    """Wu et al. 2016: ((5 + length) / 6) ** alpha."""
    return ((5.0 + lengths) / 6.0) ** alpha


def beam_search(
    step: NextWord, sources: np.ndarray, max_length: int, width: int, alpha: float = 0.6
) -> list[list[int]]:
    """The best of `width` beams per sentence by log-probability / length penalty (see the module's docstring)."""
    count = len(sources)
    rows = np.repeat(sources, width, axis=0)
    prefixes = np.full((count * width, 1), START_ID, dtype=np.int32)
    scores = np.tile(np.r_[0.0, np.full(width - 1, -np.inf)], count)  # one live beam per sentence at first
    lengths = np.zeros(count * width)
    done = np.zeros(count * width, dtype=bool)
    for _ in range(max_length):
        log_probs = step(rows, prefixes).astype(np.float64)
        log_probs[done] = -np.inf
        log_probs[done, 0] = 0.0  # a finished beam continues with padding, at no cost
        total = (scores[:, None] + log_probs).reshape(count, -1)
        best = np.argsort(-total, axis=1, kind="stable")[:, :width]
        vocabulary = log_probs.shape[1]
        parents = (np.arange(count)[:, None] * width + best // vocabulary).ravel()
        words = (best % vocabulary).ravel().astype(np.int32)
        scores = np.take_along_axis(total, best, axis=1).ravel()
        prefixes = np.concatenate([prefixes[parents], words[:, None]], axis=1)
        lengths = lengths[parents] + ~done[parents]
        done = done[parents] | (words == END_ID)
        if done.all():
            break
    normalised = (scores / length_penalty(lengths, alpha)).reshape(count, width)
    chosen = np.argmax(normalised, axis=1) + np.arange(count) * width
    return [_trim(prefixes[i]) for i in chosen]
