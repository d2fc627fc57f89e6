"""Data parallelism: `--strategy mirrored` on 2 logical CPU devices scores as the default strategy does.

TensorFlow fixes its devices once per process, so the runs that split the CPU run in subprocesses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_cli import assert_user_error
from test_training import history_columns, history_rows

from kerastoolkit.errors import ConfigError
from kerastoolkit.strategy import ClusterSpec, cluster_spec

# 1000 examples in batches of 64: a partial last batch in every split (training 1000, validation 200, test 300)
SMALL = ["mnist_mlp", "epochs=3", "batch_size=64", "train_limit=1000", "validation_size=200", "test_limit=300"]
MIRRORED = ["--strategy", "mirrored", "--cpu-replicas", "2"]


def kt_run(runs_dir: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "kerastoolkit", "run", "recipe", *args]
    if "--resume" not in args:
        command += ["--seed", "3", "--runs-dir", str(runs_dir)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def finished(process: subprocess.Popen) -> None:
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, out


def only_run(runs_dir: Path) -> Path:
    (folder,) = runs_dir.glob("mnist_mlp/*")
    return folder


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, shared_data_dir):
    """The same small run under the default strategy and under mirrored on 2 CPU devices, side by side."""
    root = tmp_path_factory.mktemp("strategies")
    processes = {"default": kt_run(root / "default", *SMALL), "mirrored": kt_run(root / "mirrored", *SMALL, *MIRRORED)}
    for process in processes.values():
        finished(process)
    return {name: only_run(root / name) for name in processes}


def test_mirrored_on_two_cpu_devices_scores_as_the_default_strategy(two_runs):
    default, mirrored = (history_columns(two_runs[name]) for name in ("default", "mirrored"))
    for column in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert mirrored[column] == pytest.approx(default[column], abs=1e-5), column
    scores = {name: json.loads((folder / "metrics.json").read_text())["test"] for name, folder in two_runs.items()}
    assert scores["mirrored"] == pytest.approx(scores["default"], abs=1e-5)


def test_the_run_folder_records_the_strategy_and_its_replicas(two_runs):
    for name, replicas in (("default", 1), ("mirrored", 2)):
        config = json.loads((two_runs[name] / "config.json").read_text())
        metrics = json.loads((two_runs[name] / "metrics.json").read_text())
        assert (config["strategy"], config["replicas"]) == (name, replicas)
        assert (metrics["strategy"], metrics["replicas"]) == (name, replicas)
        assert config["learning_rate_used"] == config["hyperparameters"]["learning_rate"]  # mnist_mlp: unscaled


def test_a_killed_mirrored_run_resumes_and_ends_as_the_uninterrupted_one(tmp_path, two_runs):
    killed = kt_run(tmp_path, *SMALL, *MIRRORED)
    deadline = time.monotonic() + 240
    while not list(tmp_path.glob("mnist_mlp/*")) or history_rows(only_run(tmp_path)) < 1:
        assert killed.poll() is None and time.monotonic() < deadline, "the run never finished its first epoch"
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    folder = only_run(tmp_path)
    assert history_rows(folder) < 3 and not (folder / "metrics.json").exists()
    resumed = kt_run(tmp_path, "mnist_mlp", "--resume", str(folder), "--cpu-replicas", "2")
    finished(resumed)
    assert history_columns(folder)["epoch"] == [1, 2, 3]
    expected = json.loads((two_runs["mirrored"] / "metrics.json").read_text())["test"]
    assert json.loads((folder / "metrics.json").read_text())["test"] == pytest.approx(expected, abs=1e-5)


def test_mirrored_reseeds_dropout_each_epoch_and_finishes(tmp_path, shared_data_dir):
    """mnist_dropout under mirrored: the trainer sets its dropout seed generators (mirrored variables) every epoch."""
    small = ["mnist_dropout", "epochs=2", *(item for item in SMALL[1:] if not item.startswith("epochs="))]
    finished(kt_run(tmp_path, *small, *MIRRORED))
    (folder,) = tmp_path.glob("mnist_dropout/*")
    assert history_columns(folder)["epoch"] == [1, 2]
    assert json.loads((folder / "metrics.json").read_text())["test"]["accuracy"] > 0.5


@pytest.mark.parametrize("replicas", ["0", "-1"])
def test_cpu_replicas_below_one_is_refused_in_one_line(tmp_path, replicas):
    args = ["run", "recipe", "mnist_mlp", *MIRRORED[:2], "--cpu-replicas", replicas, "--runs-dir", str(tmp_path)]
    assert_user_error(args, f"--cpu-replicas must be 1 or more, not {replicas}")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--strategy", "mirrored", "--cpu-replicas", "65"], "--cpu-replicas must be at most 64, not 65"),
        (["--cpu-replicas", "2"], "--cpu-replicas splits the CPU for --strategy mirrored; add --strategy mirrored"),
    ],
)
def test_too_many_cpu_replicas_or_no_mirrored_strategy_is_refused(tmp_path, options, message):
    assert_user_error(["run", "recipe", "mnist_mlp", *options, "--runs-dir", str(tmp_path)], message)
    assert not list(tmp_path.iterdir())


MIRRORED_WITHOUT_GPU = """
from kerastoolkit.strategy import get_strategy, split_cpu
if {replicas} > 1:
    split_cpu({replicas})
print(get_strategy("mirrored").num_replicas_in_sync)
"""


@pytest.mark.parametrize("replicas", [1, 2])
def test_mirrored_without_a_gpu_says_it_runs_one_cpu_replica_unless_the_cpu_is_split(replicas):
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    script = MIRRORED_WITHOUT_GPU.format(replicas=replicas)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == str(replicas)
    notice = "no GPU found: --strategy mirrored runs one replica on the CPU (--cpu-replicas N splits it into N)"
    assert (notice in done.stderr) == (replicas == 1)


FINISHED_STAGE_UNDER_MIRRORED = """
import tempfile
from types import SimpleNamespace

import numpy as np

from kerastoolkit.strategy import get_strategy, split_cpu

split_cpu(2)
import keras
import tensorflow as tf

from kerastoolkit.config import TrainingConfig
from kerastoolkit.runs import create_run
from kerastoolkit.trainer import Trainer

strategy = get_strategy("mirrored")
x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
examples = tf.data.Dataset.from_tensor_slices((x, (x.sum(axis=1) > 0).astype("int64")))
data = SimpleNamespace(train=examples, num_train=64, validation=examples.take(16), num_validation=16, test=examples)


def compiled():
    with strategy.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
    return model


run = create_run(tempfile.mkdtemp(), "toy", {"recipe": "toy"})
config = TrainingConfig(epochs=1, batch_size=16)
trained, resumed = compiled(), compiled()
Trainer(run, config, 0, strategy, verbose=0).fit(trained, data, stage="first")
Trainer(run, config, 0, strategy, verbose=0).fit(resumed, data, stage="first")  # finished: its weights load
print(all(np.array_equal(a, b) for a, b in zip(trained.get_weights(), resumed.get_weights())))
"""


def test_a_finished_stage_loads_into_a_mirrored_model_with_its_optimizer():
    """A resumed run of stages under mirrored: the finished stage's file holds optimizer variables, built (in the
    strategy's scope) before they load."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", FINISHED_STAGE_UNDER_MIRRORED], capture_output=True, text=True, env=env, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[-1] == "True"


def test_the_learning_rate_scales_with_the_global_batch_only_where_the_recipe_says_so():
    from kerastoolkit.config import RecipeConfig
    from kerastoolkit.engine import scaled_learning_rate

    config = RecipeConfig(learning_rate=0.1, batch_size=512)
    assert scaled_learning_rate(SimpleNamespace(), config).learning_rate == 0.1
    assert scaled_learning_rate(SimpleNamespace(LEARNING_RATE_BATCH=128), config).learning_rate == pytest.approx(0.4)


WORKERS = {"worker": ["127.0.0.1:2001", "127.0.0.1:2002"]}


def test_tf_config_names_the_cluster_and_its_chief():
    spec = cluster_spec(json.dumps({"cluster": WORKERS, "task": {"type": "worker", "index": 1}}))
    assert (spec.num_workers, spec.is_chief) == (2, False)
    assert ClusterSpec(WORKERS, "worker", 0).is_chief
    with_chief = {**WORKERS, "chief": ["127.0.0.1:2000"]}
    assert ClusterSpec(with_chief, "chief", 0).is_chief and not ClusterSpec(with_chief, "worker", 0).is_chief


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs TF_CONFIG"),
        ("{not json", "TF_CONFIG is not JSON"),
        ('{"cluster": {}}', '"cluster" and "task"'),
        (json.dumps({"cluster": {"worker": ["nohost"]}, "task": {"type": "worker", "index": 0}}), "host:port"),
        (json.dumps({"cluster": WORKERS, "task": {"type": "worker", "index": 2}}), "not in its cluster"),
        (json.dumps({"cluster": WORKERS, "task": {"type": "ps", "index": 0}}), "chief or worker"),
        (json.dumps({"cluster": {"ps": ["a:1"], **WORKERS}, "task": {"type": "worker"}}), "'ps' tasks"),
    ],
)
def test_a_malformed_tf_config_is_refused_in_one_line(text, message):
    with pytest.raises(ConfigError, match=message) as error:
        cluster_spec(text)
    assert "\n" not in str(error.value)


# The root cause of the dropped evaluation batches, at its smallest: a slow split, evaluated once under mirrored.
FIRST_EVALUATION = """
import time
import numpy as np
import tensorflow as tf
from kerastoolkit.strategy import get_strategy, split_cpu
split_cpu(2)
import keras
from kerastoolkit.data.pipeline import evaluation_batches

class Count(keras.metrics.Metric):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.n = self.add_weight(name="n", initializer="zeros")
    def update_state(self, y_true, y_pred, sample_weight=None):
        self.n.assign_add(tf.cast(tf.shape(y_true)[0], "float32"))
    def result(self):
        return self.n

def slow(x):
    time.sleep(0.002)
    return x

with get_strategy("mirrored").scope():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=[Count()])
x = np.arange(300, dtype="float32").reshape(-1, 1)
for _ in range(8):  # each a first evaluation of a new split: the cut depended on timing
    split = tf.data.Dataset.from_tensor_slices((x, x)).map(
        lambda a, b: (tf.reshape(tf.numpy_function(slow, [a], tf.float32), (1,)), b)
    )
    print("COUNTED", model.evaluate(evaluation_batches(split, 64), verbose=0, return_dict=True)["count"])
"""


def test_the_first_evaluation_under_mirrored_counts_every_example():
    result = subprocess.run([sys.executable, "-c", FIRST_EVALUATION], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    counted = [line for line in result.stdout.splitlines() if line.startswith("COUNTED ")]
    assert counted == ["COUNTED 300.0"] * 8, counted  # often 64 (one batch) with a lazily filled cache
