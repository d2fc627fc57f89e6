"""`kt visualize`: every picture written for tiny runs of mnist_mlp and mnist_conv, class maximisation really
climbs, the same seed draws the same input, and bad inputs are one line with exit code 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kerastoolkit.cli import cli
from kerastoolkit.engine import run_recipe
from kerastoolkit.inside.net import Net
from kerastoolkit.inside.pictures import PICTURES, class_inputs
from kerastoolkit.registry import get_recipe, list_recipes
from kerastoolkit.saved import open_saved_run

TINY = ["epochs=1", "batch_size=64", "train_limit=128", "validation_size=64", "test_limit=32"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def assert_user_error(args: list, message: str) -> None:
    code, out, err = invoke(*args)
    assert code == 2, (out, err)
    assert err.startswith("kt: error: ") and message in err, err
    assert "Traceback" not in err and err.count("\n") == 1, err


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory, shared_data_dir, _session_cache_dir) -> dict[str, Path]:
    """A finished run of mnist_mlp, mnist_conv and mnist_softmax, each trained for one epoch on 128 digits.

    Module fixtures are made before the per-test $KT_CACHE_DIR is set: MNIST is prepared in the session's cache
    folder here too, once for the training and `kt visualize` alike (and never in the user's cache).
    """
    runs_dir = tmp_path_factory.mktemp("runs")
    runs = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KT_CACHE_DIR", str(_session_cache_dir))
        for name in ("mnist_mlp", "mnist_conv", "mnist_softmax"):
            recipe = get_recipe(name)
            runs[name] = run_recipe(recipe, recipe.make_config(TINY), runs_dir=runs_dir, seed=1).run.path
    return runs


def test_the_image_recipes_are_the_mnist_ones():
    # mnist_committee is not one: its model is several nets averaged, which kt visualize does not take apart.
    assert [r.name for r in list_recipes() if r.takes_images] == [
        "mnist_conv",
        "mnist_conv_augmented",
        "mnist_dropout",
        "mnist_mlp",
        "mnist_sda",
        "mnist_softmax",
    ]


@pytest.mark.parametrize("name", ["mnist_mlp", "mnist_conv"])
def test_kt_visualize_writes_every_picture(tiny_runs, name):
    folder = tiny_runs[name]
    code, out, err = invoke("visualize", folder, "--steps", "3", "--examples", "20")
    assert code == 0, err
    assert out.splitlines()[0] == f"looking inside {name} ({folder})"
    for picture in PICTURES:
        data = (folder / picture).read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 2000, picture
        assert f"wrote {folder / picture}: " in out, out
    assert len(out.splitlines()) == 1 + len(PICTURES)
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_a_net_without_hidden_layer_gets_filters_and_classes_only(tiny_runs):
    folder = tiny_runs["mnist_softmax"]
    code, out, err = invoke("visualize", folder, "--steps", "2")
    assert code == 0, err
    written = {name for name in PICTURES if (folder / name).exists()}
    assert written == {"first_layer_filters.png", "class_maximisation.png"}
    for name in set(PICTURES) - written:
        assert f"skipped {name}: the net has no hidden layer" in out


@pytest.mark.parametrize("name", ["mnist_mlp", "mnist_conv"])
def test_class_maximisation_raises_every_class_score_and_repeats_with_the_seed(tiny_runs, name):
    saved = open_saved_run(tiny_runs[name])
    net = Net(saved.model, saved.recipe.module.IMAGE_SHAPE)
    start, grown = class_inputs(net, 10, np.random.default_rng(0))
    assert grown.shape == start.shape == (10, 28, 28, 1) and 0 <= grown.min() and grown.max() <= 1
    before, after = np.diag(net.class_scores(start)), np.diag(net.class_scores(grown))
    assert (after > before).all(), (before, after)
    again = class_inputs(net, 10, np.random.default_rng(0))[1]
    np.testing.assert_array_equal(grown, again)


def test_a_run_of_a_recipe_that_is_no_image_classifier_is_refused(tmp_path):
    xor = get_recipe("xor")
    folder = run_recipe(xor, xor.make_config(["epochs=1", "repeats=4"]), runs_dir=tmp_path).run.path
    assert_user_error(
        ["visualize", folder],
        f"{folder} is a run of xor; kt visualize looks inside single image classifiers, and works for runs of: "
        "mnist_conv, mnist_conv_augmented, ",
    )


def test_a_model_of_another_recipe_is_refused_by_eval_and_visualize_before_anything_is_drawn(tiny_runs, tmp_path):
    from recipes import xor

    folder = tmp_path / "run"
    shutil.copytree(tiny_runs["mnist_conv"], folder)
    xor.build_model(xor.Config()).save(folder / "model.keras")  # a whole Keras model, of two inputs
    files = sorted(folder.iterdir())
    assert_user_error(["eval", folder], f"{folder / 'model.keras'} does not take this run's data (")
    assert_user_error(["visualize", folder, "--steps", "2"], "is it the run's own model?")
    assert sorted(folder.iterdir()) == files


def test_an_unfinished_or_missing_run_and_a_bad_steps_are_refused(tmp_path):
    folder = tmp_path / "mnist_mlp" / "20260101-000000"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"recipe": "mnist_mlp", "seed": 0, "hyperparameters": {}}))
    assert_user_error(["visualize", folder], f"{folder} is not a finished run (no metrics.json)")
    assert_user_error(["visualize", tmp_path / "missing"], "is not a folder")
    assert_user_error(["visualize", tmp_path], "holds no run (no config.json)")
    for steps in ("0", "-1"):
        code, _, err = invoke("visualize", folder, "--steps", steps)
        assert code == 2 and "Invalid value for '--steps'" in err, err
