"""Multi-stage training: stages are recorded in one history, and a finished stage is not trained again."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerastoolkit.config import TrainingConfig
from kerastoolkit.engine import Trainer, get_strategy
from kerastoolkit.errors import RunDirError
from kerastoolkit.resume import repair_backup, resume_point
from kerastoolkit.runs import create_run


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


def test_a_backup_whose_epochs_history_csv_lost_is_refused(tmp_path):
    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    config = TrainingConfig(epochs=3, batch_size=16)
    with pytest.raises(KeyboardInterrupt):
        Trainer(
            run, config, seed=0, strategy=get_strategy("default"), verbose=0, extra_callbacks=[CrashAfterBackup()]
        ).fit(tiny_model(), tiny_data())
    run.write_history(run.read_history()[:1])  # rows of epochs 2 and 3 lost; the backup holds 3
    trainer = Trainer(run, config, seed=0, strategy=get_strategy("default"), verbose=0)
    with pytest.raises(RunDirError, match=r"history\.csv has no row for epoch 2 of stage train, which its backup"):
        trainer.fit(tiny_model(), tiny_data())
    run.history_file.unlink()
    with pytest.raises(RunDirError, match="no row for epoch 1 of stage train"):
        trainer.fit(tiny_model(), tiny_data())
    assert not run.stage_weights("train").exists()


class CrashAtTrainEnd(keras.callbacks.Callback):
    """Dies as training ends, after BackupAndRestore has deleted its backup (it runs before extra callbacks)."""

    def on_train_end(self, logs=None):
        raise KeyboardInterrupt("killed")


def test_a_kill_as_a_stage_ends_keeps_its_weights_though_the_backup_is_gone(tmp_path):
    config = TrainingConfig(epochs=2, batch_size=16)
    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    model = tiny_model()
    crashing = Trainer(
        run, config, seed=0, strategy=get_strategy("default"), verbose=0, extra_callbacks=[CrashAtTrainEnd()]
    )
    with pytest.raises(KeyboardInterrupt):
        crashing.fit(model, tiny_data())
    assert not (run.backup_dir / "train").exists()
    assert resume_point(run, 2) == "after the finished stage train"
    fresh = tiny_model()
    Trainer(run, config, seed=0, strategy=get_strategy("default"), verbose=0).fit(fresh, tiny_data())
    assert [row["epoch"] for row in run.read_history()] == ["1", "2"]
    for a, b in zip(fresh.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def _write_backup(backup, epoch: int, suffix: str = "") -> None:
    """A BackupAndRestore pair as Keras writes it: the weights, then training_metadata.json."""
    backup.mkdir(parents=True, exist_ok=True)
    tiny_model().save_weights(backup / "tmp.weights.h5")
    (backup / "tmp.weights.h5").rename(backup / f"latest.weights.h5{suffix}")
    time.sleep(0.01)
    (backup / f"training_metadata.json{suffix}").write_text(json.dumps({"epoch": epoch, "batch": 0}))


def test_resume_point_names_the_unfinished_stage_and_the_next_epoch(tmp_path):
    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    assert resume_point(run, 3) == "stage train, epoch 1 of 3"
    assert resume_point(run, None) == "from the start (no epoch had finished)"
    _write_backup(run.backup_dir / "finetune", epoch=1)
    assert resume_point(run, 3) == "stage finetune, epoch 2 of 3"
    assert resume_point(run, None) == "stage finetune, epoch 2"
    run.stages_dir.mkdir()
    run.stage_weights("finetune").write_bytes(b"weights")
    run.stage_weights("pretrain").write_bytes(b"weights")
    assert resume_point(run, None) == "after the finished stages finetune, pretrain"


def test_a_backup_a_kill_left_half_written_gives_back_its_last_whole_pair(tmp_path, capsys):
    backup = tmp_path / "backup" / "train"
    _write_backup(backup, 1, ".bkp")
    _write_backup(backup, 2)
    assert repair_backup(backup) == 2
    time.sleep(0.01)
    (backup / "latest.weights.h5").touch()  # epoch 3's weights written, its metadata not yet
    assert repair_backup(backup) == 1
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 1  # the .bkp pair took over
    (backup / "training_metadata.json").write_text("")  # a kill while writing the metadata
    assert repair_backup(backup) == 1
    for name in ("latest.weights.h5.bkp", "training_metadata.json.bkp"):
        (backup / name).unlink()
    weights = backup / "latest.weights.h5"
    weights.write_bytes(weights.read_bytes()[:200])  # a kill while writing the first backup's weights
    assert repair_backup(backup) == 0 and not backup.exists()  # the stage starts again
    assert capsys.readouterr().err == f"{backup} holds no whole backup: stage train starts again\n"


def test_a_kill_after_an_epochs_history_row_but_before_its_backup_redoes_the_epoch(tmp_path, monkeypatch):
    config = TrainingConfig(epochs=2, batch_size=16)
    save = keras.callbacks.BackupAndRestore.on_epoch_end

    def killed_before_the_last_backup(self, epoch, logs=None):
        if epoch + 1 == self.params["epochs"]:
            raise KeyboardInterrupt("killed")
        return save(self, epoch, logs)

    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    killed = tiny_model()  # it finishes epoch 2 in memory: what the resumed run must reach
    with monkeypatch.context() as patch:
        patch.setattr(keras.callbacks.BackupAndRestore, "on_epoch_end", killed_before_the_last_backup)
        with pytest.raises(KeyboardInterrupt):
            Trainer(run, config, seed=0, strategy=get_strategy("default"), verbose=0).fit(killed, tiny_data())
    assert [row["epoch"] for row in run.read_history()] == ["1", "2"]  # the row was written, the backup not
    resumed = tiny_model()
    Trainer(run, config, seed=0, strategy=get_strategy("default"), verbose=0).fit(resumed, tiny_data())
    assert [row["epoch"] for row in run.read_history()] == ["1", "2"]  # epoch 2 redone, its row not doubled
    for a, b in zip(resumed.get_weights(), killed.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
