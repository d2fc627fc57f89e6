"""The translation splits: pairs as padded id arrays for teacher forcing, and the test set grouped by English.

Training and validation elements are `({"source": ids, "target": <start> + French ids}, French ids + <end>)`,
each padded with 0 to `max_tokens + 1`; the source is reversed when the recipe asks (Sutskever et al. 2014).
Pairs with more than `max_tokens` tokens on either side are dropped (the count is printed). The test set is one
entry per English sentence (those of at most `max_tokens` tokens), with every French translation of it in the
file as its references, in sha1 order; `test_limit` keeps the first N. Its tf.data (for the test loss) holds
the first pair of each of them. The vocabularies come from the training split and are the run's assets.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import numpy as np

from kerastoolkit.data.folder import data_dir as data_folder
from kerastoolkit.data.pairs import hash_order, read_pairs, split_of
from kerastoolkit.data.splits import Splits
from kerastoolkit.errors import ConfigError
from kerastoolkit.text.vocabulary import Vocabulary
from kerastoolkit.translation.config import TranslationConfig
from kerastoolkit.translation.tokens import END_ID, START_ID, build_vocabulary, target_vocabulary, words

Pair = tuple[list[str], list[str]]


@dataclass
class TestSentence:
    english: str
    references: list[str]  # every French translation of it in the file


@dataclass
class TranslationSplits(Splits):
    source_vocabulary: Vocabulary = field(default_factory=lambda: Vocabulary([]))
    target_vocabulary: Vocabulary = field(default_factory=lambda: Vocabulary([]))
    test_sentences: list[TestSentence] = field(default_factory=list)
    dropped: int = 0  # training and validation pairs over max_tokens
    written: dict[str, list[str]] = field(default_factory=dict)  # test translations by decoding (evaluate)


def encode_source(tokens: Sequence[str], vocabulary: Vocabulary, length: int, reverse: bool) -> np.ndarray:
    """Source ids padded with 0 to `length` (reversed first when `reverse`)."""
    ids = vocabulary.encode(list(tokens)[:length])
    ids = ids[::-1] if reverse else ids
    return np.array(ids + [0] * (length - len(ids)), dtype=np.int32)


def _arrays(pairs: list[Pair], data: TranslationSplits, config: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    length = config.max_tokens + 1
    reverse = getattr(config, "reverse_source", False)
    sources = np.stack([encode_source(e, data.source_vocabulary, length, reverse) for e, _ in pairs])
    targets = np.zeros((len(pairs), length + 1), dtype=np.int32)
    for row, (_, french) in enumerate(pairs):
        ids = [START_ID, *data.target_vocabulary.encode(french), END_ID]
        targets[row, : len(ids)] = ids
    return {"source": sources, "target": targets[:, :-1]}, targets[:, 1:]


def _dataset(pairs: list[Pair], data: TranslationSplits, config: Any) -> Any:
    import tensorflow as tf

    features, labels = _arrays(pairs, data, config)
    return tf.data.Dataset.from_tensor_slices((features, labels))


def _group_test(raw: list[tuple[str, str]], max_tokens: int, limit: int) -> list[TestSentence]:
    grouped: dict[str, list[str]] = {}
    for english, french in raw:
        if len(words(english)) <= max_tokens:
            grouped.setdefault(english, []).append(french)
    ordered = sorted(grouped, key=hash_order)
    return [TestSentence(e, grouped[e]) for e in ordered[: limit or None]]


@functools.lru_cache(maxsize=2)
def _read_release(release: str, folder: Path) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[Pair]]]:
    """The pairs of a release by split, raw and (train, validation) tokenised; read once per process."""
    by_split: dict[str, list[tuple[str, str]]] = {"train": [], "validation": [], "test": []}
    for english, french in read_pairs(release, folder):
        by_split[split_of(english)].append((english, french))
    tokenised = {name: [(words(e), words(f)) for e, f in by_split[name]] for name in ("train", "validation")}
    return by_split, tokenised


def build_splits(config: TranslationConfig, data_dir: str | Path | None = None) -> TranslationSplits:
    """Train / validation / test of the configured release, tokenised, capped and vectorised."""
    by_split, tokenised = _read_release(config.release, data_folder(data_dir).resolve())
    kept = {name: [p for p in pairs if max(map(len, p)) <= config.max_tokens] for name, pairs in tokenised.items()}
    dropped = sum(len(tokenised[n]) - len(kept[n]) for n in kept)
    train = kept["train"][: config.train_limit or None]
    validation = kept["validation"][: config.validation_limit or None]
    if config.train_limit > len(kept["train"]):
        raise ConfigError(f"train_limit={config.train_limit} is larger than the training split ({len(train)} pairs)")
    test = _group_test(by_split["test"], config.max_tokens, config.test_limit)
    data = TranslationSplits(
        train=None, validation=None, test=None, num_train=len(train), num_validation=len(validation),
        num_test=len(test), dropped=dropped, test_sentences=test,
        source_vocabulary=build_vocabulary((e for e, _ in train), config.source_words),
        target_vocabulary=target_vocabulary((f for _, f in train), config.target_words),
    )  # fmt: skip
    data.assets = {
        "source_vocabulary": data.source_vocabulary.to_json(),
        "target_vocabulary": data.target_vocabulary.to_json(),
    }
    data.train = _dataset(train, data, config)
    data.validation = _dataset(validation, data, config)
    data.test = _dataset([(words(s.english), words(s.references[0])[: config.max_tokens]) for s in test], data, config)
    click.echo(
        f"{config.release} pairs: {len(train):,} train, {data.num_validation:,} validation "
        f"(of the release's train and validation pairs, {dropped:,} over {config.max_tokens} tokens were dropped "
        f"before any limit); {len(test):,} test English sentences scored"
    )
    return data
