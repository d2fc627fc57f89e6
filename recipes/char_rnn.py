"""Character-level language model: a stacked LSTM writes Shakespeare one character at a time.

The talks' recurrent net (Sutskever, Martens & Hinton, "Generating Text with Recurrent Neural Networks",
ICML 2011; Karpathy's char-rnn and "The Unreasonable Effectiveness of Recurrent Neural Networks", 2015): read
a text one character at a time and predict the next one. Trained on Karpathy's tinyshakespeare (or the Keras
example's `corpus=nietzsche`), it learns words, names, line breaks and the shape of a play from characters
alone, then writes new text from a prime.

The net: an embedding of each character, `layers` LSTMs of `units` each, and a softmax over the characters.
It trains on non-overlapping windows of `sequence_length` characters (each window starts from a zero state,
truncated backpropagation through time) with Adam, each weight's gradient norm clipped, and a cosine learning-rate
decay over the whole run. The text is split by position, as nanoGPT splits it: the first 90% trains, the
next 5% validates, the last 5% is the test set. The test loss is the mean cross-entropy over every character
of the test windows, in nats and in bits per character (nats / ln 2); windows of the same length as training,
so the first characters of each are predicted with little context, as in nanoGPT's evaluation.

`model=transformer` swaps the LSTMs for the modern comparison, a small GPT in nanoGPT's shape (learned
positions, `layers` pre-norm blocks of causal self-attention with `heads` heads and a 4x GELU MLP, `units`
wide); it reads windows of `sequence_length` characters, so it writes by re-reading the last window for each
new character. nanoGPT's CPU setup is `model=transformer layers=4 heads=4 units=128 embedding_size=128
sequence_length=64 batch_size=12 learning_rate=0.001`.

Published: no paper reports tinyshakespeare's test loss; the reference is nanoGPT's README (Karpathy, 2022):
`config/train_shakespeare_char.py`, a 6-layer 10.7M-parameter transformer, reaches a validation loss of
1.4697 nats in about 3 minutes on one A100 GPU; its CPU configuration (4 layers of 128, block 64, 2,000
iterations of batch 12) reaches "about 1.88". nanoGPT's validation set is the last 10% of the text; kt's test
set is the last 5% (the 5% before it validates). No figure is compared for `corpus=nietzsche`.

    kt run recipe char_rnn
    kt run recipe char_rnn corpus=nietzsche
    kt predict saved_models/char_rnn/RUN --prime "ROMEO:" --length 500 --temperature 0.8

What it reaches here: see docs/RESULTS.md (`benchmarks/char_rnn.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import click
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from kerastoolkit.config import RecipeConfig, check_heads, param
from kerastoolkit.data.splits import Splits
from kerastoolkit.data.text import read_corpus, split_by_position, windows
from kerastoolkit.evaluation import Evaluation
from kerastoolkit.fileio import write_text
from kerastoolkit.layers.positions import PositionEmbedding
from kerastoolkit.options import SEED, FiniteFloatRange
from kerastoolkit.registry import Published
from kerastoolkit.text.characters import Characters
from kerastoolkit.text.sampling import sampler_for
from kerastoolkit.trainer import compiled_scores

PUBLISHED = {
    "metric": "loss",
    "value": 1.4697,
    "source": "nanoGPT README (Karpathy 2022): shakespeare_char, 10.7M-param transformer, one A100 (CPU setup ~1.88)",
    "decimals": 2,
}


@dataclass
class Config(RecipeConfig):
    corpus: Literal["tinyshakespeare", "nietzsche"] = param("tinyshakespeare", "the text to learn")
    epochs: int = 7
    batch_size: int = 32
    learning_rate: float = param(0.006, "Adam's step size at the start (cosine decay to a tenth of it)", above=0.0)
    sequence_length: int = param(64, "characters per training window (backpropagation through time)", minimum=2)
    embedding_size: int = param(64, "width of each character's embedding", minimum=1)
    units: int = param(256, "units in each LSTM layer (model=transformer: its width)", minimum=1)
    layers: int = param(2, "stacked LSTM layers (model=transformer: its blocks)", minimum=1)
    dropout: float = param(0.0, "dropout between the layers", minimum=0.0, below=1.0)
    clip_norm: float = param(5.0, "each weight's gradient norm is clipped to this", above=0.0)
    model: Literal["lstm", "transformer"] = param("lstm", "the talks' stacked LSTM, or a small GPT as the modern peer")
    heads: int = param(4, "attention heads, each units/heads wide (model=transformer)", minimum=1)

    def check(self) -> None:
        if self.model == "transformer":
            check_heads(self)


def published(config: Config) -> Published | None:
    """nanoGPT's tinyshakespeare figure; none for nietzsche, which it does not report."""
    return Published(**PUBLISHED) if config.corpus == "tinyshakespeare" else None


def _split(ids: np.ndarray, config: Config, limit_name: str = "") -> tuple[tf.data.Dataset, int]:
    limit = getattr(config, limit_name) if limit_name else 0
    inputs, targets = windows(ids, config.sequence_length, limit, limit_name)
    return tf.data.Dataset.from_tensor_slices((inputs, targets)), len(inputs)


def build_data(config: Config, data_dir: str | None = None) -> Splits:
    """Windows of the corpus, split by position; `train_limit` / `test_limit` count windows. The characters are
    the asset `characters` (saved with the run as characters.json)."""
    text = split_by_position(read_corpus(config.corpus, data_dir))
    train, num_train = _split(text.train, config, "train_limit")
    validation, num_validation = _split(text.validation, config)
    test, num_test = _split(text.test, config, "test_limit")
    return Splits(
        train=train,
        validation=validation,
        test=test,
        num_train=num_train,
        num_validation=num_validation,
        num_test=num_test,
        assets={"characters": text.characters.to_json()},
    )


def stacked_lstm(x: keras.KerasTensor, config: Config) -> keras.KerasTensor:
    """The talks' net: LSTMs on top of each other. Each also returns its state, which the training graph
    ignores and the sampler carries from one character to the next."""
    for i in range(config.layers):
        if i and config.dropout:
            x = layers.Dropout(config.dropout)(x)
        x, *_ = layers.LSTM(config.units, return_sequences=True, return_state=True, name=f"lstm_{i + 1}")(x)
    return x


def transformer_block(x: keras.KerasTensor, config: Config) -> keras.KerasTensor:
    """GPT-2's block: causal self-attention, then a 4x-wide MLP, each after a layer norm and added back."""
    h = layers.LayerNormalization(epsilon=1e-5)(x)
    key_size = max(1, config.units // config.heads)  # Keras projects the heads back to `units` wide
    h = layers.MultiHeadAttention(config.heads, key_size, dropout=config.dropout)(h, h, use_causal_mask=True)
    x = layers.Add()([x, h])
    h = layers.LayerNormalization(epsilon=1e-5)(x)
    h = layers.Dense(4 * config.units, activation="gelu")(h)
    h = layers.Dropout(config.dropout)(layers.Dense(config.units)(h))
    return layers.Add()([x, h])


def small_gpt(x: keras.KerasTensor, config: Config) -> keras.KerasTensor:
    """The modern peer (nanoGPT's shape): positions added to the embeddings, `layers` blocks, a final norm."""
    x = layers.Dense(config.units, use_bias=False)(x) if config.embedding_size != config.units else x
    x = PositionEmbedding(config.sequence_length, name="positions")(x)
    for _ in range(config.layers):
        x = transformer_block(x, config)
    return layers.LayerNormalization(epsilon=1e-5)(x)


def _characters(data: Splits) -> Characters:
    return Characters.from_json(data.assets["characters"])


def build_model(config: Config, data: Splits) -> keras.Model:
    """Embedding -> the stacked LSTMs (or the transformer) -> logits over the characters."""
    vocabulary_size = len(_characters(data))
    inputs = keras.Input((None,), dtype="int32", name="characters")
    x = layers.Embedding(vocabulary_size, config.embedding_size, name="embedding")(inputs)
    x = stacked_lstm(x, config) if config.model == "lstm" else small_gpt(x, config)
    logits = layers.Dense(vocabulary_size, name="logits")(x)
    model = keras.Model(inputs, logits, name="char_rnn")
    steps = config.epochs * math.ceil(data.num_train / config.batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, decay_steps=steps, alpha=0.1)
    model.compile(
        # Per-weight clipping: Keras 3.15's global_clipnorm slows learning with an Embedding's sparse gradient.
        optimizer=keras.optimizers.Adam(schedule, clipnorm=config.clip_norm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def evaluate(model: keras.Model, data: Splits, config: Config) -> Evaluation:
    """Test cross-entropy per character, in nats (`loss`) and in bits (`bits_per_char`)."""
    nats = compiled_scores(model, data.test, config.batch_size)["loss"]
    return Evaluation({"loss": nats, "bits_per_char": nats / math.log(2)})


def report(model: keras.Model, data: Splits, config: Config, evaluation: Evaluation, folder: Path) -> None:
    """sample.txt: 500 characters at temperature 0.8, primed with the test text's first whole line."""
    sampler = sampler_for(model, _characters(data), window=config.sequence_length)
    lines = sampler.characters.decode(next(iter(data.test))[0].numpy()).split("\n")
    prime = lines[1] + "\n" if len(lines) > 2 and lines[1] else "\n"
    text = "".join(sampler.stream(prime, 500, 0.8))
    write_text(folder / "sample.txt", prime + text + "\n")


@click.option("--prime", default="\n", show_default="a line break", help="text to start from (any length)")
@click.option("--length", type=click.IntRange(min=0), default=500, show_default=True, help="characters to write")
@click.option(
    "--temperature",
    type=FiniteFloatRange(min=0, min_open=True),
    default=0.8,
    show_default=True,
    help="below 1: safer, more repetitive text; above 1: more surprising, more misspelt",
)
@click.option("--seed", type=SEED, default=0, show_default=True, help="random seed of the sampling")
def predict(saved: Any, prime: str = "\n", length: int = 500, temperature: float = 0.8, seed: int = 0) -> None:
    """Write text after a prime, one character at a time, as the model predicts it.

    \b
    Examples:
      kt predict RUN_DIR --prime "ROMEO:" --length 500 --temperature 0.8
      kt predict RUN_DIR --prime "The meaning of life is" --length 200
    """
    if not prime:
        raise click.BadParameter("give at least one character", param_hint="--prime")
    if length < 0:  # from Python (the option refuses it)
        raise click.BadParameter(f"{length} is not a number of characters, 0 or more", param_hint="--length")
    characters = saved.asset("characters", Characters.from_json)
    sampler = sampler_for(saved.model, characters, window=saved.config.sequence_length)
    sampler.characters.encode(prime)  # refuse unknown characters before anything is printed
    click.echo(prime, nl=False)
    for character in sampler.stream(prime, length, temperature, seed):
        click.echo(character, nl=False)
    click.echo()
