"""Committees: several nets' softmax outputs averaged (Ciresan, Meier & Schmidhuber 2012, "Multi-column deep
neural networks for image classification"), scored member by member, and the errors they still make.

`committee(members)` is one Keras model: the input goes to every member and `Average` merges their outputs, so
the saved model.keras is the committee and loads with safe_mode on (its members are nested functional models).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from kerastoolkit.data.pipeline import evaluation_batches
from kerastoolkit.errors import InputError
from kerastoolkit.evaluation import Evaluation
from kerastoolkit.inside.draw import image_grid, in_rows
from kerastoolkit.report import pyplot, save_figure

MOST_ERRORS = 60  # wrong digits drawn in errors.png


def _on_one_input(members: Sequence[keras.Model]) -> tuple[keras.KerasTensor, list[keras.KerasTensor]]:
    """A new input of the members' shape, and each member's output on it."""
    inputs = keras.Input(tuple(members[0].inputs[0].shape[1:]))
    return inputs, [member(inputs) for member in members]


def committee(members: Sequence[keras.Model], name: str = "committee") -> keras.Model:
    """One model whose output is the mean of the members' outputs (members' names must differ)."""
    inputs, outputs = _on_one_input(members)
    model = keras.Model(inputs, keras.layers.Average(name="average")(outputs), name=name)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.optimizer.build(model.trainable_variables)  # saved whole, so model.keras loads without a warning
    return model


def members_of(model: keras.Model) -> list[keras.Model]:
    """The member nets of a `committee` model (also of one loaded from model.keras); InputError for a model that
    holds none (one member, as a recipe's `build_model` gives it: `train` assembles the committee)."""
    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    if not members:
        raise InputError(f"{model.name} is not a committee (it holds no member nets): give the model `train` returns")
    return members


def members_side_by_side(model: keras.Model) -> keras.Model:
    """One model whose outputs are the members' outputs, so one `predict` pass scores them all (a pass per
    member would trace a predict function per member and batch shape: TensorFlow warns of retracing)."""
    return keras.Model(*_on_one_input(members_of(model)))


def split_outputs(side_by_side: keras.Model, split: tf.data.Dataset, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """The labels of `split` and each member's class probabilities, (members, examples, classes), from the
    committee's `members_side_by_side` model."""
    batches = evaluation_batches(split, batch_size)
    labels = np.concatenate([y.numpy() for _, y in batches])
    outputs = side_by_side.predict(batches, verbose=0)
    return labels, np.stack(outputs if isinstance(outputs, list | tuple) else [outputs])


def _committee_classes(outputs: np.ndarray) -> np.ndarray:
    """The committee's class for each example: the members' outputs averaged, as the model does, then the largest."""
    return outputs.mean(axis=0).argmax(axis=-1)


def _accuracies(labels: np.ndarray, outputs: np.ndarray) -> tuple[list[float], float]:
    """Each member's accuracy and the committee's."""
    members = [float(np.mean(output.argmax(axis=-1) == labels)) for output in outputs]
    return members, float(np.mean(_committee_classes(outputs) == labels))


def committee_evaluation(
    model: keras.Model, test: tf.data.Dataset, batch_size: int, validation: tf.data.Dataset | None = None
) -> Evaluation:
    """The committee's test accuracy and error, and a breakdown with each member's accuracy (`members.csv`); the
    committee's predicted class of every test digit and its true class are kept (`test_predictions`, `test_labels`)
    for the confusion matrix and `plot_errors`, so the test set is predicted once.

    With `validation`, every row also holds its validation accuracy: what a choice between committees (more
    members, longer training) should be made by, the test set being looked at once.
    """
    side_by_side = members_side_by_side(model)
    labels, outputs = split_outputs(side_by_side, test, batch_size)
    member_accuracies, accuracy = _accuracies(labels, outputs)
    rows = [
        {"net": f"member {i}", "accuracy": a, "errors": round((1 - a) * len(labels))}
        for i, a in enumerate(member_accuracies, 1)
    ]
    rows.append({"net": "committee", "accuracy": accuracy, "errors": round((1 - accuracy) * len(labels))})
    scores = {"accuracy": accuracy, "error": 1 - accuracy, "mean_member_accuracy": float(np.mean(member_accuracies))}
    if validation is not None:
        members_seen, committee_seen = _accuracies(*split_outputs(side_by_side, validation, batch_size))
        for row, seen in zip(rows, [*members_seen, committee_seen], strict=True):
            row["validation_accuracy"] = seen
    predicted = _committee_classes(outputs)
    return Evaluation(scores, rows, breakdown_name="members", test_predictions=predicted, test_labels=labels)


def plot_errors(
    evaluation: Evaluation, test: tf.data.Dataset, batch_size: int, class_names: Sequence[str], path: Path, title: str
) -> int:
    """errors.png: the test images the committee gets wrong (at most MOST_ERRORS), each captioned with its true
    and predicted class (only a heading where there are none), from the classes `committee_evaluation` kept in
    `evaluation`. Returns how many it gets wrong."""
    labels, predicted = evaluation.test_labels, evaluation.test_predictions
    wrong = np.flatnonzero(predicted != labels)
    shown = wrong[:MOST_ERRORS]
    images = np.concatenate([x.numpy() for x, _ in evaluation_batches(test, batch_size)])[shown]
    captions = [f"{class_names[labels[i]]} -> {class_names[predicted[i]]}" for i in shown]
    heading = f"{title}: {len(wrong)} errors (true -> predicted)"
    if len(shown):
        image_grid(in_rows(list(images)), path, heading, captions=in_rows(captions), stretch=False)
    else:
        fig = pyplot().figure(figsize=(4, 1))
        fig.text(0.5, 0.5, heading, ha="center", va="center")
        save_figure(fig, path)
    return len(wrong)
