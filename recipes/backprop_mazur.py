"""Backpropagation by hand: Matt Mazur's worked example, a 2-2-2 sigmoid net learning one example.

Reproduces Matt Mazur, "A Step by Step Backpropagation Example" (2015,
https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/), the numbers that talks on
backpropagation step through: inputs 0.05 and 0.10, targets 0.01 and 0.99; weights w1, w2 (from i1, i2 to
h1), w3, w4 (to h2), w5, w6 (from h1, h2 to o1), w7, w8 (to o2) = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50,
0.55; biases 0.35 (hidden) and 0.60 (output), not trained; logistic units; the squared error
E = sum 1/2 (target - out)^2; gradient descent with learning rate 0.5. Published: the forward pass (out_o1
0.75136507, out_o2 0.772928465), the error 0.298371109, the eight weights after one step (w5 0.35891648 ...
w1 0.149780716 ...) and the error after 10,000 steps, 0.0000351085.

The net is two Keras `Dense` layers in float64 whose kernels hold the post's weights (a kernel's row is an
input, its column a unit: the hidden kernel is [[w1, w3], [w2, w4]]), and each step is a `tf.GradientTape`
step: every gradient is taken at the old weights, then all weights move together. That simultaneous update is
backpropagation (the gradient of E at one point), and it is what the post works through by hand: its new w1..w4
use the original w5..w8. `kt run` prints each figure beside the post's and writes them all to metrics.json and
figures.csv.

Where the post's closing paragraph differs from kt (the table marks these rows): its error after one step,
0.291027924, and its outputs after 10,000 steps, 0.015912196 and 0.984065734, are those of the first version of
Mazur's script (github.com/mattm/simple-neural-network before commit 4b6faac, 2015-03-15, "Update backprop algorithm
so that hidden layer weight updates use original weights"), which updated w5..w8 before passing the error back to
the hidden layer: that sequential update gives 0.2910279239, 0.0159121963 and 0.9840657345; the simultaneous one
gives 0.2910277737, 0.0159136204 and 0.9840642735 (docs/RESULTS.md). The post's error after 10,000 steps,
0.0000351085, is the simultaneous update's error in the forward pass of step 10,000, before that step's update (what
a training loop reports as the step's loss, and what history.csv records): after it, the error is 0.0000351019,
which kt reports as `error_after_10000` (the target, lower is better, is reached).

    kt run recipe backprop_mazur
    kt run recipe backprop_mazur steps=100 learning_rate=1      # the same net, other settings (no target)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from kerastoolkit.config import param
from kerastoolkit.data.splits import Splits
from kerastoolkit.evaluation import Evaluation
from kerastoolkit.registry import Published
from kerastoolkit.report import pyplot, save_figure
from kerastoolkit.trainer import Trainer

PUBLISHED = {
    "metric": "error_after_10000",
    "value": 0.0000351085,
    "source": "Mazur 2015, A Step by Step Backpropagation Example",
    "decimals": 10,
}
INPUTS, TARGETS = (0.05, 0.10), (0.01, 0.99)
WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
HIDDEN_BIAS, OUTPUT_BIAS = 0.35, 0.60
# Where each weight sits: (layer, input, unit). w1 joins input i1 to unit h1, w6 joins h2 to o1.
POSITIONS = {
    "w1": ("hidden", 0, 0),
    "w2": ("hidden", 1, 0),
    "w3": ("hidden", 0, 1),
    "w4": ("hidden", 1, 1),
    "w5": ("output", 0, 0),
    "w6": ("output", 1, 0),
    "w7": ("output", 0, 1),
    "w8": ("output", 1, 1),
}
POST_STEPS = 10_000
POST_LEARNING_RATE = 0.5
# The post's figures, as it prints them. The first group holds for any settings, the second for learning
# rate 0.5, the third for 10,000 steps at 0.5.
FORWARD_PASS = {
    "net_h1": "0.3775",
    "out_h1": "0.593269992",
    "out_h2": "0.596884378",
    "net_o1": "1.105905967",
    "out_o1": "0.75136507",
    "out_o2": "0.772928465",
    "error_o1": "0.274811083",
    "error_o2": "0.023560026",
    "total_error": "0.298371109",
    "grad_w5": "0.082167041",
    "grad_w1": "0.000438568",
}
FIRST_STEP = {
    "w5_after_1": "0.35891648",
    "w6_after_1": "0.408666186",
    "w7_after_1": "0.511301270",
    "w8_after_1": "0.561370121",
    "w1_after_1": "0.149780716",
    "w2_after_1": "0.19956143",
    "w3_after_1": "0.24975114",
    "w4_after_1": "0.29950229",
    "error_after_1": "0.291027924",
}
TRAINED = {
    "out_o1_after_10000": "0.015912196",
    "out_o2_after_10000": "0.984065734",
    "error_after_10000": "0.0000351085",
}
NOTES = {
    "error_after_1": "the post: sequential update (0.2910279239)",
    "out_o1_after_10000": "the post: sequential update",
    "out_o2_after_10000": "the post: sequential update",
    "error_after_10000": "the post: error in step 10,000, before its update",
}


@dataclass
class Config:
    steps: int = param(POST_STEPS, "gradient-descent steps on the one example", minimum=1)
    learning_rate: float = param(POST_LEARNING_RATE, "step size eta: w+ = w - eta * dE/dw", above=0.0)


def metric(config: Config) -> str:
    """The score the summary line reports: the error after the run's last step."""
    return f"error_after_{config.steps}"


def published(config: Config) -> Published | None:
    """The post's error after 10,000 steps at learning rate 0.5; no target for other settings."""
    if (config.steps, config.learning_rate) == (POST_STEPS, POST_LEARNING_RATE):
        return Published(**PUBLISHED)
    return None


def build_data(config: Config, data_dir: str | None = None) -> Splits:
    """The one training example, as train and test set (so the engine's contract holds)."""
    example = tf.data.Dataset.from_tensors((tf.constant(INPUTS, tf.float64), tf.constant(TARGETS, tf.float64)))
    return Splits(train=example, validation=None, test=example, num_train=1, num_validation=0, num_test=1)


def build_model(config: Config) -> keras.Model:
    """Two sigmoid Dense layers in float64 holding the post's weights; the biases are fixed."""
    model = keras.Sequential(
        [
            keras.Input((2,), dtype="float64"),
            layers.Dense(2, activation="sigmoid", dtype="float64", name="hidden"),
            layers.Dense(2, activation="sigmoid", dtype="float64", name="output"),
        ],
        name="backprop_mazur",
    )
    kernels = {"hidden": np.zeros((2, 2)), "output": np.zeros((2, 2))}
    for name, (layer, source, unit) in POSITIONS.items():
        kernels[layer][source, unit] = WEIGHTS[name]
    for layer, bias in (("hidden", HIDDEN_BIAS), ("output", OUTPUT_BIAS)):
        dense = model.get_layer(layer)
        dense.set_weights([kernels[layer], np.full(2, bias)])
        dense.bias.trainable = False  # the post trains the weights only
    return model


def total_error(targets: tf.Tensor, outputs: tf.Tensor) -> tf.Tensor:
    """E = sum 1/2 (target - out)^2 over the output units."""
    return tf.reduce_sum(0.5 * tf.square(targets - outputs))


def gradient_descent(model: keras.Model, learning_rate: float) -> Any:
    """`descend(x, t, n)`: n steps of w+ = w - eta * dE/dw; returns the error of the last step's forward pass.

    All gradients of a step come from one tape, at the old weights; then every weight moves.
    """
    weights = model.trainable_variables

    @tf.function
    def descend(x: tf.Tensor, t: tf.Tensor, n: tf.Tensor) -> tf.Tensor:
        error = tf.constant(0.0, tf.float64)
        for _ in tf.range(n):
            with tf.GradientTape() as tape:
                error = total_error(t, model(x))
            for weight, gradient in zip(weights, tape.gradient(error, weights), strict=True):
                weight.assign_sub(learning_rate * gradient)
        return error

    return descend


def the_example(data: Splits) -> tuple[tf.Tensor, tf.Tensor]:
    """The inputs and targets as a batch of one."""
    return next(iter(data.train.batch(1)))


def named_weights(model: keras.Model) -> dict[str, float]:
    """w1..w8 read from the kernels."""
    return {
        name: float(model.get_layer(layer).kernel.numpy()[source, unit])
        for name, (layer, source, unit) in POSITIONS.items()
    }


def forward_pass(model: keras.Model, x: tf.Tensor, t: tf.Tensor) -> dict[str, float]:
    """The post's forward pass: net input and output of each unit, the error per output and in total."""
    hidden, output = model.get_layer("hidden"), model.get_layer("output")
    net_h = x @ hidden.kernel + hidden.bias
    out_h = hidden(x)
    net_o = out_h @ output.kernel + output.bias
    out_o = output(out_h)
    error_o = 0.5 * tf.square(t - out_o)
    values = {
        "net_h1": net_h[0, 0],
        "net_h2": net_h[0, 1],
        "out_h1": out_h[0, 0],
        "out_h2": out_h[0, 1],
        "net_o1": net_o[0, 0],
        "net_o2": net_o[0, 1],
        "out_o1": out_o[0, 0],
        "out_o2": out_o[0, 1],
        "error_o1": error_o[0, 0],
        "error_o2": error_o[0, 1],
        "total_error": total_error(t, out_o),
    }
    return {name: float(value) for name, value in values.items()}


def gradients(model: keras.Model, x: tf.Tensor, t: tf.Tensor) -> dict[str, float]:
    """dE/dw for w1..w8 at the current weights."""
    with tf.GradientTape() as tape:
        error = total_error(t, model(x))
    kernels = [model.get_layer("hidden").kernel, model.get_layer("output").kernel]
    by_layer = dict(zip(("hidden", "output"), tape.gradient(error, kernels), strict=True))
    return {f"grad_{name}": float(by_layer[layer][source, unit]) for name, (layer, source, unit) in POSITIONS.items()}


def first_step(model: keras.Model, x: tf.Tensor, t: tf.Tensor, descend: Any) -> dict[str, float]:
    """The post's walk-through on `model` (at the post's weights): the forward pass, the gradients, one step of
    `descend` (`gradient_descent(model, ...)`, which changes `model`), the new weights and the error after it."""
    figures = {**forward_pass(model, x, t), **gradients(model, x, t)}
    descend(x, t, tf.constant(1))
    figures |= {f"{name}_after_1": value for name, value in named_weights(model).items()}
    figures["error_after_1"] = forward_pass(model, x, t)["total_error"]
    return figures


def trained_figures(model: keras.Model, x: tf.Tensor, t: tf.Tensor, steps: int) -> dict[str, float]:
    """The outputs and the error of the trained net."""
    forward = forward_pass(model, x, t)
    return {
        f"out_o1_after_{steps}": forward["out_o1"],
        f"out_o2_after_{steps}": forward["out_o2"],
        f"error_after_{steps}": forward["total_error"],
    }


def post_figures(config: Config) -> dict[str, str]:
    """The post's figures that apply to these settings (all of them at its own)."""
    figures = dict(FORWARD_PASS)
    if config.learning_rate == POST_LEARNING_RATE:
        figures |= FIRST_STEP
        if config.steps == POST_STEPS:
            figures |= TRAINED
    return figures


def _row(name: str, value: float, post: dict[str, str]) -> dict[str, Any]:
    shown = post.get(name)
    return {
        "quantity": name,
        "kt": value,
        "published": None if shown is None else float(shown),
        "difference": None if shown is None else abs(value - float(shown)),
        "note": NOTES.get(name, "") if shown is not None else "",
    }


def _show(title: str, figures: dict[str, float], post: dict[str, str]) -> None:
    click.echo(title)
    for name, value in figures.items():
        beside = f"   Mazur 2015: {post[name]}" if name in post else ""
        note = f"   ({NOTES[name]})" if name in post and name in NOTES else ""
        click.echo(f"  {name:<20} {value:>15.10f}{beside}{note}")


def train(model: keras.Model, data: Splits, config: Config, trainer: Trainer) -> keras.Model:
    """The post top to bottom: the forward pass and one step shown in full, then the rest of the steps, one
    history.csv row per 1,000 (the loss of that step's forward pass)."""
    x, t = the_example(data)
    post = post_figures(config)
    started = time.perf_counter()
    descend = gradient_descent(model, config.learning_rate)
    figures = first_step(model, x, t, descend)
    forward = [name for name in figures if not name.startswith(("w", "error_after"))]
    _show("The forward pass at the post's weights (and dE/dw):", {n: figures[n] for n in forward}, post)
    after_one = {n: v for n, v in figures.items() if n not in forward}
    _show(
        f"After one step at learning rate {config.learning_rate} (all gradients at the old weights):", after_one, post
    )

    rows, done, last = [], 1, float(figures["total_error"])
    while done < config.steps:
        block_started = time.perf_counter()
        n = min(1000 - done % 1000, config.steps - done)
        last = float(descend(x, t, tf.constant(n)))
        done += n
        seconds = time.perf_counter() - (started if not rows else block_started)
        rows.append({"stage": "sgd", "epoch": len(rows) + 1, "step": done, "seconds": round(seconds, 3), "loss": last})
        trainer.run.write_history(rows)
    if config.steps > 1:
        click.echo(f"Step {config.steps:,}: error {last:.10f} in its forward pass, before its update")
    _show(f"After {config.steps:,} steps:", trained_figures(model, x, t, config.steps), post)
    return model


def evaluate(model: keras.Model, data: Splits, config: Config) -> Evaluation:
    """Every figure of the post, recomputed from the post's weights, and the trained net's outputs and error;
    the breakdown sets each beside the post's."""
    x, t = the_example(data)
    fresh = build_model(config)
    figures = {
        **first_step(fresh, x, t, gradient_descent(fresh, config.learning_rate)),
        **trained_figures(model, x, t, config.steps),
    }
    post = post_figures(config)
    rows = [_row(name, value, post) for name, value in figures.items()]
    return Evaluation(figures, rows, "figures", scored_on="training")  # the post's one example


def report(model: keras.Model, data: Splits, config: Config, evaluation: Evaluation, folder: Path) -> None:
    """`error.png`: the error falling over the steps (log scale), the post's figures marked."""
    from kerastoolkit.runs import Run

    history = Run(folder).read_history()
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    steps = [0] + [int(row["step"]) for row in history]
    errors = [evaluation.scores["total_error"]] + [float(row["loss"]) for row in history]
    ax.semilogy(steps, errors, marker="o", markersize=3, label="kt (loss of each step's forward pass)")
    post = post_figures(config)
    marks = [(0, "total_error"), (1, "error_after_1"), (config.steps, f"error_after_{config.steps}")]
    shown = [(step, float(post[name])) for step, name in marks if name in post]
    if shown:
        ax.plot(*zip(*shown, strict=True), "x", color="C3", markersize=9, label="Mazur 2015")
    ax.set_xlabel("step")
    ax.set_ylabel("total error E")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    ax.set_title(f"backprop_mazur  learning rate {config.learning_rate}")
    save_figure(fig, folder / "error.png")
