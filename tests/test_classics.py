"""The talks' classics: Mazur's backpropagation example to the post's digits; XOR with and without a hidden layer."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from kerastoolkit.cli import cli
from kerastoolkit.engine import evaluate_run, run_recipe
from kerastoolkit.errors import RunDirError
from kerastoolkit.registry import Published, format_score, get_recipe, is_percentage
from recipes import backprop_mazur, xor


def assert_as_published(value: float, published: str) -> None:
    """`value` agrees with the post's figure to every decimal the post prints."""
    decimals = len(published.split(".")[1])
    assert abs(value - float(published)) <= 0.5 * 10**-decimals + 1e-15, (value, published)


@pytest.fixture(scope="module")
def example():
    config = backprop_mazur.Config()
    return config, backprop_mazur.the_example(backprop_mazur.build_data(config))


def reference(steps: int, *, sequential: bool = False) -> tuple[float, np.ndarray]:
    """The example in plain numpy: error and outputs after `steps` steps. `sequential` updates w5..w8 before
    passing the error back to the hidden layer, as the first version of Mazur's script did."""
    x, t = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    hidden_w, output_w = np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])

    def forward():
        h = 1 / (1 + np.exp(-(hidden_w @ x + 0.35)))
        return h, 1 / (1 + np.exp(-(output_w @ h + 0.60)))

    for _ in range(steps):
        h, o = forward()
        delta_o = (o - t) * o * (1 - o)
        new_output_w = output_w - 0.5 * np.outer(delta_o, h)
        delta_h = ((new_output_w if sequential else output_w).T @ delta_o) * h * (1 - h)
        hidden_w, output_w = hidden_w - 0.5 * np.outer(delta_h, x), new_output_w
    _, o = forward()
    return float(np.sum(0.5 * (t - o) ** 2)), o


def test_mazur_first_step_to_the_posts_digits(example):
    config, (x, t) = example
    model = backprop_mazur.build_model(config)
    assert [v.path.split("/", 1)[1] for v in model.trainable_variables] == ["hidden/kernel", "output/kernel"]
    assert backprop_mazur.named_weights(model) == pytest.approx(backprop_mazur.WEIGHTS, abs=0)
    figures = backprop_mazur.first_step(model, x, t, backprop_mazur.gradient_descent(model, config.learning_rate))
    for name, published in {**backprop_mazur.FORWARD_PASS, **backprop_mazur.FIRST_STEP}.items():
        if name != "error_after_1":  # the post's is the sequential update's (below)
            assert_as_published(figures[name], published)
    # Above: the forward pass, the error and all eight new weights to every decimal the post prints (9, or 8
    # where it prints 8). The simultaneous update's error, to 10:
    assert round(figures["error_after_1"], 10) == 0.2910277737
    assert figures["error_after_1"] == pytest.approx(reference(1)[0], abs=1e-15)
    # The post's 0.291027924 is the sequential update's error.
    assert round(reference(1, sequential=True)[0], 9) == 0.291027924


def test_mazur_after_10000_steps(example):
    config, (x, t) = example
    model = backprop_mazur.build_model(config)
    descend = backprop_mazur.gradient_descent(model, config.learning_rate)
    backprop_mazur.first_step(model, x, t, descend)
    loss = float(descend(x, t, tf.constant(9_999)))
    # The post's figure is the error in step 10,000's forward pass (after 9,999 updates), to all its decimals.
    assert round(loss, 10) == 0.0000351085
    final = backprop_mazur.trained_figures(model, x, t, 10_000)
    assert round(final["error_after_10000"], 10) == 0.0000351019
    error, outputs = reference(10_000)
    assert final["error_after_10000"] == pytest.approx(error, rel=1e-10)
    assert [final["out_o1_after_10000"], final["out_o2_after_10000"]] == pytest.approx(outputs, abs=1e-12)
    assert Published(**backprop_mazur.PUBLISHED).reached(final["error_after_10000"])
    # The post's outputs after 10,000 steps are the sequential update's.
    _, sequential = reference(10_000, sequential=True)
    assert np.round(sequential, 9).tolist() == [0.015912196, 0.984065734]


def test_a_squared_error_is_a_plain_number_not_a_percentage():
    target = Published(**backprop_mazur.PUBLISHED)
    assert not target.is_percentage and target.lower_is_better
    assert target.describe() == "error_after_10000 <= 0.0000351085"
    assert format_score(0.0000351019, target) == "0.0000351019"
    assert is_percentage("error") and is_percentage("perceptron_accuracy") and not is_percentage("error_after_10000")
    assert format_score(0.9952, Published("accuracy", 0.995, "LeCun")) == "99.52%"


def test_kt_run_backprop_mazur_leaves_a_complete_run(tmp_path):
    result = CliRunner().invoke(cli, ["run", "recipe", "backprop_mazur", "--runs-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "out_h1                  0.5932699921   Mazur 2015: 0.593269992" in out
    assert "w5_after_1              0.3589164797   Mazur 2015: 0.35891648" in out
    assert "error_after_1           0.2910277737   Mazur 2015: 0.291027924" in out
    assert "Step 10,000: error 0.0000351085 in its forward pass, before its update" in out
    summary = out.strip().splitlines()[-1]
    assert summary.startswith(
        "backprop_mazur  training error_after_10000 0.0000351019  (published 0.0000351085, lower is better, reached)"
    )
    (folder,) = (tmp_path / "backprop_mazur").iterdir()
    for name in ("config.json", "history.csv", "metrics.json", "model.keras", "figures.csv", "error.png"):
        assert (folder / name).stat().st_size > 0, name
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["metric"] == "error_after_10000" and metrics["published"]["reached"] is True
    assert round(metrics["test"]["error_after_10000"], 10) == 0.0000351019
    rows = {row["quantity"]: row for row in metrics["breakdown"]["rows"]}
    assert rows["out_h1"]["published"] == 0.593269992 and rows["out_h1"]["difference"] < 5e-10
    assert rows["net_h2"]["published"] is None  # the post does not print it
    with (folder / "history.csv").open() as f:
        history = list(csv.DictReader(f))
    assert [int(row["step"]) for row in history] == list(range(1000, 10_001, 1000))
    assert round(float(history[-1]["loss"]), 10) == 0.0000351085
    again = evaluate_run(folder, get_recipe("backprop_mazur"))  # kt eval: the saved model scored again
    assert again.scores == pytest.approx(metrics["test"], abs=1e-15)


def test_other_settings_report_their_own_error_without_a_target(tmp_path):
    recipe = get_recipe("backprop_mazur")
    result = run_recipe(recipe, recipe.make_config(["steps=300", "learning_rate=1"]), runs_dir=tmp_path)
    assert result.metric == "error_after_300" and "(published" not in result.summary
    assert result.scores["error_after_300"] < result.scores["total_error"]
    rows = {row["quantity"]: row for row in result.evaluation.breakdown}
    assert rows["w5_after_1"]["published"] is None and rows["out_h1"]["published"] == 0.593269992


@pytest.fixture(scope="module")
def xor_runs(tmp_path_factory):
    runs_dir = tmp_path_factory.mktemp("runs")
    recipe = get_recipe("xor")
    return {seed: run_recipe("xor", recipe.make_config(), runs_dir=runs_dir, seed=seed) for seed in (0, 1, 2)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_needs_a_hidden_layer(xor_runs, seed):
    result = xor_runs[seed]
    assert result.scores["accuracy"] == 1.0  # 4 of 4
    assert result.scores["perceptron_accuracy"] <= 0.75  # one line: at most 3 of 4
    assert result.summary.startswith("xor  training accuracy 100.00%  (published 100%, reached)")
    folder = result.run.path
    for name in ("decision_boundary.png", "points.csv", "perceptron.json", "model.keras", "history.csv"):
        assert (folder / name).stat().st_size > 0, name
    with (folder / "history.csv").open() as f:
        assert {row["stage"] for row in csv.DictReader(f)} == {"perceptron", "hidden"}
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["test"] == result.scores and len(metrics["breakdown"]["rows"]) == 4
    assert metrics["scored_on"] == "training"


def test_xor_saved_model_is_the_hidden_net(xor_runs):
    folder = xor_runs[0].run.path
    again = evaluate_run(folder, get_recipe("xor"))
    assert again.scores["accuracy"] == 1.0
    assert again.summary.startswith("xor  training accuracy 100.00%")  # kt eval names the four points as training
    with pytest.raises(RunDirError, match=r"is a run of xor, not backprop_mazur$"):
        evaluate_run(folder, "backprop_mazur")
    assert evaluate_run(folder).scores == again.scores  # the run's own recipe, read from its folder
    assert "perceptron" not in again.evaluation.breakdown[0]  # no blank column: kt eval scores the hidden net only
    assert set(xor_runs[0].evaluation.breakdown[0]) == {"x1", "x2", "target", "perceptron", "hidden"}
    assert [layer.name for layer in xor.build_model(xor.Config()).layers] == ["hidden", "output"]
