"""English-to-French translation with attention: a GRU encoder and a GRU decoder that attends over it.

Reproduces the idea of Bahdanau, Cho & Bengio, "Neural Machine Translation by Jointly Learning to Align and
Translate" (ICLR 2015, arXiv 1409.0473): the decoder does not read the sentence from one fixed-length vector but
looks back at the encoder's state of every English word, weighted by a learned additive score (its Figure 3
draws these weights). The decoder is Luong, Pham & Manning 2015's global attention ("Effective Approaches to
Attention-based NMT", arXiv 1508.04025), with Bahdanau's additive score: the GRU runs over the French words, its
state at each step attends over the English states, and tanh(W [context; state]) predicts the next word (no
input feeding). The encoder is a GRU whose final state starts the decoder; `bidirectional=true` gives Bahdanau's
bidirectional GRU, whose backward state starts the decoder through a tanh layer. At the default size that one
learned markedly slower in a short trial here (30,000 pairs, 2 epochs: validation loss 3.74 against 2.51 for one
direction; level with it at 64 units on 3,000 pairs), so it is not the default; it has not been trained at full
length here (docs/RESULTS.md). Built in `kerastoolkit.translation.models.attention_model`.

The data: the Tatoeba English-French pairs (manythings.org, 2017-09-29 release, 142,787 pairs), split 90/5/5 by
a hash of the English sentence (`kerastoolkit.data.pairs`); pairs of more than `max_tokens` words on a side are
dropped from training. The test set is scored with sacreBLEU (case-insensitive, every French translation of an
English sentence as its references) after greedy and beam search (`kerastoolkit.translation.hooks`): `bleu` is
the beam search's corpus BLEU on the first `test_limit` test English sentences (in sha1 order).

Published: Bahdanau et al.'s Table 1, RNNsearch-50* on WMT'14 English-French news: 28.45 BLEU on all test
sentences, 36.15 on those without unknown words. News text is much harder than Tatoeba's short sentences, so
that number is a reference, not a like-for-like target. On Tatoeba's own en-fr test set, Helsinki-NLP's
opus-mt-en-fr (a large transformer trained on all of OPUS) scores 50.5 BLEU (chrF 0.672; its model card).

    kt run recipe translate_attention
    kt translate saved_models/translate_attention/RUN "I am cold." --attention attention.png

Sizing: 124,207 training pairs (15 words a side at most) make 1,941 steps of 64 per epoch. With the defaults (256
units, 8,000-word vocabularies, 3 epochs) it trained in 18.4 minutes on two idle cores here (about 6 minutes an
epoch; 2026-11-24, before dropout was reseeded every epoch) and reached 39.63 BLEU with beam search (35.60 greedy),
against 11.99 for translate_seq2seq and 45.33 for translate_transformer on the same split. Scoring 1,000 test
sentences with greedy and beam search adds a few minutes.

What it reaches here, in full: docs/RESULTS.md (`benchmarks/translate.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import keras

from kerastoolkit.config import param
from kerastoolkit.evaluation import Evaluation
from kerastoolkit.translation import hooks, models
from kerastoolkit.translation.config import TranslationConfig
from kerastoolkit.translation.data import TranslationSplits, build_splits

PUBLISHED = {
    "metric": "bleu",
    "value": 36.15,
    "source": "Bahdanau et al. 2015, Table 1, RNNsearch-50*, WMT'14 en-fr news without unknown words (not Tatoeba)",
    "decimals": 2,
}
TRANSLATES = True  # `kt translate` works for its runs


@dataclass
class Config(TranslationConfig):
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = param(0.002, "Adam's step size at the start (linear decay to a tenth)", above=0.0)
    embedding_size: int = param(256, "width of the word embeddings", minimum=1)
    units: int = param(256, "GRU units (the encoder has this many in each direction)", minimum=1)
    dropout: float = param(0.2, "dropout on the encoder states and before the output layer", minimum=0.0, below=1.0)
    bidirectional: bool = param(False, "Bahdanau's bidirectional GRU encoder (learned slower in a short trial here)")


build_data = build_splits  # the release's sentence pairs, tokenised and split (kerastoolkit.translation.data)


def build_model(config: Config, data: TranslationSplits) -> keras.Model:
    return models.attention_model(data, config)


evaluate = hooks.evaluate  # corpus BLEU of beam-search translations of the test sentences (sacrebleu)


def report(model: keras.Model, data: TranslationSplits, config: Config, evaluation: Evaluation, folder: Path) -> None:
    """`bleu_by_length.png`, `translations.txt`, and `attention.png` of the first scored test sentence the model
    can read (none when it knows no word of any: a tiny training slice)."""
    hooks.report(model, data, config, evaluation, folder)
    translator = hooks.translator_for(model, data, config)
    first = hooks.first_translatable(translator, [s.english for s in data.test_sentences])
    if first is not None:
        hooks.plot_attention(translator, first, folder / "attention.png", config.beam_width, config.length_penalty)


predict = hooks.predict  # `kt translate` / `kt predict`: SENTENCE... --beam --greedy --attention
