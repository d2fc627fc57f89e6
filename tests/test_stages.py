"""Multi-stage training: stages are recorded in one history, and a finished stage is not trained again."""

from __future__ import annotations

from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerastoolkit.config import TrainingConfig
from kerastoolkit.engine import Trainer, get_strategy
from kerastoolkit.errors import RunDirError
from kerastoolkit.runs import create_run, resume_point


def tiny_data(n: int = 64) -> SimpleNamespace:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")
    examples = tf.data.Dataset.from_tensor_slices((x, y))
    return SimpleNamespace(train=examples, num_train=n, validation=examples.take(16), num_validation=16, test=examples)


def tiny_model() -> keras.Model:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_two_stages_then_a_rerun_skips_finished_stages(tmp_path):
    config = TrainingConfig(epochs=2, batch_size=16)
    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    trainer = Trainer(run, config, seed=0, strategy=get_strategy("default"), verbose=0)
    model = tiny_model()
    trainer.fit(model, tiny_data(), stage="pretrain", epochs=1)
    trainer.fit(model, tiny_data(), stage="finetune")
    rows = run.read_history()
    assert [(r["stage"], r["epoch"]) for r in rows] == [("pretrain", "1"), ("finetune", "1"), ("finetune", "2")]
    assert run.stage_weights("pretrain").exists() and run.stage_weights("finetune").exists()

    # A resumed attempt: finished stages load their weights instead of training again.
    fresh = tiny_model()
    trainer.fit(fresh, tiny_data(), stage="finetune")
    assert len(run.read_history()) == 3
    for a, b in zip(fresh.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_damaged_finished_stage_is_refused_in_one_line(tmp_path):
    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    trainer = Trainer(run, TrainingConfig(epochs=1, batch_size=16), seed=0, strategy=get_strategy("default"), verbose=0)
    trainer.fit(tiny_model(), tiny_data(), stage="pretrain")
    weights = run.stage_weights("pretrain")
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(
        RunDirError, match=r"pretrain\.weights\.h5 is damaged \(.+\); delete it to train stage pretrain"
    ):
        trainer.fit(tiny_model(), tiny_data(), stage="pretrain")


class CrashAfterBackup(keras.callbacks.Callback):
    """Dies at the end of the last epoch, after BackupAndRestore saved it but before the stage could finish."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.params["epochs"]:
            raise KeyboardInterrupt("killed")


def test_resume_after_the_last_epochs_backup_finishes_the_stage(tmp_path):
    config = TrainingConfig(epochs=2, batch_size=16)
    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    model = tiny_model()
    crashing = Trainer(
        run, config, seed=0, strategy=get_strategy("default"), verbose=0, extra_callbacks=[CrashAfterBackup()]
    )
    with pytest.raises(KeyboardInterrupt):
        crashing.fit(model, tiny_data())
    assert not run.stage_weights("train").exists()
    assert run.best_weights("train").exists(), "validation improved at least once"
    assert resume_point(run, 2) == "stage train, all 2 epochs done"

    fresh = tiny_model()
    Trainer(run, config, seed=0, strategy=get_strategy("default"), verbose=0).fit(fresh, tiny_data())
    assert run.stage_weights("train").exists()
    assert [row["epoch"] for row in run.read_history()] == ["1", "2"]
    for a, b in zip(fresh.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_resume_point_names_the_unfinished_stage_and_the_next_epoch(tmp_path):
    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    assert resume_point(run, 3) == "stage train, epoch 1 of 3"
    assert resume_point(run, None) == "from the start (no epoch had finished)"
    metadata = run.backup_dir / "finetune" / "training_metadata.json"
    metadata.parent.mkdir(parents=True)
    metadata.write_text('{"epoch": 1, "batch": 0}')
    assert resume_point(run, 3) == "stage finetune, epoch 2 of 3"
    assert resume_point(run, None) == "stage finetune, epoch 2"
    run.stages_dir.mkdir()
    run.stage_weights("finetune").write_bytes(b"weights")
    run.stage_weights("pretrain").write_bytes(b"weights")
    assert resume_point(run, None) == "after the finished stages finetune, pretrain"
    run.stage_weights("finetune").unlink()
    metadata.write_text('{"epoch": "x"}')
    with pytest.raises(RunDirError, match="training_metadata.json is damaged; the run cannot be resumed"):
        resume_point(run, 3)
