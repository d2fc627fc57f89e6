"""The engine's recipe hooks: a toy recipe run end to end through every hook, then the pieces one by one
(breakdown tables, targets where lower is better, summary lines, run assets, `build_model(config, data)`)."""

from __future__ import annotations

import csv
import json
import types
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerastoolkit import engine
from kerastoolkit.config import RecipeConfig
from kerastoolkit.data.splits import Splits
from kerastoolkit.errors import RunDirError
from kerastoolkit.evaluation import Evaluation, format_table, write_breakdown
from kerastoolkit.registry import Published, RecipeInfo, _read_info, format_score, list_recipes
from kerastoolkit.report import summary_line
from kerastoolkit.runs import create_run

# --- a toy recipe with every hook -----------------------------------------------------------------------------

TOY_SOURCE = '''"""A toy recipe: four numbers, two classes.

More text.
"""

PUBLISHED = {"metric": "accuracy", "value": 0.9, "source": "nobody"}


@dataclass
class Config:
    epochs: int = 1


def build_data(config, data_dir=None): ...


def build_model(config, data): ...


def train(model, data, config, trainer):
    def callbacks(config): ...  # nested: not a hook of the recipe


evaluate = staticmethod(print)
'''


def test_hooks_are_read_from_the_file_without_importing_it(tmp_path):
    path = tmp_path / "toy.py"
    path.write_text(TOY_SOURCE)
    info = _read_info("toy", path)
    assert info.summary == "A toy recipe: four numbers, two classes."
    assert info.published == Published("accuracy", 0.9, "nobody")
    assert [hook for hook in ("train", "evaluate", "callbacks", "predict", "report") if info.has_hook(hook)] == [
        "train",
        "evaluate",
    ]
    assert info.metric_for(None) == "accuracy"


@dataclass
class ToyConfig(RecipeConfig):
    epochs: int = 1
    batch_size: int = 16


def toy_data(config: ToyConfig, data_dir: str | None = None) -> Splits:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    examples = tf.data.Dataset.from_tensor_slices((x, (x.sum(axis=1) > 0).astype("int64")))
    return Splits(
        train=examples,
        validation=examples.take(16),
        test=examples,
        num_train=64,
        num_validation=16,
        num_test=64,
        assets={"lookup": {"words": ["<pad>", "a", "b"]}},
    )


def toy_module(calls: dict) -> types.ModuleType:
    """A recipe module using every hook; `calls` records what the engine gave each one."""
    module = types.ModuleType("toy")

    def build_model(config, data):
        calls.setdefault("built_for", []).append(data.num_train)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def train(model, data, config, trainer):
        calls["asset_before_training"] = json.loads(trainer.run.asset_file("lookup").read_text())
        trainer.fit(model, data, stage="first")
        other = trainer.fresh_model(1)
        trainer.fit(other, data, stage="second")
        calls["returned"] = other
        return other

    def evaluate(model, data, config):
        calls.setdefault("evaluated", []).append(model)
        rows = [{"part": "a", "error_pct": 20.0}, {"part": "bb", "error_pct": 30.0, "note": "x"}]
        return Evaluation({"error": 0.25, "accuracy": 0.75}, breakdown=rows, breakdown_name="parts")

    def published(config):
        return Published("error", 0.3, f"toy paper, epochs={config.epochs}", 1)

    def report(model, data, config, evaluation, folder):
        (folder / "toy_report.txt").write_text(str(evaluation.scores["error"]))

    module.__dict__.update(
        Config=ToyConfig,
        build_data=toy_data,
        build_model=build_model,
        train=train,
        evaluate=evaluate,
        published=published,
        report=report,
    )
    return module


def toy_recipe(calls: dict) -> RecipeInfo:
    hooks = frozenset({"Config", "build_data", "build_model", "train", "evaluate", "published", "report"})
    info = RecipeInfo("toy", Path("toy.py"), "A toy.", Published("accuracy", 0.9, "default"), top_level=hooks)
    info.__dict__["module"] = toy_module(calls)  # what `module` (a cached_property) would import
    return info


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    calls: dict = {}
    recipe = toy_recipe(calls)
    result = engine.run_recipe(recipe, ToyConfig(), runs_dir=tmp_path_factory.mktemp("toy_runs"), seed=0)
    return recipe, calls, result


def test_toy_run_goes_through_every_hook(toy_run):
    _, calls, result = toy_run
    folder = result.run.path
    assert calls["built_for"] == [64, 64], "build_model(config, data), for the model and the fresh one"
    assert calls["asset_before_training"] == {"words": ["<pad>", "a", "b"]}
    assert [row["stage"] for row in result.run.read_history()] == ["first", "second"]
    assert calls["evaluated"] == [calls["returned"]], "the model train returned is the one scored"
    saved = keras.models.load_model(folder / "model.keras")
    for a, b in zip(saved.get_weights(), calls["returned"].get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert (folder / "toy_report.txt").read_text() == "0.25"
    assert not (folder / "confusion.png").exists()  # no class names

    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["metric"] == "error"  # the published(config) hook's metric, not PUBLISHED's
    assert metrics["test"] == {"error": 0.25, "accuracy": 0.75}
    assert metrics["published"] == {
        "metric": "error",
        "value": 0.3,
        "source": "toy paper, epochs=1",
        "decimals": 1,
        "reached": True,
    }
    assert metrics["breakdown"]["name"] == "parts" and len(metrics["breakdown"]["rows"]) == 2
    assert (folder / "parts.csv").read_text() == "part,error_pct,note\na,20.0,\nbb,30.0,x\n"
    assert result.summary.startswith("toy  test error 25.00%  (published 30.0%, lower is better, reached)  ")


def test_eval_of_the_toy_run_appends_its_table(toy_run):
    recipe, calls, result = toy_run
    again = engine.evaluate_run(result.run.path, recipe)
    summary, *table = again.summary.splitlines()
    assert summary.startswith("toy  test error 25.00%  (published 30.0%, lower is better, reached)")
    assert table == ["part  error_pct  note", "   a         20      ", "  bb         30     x"]
    assert len(calls["evaluated"]) == 2


# --- the pieces -----------------------------------------------------------------------------------------------

ROWS = [
    {"task": 1, "name": "single", "error_pct": 0.123456},
    {"task": 20, "name": "agents-motivations", "error_pct": None, "paper_error_pct": 88.0},
]


def test_format_table_aligns_columns_in_first_seen_order():
    assert format_table(ROWS).splitlines() == [
        "task                name  error_pct  paper_error_pct",
        "   1              single     0.1235                 ",
        "  20  agents-motivations                          88",
    ]


def test_write_breakdown_as_csv(tmp_path):
    path = write_breakdown(Evaluation({"error": 0.1}, ROWS, breakdown_name="per_task"), tmp_path)
    assert path == tmp_path / "per_task.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == [
        {"task": "1", "name": "single", "error_pct": "0.123456", "paper_error_pct": ""},
        {"task": "20", "name": "agents-motivations", "error_pct": "", "paper_error_pct": "88.0"},
    ]
    assert write_breakdown(Evaluation({"error": 0.1}), tmp_path / "none") is None
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize(
    ("published", "described", "lower"),
    [
        (Published("accuracy", 0.995, "LeCun"), "accuracy 99.50%", False),
        (Published("error", 0.124, "Sukhbaatar", 1), "error <= 12.4%", True),
        (Published("error", 0.0, "Sukhbaatar", 1), "error <= 0.0%", True),
        (Published("perplexity", 82.7, "Zaremba", 1), "perplexity <= 82.7", True),
        (Published("bits_per_char", 1.27, "Graves"), "bits_per_char <= 1.27", True),
        (Published("bleu", 0.344, "Sutskever", 3), "bleu 0.344", False),
    ],
)
def test_published_describe_and_direction(published, described, lower):
    assert published.describe() == described
    assert published.lower_is_better is lower
    below, above = published.value * 0.9, published.value * 1.1 + 0.01
    assert (published.reached(below), published.reached(above)) == (lower, not lower)


@pytest.mark.parametrize(
    ("score", "published", "metric", "shown"),
    [
        (0.12345, Published("error", 0.124, "paper", 1), "error", "12.35%"),  # two decimals, not the target's one
        (0.12345, None, "error", "12.35%"),
        (3.0, None, "failed_tasks", "3"),
        (0.123456, None, "loss", "0.1235"),
        (1.2345, Published("bits_per_char", 1.27, "Graves"), "bits_per_char", "1.23"),
    ],
)
def test_format_score(score, published, metric, shown):
    assert format_score(score, published, metric) == shown


@pytest.mark.parametrize(
    ("score", "verdict"),
    [(0.1244, "reached"), (0.1249, "not reached"), (0.0, "reached"), (0.1251, "not reached")],
)
def test_summary_line_where_lower_is_better(score, verdict):
    target = Published("error", 0.124, "Sukhbaatar", 1)  # compared at one decimal: 12.44% is 12.4%, 12.49% is 12.5%
    line = summary_line("babi_memn2n", "error", score, target, 12.3, "runs/babi_memn2n/1/")
    assert line == (
        f"babi_memn2n  test error {100 * score:.2f}%  (published 12.4%, lower is better, {verdict})"
        "  12 s  -> runs/babi_memn2n/1/"
    )


def test_summary_line_without_a_target():
    assert summary_line("toy", "loss", 0.123456, None, 0.4, "r/") == "toy  test loss 0.1235  0 s  -> r/"


def test_summary_line_names_what_was_scored():
    line = summary_line("toy", "loss", 0.123456, None, 0.4, "r/", scored_on="training")
    assert line == "toy  training loss 0.1235  0 s  -> r/"


def test_read_asset_errors_are_run_dir_errors(tmp_path):
    run = create_run(tmp_path, "toy", {"recipe": "toy"})
    run.write_asset("vocabulary", {"words": ["<pad>"]})
    assert run.read_asset("vocabulary") == {"words": ["<pad>"]}
    with pytest.raises(RunDirError, match=r"has no inputs\.json, which this recipe needs"):
        run.read_asset("inputs")
    for name, content in (("broken", b'{"words": ['), ("binary", b"\x80\x81\xff")):
        run.asset_file(name).write_bytes(content)
        with pytest.raises(RunDirError, match=rf"{name}\.json is damaged \(not JSON\)"):
            run.read_asset(name)


def test_model_builder_passes_data_only_to_a_two_parameter_build_model():
    def one(config):
        return ("one", config)

    def two(config, data):
        return ("two", config, data)

    def keyword_only(config, *, data=None):
        return ("keyword", config, data)

    assert engine.model_builder(types.SimpleNamespace(build_model=one), "DATA") is one
    assert engine.model_builder(types.SimpleNamespace(build_model=two), "DATA")("C") == ("two", "C", "DATA")
    assert engine.model_builder(types.SimpleNamespace(build_model=keyword_only), "DATA")("C") == ("keyword", "C", None)


def test_tables_take_every_column_and_quote_a_value_with_a_comma():
    from kerastoolkit.tables import aligned, csv_text

    rows = [{"trial": "00", "augment": "elastic,affine"}, {"trial": "01", "val_loss": 0.123456}]
    assert csv_text(rows) == 'trial,augment,val_loss\n00,"elastic,affine",\n01,,0.123456\n'
    assert aligned(rows, right=False).splitlines() == [
        "trial  augment         val_loss",
        "00     elastic,affine          ",
        "01                     0.1235  ",
    ]


def test_predict_hooks_default_as_their_options_do():
    """From Python a hook can be called with only what differs (`predict(saved, example=0)`): each parameter's
    default is its click option's (a repeatable option's or a variadic argument's default: an empty tuple)."""
    import inspect

    import click

    checked = 0
    for recipe in (r for r in list_recipes() if r.has_hook("predict")):
        hook = recipe.module.predict
        signature = inspect.signature(hook)
        for param in hook.__click_params__:
            unset = param.default is None or param.default is getattr(click.core, "UNSET", None)  # click >= 8.3
            several = getattr(param, "multiple", False) or param.nargs == -1
            flag = getattr(param, "is_flag", False)
            expected = (() if several else False if flag else None) if unset else param.default
            assert signature.parameters[param.name].default == expected, (recipe.name, param.name)
            checked += 1
    assert checked >= 13 * 2
