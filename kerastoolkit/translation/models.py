"""The three translation nets, one function each, and what they share: their inputs, output layer and training.

Every model maps `{"source": English ids, "target": <start> + French ids}` (0-padded) to logits over the French
vocabulary at each target position (teacher forcing); decoding (`kerastoolkit.translation.decoding`) calls the
same model on the prefix written so far. Each decoder is causal, so a position's logits never depend on what
follows it, and padding is masked from every encoder.

- `sequence_to_sequence`: Sutskever et al. 2014: stacked LSTMs; the encoder's final states start the decoder.
- `attention_model`: a GRU encoder (with `bidirectional`, Bahdanau et al. 2015's bidirectional one) and a GRU
  decoder whose output attends over the encoder's states with the additive (Bahdanau) score, then combines the
  context with the decoder state into the "attentional hidden state" tanh(W [context; state]) of Luong et al.
  2015 (global attention, without input feeding). The layer named `attention` also returns its weights
  (`attention_weights_model`).
- `transformer`: Vaswani et al. 2017 from keras-hub's layers (token and position embeddings, post-norm encoder
  and causal decoder blocks).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import keras
from keras import layers

from kerastoolkit.translation.data import TranslationSplits

# keras-hub's embedding and attention layers compute padding masks of their own (TokenAndPositionEmbedding from
# the token ids); Keras warns that their inner layers drop the mask they were passed, which changes nothing here.
warnings.filterwarnings(
    "ignore", message=r"Layer '.*' .* was passed an input with a mask attached", category=UserWarning
)


def _inputs() -> tuple[keras.KerasTensor, keras.KerasTensor]:
    return keras.Input((None,), dtype="int32", name="source"), keras.Input((None,), dtype="int32", name="target")


def _finish(source: Any, target: Any, features: Any, data: TranslationSplits, config: Any, name: str) -> keras.Model:
    """The French logits from `features`, and the model compiled: Adam with a linear decay to a tenth over the
    run, each weight's gradient norm clipped, cross-entropy over the real (not padding) target tokens."""
    logits = layers.Dense(len(data.target_vocabulary), name="logits")(features)
    model = keras.Model({"source": source, "target": target}, logits, name=name)
    steps = max(1, config.epochs * math.ceil(data.num_train / config.batch_size))
    schedule = keras.optimizers.schedules.PolynomialDecay(config.learning_rate, steps, config.learning_rate / 10)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule, clipnorm=config.clip_norm),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
    )
    return model


def _embedded(ids: Any, vocabulary_size: int, width: int, name: str) -> Any:
    return layers.Embedding(vocabulary_size, width, mask_zero=True, name=name)(ids)


def sequence_to_sequence(data: TranslationSplits, config: Any) -> keras.Model:
    """Stacked LSTM encoder and decoder (`layers` each, `units` wide); the source arrives reversed (data)."""
    source, target = _inputs()
    x = _embedded(source, len(data.source_vocabulary), config.embedding_size, "source_embedding")
    states = []
    for i in range(config.layers):
        x, h, c = layers.LSTM(config.units, return_sequences=True, return_state=True, name=f"encoder_{i + 1}")(x)
        x = layers.Dropout(config.dropout)(x)
        states.append([h, c])
    y = _embedded(target, len(data.target_vocabulary), config.embedding_size, "target_embedding")
    for i in range(config.layers):
        y = layers.LSTM(config.units, return_sequences=True, name=f"decoder_{i + 1}")(y, initial_state=states[i])
        y = layers.Dropout(config.dropout)(y)
    return _finish(source, target, y, data, config, "translate_seq2seq")


def _gru_encoder(x: Any, config: Any) -> tuple[Any, Any]:
    """The English states (annotations) and the state that starts the decoder: a GRU's final state, or with
    `bidirectional=True` Bahdanau's bidirectional GRU and tanh(W h_backward)."""
    if not config.bidirectional:
        return layers.GRU(config.units, return_sequences=True, return_state=True, name="encoder")(x)
    encoder = layers.Bidirectional(layers.GRU(config.units, return_sequences=True, return_state=True), name="encoder")
    annotations, _, backward = encoder(x)
    return annotations, layers.Dense(config.units, activation="tanh", name="initial_state")(backward)


def attention_model(data: TranslationSplits, config: Any) -> keras.Model:
    """GRU encoder, GRU decoder, additive attention, attentional hidden state, logits."""
    source, target = _inputs()
    x = _embedded(source, len(data.source_vocabulary), config.embedding_size, "source_embedding")
    annotations, initial = _gru_encoder(x, config)
    annotations = layers.Dropout(config.dropout)(annotations)
    y = _embedded(target, len(data.target_vocabulary), config.embedding_size, "target_embedding")
    states = layers.GRU(config.units, return_sequences=True, name="decoder")(y, initial_state=initial)
    query = layers.Dense(config.units, use_bias=False, name="query")(states)
    keys = layers.Dense(config.units, use_bias=False, name="keys")(annotations)
    context, _ = layers.AdditiveAttention(name="attention")(
        [query, annotations, keys], mask=[None, keras.ops.not_equal(source, 0)], return_attention_scores=True
    )
    hidden = layers.Dense(config.units, activation="tanh", name="attentional_state")(
        layers.Concatenate()([context, states])
    )
    return _finish(source, target, layers.Dropout(config.dropout)(hidden), data, config, "translate_attention")


def attention_weights_model(model: keras.Model) -> keras.Model:
    """The same inputs to (logits, attention weights (batch, target positions, source positions))."""
    _, weights = model.get_layer("attention").output
    return keras.Model(model.inputs, [model.output, weights])


def transformer(data: TranslationSplits, config: Any) -> keras.Model:
    """`layers` encoder and `layers` decoder blocks, `units` wide, `heads` heads, a 4x feed-forward layer."""
    import keras_hub

    source, target = _inputs()
    length = config.max_tokens + 1

    def embedded(ids: Any, vocabulary_size: int, name: str) -> Any:
        return keras_hub.layers.TokenAndPositionEmbedding(
            vocabulary_size, length, config.units, mask_zero=True, name=name
        )(ids)

    x = embedded(source, len(data.source_vocabulary), "source_embedding")
    for i in range(config.layers):
        x = keras_hub.layers.TransformerEncoder(
            4 * config.units, config.heads, config.dropout, name=f"encoder_{i + 1}"
        )(x)
    y = embedded(target, len(data.target_vocabulary), "target_embedding")
    for i in range(config.layers):
        block = keras_hub.layers.TransformerDecoder(
            4 * config.units, config.heads, config.dropout, name=f"decoder_{i + 1}"
        )
        y = block(y, x)
    return _finish(source, target, layers.Dropout(config.dropout)(y), data, config, "translate_transformer")
