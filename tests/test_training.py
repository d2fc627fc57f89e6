"""Training end to end on small slices: every MNIST recipe leaves a complete run folder; kill -9 then --resume.

The bAbI recipes (other hyperparameters, other files) have their own end-to-end tests in test_babi.py.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest
from click.testing import CliRunner

from kerastoolkit.cli import cli
from kerastoolkit.engine import evaluate_run, run_recipe
from kerastoolkit.errors import KtError
from kerastoolkit.registry import get_recipe, list_recipes
from kerastoolkit.runs import find_runs

MNIST_RECIPES = ["mnist_conv", "mnist_dropout", "mnist_mlp", "mnist_softmax"]
SMALL = ["epochs=2", "batch_size=64", "train_limit=512", "validation_size=128", "test_limit=256"]
RUN_FILES = [
    "config.json",
    "history.csv",
    "metrics.json",
    "model.keras",
    "best-train.weights.h5",
    "curves.png",
    "confusion.png",
]


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory, shared_data_dir):
    """One small run of every MNIST recipe, trained in this process."""
    runs_dir = tmp_path_factory.mktemp("runs")
    results = {}
    for name in MNIST_RECIPES:
        recipe = get_recipe(name)
        results[name] = run_recipe(recipe, recipe.make_config(SMALL), runs_dir=runs_dir, seed=1)
    return runs_dir, results


def test_every_mnist_recipe_is_trained_here():
    elsewhere = {"mnist_autoencoder", "mnist_sda"}  # in stages, with pictures of their own: tests/test_sda.py
    elsewhere |= {"mnist_committee", "mnist_conv_augmented"}  # with augmentation: tests/test_committee.py
    names = [recipe.name for recipe in list_recipes() if recipe.name.startswith("mnist_")]
    assert [name for name in names if name not in elsewhere] == MNIST_RECIPES


@pytest.mark.parametrize("name", MNIST_RECIPES)
def test_every_recipe_leaves_a_complete_run_folder(small_runs, name):
    _, results = small_runs
    result = results[name]
    folder = result.run.path
    for file in RUN_FILES:
        assert (folder / file).stat().st_size > 0, file
    assert any((folder / "logs").rglob("events.out.tfevents.*")), "TensorBoard logs"
    assert not (folder / "backup").exists() and not (folder / "stages").exists(), "resume state is cleaned up"

    config = json.loads((folder / "config.json").read_text())
    assert config["recipe"] == name and config["seed"] == 1
    assert config["hyperparameters"]["train_limit"] == 512

    with (folder / "history.csv").open() as f:
        history = list(csv.DictReader(f))
    assert [row["epoch"] for row in history] == ["1", "2"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"} <= set(history[0])

    metrics = json.loads((folder / "metrics.json").read_text())
    accuracy = metrics["test"]["accuracy"]
    assert 0.0 <= accuracy <= 1.0 and accuracy == result.scores["accuracy"]
    assert metrics["published"]["value"] == get_recipe(name).published.value
    decimals = metrics["published"]["decimals"]
    target = round(metrics["published"]["value"] * 100, decimals)
    assert metrics["published"]["reached"] == (round(accuracy * 100, decimals) >= target)
    assert metrics["versions"]["tensorflow"].startswith("2.")
    assert f"{name}  test accuracy {accuracy * 100:.2f}%  (published" in result.summary


def test_softmax_learns_on_a_small_slice(small_runs):
    # 512 images, 2 epochs of SGD: far from the published number, far above chance (10%).
    assert small_runs[1]["mnist_softmax"].scores["accuracy"] > 0.5


def test_eval_rescores_the_saved_model(small_runs):
    runs_dir, results = small_runs
    folder = results["mnist_mlp"].run.path
    again = evaluate_run(folder, get_recipe("mnist_mlp"))
    assert again.scores["accuracy"] == pytest.approx(results["mnist_mlp"].scores["accuracy"], abs=1e-6)
    result = CliRunner().invoke(cli, ["eval", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("mnist_mlp  test accuracy ")


def test_runs_lists_scores(small_runs):
    runs_dir, results = small_runs
    result = CliRunner().invoke(cli, ["runs", "--runs-dir", str(runs_dir)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(find_runs(runs_dir)) == len(MNIST_RECIPES)
    conv = next(line for line in lines if line.startswith("mnist_conv"))
    assert f"accuracy {results['mnist_conv'].scores['accuracy'] * 100:.2f}%" in conv
    assert "(published 99.50%)" in conv


# --- kill -9 in the middle of an epoch, then --resume -------------------------------------------------------

RESUME_ARGS = [
    "mnist_dropout",
    "epochs=4",
    "batch_size=32",
    "train_limit=12000",
    "validation_size=500",
    "test_limit=2000",
]


def kt(*args: str, runs_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kerastoolkit",
            "run",
            "recipe",
            *args,
            "--seed",
            "7",
            "--runs-dir",
            str(runs_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def history_columns(folder: Path) -> dict[str, list[float]]:
    with (folder / "history.csv").open() as f:
        rows = list(csv.DictReader(f))
    return {key: [float(row[key]) for row in rows] for key in rows[0] if key != "stage"}


def history_rows(folder: Path) -> int:
    path = folder / "history.csv"
    return max(len(path.read_text().splitlines()) - 1, 0) if path.exists() else 0


def test_resume_after_sigkill_matches_an_uninterrupted_run(tmp_path, shared_data_dir):
    straight = kt(*RESUME_ARGS, runs_dir=tmp_path / "straight")
    out, _ = straight.communicate(timeout=600)
    assert straight.returncode == 0, out
    expected = json.loads(next((tmp_path / "straight").glob("*/*/metrics.json")).read_text())["test"]["accuracy"]

    killed = kt(*RESUME_ARGS, runs_dir=tmp_path / "killed")
    deadline = time.monotonic() + 600
    folder = None
    while time.monotonic() < deadline and killed.poll() is None:
        folders = list((tmp_path / "killed").glob("mnist_dropout/*"))
        if folders and history_rows(folders[0]) >= 2:
            folder = folders[0]
            break
        time.sleep(0.05)
    assert folder is not None, "the run never finished two epochs"
    time.sleep(0.5)  # well inside the third epoch
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert history_rows(folder) == 2 and not (folder / "metrics.json").exists()

    resumed = subprocess.run(
        [sys.executable, "-m", "kerastoolkit", "run", "recipe", "mnist_dropout", "--resume", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert resumed.stdout.splitlines()[0] == f"resuming {folder}: stage train, epoch 3 of 4"
    assert "Epoch 3/4" in resumed.stdout and "Epoch 1/4" not in resumed.stdout
    with (folder / "history.csv").open() as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["1", "2", "3", "4"]
    accuracy = json.loads((folder / "metrics.json").read_text())["test"]["accuracy"]
    assert accuracy == pytest.approx(expected, abs=1e-9)  # the same dropout masks too (EpochSeeds)


class StopAfterFirstEpoch(keras.callbacks.Callback):
    """Raises `error` at the end of the first epoch (its history row and backup are written first)."""

    def __init__(self, error: BaseException):
        super().__init__()
        self.error = error

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        raise self.error


def stopped_after_first_epoch(runs_dir: Path, error: BaseException, raises: type) -> tuple[Path, BaseException]:
    """The run folder of a small mnist_softmax run that `error` stopped after its first epoch, and what came out."""
    recipe = get_recipe("mnist_softmax")
    with pytest.raises(raises) as raised:
        run_recipe(recipe, recipe.make_config(SMALL), runs_dir=runs_dir, callbacks=[StopAfterFirstEpoch(error)])
    (folder,) = (runs_dir / "mnist_softmax").iterdir()
    assert history_rows(folder) == 1 and not (folder / "metrics.json").exists()
    return folder, raised.value


def test_out_of_memory_in_training_names_the_run_folder_and_resume_finishes_it(tmp_path, mnist_prepared):
    folder, error = stopped_after_first_epoch(tmp_path, MemoryError("no room for the next batch"), KtError)
    assert str(error) == (
        "out of memory (no room for the next batch): give smaller sizes (units, filters, batch_size) or use a larger"
        f" machine; the run folder {folder} keeps 1 finished epoch: kt run recipe mnist_softmax --resume {folder}"
        " goes on with it if the memory was taken by something else; sizes too large: delete it, run again with"
        " smaller ones"
    )
    resumed = run_recipe("mnist_softmax", None, resume=folder)
    assert resumed.run.path == folder and (folder / "metrics.json").exists()
    with (folder / "history.csv").open() as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["1", "2"]


class InterruptFirstBatch(keras.callbacks.Callback):
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_before_an_epoch_finished_says_the_run_starts_again(tmp_path, mnist_prepared, capsys):
    recipe = get_recipe("mnist_softmax")
    with pytest.raises(KeyboardInterrupt):
        run_recipe(recipe, recipe.make_config(SMALL), runs_dir=tmp_path, callbacks=[InterruptFirstBatch()])
    (folder,) = (tmp_path / "mnist_softmax").iterdir()
    assert (
        f"interrupted: the run folder {folder} holds no finished epoch yet: kt run recipe mnist_softmax --resume"
        f" {folder} starts it again"
    ) in capsys.readouterr().err


def test_ctrl_c_in_training_says_how_to_resume_and_goes_on_up(tmp_path, mnist_prepared, capsys):
    capsys.readouterr()
    folder, _ = stopped_after_first_epoch(tmp_path, KeyboardInterrupt(), KeyboardInterrupt)
    resume = f"kt run recipe mnist_softmax --resume {folder} goes on with it"
    assert f"interrupted: the run folder {folder} keeps 1 finished epoch: {resume}" in capsys.readouterr().err


def test_an_error_in_training_that_is_not_out_of_memory_passes_as_it_is(tmp_path, mnist_prepared):
    _, error = stopped_after_first_epoch(tmp_path, KtError("a recipe's own words"), KtError)
    assert str(error) == "a recipe's own words"


def test_epoch_seeds_give_an_epoch_the_same_dropout_masks_whatever_came_before():
    import keras
    import numpy as np

    from kerastoolkit.trainer import EpochSeeds

    inputs = keras.Input((64,))
    model = keras.Model(inputs, keras.layers.Dropout(0.5)(keras.layers.Dropout(0.5)(inputs)))
    seeds = EpochSeeds(seed=3)
    seeds.set_model(model)
    ones = np.ones((4, 64), np.float32)

    def masks(epoch: int, draws_before: int) -> np.ndarray:
        seeds.on_epoch_begin(epoch)
        for _ in range(draws_before):
            model(ones, training=True)
        seeds.on_epoch_begin(epoch)
        return np.stack([model(ones, training=True).numpy() for _ in range(3)])

    first = masks(2, draws_before=0)
    np.testing.assert_array_equal(first, masks(2, draws_before=5))
    assert (first[0] != first[1]).any()  # successive steps draw new masks
    assert (first != masks(3, draws_before=0)).any()  # and another epoch other ones


def test_same_seed_repeats_even_when_the_first_run_prepares_the_data(tmp_path, shared_data_dir, monkeypatch):
    monkeypatch.setenv("KT_CACHE_DIR", str(tmp_path / "fresh_cache"))  # the first run prepares the tfds records
    recipe = get_recipe("mnist_softmax")
    config = recipe.make_config(SMALL)
    first, second = (run_recipe(recipe, config, runs_dir=tmp_path / name, seed=3) for name in ("first", "second"))
    assert history_columns(first.run.path)["accuracy"] == history_columns(second.run.path)["accuracy"]
    assert first.scores == second.scores


def test_kerastoolkit_serializables_imports_every_module_that_registers_a_keras_object():
    """So `import kerastoolkit.serializables` is all a notebook needs to load any run's model.keras."""
    package = Path(__file__).resolve().parents[1] / "kerastoolkit"
    registering = {
        ".".join(("kerastoolkit", *path.relative_to(package).with_suffix("").parts))
        for path in package.rglob("*.py")
        if "register_keras_serializable(" in path.read_text(encoding="utf-8") and path.name != "serializables.py"
    }
    assert "kerastoolkit.layers.memory" in registering and "kerastoolkit.optimizers" in registering
    script = "import sys, kerastoolkit.serializables; print(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert registering <= set(done.stdout.split())
