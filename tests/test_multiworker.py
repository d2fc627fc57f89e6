"""`--strategy multi-worker`: two worker processes on localhost, as a cluster would run them (TF_CONFIG)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cli import assert_user_error
from test_training import history_columns, history_rows

SMALL = ["epochs=3", "batch_size=64", "train_limit=1000", "validation_size=200", "test_limit=300"]

# Each worker trains through kt's engine and prints a checksum of its final weights.
WORKER = """
import sys
import numpy as np
import keras
from kerastoolkit.engine import run_recipe
from kerastoolkit.registry import get_recipe

class Checksum(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        print("WEIGHTS", repr(float(sum(np.abs(w).astype("float64").sum() for w in self.model.get_weights()))))

recipe = get_recipe("mnist_softmax")
config = recipe.make_config(sys.argv[2:])
run_recipe(recipe, config, runs_dir=sys.argv[1], seed=3, strategy="multi-worker", callbacks=[Checksum()])
"""


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def tf_configs(count: int = 2) -> list[str]:
    workers = [f"127.0.0.1:{port}" for port in free_ports(count)]
    return [json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}) for i in range(count)]


def start(command: list[str], tf_config: str, tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "TF_CONFIG": tf_config, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def kt_run(runs_dir: Path, *args: str) -> list[str]:
    command = [sys.executable, "-m", "kerastoolkit", "run", "recipe", "mnist_softmax", "--strategy", "multi-worker"]
    return [*command, *args] if "--resume" in args else [*command, *args, "--seed", "3", "--runs-dir", str(runs_dir)]


def outputs(workers: list[subprocess.Popen]) -> list[str]:
    results = [worker.communicate(timeout=300)[0] for worker in workers]
    for worker, out in zip(workers, results, strict=True):
        assert worker.returncode == 0, out
    return results


def test_two_workers_finish_with_the_same_weights_and_only_the_chief_writes(tmp_path, shared_data_dir):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    temp = tmp_path / "tmp"
    temp.mkdir()
    runs = [tmp_path / f"runs{i}" for i in range(2)]
    short = ["epochs=2", *SMALL[1:]]
    workers = [
        start([sys.executable, str(script), str(runs[i]), *short], config, temp)
        for i, config in enumerate(tf_configs())
    ]
    chief, other = outputs(workers)
    checksums = [[line for line in out.splitlines() if line.startswith("WEIGHTS ")] for out in (chief, other)]
    assert len(checksums[0]) == 1 and checksums[0] == checksums[1]
    (folder,) = runs[0].glob("mnist_softmax/*")
    assert (folder / "metrics.json").is_file() and history_rows(folder) == 2
    config = json.loads((folder / "config.json").read_text())
    assert (config["strategy"], config["replicas"]) == ("multi-worker", 2)
    assert not runs[1].exists() and not list(temp.glob("kt-worker-*"))  # the other worker's folder is gone


def test_a_killed_worker_and_the_cluster_restarted_go_on_from_the_last_epoch(tmp_path, shared_data_dir):
    runs_dir, temp = tmp_path / "runs", tmp_path / "tmp"
    temp.mkdir()
    configs = tf_configs()
    workers = [start(kt_run(runs_dir, *SMALL), config, temp) for config in configs]
    deadline = time.monotonic() + 240
    while not list(runs_dir.glob("mnist_softmax/*")) or history_rows(next(runs_dir.glob("mnist_softmax/*"))) < 1:
        assert all(w.poll() is None for w in workers) and time.monotonic() < deadline, "no epoch finished"
        time.sleep(0.05)
    workers[1].send_signal(signal.SIGKILL)  # the other worker dies after epoch 1's backup...
    workers[1].wait()
    workers[0].send_signal(signal.SIGKILL)  # ...and the chief, whose collectives now fail, is restarted too
    workers[0].wait()
    (folder,) = runs_dir.glob("mnist_softmax/*")
    assert not (folder / "metrics.json").exists() and history_rows(folder) < 3
    restarted = [start(kt_run(runs_dir, "--resume", str(folder)), config, temp) for config in configs]
    chief, _ = outputs(restarted)
    assert chief.startswith(f"resuming {folder}: stage train, epoch ") and "Epoch 1/3" not in chief
    assert history_columns(folder)["epoch"] == [1, 2, 3] and (folder / "metrics.json").is_file()
    assert len(list(temp.glob("kt-worker-*"))) == 1  # the killed worker's (SIGKILL leaves no time to delete it)


@pytest.mark.parametrize(
    ("tf_config", "message"),
    [
        ("{broken", "TF_CONFIG is not JSON"),
        ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 3}}', "not in its cluster"),
    ],
)
def test_a_malformed_tf_config_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, tf_config, message):
    monkeypatch.setenv("TF_CONFIG", tf_config)
    args = ["run", "recipe", "mnist_softmax", "--strategy", "multi-worker", "--runs-dir", str(tmp_path)]
    assert_user_error(args, message)
    assert not list(tmp_path.iterdir())
