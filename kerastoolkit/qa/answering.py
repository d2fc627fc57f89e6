"""Answering new bAbI questions with a saved run: a test story by number, or a story and question typed in.

Both bAbI recipes' `predict` hooks take the same options (`predict_options`) and read the same inputs
(`read_question`); they differ only in what they show beyond the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
import numpy as np

from kerastoolkit.data.babi import Example
from kerastoolkit.errors import ConfigError, InputError
from kerastoolkit.options import data_dir_option
from kerastoolkit.qa.data import load_examples, vectorize
from kerastoolkit.text import Vocabulary, tokenize

_SENTENCE_END = re.compile(r"[.!?\n]+")


def predict_options(hook: Callable[..., Any]) -> Callable[..., Any]:
    """The options of `kt predict` for a bAbI run: `--example N`, or `--story TEXT --question TEXT`."""
    options = [
        click.option("--example", type=click.IntRange(min=0), help="Answer the Nth question of the test set."),
        click.option("--story", help='Your own story: sentences ending in "." (e.g. "Mary went to the hallway.").'),
        click.option("--question", help='Your own question about --story (e.g. "Where is Mary?").'),
        data_dir_option("the bAbI archive, for --example"),
    ]
    for option in reversed(options):
        hook = option(hook)
    return hook


@dataclass
class Question:
    example: Example  # the story (oldest sentence first), the question, the true answer ("" when unknown)
    features: dict[str, np.ndarray]  # the model's inputs, a batch of one
    vocabulary: Vocabulary  # the run's, which maps the model's answer ids back to words


def typed_example(story: str, question: str, vocabulary: Vocabulary) -> Example:
    """An Example from a typed story and question; InputError for empty text or words never seen in training."""
    sentences = tuple(tuple(tokenize(s)) for s in _SENTENCE_END.split(story) if tokenize(s))
    words = tuple(tokenize(question))
    if not sentences or not words:
        raise InputError("give a story of at least one sentence and a question, each with words in it")
    unknown = vocabulary.unknown([w for sentence in (*sentences, words) for w in sentence])
    if unknown:
        raise InputError(f"word{'s' if len(unknown) > 1 else ''} never seen in training: {', '.join(unknown)}")
    return Example(story=sentences, question=words, answer="", supporting=(), task=0)


def test_example(config: Any, index: int, data_dir: str | None) -> Example:
    """The `index`th question of the run's test set (its task(s) and size)."""
    if index < 0:  # from Python (the option refuses it)
        raise InputError(f"--example {index}: give a question number, 0 or more")
    examples = load_examples(config, "test", data_dir)
    if index >= len(examples):
        raise InputError(
            f"--example {index} is past the end of the test set ({len(examples)} questions: 0-{len(examples) - 1})"
        )
    return examples[index]


def _model_inputs(values: Any) -> tuple[str, dict[str, int]]:
    """The layout and the array sizes the model is built for, from inputs.json as `build_splits` wrote it."""
    sizes = {k: v for k, v in values.items() if k != "layout"} if isinstance(values, dict) else {}
    if not isinstance(values, dict) or not isinstance(values.get("layout"), str) or not sizes:
        raise ValueError("not the inputs of a bAbI model: a layout and array sizes were expected")
    if not all(isinstance(size, int) and size > 0 for size in sizes.values()):
        raise ValueError("an array size is not a positive whole number")
    return values["layout"], sizes


def read_question(
    saved: Any, example: int | None, story: str | None, question: str | None, data_dir: str | None
) -> Question:
    """The question that `kt predict`'s options name, encoded for the saved run's model."""
    if example is not None and (story or question):
        raise InputError("give either --example N or --story and --question, not both")
    vocabulary = saved.asset("vocabulary", Vocabulary.from_json)
    layout, sizes = saved.asset("inputs", _model_inputs)
    if example is not None:
        chosen = test_example(saved.config, example, data_dir)
    elif story is not None and question is not None:
        chosen = typed_example(story, question, vocabulary)
    else:
        raise InputError("give --example N, or --story TEXT and --question TEXT (see kt predict RUN_DIR --help)")
    try:
        features = vectorize([chosen], vocabulary, sizes, layout)
    except ConfigError as exc:  # a typed sentence longer than any the model was built for
        raise InputError(str(exc).split(";")[0]) from None
    return Question(chosen, features, vocabulary)


def best_answer(model: Any, question: Question) -> tuple[str, float]:
    """The model's answer word and its probability."""
    logits = np.asarray(model.predict(question.features, verbose=0))[0]
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    best = int(np.argmax(probabilities))
    return question.vocabulary.words[best], float(probabilities[best])


def show_answer(question: Question, answer: str, probability: float) -> None:
    """Print the story, the question, the model's answer and the true one."""
    for number, sentence in enumerate(question.example.story, start=1):
        click.echo(f"{number:>3}  {' '.join(sentence)}")
    click.echo(f"question: {' '.join(question.example.question)}?")
    verdict = ""
    if question.example.answer:
        verdict = (
            "  (right)" if answer == question.example.answer else f"  (wrong: the answer is {question.example.answer})"
        )
    click.echo(f"answer:   {answer}  p={probability:.2f}{verdict}")


def predict_hook(doc: str, show_more: Callable[[Any, Question], None] | None = None) -> Callable[..., None]:
    """A bAbI recipe's `predict` hook (`predict = answering.predict_hook(...)`): `kt predict`'s options, the
    story, the question and the model's answer printed, then whatever `show_more(saved, question)` adds (the
    memory network's hops); `doc` is its `--help`."""

    @predict_options
    def predict(
        saved: Any,
        example: int | None = None,
        story: str | None = None,
        question: str | None = None,
        data_dir: str | None = None,
    ) -> None:
        asked = answer(saved, example, story, question, data_dir)
        if show_more is not None:
            show_more(saved, asked)

    predict.__doc__ = doc
    return predict


def answer(saved: Any, example: int | None, story: str | None, question: str | None, data_dir: str | None) -> Question:
    """Read the question `kt predict`'s options name, print the story, the model's answer and the true one."""
    asked = read_question(saved, example, story, question, data_dir)
    show_answer(asked, *best_answer(saved.model, asked))
    return asked
