"""Stacked denoising autoencoders and the deep autoencoder: tied weights, masking noise, stages, pictures, bad input."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from click.testing import CliRunner

from kerastoolkit.cli import cli
from kerastoolkit.engine import run_recipe
from kerastoolkit.layers.tied import MaskingNoise, TiedDense
from kerastoolkit.registry import get_recipe

SMALL_SDA = [
    "train_limit=500",
    "validation_size=100",
    "test_limit=200",
    "batch_size=50",
    "hidden=32,16",
    "corruption=0.1,0.2",
    "pretrain_epochs=1",
    "epochs=2",
]
REPO = Path(__file__).resolve().parents[1]


def tied_model() -> keras.Model:
    inputs = keras.Input((6,))
    encoder = keras.layers.Dense(4, activation="sigmoid", name="encoder")
    code = encoder(MaskingNoise(0.3, name="noise")(inputs))
    outputs = TiedDense(encoder, activation="sigmoid", name="decoder")(code)
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "binary_crossentropy")
    return model


def test_tied_decoder_reads_the_encoders_kernel_transposed_and_survives_save_and_load(tmp_path):
    model = tied_model()
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    assert decoder.tied_kernel is encoder.kernel
    assert [w.path for w in model.trainable_weights] == ["encoder/kernel", "encoder/bias", "decoder/bias"]
    x = np.random.default_rng(0).random((5, 6)).astype("float32")
    code = 1 / (1 + np.exp(-(x @ encoder.kernel.numpy() + encoder.bias.numpy())))
    expected = 1 / (1 + np.exp(-(code @ encoder.kernel.numpy().T + decoder.bias.numpy())))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)

    model.fit(x, x, epochs=1, verbose=0)  # the one kernel learns through both layers
    model.save(tmp_path / "tied.keras")
    loaded = keras.saving.load_model(tmp_path / "tied.keras", safe_mode=True)
    encoder, decoder = loaded.get_layer("encoder"), loaded.get_layer("decoder")
    assert decoder.tied_kernel is encoder.kernel, "one variable after loading, not a copy"
    assert len(loaded.trainable_weights) == 3
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    encoder.kernel.assign(np.zeros((6, 4), "float32"))  # the decoder sees the change: b' alone remains
    np.testing.assert_allclose(loaded.predict(x, verbose=0)[0], 1 / (1 + np.exp(-decoder.bias.numpy())), rtol=1e-6)


def test_masking_noise_zeroes_about_rate_of_the_inputs_without_rescaling():
    noise = MaskingNoise(0.3, seed=1)
    x = np.full((1000, 1000), 0.5, "float32")
    y = keras.ops.convert_to_numpy(noise(x, training=True))
    assert abs(np.mean(y == 0) - 0.3) < 0.005
    assert set(np.unique(y)) == {0.0, 0.5}, "kept inputs are not rescaled (unlike Dropout)"
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(noise(x, training=False)), x)
    assert MaskingNoise.from_config(noise.get_config()).rate == 0.3
    with pytest.raises(ValueError):
        MaskingNoise(1.0)


def history(folder: Path) -> list[tuple[str, str]]:
    with (folder / "history.csv").open() as f:
        return [(row["stage"], row["epoch"]) for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def sda_run(tmp_path_factory, shared_data_dir):
    recipe = get_recipe("mnist_sda")
    config = recipe.make_config([*SMALL_SDA, "labels=200"])
    return run_recipe(recipe, config, runs_dir=tmp_path_factory.mktemp("runs"), seed=1)


def test_a_small_sda_run_leaves_its_stages_and_pictures(sda_run):
    folder = sda_run.run.path
    for name in ("curves.png", "filters.png", "reconstructions.png", "confusion.png", "model.keras", "metrics.json"):
        assert (folder / name).stat().st_size > 0, name
    assert not (folder / "stages").exists() and not (folder / "backup").exists()
    assert history(folder) == [("pretrain_1", "1"), ("pretrain_2", "1"), ("finetune", "1"), ("finetune", "2")]
    metrics = json.loads((folder / "metrics.json").read_text())
    assert 0.0 <= metrics["test"]["accuracy"] <= 1.0
    assert metrics["published"] is None, "the paper's target is for the default net on all labels only"
    assert sda_run.summary.startswith("mnist_sda  test accuracy ")
    loaded = keras.saving.load_model(folder / "model.keras", safe_mode=True)
    assert [layer.name for layer in loaded.layers if layer.weights] == ["hidden_1", "hidden_2", "softmax"]


def test_the_sda_target_is_the_papers_for_the_default_net_only():
    recipe = get_recipe("mnist_sda")
    assert recipe.published_for(recipe.make_config()).value == pytest.approx(0.9872)
    assert recipe.published_for(recipe.make_config(["pretrain=false"])) is None
    assert recipe.published_for(recipe.make_config(["labels=1000"])) is None


def test_without_pretraining_only_the_fine_tuning_stage_runs(tmp_path, shared_data_dir):
    recipe = get_recipe("mnist_sda")
    result = run_recipe(recipe, recipe.make_config([*SMALL_SDA, "pretrain=false"]), runs_dir=tmp_path, seed=1)
    folder = result.run.path
    assert history(folder) == [("finetune", "1"), ("finetune", "2")]
    assert (folder / "filters.png").exists() and not (folder / "reconstructions.png").exists()


def test_a_cosine_schedule_takes_the_fine_tuning_step_size_down_to_about_zero(tmp_path, shared_data_dir):
    recipe = get_recipe("mnist_sda")
    config = recipe.make_config([*SMALL_SDA, "pretrain=false", "schedule=cosine", "learning_rate=0.8"])
    folder = run_recipe(recipe, config, runs_dir=tmp_path, seed=1).run.path
    last_rate = float(keras.saving.load_model(folder / "model.keras", safe_mode=True).optimizer.learning_rate)
    assert 0.0 < last_rate < 0.01 * 0.8  # the last of 2 x 8 steps: 0.8 x (1 + cos(15 pi / 16)) / 2 = 0.0077


KILLER = """
import os, signal, sys
import keras
from kerastoolkit.engine import run_recipe
from kerastoolkit.registry import get_recipe

class KillInSecondLayer(keras.callbacks.Callback):
    epochs_seen = 0  # over all stages: pretrain_1 has 2 epochs, then pretrain_2 ends its first and dies
    def on_epoch_end(self, epoch, logs=None):
        KillInSecondLayer.epochs_seen += 1
        if KillInSecondLayer.epochs_seen == 3:
            os.kill(os.getpid(), signal.SIGKILL)

recipe = get_recipe("mnist_sda")
config = recipe.make_config(sys.argv[2:])
run_recipe(recipe, config, runs_dir=sys.argv[1], seed=7, callbacks=[KillInSecondLayer()])
"""


def test_a_run_killed_in_the_second_layers_pretraining_resumes_there(tmp_path, shared_data_dir):
    args = [a for a in [*SMALL_SDA, "pretrain_epochs=2"] if a != "pretrain_epochs=1"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(tmp_path), *args], capture_output=True, text=True, timeout=300, env=env
    )
    assert killed.returncode == -9, killed.stdout + killed.stderr
    (folder,) = tmp_path.glob("mnist_sda/*")
    assert history(folder) == [("pretrain_1", "1"), ("pretrain_1", "2"), ("pretrain_2", "1")]
    assert not (folder / "metrics.json").exists()

    result = CliRunner().invoke(cli, ["run", "recipe", "mnist_sda", "--resume", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"resuming {folder}: stage pretrain_2, epoch 2"
    assert history(folder) == [
        ("pretrain_1", "1"),
        ("pretrain_1", "2"),
        ("pretrain_2", "1"),
        ("pretrain_2", "2"),
        ("finetune", "1"),
        ("finetune", "2"),
    ]
    assert (folder / "metrics.json").exists() and (folder / "filters.png").exists()


def test_a_small_autoencoder_run_compares_with_pca_and_draws_its_pictures(tmp_path, shared_data_dir):
    recipe = get_recipe("mnist_autoencoder")
    config = recipe.make_config(
        ["train_limit=500", "validation_size=100", "test_limit=200", "epochs=1", "units=32,2", "noise=0.2"]
    )
    result = run_recipe(recipe, config, runs_dir=tmp_path, seed=1)
    folder = result.run.path
    for name in ("curves.png", "reconstructions.png", "filters.png", "codes.png", "reconstruction.csv", "model.keras"):
        assert (folder / name).stat().st_size > 0, name
    assert not (folder / "confusion.png").exists(), "no classifier"
    metrics = json.loads((folder / "metrics.json").read_text())
    ours, pca = metrics["test"]["squared_error_per_image"], metrics["test"]["pca_squared_error_per_image"]
    assert 0 < pca < 100 and 0 < ours < 200
    assert metrics["metric"] == "squared_error_per_image" and metrics["published"] is None
    assert [row["method"] for row in metrics["breakdown"]["rows"]] == ["autoencoder", "pca"]
    loaded = keras.saving.load_model(folder / "model.keras", safe_mode=True)
    assert isinstance(loaded.get_layer("noise"), MaskingNoise)


def test_pca_with_every_component_reconstructs_exactly():
    from recipes.mnist_autoencoder import pca, pca_reconstruct, squared_error_per_image

    rng = np.random.default_rng(0)
    train, test = rng.random((200, 20)), rng.random((10, 20))
    mean, directions = pca(train, 20)
    assert squared_error_per_image(test, pca_reconstruct(test, mean, directions)) == pytest.approx(0, abs=1e-10)
    mean, directions = pca(train, 3)
    assert squared_error_per_image(test, pca_reconstruct(test, mean, directions)) > 0.1


@pytest.mark.parametrize(
    ("recipe", "override", "message"),
    [
        ("mnist_sda", "corruption=0.1,1.5,0.3", "corruption=1.5 is too large: it must be below 1"),
        ("mnist_sda", "corruption=-0.1,0.2,0.3", "corruption=-0.1 is too small"),
        ("mnist_sda", "hidden=abc", "bad value for hidden"),
        ("mnist_sda", "corruption=0.1,0.2", "corruption=0.1,0.2 does not match hidden=1000,1000,1000"),
        ("mnist_sda", "labels=100000", "labels=100000 is more than the 55000 training images"),
        ("mnist_autoencoder", "units=30,x", "bad value for units"),
        ("mnist_autoencoder", "noise=1", "noise=1.0 is too large"),
    ],
)
def test_bad_input_is_one_line_and_leaves_no_run_folder(tmp_path, shared_data_dir, recipe, override, message):
    runs = tmp_path / "runs"
    result = CliRunner().invoke(cli, ["run", "recipe", recipe, override, "--runs-dir", str(runs)])
    assert result.exit_code == 2, result.output
    # (the first test to read MNIST may see tfds's one-time "preparing mnist" lines before it)
    errors = [line for line in result.stderr.splitlines() if not line.startswith(("preparing ", "prepared "))]
    assert len(errors) == 1 and errors[0].startswith("kt: error: ") and message in errors[0], result.stderr
    assert not list(runs.glob("*/*")), "no run folder"
