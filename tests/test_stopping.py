"""ResumableEarlyStopping: a resumed stage keeps the patience it had used up."""

from __future__ import annotations

import keras
import pytest

from kerastoolkit.stopping import ResumableEarlyStopping

ROWS = [  # history.csv of a fine-tuning cut off during epoch 5 (row 5 is from the attempt that was cut off)
    {"stage": "pretrain_1", "epoch": "1", "val_loss": "0.1"},
    {"stage": "finetune", "epoch": "1", "val_loss": "1.0"},
    {"stage": "finetune", "epoch": "2", "val_loss": "0.5"},
    {"stage": "finetune", "epoch": "3", "val_loss": "0.6"},
    {"stage": "finetune", "epoch": "4", "val_loss": "0.7"},
    {"stage": "finetune", "epoch": "5", "val_loss": "0.4"},
]


def _stopping(rows: list[dict], patience: int) -> ResumableEarlyStopping:
    stopping = ResumableEarlyStopping(rows, "finetune", monitor="val_loss", patience=patience)
    stopping.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    stopping.model.stop_training = False
    stopping.on_train_begin()
    return stopping


def test_resumed_stage_carries_best_and_patience_over():
    stopping = _stopping(ROWS, patience=3)
    stopping.on_epoch_begin(4)  # resumed after 4 epochs: the best (0.5) was 2 epochs ago
    assert stopping.best == 0.5
    assert stopping.wait == 2
    stopping.on_epoch_end(4, {"val_loss": 0.8})
    assert stopping.model.stop_training  # an uninterrupted run would also stop after epoch 5


def test_improvement_after_resume_resets_patience():
    stopping = _stopping(ROWS, patience=3)
    stopping.on_epoch_begin(4)
    stopping.on_epoch_end(4, {"val_loss": 0.3})
    assert stopping.best == 0.3 and stopping.wait == 0 and not stopping.model.stop_training


def test_fresh_stage_starts_from_nothing():
    stopping = _stopping(ROWS[:1], patience=3)
    stopping.on_epoch_begin(0)
    assert stopping.best is None and stopping.wait == 0


def test_accuracy_is_watched_by_default_for_its_highest_value_over_a_resume():
    rows = [
        {"stage": "finetune", "epoch": str(e), "val_accuracy": a} for e, a in enumerate([".90", ".95", ".95", ".93"], 1)
    ]
    stopping = ResumableEarlyStopping(rows, "finetune", monitor="val_accuracy", patience=3)  # mode "auto": max
    stopping.set_model(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]))
    stopping.model.stop_training = False
    stopping.on_train_begin()
    stopping.on_epoch_begin(4)
    assert stopping.best == 0.95 and stopping.wait == 2  # the first of two equal bests, as Keras keeps
    stopping.on_epoch_end(4, {"val_accuracy": 0.95})  # not better: patience runs out
    assert stopping.model.stop_training


def test_best_checkpoint_keeps_the_highest_validation_accuracy(tmp_path):
    from kerastoolkit.trainer import BestCheckpoint

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    checkpoint = BestCheckpoint(tmp_path / "best.weights.h5", [{"val_accuracy": "0.5"}], "val_accuracy")
    checkpoint.set_model(model)
    checkpoint.on_epoch_end(0, {"val_accuracy": 0.4, "val_loss": 0.1})
    assert not checkpoint.path.exists()
    checkpoint.on_epoch_end(1, {"val_accuracy": 0.6, "val_loss": 0.9})
    assert checkpoint.path.exists() and checkpoint.best == -0.6


@pytest.mark.parametrize(
    ("score", "way"),
    [
        ("val_loss", "min"),
        ("val_error", "min"),
        ("val_squared_error_per_image", "min"),
        ("bits_per_character", "min"),
        ("val_accuracy", "max"),
        ("val_bleu", "max"),  # kept the worst BLEU epoch when only accuracies counted as "higher is better"
    ],
)
def test_one_rule_says_which_way_a_score_improves(score, way):
    from kerastoolkit.registry import Published
    from kerastoolkit.scores import direction

    assert direction(score) == way
    assert ResumableEarlyStopping([], "train", monitor=score).mode == way
    assert Published(score, 0.5, "paper").lower_is_better == (way == "min")
