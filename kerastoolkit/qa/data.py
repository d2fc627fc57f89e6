"""bAbI splits for Keras: stories and questions as integer arrays, the answer as a vocabulary id.

Validation is the last `validation_fraction` of each task's training questions (the papers hold out 10%).
The vocabulary is built from the training file only and saved with the run (`vocabulary.json`), together with
the input sizes the model was built for (`inputs.json`), so `kt predict` reads a user's story exactly as
training did. Sentence and story lengths are measured on every split: they fix array shapes, not answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from kerastoolkit.data import babi
from kerastoolkit.data.splits import Splits
from kerastoolkit.errors import ConfigError
from kerastoolkit.qa.config import BabiConfig
from kerastoolkit.text import Vocabulary

Layout = Literal["memories", "words"]


@dataclass
class BabiSplits(Splits):
    """Splits whose elements are `({"story", "question"}, answer id)`, with what scoring and answering need."""

    vocabulary: Vocabulary = field(default_factory=lambda: Vocabulary([]))
    inputs: dict[str, int] = field(default_factory=dict)  # the array sizes the model is built for
    test_tasks: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    test_answers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    test_examples: list[babi.Example] = field(default_factory=list)  # the text, for pictures of a test story


def load_examples(config: BabiConfig, split: str, data_dir: str | Path | None) -> list[babi.Example]:
    """Every example of the configured task(s) in one split, task by task in file order."""
    if config.task == "all":
        return babi.load_all(config.size, split, data_dir, memory_size=config.memory_size)
    return babi.load_task(int(config.task), config.size, split, data_dir, memory_size=config.memory_size)


def _hold_out(examples: list[babi.Example], fraction: float) -> tuple[list[babi.Example], list[babi.Example]]:
    """Per task: the first questions for training, the last `fraction` of them for validation."""
    train, validation = [], []
    for task in dict.fromkeys(e.task for e in examples):
        own = [e for e in examples if e.task == task]
        cut = len(own) - round(len(own) * fraction)
        train += own[:cut]
        validation += own[cut:]
    return train, validation


def input_sizes(examples: list[babi.Example], config: BabiConfig, layout: Layout) -> dict[str, int]:
    """The array sizes that fit every example: memories x words per sentence, or story and question words."""
    if layout == "memories":
        longest_story = max(len(e.story) for e in examples)
        return {
            "memory_size": max(1, min(config.memory_size, longest_story)),
            "sentence_size": babi.sentence_length(examples),
        }
    return {
        "story_length": max(1, babi.story_length(examples)),
        "question_length": max(len(e.question) for e in examples),
    }


def vectorize(
    examples: list[babi.Example], vocabulary: Vocabulary, inputs: dict[str, int], layout: Layout
) -> dict[str, np.ndarray]:
    if layout == "memories":
        return babi.vectorize_memories(examples, vocabulary, inputs["memory_size"], inputs["sentence_size"])
    return babi.vectorize_words(examples, vocabulary, inputs["story_length"], inputs["question_length"])


def _dataset(examples: list[babi.Example], vocabulary: Vocabulary, inputs: dict[str, int], layout: Layout) -> Any:
    import tensorflow as tf

    features = vectorize(examples, vocabulary, inputs, layout)
    return tf.data.Dataset.from_tensor_slices((features, babi.answer_ids(examples, vocabulary)))


def build_splits(config: BabiConfig, data_dir: str | Path | None, layout: Layout) -> BabiSplits:
    """Train / validation / test of the configured task(s) and size, vectorised for `layout`."""
    train, validation = _hold_out(load_examples(config, "train", data_dir), config.validation_fraction)
    test = load_examples(config, "test", data_dir)
    for name, limit, split in (("train_limit", config.train_limit, train), ("test_limit", config.test_limit, test)):
        if limit > len(split):
            raise ConfigError(f"{name}={limit} is larger than the split it limits ({len(split)} questions)")
    train = train[: config.train_limit or None]
    test = test[: config.test_limit or None]
    vocabulary = babi.build_vocabulary(train + validation)
    inputs = input_sizes(train + validation + test, config, layout)
    return BabiSplits(
        train=_dataset(train, vocabulary, inputs, layout),
        validation=_dataset(validation, vocabulary, inputs, layout) if validation else None,
        test=_dataset(test, vocabulary, inputs, layout),
        num_train=len(train),
        num_validation=len(validation),
        num_test=len(test),
        assets={"vocabulary": vocabulary.to_json(), "inputs": {"layout": layout, **inputs}},
        vocabulary=vocabulary,
        inputs=inputs,
        test_tasks=np.array([e.task for e in test], dtype=np.int32),
        test_answers=babi.answer_ids(test, vocabulary),
        test_examples=test,
    )
