"""`kt tune`: a search of 3 trials on a tiny slice, its files, `--config` on its winner, and refused inputs."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import assert_user_error, invoke

from kerastoolkit.errors import ConfigError

TINY = ["epochs=1", "batch_size=64", "train_limit=500", "validation_size=200", "test_limit=100"]


@pytest.fixture(scope="module")
def search(tmp_path_factory, shared_data_dir):
    runs_dir = tmp_path_factory.mktemp("tune")
    args = ["tune", "recipe", "mnist_softmax", "learning_rate=0.01..0.5:log", *TINY, "--trials", "3", "--seed", "2"]
    code, out, err = invoke(*args, "--runs-dir", str(runs_dir))
    assert code == 0, out + err
    (folder,) = runs_dir.glob("tune_mnist_softmax_*")
    return folder, out, runs_dir


def test_a_search_prints_its_trials_best_first_and_writes_its_files(search):
    folder, out, _ = search
    for name in ("best.json", "trials.csv", "tuning.png", "tune.json", "oracle.json"):
        assert (folder / name).is_file(), name
    assert not list(folder.glob("trial_*/backup")) and len(list(folder.glob("trial_*/history.csv"))) == 3
    with (folder / "trials.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    scores = [float(row["val_accuracy"]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    table = out[out.index("trial  val_accuracy") :].splitlines()
    assert [line.split()[0] for line in table[1:4]] == [row["trial"] for row in rows]
    best = json.loads((folder / "best.json").read_text())
    assert best["learning_rate"] == pytest.approx(float(rows[0]["learning_rate"]))
    assert 0.01 <= best["learning_rate"] <= 0.5 and best["epochs"] == 1 and best["train_limit"] == 500
    assert json.loads((folder / "tune.json").read_text())["objective"] == "val_accuracy"
    assert "Trial 3 Complete" in out and "\x1b" not in out  # keras-tuner's notebook escape codes kept out


def test_run_recipe_trains_the_winner_from_best_json_with_overrides_winning(search, tmp_path):
    folder, _, _ = search
    code, out, err = invoke(
        "run", "recipe", "mnist_softmax", "--config", str(folder / "best.json"), "test_limit=50",
        "--runs-dir", str(tmp_path),
    )  # fmt: skip
    assert code == 0, out + err
    (run,) = tmp_path.glob("mnist_softmax/*")
    used = json.loads((run / "config.json").read_text())["hyperparameters"]
    best = json.loads((folder / "best.json").read_text())
    assert used == {**best, "test_limit": 50}


def test_a_finished_search_resumed_runs_no_new_trial(search):
    folder, _, _ = search
    code, out, err = invoke("tune", "recipe", "mnist_softmax", "--resume", str(folder))
    assert code == 0, out + err
    assert out.startswith(f"resuming the search in {folder}") and "Trial 4" not in out
    assert len((folder / "trials.csv").read_text().splitlines()) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["learning_rate=0.5..0.01"], "its low end must be below its high end"),
        (["no_such=1..2"], "unknown hyperparameter 'no_such'"),
        (["learning_rate=0.1..x"], "bad range for learning_rate"),
        (["learning_rate=0.01..0.5:cube"], "unknown range option"),
        (["learning_rate=0..0.5:log"], "a log range needs a low end above 0"),
        (["learning_rate=0.1..0.2:step=0.5"], "a step of 0.5 does not fit between 0.1 and 0.2: only 0.1 would be"),
        (["learning_rate=0.01..0.5"], "--algorithm grid needs"),
        ([], "nothing to search"),
        (["learning_rate=0.1,0.2", "learning_rate=0.3"], "learning_rate is both fixed and searched"),
        (["learning_rate=0.3", "learning_rate=0.1..0.2"], "learning_rate is both fixed and searched"),
        (["learning_rate=0.1/0.2"], "the choices of learning_rate are separated by commas (learning_rate=0.1,0.2)"),
        (["learning_rate=0.1,0.2", "validation_size=0"], "no validation split here (validation_size=0), and kt tune"),
        (["learning_rate=0.1,0.2", "--objective", "accuracy"], "never the test set"),
        (["learning_rate=0.1,0.2", "--objective", "val_nosuch"], "val_nosuch is not a validation score of"),
    ],
)
def test_bad_input_is_one_line_and_leaves_nothing(tmp_path, mnist_prepared, args, message):
    extra = ["--algorithm", "grid"] if "grid" in message else []
    given = {arg.partition("=")[0] for arg in args}
    fixed = [arg for arg in TINY if arg.partition("=")[0] not in given]
    assert_user_error(["tune", "recipe", "mnist_softmax", *fixed, *args, *extra, "--runs-dir", str(tmp_path)], message)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("option", [["--trials", "0"], ["--algorithm", "annealing"]])
def test_click_refuses_no_trials_and_an_unknown_algorithm(tmp_path, option):
    code, _, err = invoke(
        "tune", "recipe", "mnist_softmax", "learning_rate=0.1,0.2", *option, "--runs-dir", str(tmp_path)
    )
    assert code == 2 and err.startswith("kt: error: Invalid value for") and err.count("\n") == 1
    assert not list(Path(tmp_path).iterdir())


def test_tune_help_imports_neither_tensorflow_nor_keras_tuner():
    code = (
        "import sys\n"
        "from kerastoolkit.cli import cli\n"
        "try:\n    cli(['tune', 'recipe', '--help'], prog_name='kt')\nexcept SystemExit as e:\n    assert not e.code\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'keras_tuner') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=60)


def test_a_killed_search_resumes_and_finishes_its_trials(tmp_path, shared_data_dir):
    command = [sys.executable, "-m", "kerastoolkit", "tune", "recipe", "mnist_softmax", "learning_rate=0.01..0.5:log"]
    args = [*TINY, "epochs=3", "--trials", "3", "--runs-dir", str(tmp_path)]
    args.remove("epochs=1")
    killed = subprocess.Popen([*command, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not list(tmp_path.glob("tune_mnist_softmax_*/trial_1/history.csv")):
        assert killed.poll() is None and time.monotonic() < deadline, "the second trial never started"
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    (folder,) = tmp_path.glob("tune_mnist_softmax_*")
    assert not (folder / "best.json").exists()
    resumed = subprocess.run(
        [*command[:-1], "--resume", str(folder)], capture_output=True, text=True, timeout=300
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    with (folder / "trials.csv").open() as f:
        assert sorted(row["trial"] for row in csv.DictReader(f)) == ["0", "1", "2"]
    assert (folder / "best.json").is_file()


@pytest.mark.parametrize("algorithm", ["grid", "bayesian", "hyperband"])
def test_every_algorithm_searches(tmp_path, shared_data_dir, algorithm):
    args = ["learning_rate=0.05,0.2", "epochs=2", "train_limit=200", "validation_size=100", "--trials", "2"]
    code, out, err = invoke(
        "tune", "recipe", "mnist_softmax", *args, "--algorithm", algorithm, "--runs-dir", str(tmp_path)
    )
    assert code == 0, out + err
    (folder,) = tmp_path.glob("tune_mnist_softmax_*")
    best = json.loads((folder / "best.json").read_text())
    assert best["learning_rate"] in (0.05, 0.2) and (folder / "tuning.png").is_file()
    with (folder / "trials.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert 1 <= len(rows) <= 2 if algorithm == "hyperband" else len(rows) == 2


def test_without_objective_a_recipe_whose_metric_the_model_does_not_report_tunes_its_validation_loss(tmp_path):
    # units is a list: given as one, it is a fixed value, not a choice
    args = ["tune", "recipe", "mnist_autoencoder", "learning_rate=0.001,0.002", "units=64,2", *TINY, "--trials", "1"]
    code, out, err = invoke(*args, "--runs-dir", str(tmp_path))
    assert code == 0, out + err
    assert "objective: val_loss (--objective chooses another of val_loss" in err
    (folder,) = tmp_path.glob("tune_mnist_autoencoder_*")
    spec = json.loads((folder / "tune.json").read_text())
    assert spec["objective"] == "val_loss" and spec["base"]["units"] == [64, 2]
    assert [dimension["name"] for dimension in spec["space"]] == ["learning_rate"]


def test_a_list_valued_hyperparameter_is_searched_among_lists_split_by_slashes(tmp_path, shared_data_dir):
    args = ["tune", "recipe", "mnist_autoencoder", "units=64,2/32,4", *TINY, "--algorithm", "grid", "--trials", "2"]
    code, out, err = invoke(*args, "--runs-dir", str(tmp_path))
    assert code == 0, out + err
    (folder,) = tmp_path.glob("tune_mnist_autoencoder_*")
    (dimension,) = json.loads((folder / "tune.json").read_text())["space"]
    assert dimension["kind"] == "choice" and dimension["choices"] == [[64, 2], [32, 4]]
    with (folder / "trials.csv").open() as f:
        assert sorted(row["units"] for row in csv.DictReader(f)) == ["32,4", "64,2"]
    assert json.loads((folder / "best.json").read_text())["units"] in ([64, 2], [32, 4])


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("units=64,x/32,4", "bad choice for units"),
        ("units=64,2/64,2", "repeats a value"),
        ("units=64,0/8,2", "is too small"),
        ("units=64,2", "nothing to search: give at least one KEY=LOW..HIGH or KEY=A,B,C (a list-valued one: KEY=A,B/C"),
    ],
)
def test_a_bad_list_choice_is_one_line_and_leaves_nothing(tmp_path, mnist_prepared, choice, message):
    assert_user_error(["tune", "recipe", "mnist_autoencoder", choice, *TINY, "--runs-dir", str(tmp_path)], message)
    assert not list(tmp_path.iterdir())


def test_searched_values_are_checked_together_not_against_the_defaults():
    from kerastoolkit.registry import get_recipe
    from kerastoolkit.tuning.space import parse_space

    config = get_recipe("mnist_sda").config_class()  # hidden 1000,1000,1000: three layers by default
    dimensions, base = parse_space(config, ["hidden=10/20", "corruption=0.1"])  # one layer in every choice
    assert [d.choices for d in dimensions] == [((10,), (20,))] and (base.hidden, base.corruption) == ((10,), (0.1,))
    _, base = parse_space(config, ["hidden=10,10/20,20", "corruption=0.1,0.2/0.3,0.3"])
    assert (base.hidden, base.corruption) == ((10, 10), (0.1, 0.2))
    refused = r"^with corruption=0.1, the search would try hidden=20,20, which does not fit: corruption=0.1 does not"
    with pytest.raises(ConfigError, match=refused):
        parse_space(config, ["hidden=10/20,20", "corruption=0.1"])
    with pytest.raises(ConfigError, match=r"^with hidden=10, the search would try learning_rate=0.1, which does not"):
        parse_space(config, ["hidden=10", "learning_rate=0.1,0.2"])  # the default corruption has three levels
    transformer = get_recipe("translate_transformer").config_class()
    with pytest.raises(ConfigError, match=r"^the search would try units=96 heads=64, which does not fit: units=96"):
        parse_space(transformer, ["units=64,96", "heads=4,64"])  # every pair of choices, not each beside the first


def test_a_stepped_float_range_keeps_its_high_end():
    from kerastoolkit.registry import get_recipe
    from kerastoolkit.tuning.search import hyperparameters
    from kerastoolkit.tuning.space import parse_space

    (dimension,), _ = parse_space(get_recipe("mnist_softmax").config_class(), ["learning_rate=0.2..0.5:step=0.1"])
    (values,) = [hp.values if hasattr(hp, "values") else None for hp in hyperparameters([dimension]).space]
    assert [round(v, 12) for v in values] == [0.2, 0.3, 0.4, 0.5]
    parse_space(get_recipe("mnist_softmax").config_class(), ["learning_rate=0.2..0.3:step=0.1"])  # fits: 0.2, 0.3


def test_searched_epochs_train_each_trial_that_long(tmp_path, mnist_prepared):
    fixed = [arg for arg in TINY if not arg.startswith("epochs=")]
    args = ["tune", "recipe", "mnist_softmax", "epochs=1,2", *fixed, "--algorithm", "grid", "--runs-dir", str(tmp_path)]
    code, out, err = invoke(*args)
    assert code == 0, out + err
    (folder,) = tmp_path.glob("tune_mnist_softmax_*")
    with (folder / "trials.csv").open() as f:
        trials = {row["trial"]: int(row["epochs"]) for row in csv.DictReader(f)}
    assert sorted(trials.values()) == [1, 2]
    for trial, epochs in trials.items():
        with next(folder.glob(f"trial_{trial}")).joinpath("history.csv").open() as f:
            assert len(list(csv.DictReader(f))) == epochs
    assert_user_error([*args[:-2], "--algorithm", "hyperband", "--runs-dir", str(tmp_path / "h")], "do not search it")


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ConfigError("units=96 does not split"), "units=96 does not split; the search stopped (start a new one"),
        (MemoryError(), "out of memory (MemoryError): give smaller sizes"),
    ],
)
def test_a_trial_kt_refuses_stops_the_search_in_one_line(tmp_path, mnist_prepared, monkeypatch, error, message):
    from kerastoolkit.tuning import search

    def refused(*args, **kwargs):
        raise error

    monkeypatch.setattr(search, "train_recipe", refused)
    args = ["tune", "recipe", "mnist_softmax", "learning_rate=0.1,0.2", *TINY, "--objective", "val_accuracy"]
    err = assert_user_error([*args, "--algorithm", "grid", "--runs-dir", str(tmp_path)], message)
    assert err.startswith("kt: error: trial 00 (learning_rate=0.1): ")  # keras-tuner's grid numbers trials 00, 01


def test_a_resumed_search_refuses_new_settings_and_a_damaged_tune_json(search, tmp_path):
    folder, _, _ = search
    resume = ["tune", "recipe", "mnist_softmax", "--resume", str(folder)]
    kept = "a resumed search keeps the settings it started with; drop --trials, --seed"
    assert_user_error([*resume, "--trials", "5", "--seed", "1"], kept)
    assert_user_error([*resume, "--runs-dir", str(tmp_path)], "drop --runs-dir")
    (tmp_path / "tune.json").write_text("[1, 2]")
    assert_user_error(["tune", "recipe", "mnist_softmax", "--resume", str(tmp_path)], "tune.json is damaged")


@pytest.mark.parametrize(
    ("damaged", "text"),
    [("oracle.json", "{bad"), ("oracle.json", "{}"), ("tuner0.json", "{bad"), ("trial_0/trial.json", "{bad")],
)
def test_a_damaged_keras_tuner_file_is_one_line_on_resume(search, tmp_path, damaged, text):
    folder = copy_of(search, tmp_path)
    (folder / damaged).write_text(text)
    message = f"{folder} is damaged: keras-tuner cannot read the search it saved"
    assert_user_error(["tune", "recipe", "mnist_softmax", "--resume", str(folder)], message)


def copy_of(search: tuple, tmp_path: Path, **spec_changes: object) -> Path:
    """A copy of the finished search's folder under `tmp_path`, its tune.json updated with `spec_changes`."""
    folder = tmp_path / search[0].name
    shutil.copytree(search[0], folder)
    spec = json.loads((folder / "tune.json").read_text())
    (folder / "tune.json").write_text(json.dumps({**spec, **spec_changes}))
    return folder


@pytest.mark.parametrize(
    "change",
    [
        {"trials": -1},
        {"space": [{"name": "learning_rate", "kind": "cube"}]},
        {"space": [{"name": "learning_rate", "kind": "choice", "choices": []}]},
        {"space": "x"},
        {"algorithm": "guess"},
        {"direction": "up"},
        {"objective": "accuracy"},
    ],
)
def test_a_tune_json_with_damaged_settings_is_refused_on_resume(search, tmp_path, change):
    folder = copy_of(search, tmp_path, **change)
    message = f"{folder / 'tune.json'} is damaged (not the search kt tune wrote)"
    assert_user_error(["tune", "recipe", "mnist_softmax", "--resume", str(folder)], message)


def test_a_tune_json_whose_base_does_not_load_is_refused_on_resume(search, tmp_path):
    base = json.loads((search[0] / "tune.json").read_text())["base"]
    folder = copy_of(search, tmp_path, base={**base, "epochs": "many"})
    message = "tune.json is damaged: its base hyperparameters do not load (epochs='many' is not of type int)"
    assert_user_error(["tune", "recipe", "mnist_softmax", "--resume", str(folder)], message)


def test_searches_started_in_the_same_second_get_folders_of_their_own(tmp_path):
    from kerastoolkit.runs import new_folder

    first, second = new_folder(tmp_path / "runs", "tune_x"), new_folder(tmp_path / "runs", "tune_x")
    assert (first.name, second.name) == ("tune_x", "tune_x-1") and first.is_dir() and second.is_dir()
