"""English-to-French translation with a plain encoder-decoder: stacked LSTMs, the English read backwards.

Reproduces the model of Sutskever, Vinyals & Le, "Sequence to Sequence Learning with Neural Networks" (NIPS 2014,
arXiv 1409.3215): one stack of LSTMs reads the English sentence, reversed ("introduced many short term
dependencies between the source and the target sentence which made the optimization problem easier"), and its
final states start a second stack that writes the French, trained with teacher forcing (the true previous word
as input). The paper's net has 4 layers of 1000 cells and 160,000/80,000-word vocabularies; this one is sized for
two CPU cores (`layers`, `units`). Built in `kerastoolkit.translation.models.sequence_to_sequence`.

The data, the split, decoding and scoring are those of `translate_attention` (see its docstring): the Tatoeba
pairs split by English sentence, sacreBLEU corpus BLEU (case-insensitive, multi-reference) after beam search on
the first `test_limit` test English sentences. It is the baseline the attention model is measured against at the
same training budget, and BLEU by English length (`bleu_by_length.png`) shows where a fixed-length encoding gives
way (Bahdanau et al. 2015, Figure 2).

Published: 34.8 BLEU on WMT'14 English-French news (the paper's abstract: an ensemble of 5 deep LSTMs with beam
search, "penalized on out-of-vocabulary words"); not Tatoeba, so a reference, not a like-for-like target.

    kt run recipe translate_seq2seq
    kt translate saved_models/translate_seq2seq/RUN "I am cold."

Sizing: 1,941 steps of 64 pairs per epoch; with the defaults (2 x 256 LSTM units, 8,000-word vocabularies, 3 epochs)
it trained in 25.6 minutes on two idle cores here (about 8.5 minutes an epoch, more than translate_attention's 6;
2026-11-24, before dropout was reseeded every epoch) and reached 11.99 BLEU with beam search, against
translate_attention's 39.63: without attention the fixed-length encoding learns far more slowly (its validation loss
was still falling steeply), and it fails most on the longest sentences (5.8 BLEU on 11-15 English words).

What it reaches here, in full: docs/RESULTS.md (`benchmarks/translate.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras

from kerastoolkit.config import param
from kerastoolkit.translation import hooks, models
from kerastoolkit.translation.config import TranslationConfig
from kerastoolkit.translation.data import TranslationSplits, build_splits

PUBLISHED = {
    "metric": "bleu",
    "value": 34.8,
    "source": "Sutskever et al. 2014, abstract: ensemble of 5 reversed deep LSTMs, WMT'14 en-fr news (not Tatoeba)",
    "decimals": 1,
}
TRANSLATES = True  # `kt translate` works for its runs


@dataclass
class Config(TranslationConfig):
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = param(0.002, "Adam's step size at the start (linear decay to a tenth)", above=0.0)
    embedding_size: int = param(256, "width of the word embeddings", minimum=1)
    units: int = param(256, "LSTM units in each layer", minimum=1)
    layers: int = param(2, "stacked LSTM layers in the encoder and in the decoder", minimum=1)
    dropout: float = param(0.2, "dropout after each LSTM layer", minimum=0.0, below=1.0)
    reverse_source: bool = param(True, "read the English sentence backwards (Sutskever et al.)")


build_data = build_splits  # the release's sentence pairs, tokenised and split (kerastoolkit.translation.data)


def build_model(config: Config, data: TranslationSplits) -> keras.Model:
    return models.sequence_to_sequence(data, config)


evaluate = hooks.evaluate  # corpus BLEU of beam-search translations of the test sentences (sacrebleu)
report = hooks.report  # bleu_by_length.png and translations.txt in the run folder
predict = hooks.predict  # `kt translate` / `kt predict`: SENTENCE... --beam --greedy
