"""The `kt` command: listing, showing, and every user error as one line with exit code 2."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerastoolkit.cli import cli
from kerastoolkit.registry import Published, get_recipe, list_recipes

MNIST_RECIPES = ["mnist_conv", "mnist_dropout", "mnist_mlp", "mnist_softmax"]
AUTOENCODER_RECIPES = ["mnist_autoencoder", "mnist_sda"]
BABI_RECIPES = ["babi_lstm", "babi_memn2n"]
CLASSIC_RECIPES = ["backprop_mazur", "char_rnn", "xor"]
TRANSLATION_RECIPES = ["translate_attention", "translate_seq2seq", "translate_transformer"]
VISION_RECIPES = ["mnist_committee", "mnist_conv_augmented"]
RECIPES = sorted(
    AUTOENCODER_RECIPES + BABI_RECIPES + CLASSIC_RECIPES + MNIST_RECIPES + TRANSLATION_RECIPES + VISION_RECIPES
)
REPO = Path(__file__).resolve().parents[1]


def repo_env() -> dict[str, str]:
    """The environment for a `kt` subprocess started outside the repository: it still runs this working tree
    (not a copy of kerastoolkit installed in the virtual environment, which may be older)."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def assert_user_error(args: list[str], message: str) -> str:
    code, out, err = invoke(*args)
    assert code == 2, (out, err)
    assert err.startswith("kt: error: ") and message in err, err
    assert "Traceback" not in err and err.count("\n") == 1
    return err


@pytest.mark.parametrize("args", [["--help"], ["list"]])
def test_startup_imports_no_tensorflow(args):
    code = (
        "import sys\n"
        "from kerastoolkit.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='kt')\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = ('tensorflow', 'keras', 'tensorflow_datasets', 'gensim', 'matplotlib')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)


def test_version():
    code, out, _ = invoke("--version")
    assert code == 0 and out.startswith("kt, version ")


def test_list_shows_every_recipe_with_its_target():
    code, out, _ = invoke("list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert list(lines) == RECIPES
    assert "accuracy 99.50%" in lines["mnist_conv"] and "accuracy 92.5%" in lines["mnist_softmax"]
    assert "error <= 12.4%" in lines["babi_memn2n"] and "error <= 51.3%" in lines["babi_lstm"]
    assert "bleu 36.15" in lines["translate_attention"] and "bleu 34.8" in lines["translate_seq2seq"]


def test_registry_reads_recipes_without_importing_them():
    recipes = list_recipes()
    assert [r.name for r in recipes] == RECIPES
    assert get_recipe("mnist_mlp").published.value == pytest.approx(0.982)
    assert all(r.summary for r in recipes)
    # Listing, targets and hooks are read from the files: a fresh interpreter imports no recipe module for them.
    code = (
        "import json, sys\n"
        "from kerastoolkit.registry import get_recipe, list_recipes\n"
        "hooks = {r.name: sorted(h for h in ('train', 'evaluate', 'predict', 'report', 'published') if r.has_hook(h))"
        " for r in list_recipes()}\n"
        "print(json.dumps(hooks))\n"
        "print(get_recipe('babi_memn2n').published.describe())\n"
        "print(sorted(m for m in sys.modules if m.startswith('recipes.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60)
    hooks, target, imported = out.stdout.splitlines()
    assert imported == "[]"
    assert target == "error <= 12.4%"
    assert json.loads(hooks) == {
        "babi_lstm": ["evaluate", "predict", "published", "report"],
        "babi_memn2n": ["evaluate", "predict", "published", "report", "train"],
        "backprop_mazur": ["evaluate", "published", "report", "train"],
        "char_rnn": ["evaluate", "predict", "published", "report"],
        "mnist_autoencoder": ["evaluate", "published", "report"],
        "mnist_committee": ["evaluate", "predict", "published", "report", "train"],
        "mnist_conv_augmented": ["predict", "published"],
        "mnist_sda": ["predict", "published", "report", "train"],
        "xor": ["evaluate", "report", "train"],
        **{name: ["predict"] for name in MNIST_RECIPES},
        **{name: ["evaluate", "predict", "report"] for name in TRANSLATION_RECIPES},
    }


@pytest.mark.parametrize("verb", ["run", "tune"])
def test_help_after_a_recipe_name_lists_its_hyperparameters(verb):
    code, out, _ = invoke(verb, "recipe", "mnist_conv", "--help")
    assert code == 0 and "Hyperparameters of mnist_conv (KEY=VALUE):" in out
    assert re.search(r"^  filters=16 +int +filters in the first block", out, re.MULTILINE)
    code, out, _ = invoke(verb, "recipe", "--help")
    assert code == 0 and "Hyperparameters of" not in out


def test_a_flag_or_hook_set_to_false_or_none_is_not_a_hook(tmp_path):
    from kerastoolkit.registry import _read_info

    path = tmp_path / "toy.py"
    source = ['"""A toy."""', "TRANSLATES = False", "report = None", "IMAGE_SHAPE = (28, 28, 1)", "def train(): ..."]
    path.write_text("\n".join(source) + "\n")
    info = _read_info("toy", path)
    assert not info.has_hook("TRANSLATES") and not info.has_hook("report")
    assert info.takes_images and info.has_hook("train")


@pytest.mark.parametrize(
    ("published", "score", "reached"),
    [
        (Published("accuracy", 0.925, "Radford", decimals=1), 0.9249, True),  # 92.49% is 92.5% at one decimal
        (Published("accuracy", 0.925, "Radford", decimals=1), 0.9244, False),
        (Published("accuracy", 0.995, "LeCun"), 0.9949, False),
        (Published("accuracy", 0.995, "LeCun"), 0.9952, True),
        (Published("perplexity", 1.5, "paper"), 1.49, True),
        (Published("perplexity", 1.5, "paper"), 1.51, False),
    ],
)
def test_published_target_is_compared_at_its_own_precision(published, score, reached):
    assert published.reached(score) is reached


def test_published_formats_at_its_own_precision():
    assert Published("accuracy", 0.925, "Radford", decimals=1).format() == "92.5%"
    assert Published("accuracy", 0.995, "LeCun").format(0.99523) == "99.52%"


def test_show_recipe_lists_hyperparameters():
    code, out, _ = invoke("show", "recipe", "mnist_mlp")
    assert code == 0
    assert "published: accuracy 98.2%" in out
    assert "epochs=100" in out and "passes over the training set" in out
    assert "hidden_units=625" in out and "sigmoid units in the hidden layer" in out


def test_notebook_import_builds_a_compiled_model():
    from recipes import mnist_softmax

    model = mnist_softmax.build_model(mnist_softmax.Config())
    assert model.count_params() == 784 * 10 + 10
    assert model.optimizer is not None


def test_unknown_recipe_suggests_a_close_name():
    assert_user_error(["run", "recipe", "mnist_cnv"], "unknown recipe 'mnist_cnv'; did you mean mnist_conv")
    assert_user_error(
        ["show", "recipe", "resnet"], "unknown recipe 'resnet'; known recipes: babi_lstm, babi_memn2n, backprop_mazur"
    )


def test_bad_override_lists_valid_keys(tmp_path):
    assert_user_error(
        ["run", "recipe", "mnist_softmax", "epoch=1", "--runs-dir", str(tmp_path)],
        "unknown hyperparameter 'epoch'; valid keys: epochs",
    )
    assert_user_error(
        ["run", "recipe", "mnist_softmax", "epochs=-1", "--runs-dir", str(tmp_path)], "epochs=-1 is too small"
    )
    assert not any(tmp_path.iterdir())


def test_a_model_too_large_for_memory_is_one_line_and_leaves_no_run_folder(tmp_path, mnist_prepared):
    args = ["run", "recipe", "mnist_mlp", "hidden_units=99999999999", "epochs=1", "train_limit=64", "test_limit=64"]
    assert_user_error([*args, "--runs-dir", str(tmp_path)], "out of memory (OOM when allocating tensor with shape[784,")
    assert not any(tmp_path.iterdir())


def test_out_of_memory_in_training_is_one_line_naming_the_run_folder_to_resume(tmp_path, mnist_prepared, monkeypatch):
    import tensorflow as tf

    from kerastoolkit import engine

    allocating = "OOM when allocating tensor with shape[4096,784]"

    def out_of_memory(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, f"{allocating} on CPU")

    monkeypatch.setattr(engine, "train_recipe", out_of_memory)
    args = ["run", "recipe", "mnist_softmax", "epochs=1", "train_limit=64", "test_limit=64"]
    err = assert_user_error([*args, "--runs-dir", str(tmp_path)], f"out of memory ({allocating}): give smaller sizes")
    (folder,) = (tmp_path / "mnist_softmax").iterdir()
    assert err.endswith(
        f"; the run folder {folder} holds no finished epoch yet: kt run recipe mnist_softmax --resume {folder} starts"
        " it again if the memory was taken by something else; sizes too large: delete it, run again with smaller"
        " ones\n"
    )


def test_ctrl_c_during_a_run_exits_130_saying_how_to_resume(tmp_path, mnist_prepared, monkeypatch):
    from kerastoolkit import engine

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "train_recipe", interrupted)
    args = ["run", "recipe", "mnist_softmax", "epochs=1", "train_limit=64", "test_limit=64"]
    code, out, err = invoke(*args, "--runs-dir", str(tmp_path))
    (folder,) = (tmp_path / "mnist_softmax").iterdir()
    assert code == 130, (out, err)
    assert f"interrupted: the run folder {folder} holds no finished epoch yet: " in err
    assert err.endswith("Aborted!\n") and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope", "is not a JSON file of hyperparameters"),
        ("[1, 2]", "must hold a JSON object of hyperparameters"),
        ('{"epochs": "abc"}', "config.json: epochs='abc' is not of type int"),
        ('{"epochs": 1, "epochs": 2}', "config.json gives epochs twice"),
        ('{"recipe": "mnist_mlp", "hyperparameters": {"epochs": 1}}', "a mnist_mlp run, not mnist_softmax"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_it(tmp_path, text, message):
    (tmp_path / "config.json").write_text(text)
    runs = tmp_path / "runs"
    assert_user_error(
        ["run", "recipe", "mnist_softmax", "--config", str(tmp_path / "config.json"), "--runs-dir", str(runs)], message
    )
    assert not runs.exists()


def test_a_run_folders_config_json_gives_its_hyperparameters(tmp_path):
    from kerastoolkit.cli.recipes_cmd import _config_from
    from kerastoolkit.registry import get_recipe

    saved = {"recipe": "mnist_softmax", "seed": 3, "hyperparameters": {"epochs": 2, "learning_rate": 0.25}}
    (tmp_path / "config.json").write_text(json.dumps(saved))
    config = _config_from(get_recipe("mnist_softmax"), str(tmp_path / "config.json"), ("epochs=4",))
    assert (config.epochs, config.learning_rate) == (4, 0.25)  # KEY=VALUE still wins over the file


def test_missing_data_offline_names_file_url_and_data_dir(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    runs = tmp_path / "runs"
    err = assert_user_error(
        ["run", "recipe", "mnist_softmax", "--data-dir", str(tmp_path / "empty"), "--runs-dir", str(runs)],
        "mnist/train-images-idx3-ubyte.gz is not in the data folder",
    )
    assert "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz" in err
    assert "KT_DATA_DIR" in err
    assert not runs.exists(), "a failed start must leave no runs folder behind"
    assert not (tmp_path / "empty").exists(), "a failed download must leave no empty data folder behind"


def test_corrupt_data_file_is_refused(tmp_path, shared_data_dir):
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    for source in (shared_data_dir / "mnist").glob("*.gz"):
        (folder / source.name).write_bytes(source.read_bytes())
    damaged = folder / "train-labels-idx1-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:-100])
    runs = tmp_path / "runs"
    assert_user_error(
        ["run", "recipe", "mnist_softmax", "--data-dir", str(tmp_path / "data"), "--runs-dir", str(runs)],
        "train-labels-idx1-ubyte.gz is truncated or corrupt",
    )
    assert not list(runs.glob("*/*"))


def test_runs_folder_under_a_file_is_refused(tmp_path, shared_data_dir):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert_user_error(
        [
            "run",
            "recipe",
            "mnist_softmax",
            "train_limit=100",
            "validation_size=10",
            "--runs-dir",
            str(blocker / "runs"),
        ],
        "cannot write the runs folder",
    )


def test_resume_or_eval_of_a_folder_without_a_run(tmp_path):
    empty = tmp_path / "not_a_run"
    empty.mkdir()
    assert_user_error(["run", "recipe", "mnist_softmax", "--resume", str(empty)], "holds no run (no config.json)")
    assert_user_error(["eval", str(empty)], "holds no run")
    assert_user_error(["eval", str(tmp_path / "missing")], "is not a folder")


def test_resume_refuses_overrides(tmp_path):
    assert_user_error(
        ["run", "recipe", "mnist_softmax", "epochs=2", "--resume", str(tmp_path)],
        "a resumed run keeps the hyperparameters it started with",
    )


def test_runs_with_no_runs(tmp_path):
    code, out, _ = invoke("runs", "--runs-dir", str(tmp_path))
    assert code == 0 and out.strip() == f"no runs in {tmp_path}"
    assert_user_error(["runs", "--runs-dir", str(tmp_path / "missing")], f"{tmp_path / 'missing'} is not a folder")


def test_runs_lines_up_its_columns_past_long_recipe_names(tmp_path):
    fake_run(tmp_path, "translate_attention")
    fake_run(tmp_path, "xor")
    code, out, _ = invoke("runs", "--runs-dir", str(tmp_path))
    assert code == 0
    assert len({line.index("incomplete") for line in out.splitlines()}) == 1, out
    assert len({line.index(str(tmp_path)) for line in out.splitlines()}) == 1, out  # the folders too


def kt_process(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`python -m kerastoolkit ARGS` in `cwd`, importing this checkout (not an installed copy)."""
    return subprocess.run(
        [sys.executable, "-m", "kerastoolkit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=repo_env(),
    )


def test_module_entry_point_prints_one_line_errors(tmp_path):
    result = kt_process("show", "recipe", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "kt: error: unknown recipe 'nope'; known recipes: " + ", ".join(RECIPES)


def test_commands_that_load_tensorflow_hide_its_native_start_up_lines(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "config.json").write_text('{"recipe": "mnist_softmax", "seed": 0, "hyperparameters": {}}')
    with zipfile.ZipFile(folder / "model.keras", "w") as archive:  # kt eval loads TensorFlow, then refuses it
        archive.writestr("notes.txt", "no model here")

    quiet = kt_process("eval", str(folder), cwd=tmp_path)
    assert quiet.returncode == 2
    assert quiet.stderr.startswith("kt: error: ") and quiet.stderr.count("\n") == 1, quiet.stderr
    debug = kt_process("--debug", "eval", str(folder), cwd=tmp_path)
    assert debug.returncode == 2
    assert "absl::InitializeLog" in debug.stderr  # --debug shows everything TensorFlow prints
    assert "Traceback" in debug.stderr and "RunDirError" in debug.stderr


def test_failed_quiet_import_replays_what_was_hidden(capfd):
    from kerastoolkit.cli.quiet_import import _native_stderr_captured

    with pytest.raises(RuntimeError), _native_stderr_captured():
        os.write(2, b"native chatter\n")
        raise RuntimeError("import failed")
    with _native_stderr_captured():
        os.write(2, b"hidden\n")
    err = capfd.readouterr().err
    assert "native chatter" in err and "hidden" not in err


# --- issue #9: the first five minutes -----------------------------------------------------------------------

HEAVY_MODULES = ("tensorflow", "keras", "tensorflow_datasets", "gensim", "matplotlib")


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [(["show", "recipe", "mnist_conv"], 0), (["run", "recipe", "mnist_conv", "epochz=3"], 2)],
)
def test_show_and_override_checks_import_no_tensorflow(args, exit_code):
    code = (
        "import sys\n"
        "from kerastoolkit.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='kt')\n"
        f"except SystemExit as e:\n    assert (e.code or 0) == {exit_code}, e.code\n"
        f"heavy = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60, cwd=REPO)


def test_every_recipe_has_a_light_config_like_its_module_config():
    from kerastoolkit.config import _metadata, fields

    for recipe in list_recipes():
        assert recipe.has_light_config, f"{recipe.name}: its Config needs the module (see light_config.LIGHT_IMPORTS)"
        light, own = recipe.config_class, recipe.module.Config
        assert light is not own
        assert fields(light) == fields(own)
        assert all(_metadata(light, f.name) == _metadata(own, f.name) for f in fields(own))


def test_a_config_that_needs_its_module_falls_back_to_importing_it(tmp_path):
    from kerastoolkit.light_config import light_config_class

    recipe = tmp_path / "heavy.py"
    recipe.write_text(
        "from dataclasses import dataclass\nimport json\n\n"
        "@dataclass\nclass Config:\n    indent: int = len(json.dumps([1]))\n"
    )
    assert light_config_class("heavy", recipe) is None
    recipe = tmp_path / "light.py"
    recipe.write_text(
        "from __future__ import annotations\nfrom dataclasses import dataclass\nfrom typing import Literal\n"
        "import numpy as np\n\nKind = Literal['a', 'b']\nUNITS = 2 * 3\n\n"
        "@dataclass\nclass Config:\n    units: int = UNITS\n    kind: Kind = 'a'\n\ndef build(): return np.zeros(1)\n"
    )
    config = light_config_class("light", recipe)()
    assert (config.units, config.kind) == (6, "a")


def test_make_config_is_turned_into_the_module_config_by_the_engine():
    from kerastoolkit.config import from_dict, to_dict

    recipe = get_recipe("mnist_softmax")
    light = recipe.make_config(["epochs=3"])
    own = from_dict(recipe.module.Config, to_dict(light))
    assert type(own) is recipe.module.Config and own.epochs == 3


@pytest.mark.parametrize("value", ["1e3", "2.0", "0x10", " 3", "True", "1_000"])
def test_integer_overrides_accept_only_sign_and_digits(value):
    assert_user_error(["run", "recipe", "mnist_softmax", f"epochs={value}"], "expected an integer")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("learning_rate=nan", "expected a finite decimal number"),
        ("learning_rate=inf", "expected a finite decimal number"),
        ("learning_rate=-inf", "expected a finite decimal number"),
        ("learning_rate=0", "learning_rate=0.0 is too small: it must be above 0"),
        ("dropout=1", "dropout=1.0 is too large: it must be below 1"),
        ("epochs=3", None),  # a correct override is fine; the mistake is the next one
    ],
)
def test_non_finite_zero_and_out_of_range_values_are_refused(override, message):
    if message is None:
        assert_user_error(["run", "recipe", "mnist_conv", override, "epochs=4"], "epochs is given twice")
    else:
        assert_user_error(["run", "recipe", "mnist_conv", override], message)


def test_debug_shows_the_traceback_and_still_exits_2():
    code, _, err = invoke("--debug", "run", "recipe", "mnist_conv", "epochz=3")
    assert code == 2
    assert "Traceback" in err and "ConfigError: unknown hyperparameter 'epochz'" in err


@pytest.mark.parametrize("verb", ["run", "show"])
def test_a_recipe_named_without_the_word_recipe_gets_the_command(verb):
    assert_user_error([verb, "mnist_conv"], f"did you mean 'kt {verb} recipe mnist_conv'?")
    if verb == "run":
        assert_user_error(["run", "mnist_conv", "epochs=3"], "did you mean 'kt run recipe mnist_conv epochs=3'?")


def fake_run(runs_dir: Path, recipe: str = "mnist_softmax", **settings) -> Path:
    """A run folder with config.json only, as a run killed before its first epoch leaves it."""
    folder = runs_dir / recipe / "20260101-000000"
    folder.mkdir(parents=True)
    config = {"recipe": recipe, "seed": 5, "hyperparameters": {"epochs": 3}, **settings}
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_resume_refuses_a_seed_a_runs_dir_and_another_strategy(tmp_path):
    folder = fake_run(tmp_path, strategy="mirrored")
    resume = ["run", "recipe", "mnist_softmax", "--resume", str(folder)]
    assert_user_error([*resume, "--seed", "5"], "a resumed run keeps the seed it started with; drop --seed")
    assert_user_error([*resume, "--runs-dir", str(tmp_path)], "a resumed run stays in its folder; drop --runs-dir")
    assert_user_error([*resume, "--strategy", "default"], "was started with --strategy mirrored")
    assert_user_error(["run", "recipe", "mnist_conv", "--resume", str(folder)], "is a run of mnist_softmax")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('{"recipe": "mnist_softmax", "seed": 0}', "its config.json is unreadable or damaged"),
        ("[1, 2]", "its config.json is unreadable or damaged"),
        ('{"recipe": "mnist_softmax", "seed": 0, "hyperparameters": {"epochs": "3"}}', "config.json is damaged"),
        ('{"recipe": "mnist_softmax", "seed": 0, "hyperparameters": {"depth": 3}}', "unknown hyperparameter"),
        ('{"recipe": "resnet", "seed": 0, "hyperparameters": {}}', "a recipe kt does not have"),
    ],
)
def test_a_damaged_config_json_is_refused_by_eval_and_resume(tmp_path, config, message):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "config.json").write_text(config)
    assert_user_error(["eval", str(folder)], message)
    if "resnet" not in config:
        assert_user_error(["run", "recipe", "mnist_softmax", "--resume", str(folder)], message)


def test_eval_refuses_a_damaged_model(tmp_path):
    from recipes import mnist_softmax

    folder = fake_run(tmp_path)
    model_file = folder / "model.keras"
    model_file.write_bytes(b"\x00garbage, not a zip" * 50)
    assert_user_error(["eval", str(folder)], "model.keras is damaged: it is not a complete zip archive")
    mnist_softmax.build_model(mnist_softmax.Config()).save(model_file)
    whole = model_file.read_bytes()
    model_file.write_bytes(whole[: len(whole) // 2])
    assert_user_error(["eval", str(folder)], "model.keras is damaged: it is not a complete zip archive")
    with zipfile.ZipFile(model_file, "w") as archive:  # a whole zip, but no Keras model in it
        archive.writestr("notes.txt", "hello")
    assert_user_error(["eval", str(folder)], "model.keras is damaged or not a Keras model")


def test_eval_of_a_run_without_model_keras_says_whether_it_finished(tmp_path):
    folder = fake_run(tmp_path)
    assert_user_error(["eval", str(folder)], f"kt run recipe mnist_softmax --resume {folder} goes on with it")
    (folder / "metrics.json").write_text('{"recipe": "mnist_softmax", "metric": "accuracy", "value": 0.9}')
    assert_user_error(["eval", str(folder)], "the run finished, but the file was removed or moved")


def test_resuming_a_complete_run_is_refused_and_removes_what_a_late_kill_left(tmp_path):
    folder = fake_run(tmp_path)
    (folder / "metrics.json").write_text('{"recipe": "mnist_softmax", "metric": "accuracy", "value": 0.9}')
    for leftover in ("stages", "backup/train"):  # a kill between metrics.json and their removal
        (folder / leftover).mkdir(parents=True)
        (folder / leftover / "weights.h5").write_bytes(b"x")
    assert_user_error(["run", "recipe", "mnist_softmax", "--resume", str(folder)], "is already complete")
    assert not (folder / "stages").exists() and not (folder / "backup").exists()


def test_runs_lists_a_run_with_a_damaged_metrics_json_and_goes_on(tmp_path):
    broken = fake_run(tmp_path, "mnist_conv")
    (broken / "metrics.json").write_text('{"recipe": "mnist_conv", "metric": "accu')
    odd = fake_run(tmp_path, "mnist_mlp")
    (odd / "metrics.json").write_text('{"recipe": "mnist_mlp", "metric": "accuracy", "test": {}}')
    (fake_run(tmp_path, "mnist_dropout") / "config.json").write_text("{not json")
    code, out, err = invoke("runs", "--runs-dir", str(tmp_path))
    assert code == 0 and not err
    lines = out.splitlines()
    assert len(lines) == 3
    assert "unreadable metrics.json" in lines[0] and "mnist_conv" in lines[0]
    assert "incomplete" in lines[1] and "unreadable metrics.json" in lines[2]


def test_runs_marks_a_finished_run_whose_model_is_gone_or_damaged_or_whose_config_is_unreadable(tmp_path):
    folder = fake_run(tmp_path, "mnist_mlp")
    (folder / "metrics.json").write_text(
        json.dumps({"recipe": "mnist_mlp", "metric": "accuracy", "test": {"accuracy": 0.98}})
    )

    def shown() -> str:
        code, out, err = invoke("runs", "--runs-dir", str(tmp_path))
        assert code == 0 and not err and out.startswith("mnist_mlp ") and out.endswith(f"  {folder}/\n"), out
        return out.removeprefix("mnist_mlp ").removesuffix(f"  {folder}/\n")

    assert shown() == "accuracy 98.00%, model.keras missing"
    (folder / "model.keras").write_bytes(b"PK\x03\x04 cut short")
    assert shown() == "accuracy 98.00%, model.keras damaged"
    with zipfile.ZipFile(folder / "model.keras", "w") as archive:  # a whole zip: kt runs does not open it further
        archive.writestr("config.json", "{}")
    assert shown() == "accuracy 98.00%"
    for config in ("{not json", '{"recipe": "mnist_mlp", "seed": 5}', '["mnist_mlp"]'):
        (folder / "config.json").write_text(config)
        assert shown() == "accuracy 98.00%, config.json unreadable", config
    (folder / "model.keras").unlink()
    assert shown() == "accuracy 98.00%, config.json unreadable, model.keras missing"


def test_a_cache_folder_that_cannot_be_made_is_refused_by_run(tmp_path, monkeypatch, shared_data_dir):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KT_CACHE_DIR", str(blocker / "cache"))
    runs = tmp_path / "runs"
    err = assert_user_error(
        ["run", "recipe", "mnist_softmax", "--data-dir", str(shared_data_dir), "--runs-dir", str(runs)],
        f"cannot use the cache folder {blocker / 'cache' / 'tfds'}",
    )
    assert "is a file, not a folder" in err and "KT_CACHE_DIR" in err
    assert not runs.exists()


@pytest.mark.parametrize("option", ["--runs-dir", "--data-dir"])
def test_an_empty_path_is_refused(option):
    code, _, err = invoke("run", "recipe", "mnist_softmax", option, "")
    assert code == 2 and "an empty path names no file or folder" in err


@pytest.mark.parametrize("command", [["predict", ""], ["translate", " ", "I am cold."]])
def test_an_empty_run_folder_is_refused(command):
    assert_user_error(list(command), "an empty path names no run folder")


def test_a_seed_out_of_numpy_range_is_refused():
    code, _, err = invoke("run", "recipe", "mnist_softmax", "--seed", "-1")
    assert code == 2 and "'--seed': -1 is not in the range" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "recipe", "mnist_softmax", "--seed", "-1"], "Invalid value for '--seed'"),
        (["run", "recipe"], "Missing argument 'NAME'. (see kt run recipe --help)"),
        (["similar", "frog", "--nosuch"], "No such option '--nosuch'. (see kt similar --help)"),
        (["nosuch"], "No such command 'nosuch'. (see kt --help)"),
    ],
)
def test_clicks_own_usage_errors_are_one_line_too(args, message):
    assert_user_error(args, message)


def test_a_group_alone_shows_its_help():
    code, out, err = invoke("run")
    assert code == 2 and "Usage: kt run [OPTIONS] COMMAND" in out + err and "recipe" in out + err


@pytest.mark.parametrize(
    "rows",
    ["train,1,3.5,0.4\ntrain,tw", "train,1,3.5,0.4\ntrain,2,3.4", "train,1,3.5,0.4,0.3"],
    ids=["epoch cut", "row cut short", "row too long"],
)
def test_resume_refuses_a_damaged_history(tmp_path, rows):
    folder = fake_run(tmp_path)
    (folder / "history.csv").write_text("stage,epoch,seconds,loss\n" + rows)
    assert_user_error(
        ["run", "recipe", "mnist_softmax", "--resume", str(folder)], "history.csv is damaged; the run cannot be resumed"
    )


def test_a_benchmark_scripts_mistake_is_one_line(capsys, monkeypatch):
    from kerastoolkit.errors import ConfigError
    from kerastoolkit.scripts import script_main

    def main() -> None:
        raise ConfigError("unknown hyperparameter 'nosuch'")

    monkeypatch.setattr(sys, "argv", ["benchmarks/sda.py", "--set", "nosuch=1"])
    with pytest.raises(SystemExit) as exit_info:
        script_main(main)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "sda.py: error: unknown hyperparameter 'nosuch'\n"
