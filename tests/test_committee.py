"""mnist_committee and mnist_conv_augmented end to end on small slices: complete run folders, a committee stopped
in its second member and resumed scores as an uninterrupted one, the saved committee and ZCA net load safely."""

from __future__ import annotations

import csv
import json
import warnings

import keras
import pytest
from click.testing import CliRunner

from kerastoolkit.cli import cli
from kerastoolkit.data.mnist import CLASS_NAMES, load_arrays
from kerastoolkit.engine import evaluate_run, run_recipe
from kerastoolkit.registry import get_recipe
from kerastoolkit.saved import load_model
from kerastoolkit.vision.predicting import ranked

TINY = ["batch_size=64", "train_limit=512", "validation_size=128", "test_limit=256", "filters=4", "dense_units=16"]
# With dropout (0.4 by default): the trainer reseeds the dropout masks' generators every epoch, so the resumed
# committee is exactly the uninterrupted one.
COMMITTEE = ["members=2", "epochs=2", "augment=elastic,affine", "widths=0,12", *TINY]
RUN_FILES = ["model.keras", "metrics.json", "members.csv", "errors.png", "augmentation.png", "curves.png"]


class StopInSecondMember(keras.callbacks.Callback):
    """Cuts the run off after the first epoch of member 2 (its backup is written first), as a crash would."""

    def __init__(self):
        super().__init__()
        self.epochs_seen = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epochs_seen += 1
        if self.epochs_seen == 3:
            raise KeyboardInterrupt


def counting_predictions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every Keras model's `predict` from now on appends the number of examples it was given to the list returned."""
    counted, predict = [], keras.Model.predict

    def counting(model: keras.Model, batches, *args, **kwargs):
        counted.append(sum(len(labels) for _, labels in batches))
        return predict(model, batches, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "predict", counting)
    return counted


@pytest.fixture(scope="module")
def committee_runs(tmp_path_factory, shared_data_dir):
    """An uninterrupted committee of 2 tiny members, the same stopped in member 2 then resumed, the warnings the
    resumed attempt gave, and the examples each `predict` of the uninterrupted run was given."""
    runs_dir = tmp_path_factory.mktemp("committee")
    recipe = get_recipe("mnist_committee")
    config = recipe.make_config(COMMITTEE)
    with pytest.MonkeyPatch.context() as monkeypatch:
        predicted = counting_predictions(monkeypatch)
        straight = run_recipe(recipe, config, runs_dir=runs_dir / "straight", seed=5)
    with pytest.raises(KeyboardInterrupt):
        run_recipe(recipe, config, runs_dir=runs_dir / "stopped", seed=5, callbacks=[StopInSecondMember()])
    (folder,) = (runs_dir / "stopped" / "mnist_committee").iterdir()
    assert not (folder / "metrics.json").exists()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        resumed = run_recipe(recipe, config, resume=folder)
    return straight, resumed, [str(warning.message) for warning in caught], predicted


SKIPPED_OPTIMIZER = "Skipping variable loading for optimizer"  # Keras, on a file whose optimizer does not fit


def test_committee_leaves_a_complete_run_folder(committee_runs, shared_data_dir):
    straight, *_ = committee_runs
    folder = straight.run.path
    for name in RUN_FILES:
        assert (folder / name).exists(), name
    metrics = json.loads((folder / "metrics.json").read_text())
    assert [row["net"] for row in metrics["breakdown"]["rows"]] == ["member 1", "member 2", "committee"]
    with (folder / "members.csv").open() as f:
        assert [row["width"] for row in csv.DictReader(f)] == ["original", "12", ""]
    assert metrics["test"]["accuracy"] == pytest.approx(metrics["breakdown"]["rows"][-1]["accuracy"])
    with (folder / "history.csv").open() as f:
        history = list(csv.DictReader(f))
    assert [row["stage"] for row in history] == ["member_1", "member_1", "member_2", "member_2"]
    rows = metrics["breakdown"]["rows"]
    # each member's validation accuracy as its last epoch left it, and the committee's, to choose committees by
    assert [rows[0]["validation_accuracy"], rows[1]["validation_accuracy"]] == pytest.approx(
        [float(history[1]["val_accuracy"]), float(history[3]["val_accuracy"])]
    )
    recipe = get_recipe("mnist_committee")
    data = recipe.module.build_data(straight.run.saved_config(recipe.config_class), str(shared_data_dir))
    model = load_model(straight.run)  # safe_mode
    saved = model.evaluate(data.validation.batch(64), verbose=0, return_dict=True)
    assert rows[-1]["validation_accuracy"] == pytest.approx(saved["accuracy"])  # the averaged outputs'
    assert "validation_accuracy" not in metrics["test"]  # the test scores hold test scores only
    first, second = (layer for layer in model.layers if isinstance(layer, keras.Model))
    assert [first.name, second.name] == ["member_1", "member_2"]
    widths = [[getattr(layer, "width", None) for layer in net.layers[1:2]] for net in (first, second)]
    assert widths == [[None], [12]]  # member 2's first layer after its input normalises the digits' width


def test_the_test_set_is_predicted_once(committee_runs):
    *_, predicted = committee_runs
    # scores, confusion.png and errors.png from one pass over the 256 test digits; one over the 128 validation ones
    assert sorted(predicted) == [128, 256]


def test_members_differ_and_eval_rescores_the_saved_committee(committee_runs):
    straight, *_ = committee_runs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load_model(straight.run)
    assert not [w for w in caught if SKIPPED_OPTIMIZER in str(w.message)]  # the committee's optimizer is saved whole
    first, second = (layer for layer in model.layers if isinstance(layer, keras.Model))
    assert (first.get_weights()[0] != second.get_weights()[0]).any()  # own initial weights, own distortions
    again = evaluate_run(straight.run.path, get_recipe("mnist_committee"))
    assert again.scores["accuracy"] == pytest.approx(straight.scores["accuracy"])
    assert "committee" in again.summary


def test_kt_predict_answers_with_the_averaged_committee(committee_runs, shared_data_dir):
    straight, *_ = committee_runs
    result = CliRunner().invoke(cli, ["predict", str(straight.run.path), "--example", "7"])
    assert result.exit_code == 0, result.output
    images, labels = load_arrays("mnist", "test")
    (best, p), (second, q), _ = ranked(load_model(straight.run), images[7:8] / 255.0, CLASS_NAMES["mnist"])[0]
    assert result.stdout.startswith(f"test image 7: {best} (p={p:.2f}); then {second} {q:.2f}, ")


def test_resumed_committee_matches_an_uninterrupted_one(committee_runs):
    straight, resumed, resume_warnings, _ = committee_runs
    assert not [w for w in resume_warnings if SKIPPED_OPTIMIZER in w]  # member 1's weights load with its optimizer
    with (resumed.run.path / "history.csv").open() as f:
        assert [(row["stage"], row["epoch"]) for row in csv.DictReader(f)] == [
            ("member_1", "1"),
            ("member_1", "2"),
            ("member_2", "1"),
            ("member_2", "2"),
        ]
    assert resumed.scores["accuracy"] == pytest.approx(straight.scores["accuracy"], abs=1e-9)
    assert resumed.evaluation.breakdown == straight.evaluation.breakdown


def test_augmented_net_with_zca_whitening_saves_and_loads(tmp_path, shared_data_dir):
    recipe = get_recipe("mnist_conv_augmented")
    config = recipe.make_config(["epochs=1", "preprocess=zca", "augment=elastic", *TINY])
    result = run_recipe(recipe, config, runs_dir=tmp_path, seed=1)
    assert (result.run.path / "augmentation.png").exists()
    model = load_model(result.run)  # safe_mode, with the fitted Whitening layer
    assert any(type(layer).__name__ == "Whitening" for layer in model.layers)
    assert evaluate_run(result.run.path, recipe).scores["accuracy"] == pytest.approx(result.scores["accuracy"])
