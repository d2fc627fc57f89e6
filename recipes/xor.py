"""XOR: a perceptron cannot learn it, one hidden layer can; both decision boundaries drawn side by side.

The classic demonstration of the talks: a single-layer perceptron draws one straight line (Minsky & Papert,
"Perceptrons", 1969), and no line puts (0, 1) and (1, 0) on one side and (0, 0) and (1, 1) on the other, so it
gets at most 3 of the 4 points right. A net with one hidden layer trained by backpropagation bends the
boundary and gets all 4 (Rumelhart, Hinton & Williams, "Learning internal representations by error
propagation", chapter 8 of Parallel Distributed Processing, vol. 1, 1986, which trains nets on XOR).
Published: accuracy 100% (4 of 4) for the hidden-layer net.

Both nets are trained here on the four points (repeated `repeats` times per epoch) with Adam on the binary
cross-entropy, deterministically from the run's seed: the perceptron, `Dense(1, sigmoid)`, in the stage
`perceptron`; the hidden-layer net, `Dense(8, tanh) -> Dense(1, sigmoid)`, in the stage `hidden`. The
hidden-layer net is the run's model.keras and its `accuracy` the score; `perceptron_accuracy` is kept beside it
(the perceptron's weights in perceptron.json), with each point's outputs in points.csv and both boundaries in
decision_boundary.png. Two hidden units suffice in principle, but short training like this one mostly stalls
with one point wrong (3 of 4 for 19 of the seeds 0-29, 9 of 0-9; seed 7 solves it), 4 units stall for seed 2
only; with 8 units every seed 0-29 reaches 4 of 4 (docs/RESULTS.md, `benchmarks/xor.py`); a run takes 3-4 s.

    kt run recipe xor
    kt run recipe xor hidden_units=2 --seed 7       # the smallest net that can solve it
"""

from __future__ import annotations

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
from kerastoolkit.report import pyplot, save_figure
from kerastoolkit.trainer import Trainer

PUBLISHED = {
    "metric": "accuracy",
    "value": 1.0,
    "source": "Rumelhart, Hinton & Williams 1986, PDP ch. 8 (XOR); a perceptron cannot: Minsky & Papert 1969",
    "decimals": 0,
}
POINTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
TARGETS = np.array([[0], [1], [1], [0]], dtype="float32")  # x1 XOR x2


@dataclass
class Config:
    epochs: int = param(5, "passes over the repeated points", minimum=1)
    batch_size: int = param(16, "examples per gradient step", minimum=1)
    learning_rate: float = param(0.05, "Adam step size", above=0.0)
    hidden_units: int = param(8, "tanh units in the hidden layer", minimum=1)
    repeats: int = param(256, "copies of the four points in one epoch", minimum=1)


def build_data(config: Config, data_dir: str | None = None) -> Splits:
    """The four points, repeated for training; the test set is the four points once."""
    train = tf.data.Dataset.from_tensor_slices(
        (np.tile(POINTS, (config.repeats, 1)), np.tile(TARGETS, (config.repeats, 1)))
    )
    test = tf.data.Dataset.from_tensor_slices((POINTS, TARGETS))
    return Splits(train=train, validation=None, test=test, num_train=4 * config.repeats, num_validation=0, num_test=4)


def _compiled(model: keras.Model, config: Config) -> keras.Model:
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate), loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


def build_model(config: Config) -> keras.Model:
    """The net with one hidden layer."""
    model = keras.Sequential(
        [
            keras.Input((2,)),
            layers.Dense(config.hidden_units, activation="tanh", name="hidden"),
            layers.Dense(1, activation="sigmoid", name="output"),
        ],
        name="xor_hidden",
    )
    return _compiled(model, config)


def build_perceptron(config: Config) -> keras.Model:
    """One sigmoid unit on the two inputs: a single separating line."""
    model = keras.Sequential(
        [keras.Input((2,)), layers.Dense(1, activation="sigmoid", name="output")], name="xor_perceptron"
    )
    return _compiled(model, config)


def outputs(model: keras.Model, points: np.ndarray = POINTS) -> np.ndarray:
    """The net's output (probability of 1) for each point."""
    return np.asarray(model(points, training=False)).reshape(-1)


def right(model: keras.Model) -> int:
    """How many of the four points the net gets right (output above 0.5 means 1)."""
    return int(np.sum((outputs(model) > 0.5) == TARGETS.reshape(-1).astype(bool)))


def perceptron_from(data: Splits, config: Config) -> keras.Model | None:
    """The trained perceptron of this run, from the weights its training left in `data.assets` (None when the
    data did not come from training, as in `kt eval`)."""
    weights = data.assets.get("perceptron")
    if weights is None:
        return None
    perceptron = build_perceptron(config)
    perceptron.set_weights([np.array(weights["kernel"], "float32"), np.array(weights["bias"], "float32")])
    return perceptron


def _show(name: str, model: keras.Model) -> None:
    shown = ", ".join(f"({x1:.0f}, {x2:.0f}) {out:.3f}" for (x1, x2), out in zip(POINTS, outputs(model), strict=True))
    click.echo(f"{name}: {right(model)} of 4 right; outputs {shown}")


def train(model: keras.Model, data: Splits, config: Config, trainer: Trainer) -> keras.Model:
    """The perceptron first (stage `perceptron`), then the hidden-layer net (stage `hidden`), which is kept."""
    keras.utils.set_random_seed(trainer.seed)
    perceptron = build_perceptron(config)
    trainer.fit(perceptron, data, stage="perceptron")
    kernel, bias = perceptron.get_layer("output").get_weights()
    data.assets["perceptron"] = {"kernel": kernel.tolist(), "bias": bias.tolist()}
    trainer.run.write_asset("perceptron", data.assets["perceptron"])
    _show("perceptron", perceptron)
    trainer.fit(model, data, stage="hidden")
    _show("one hidden layer", model)
    return model


def evaluate(model: keras.Model, data: Splits, config: Config) -> Evaluation:
    """`accuracy` of the hidden-layer net on the four points, `perceptron_accuracy` beside it, and each point's
    outputs (points.csv). `kt eval` scores the saved hidden-layer net alone: the perceptron was trained beside it."""
    perceptron = perceptron_from(data, config)
    scores = {"accuracy": right(model) / 4}
    rows = [
        {"x1": int(x1), "x2": int(x2), "target": int(target)}
        for (x1, x2), target in zip(POINTS, TARGETS.reshape(-1), strict=True)
    ]
    if perceptron is not None:
        scores["perceptron_accuracy"] = right(perceptron) / 4
        for row, out in zip(rows, outputs(perceptron), strict=True):
            row["perceptron"] = float(out)
    for row, out in zip(rows, outputs(model), strict=True):
        row["hidden"] = float(out)
    return Evaluation(scores, rows, "points", scored_on="training")  # the four points are all there is


def _panel(fig: Any, ax: Any, model: keras.Model, title: str) -> None:
    """The net's output over [-0.5, 1.5]^2, coloured over its own range (a perceptron stuck near 0.5 still shows
    its straight, parallel contours), the 0.5 line where it crosses the square, and the four points."""
    grid = np.linspace(-0.5, 1.5, 201, dtype="float32")
    xx, yy = np.meshgrid(grid, grid)
    zz = outputs(model, np.stack([xx.ravel(), yy.ravel()], axis=1)).reshape(xx.shape)
    low, high = (0.0, 1.0) if zz.max() - zz.min() > 0.5 else (zz.min(), zz.max())
    filled = ax.contourf(xx, yy, zz, levels=np.linspace(low, high, 11), cmap="RdBu_r")
    fig.colorbar(filled, ax=ax, label="output (probability of 1)", shrink=0.8, format="%.3g")
    if zz.min() < 0.5 < zz.max():
        ax.contour(xx, yy, zz, levels=[0.5], colors="black", linewidths=1.5)
    else:
        title += f"; output {'below' if zz.max() < 0.5 else 'above'} 0.5 all over the square"
    for (x1, x2), target in zip(POINTS, TARGETS.reshape(-1), strict=True):
        ax.scatter(x1, x2, s=160, c="white" if target == 0 else "black", edgecolors="black", linewidths=1.5)
        left = x1 > 0.5  # labels of the right-hand points go to their left, inside the square
        ax.annotate(
            f"({x1:.0f}, {x2:.0f}) -> {target:.0f}",
            (x1, x2),
            xytext=(-10 if left else 10, 10),
            textcoords="offset points",
            ha="right" if left else "left",
            bbox={"boxstyle": "round", "fc": "white", "alpha": 0.7},
        )
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")


def report(model: keras.Model, data: Splits, config: Config, evaluation: Evaluation, folder: Path) -> None:
    """`decision_boundary.png`: each net's output over [-0.5, 1.5]^2, its 0.5 line (black), the four points."""
    perceptron = perceptron_from(data, config)
    nets = [] if perceptron is None else [(perceptron, "perceptron: Dense(1, sigmoid)")]
    nets.append((model, f"one hidden layer: Dense({config.hidden_units}, tanh) -> Dense(1, sigmoid)"))
    plt = pyplot()
    fig, axes = plt.subplots(1, len(nets), figsize=(6 * len(nets), 5), squeeze=False, layout="constrained")
    for ax, (net, name) in zip(axes[0], nets, strict=True):
        _panel(fig, ax, net, f"{name}\n{right(net)} of 4 right")
    fig.suptitle("XOR: no straight line separates it; a hidden layer bends the boundary")
    save_figure(fig, folder / "decision_boundary.png")
