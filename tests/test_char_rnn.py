"""char_rnn: the corpora split by position, character vocabularies, a few training steps, and sampling."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import require_data

from kerastoolkit.cli import cli
from kerastoolkit.config import apply_overrides
from kerastoolkit.data.text import read_corpus, split_by_position, windows
from kerastoolkit.engine import run_recipe
from kerastoolkit.errors import ConfigError, DataError, InputError
from kerastoolkit.registry import get_recipe
from kerastoolkit.saved import open_saved_run
from kerastoolkit.text.characters import Characters
from kerastoolkit.text.sampling import RecurrentSampler, WindowSampler, sampler_for

TINY = [
    "units=24",
    "embedding_size=8",
    "sequence_length=40",
    "batch_size=16",
    "learning_rate=0.02",
    "train_limit=64",
    "test_limit=8",
]


@pytest.fixture(scope="module")
def shakespeare(shared_data_dir) -> str:
    require_data(shared_data_dir / "text" / "tinyshakespeare.txt")
    return read_corpus("tinyshakespeare", shared_data_dir)


def test_split_by_position_is_90_5_5_with_every_character(shakespeare):
    splits = split_by_position(shakespeare)
    assert len(shakespeare) == 1_115_394
    assert len(splits.characters) == 65
    assert len(splits.train) == round(0.9 * len(shakespeare))
    assert abs(len(splits.validation) - len(splits.test)) <= 1
    assert splits.characters.decode(splits.test[-20:]) == shakespeare[-20:]  # the last 5% is the test set


def test_nietzsche_vocabulary_covers_its_held_out_letters(shared_data_dir):
    require_data(shared_data_dir / "text" / "nietzsche.txt")
    text = read_corpus("nietzsche", shared_data_dir)
    splits = split_by_position(text)
    assert "Æ" not in text[: len(splits.train)] and "Æ" in splits.characters.characters
    assert len(splits.characters) == 84


def test_windows_targets_are_the_inputs_shifted_by_one():
    inputs, targets = windows(np.arange(25, dtype="int32"), 8)
    assert inputs.shape == targets.shape == (3, 8)
    np.testing.assert_array_equal(targets, inputs + 1)
    assert windows(np.arange(25), 8, limit=2)[0].shape == (2, 8)
    with pytest.raises(DataError, match="holds no window of 30"):
        windows(np.arange(25), 30)
    with pytest.raises(ConfigError, match=r"test_limit=4 is larger than the split it limits \(3 windows of 8\)"):
        windows(np.arange(25), 8, 4, "test_limit")


@pytest.mark.parametrize("recipe", ["char_rnn", "translate_transformer"])
def test_a_width_that_does_not_split_into_the_heads_is_refused(recipe):
    config = get_recipe(recipe).make_config([])
    model = ["model=transformer"] if recipe == "char_rnn" else []
    with pytest.raises(ConfigError, match="units=10 does not split into heads=4"):
        apply_overrides(config, [*model, "units=10", "heads=4"])
    assert apply_overrides(config, [*model, "units=12", "heads=4"]).units == 12
    if recipe == "char_rnn":  # the LSTM has no heads
        assert apply_overrides(config, ["units=10", "heads=4"]).units == 10


def test_only_tinyshakespeare_is_scored_against_nanogpts_figure():
    recipe = get_recipe("char_rnn")
    assert recipe.published_for(recipe.make_config([])).value == pytest.approx(1.4697)
    assert recipe.published_for(recipe.make_config(["corpus=nietzsche"])) is None


def test_characters_refuse_what_training_never_saw():
    characters = Characters("hello world")
    assert characters.decode(characters.encode("low")) == "low"
    assert Characters.from_json(characters.to_json()).characters == " dehlorw"
    with pytest.raises(InputError, match=r"2 character\(s\) never seen in training: 'é', 'Z'"):
        characters.encode("éZé")


def test_a_corrupt_corpus_is_refused(tmp_path):
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "tinyshakespeare.txt").write_text("First Citizen:\n")
    with pytest.raises(DataError, match="truncated or corrupt"):
        read_corpus("tinyshakespeare", tmp_path)


@pytest.fixture(scope="module")
def tiny_run(shared_data_dir, tmp_path_factory):
    require_data(shared_data_dir / "text" / "tinyshakespeare.txt")
    recipe = get_recipe("char_rnn")
    config = recipe.make_config([*TINY, "epochs=2"])
    return run_recipe(recipe, config, runs_dir=tmp_path_factory.mktemp("runs"), data_dir=shared_data_dir)


def test_a_few_steps_learn_and_report_nats_and_bits(tiny_run):
    scores = json.loads((tiny_run.run.path / "metrics.json").read_text())["test"]
    assert scores["bits_per_char"] == pytest.approx(scores["loss"] / math.log(2))
    assert scores["loss"] < math.log(65) - 0.3  # below a uniform guess over the 65 characters after 8 steps
    assert json.loads((tiny_run.run.path / "characters.json").read_text()) == "".join(
        sorted(set(read_corpus("tinyshakespeare")))
    )
    assert len((tiny_run.run.path / "sample.txt").read_text()) > 500


def test_sampler_carries_the_state_the_training_graph_computes(tiny_run):
    saved = open_saved_run(tiny_run.run.path)
    sampler = RecurrentSampler(saved.model, Characters.from_json(saved.asset("characters")))
    ids = sampler.characters.encode("First Citizen:\nBefore we")
    expected = saved.model.predict(ids[None, :], verbose=0)[0, -1]
    logits = sampler.begin(ids[:10])
    for next_id in ids[10:]:
        logits = sampler.feed(int(next_id))
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-5)
    for temperature in (0.0, -1.0):  # refused at the call, before a character is printed
        with pytest.raises(InputError, match=f"the temperature must be above 0, got {temperature}"):
            sampler.stream("First", 5, temperature)


@pytest.fixture(scope="module")
def tiny_transformer(shared_data_dir, tmp_path_factory):
    require_data(shared_data_dir / "text" / "tinyshakespeare.txt")
    recipe = get_recipe("char_rnn")
    overrides = [item for item in TINY if not item.startswith(("units=", "learning_rate="))]
    config = recipe.make_config(
        [*overrides, "model=transformer", "units=16", "heads=2", "layers=1", "learning_rate=0.01"]
    )
    return run_recipe(recipe, config, runs_dir=tmp_path_factory.mktemp("runs"), data_dir=shared_data_dir)


def test_the_transformer_variant_trains_saves_and_writes_past_its_window(tiny_transformer):
    scores = json.loads((tiny_transformer.run.path / "metrics.json").read_text())["test"]
    assert scores["loss"] < math.log(65)
    saved = open_saved_run(tiny_transformer.run.path)  # model.keras loads with safe_mode on
    sampler = sampler_for(saved.model, Characters.from_json(saved.asset("characters")), window=40)
    assert isinstance(sampler, WindowSampler)
    ids = sampler.characters.encode("First Citizen:\nBefore we proceed any further, hear me speak.")
    np.testing.assert_allclose(
        sampler.begin(ids), saved.model.predict(ids[None, -40:], verbose=0)[0, -1], rtol=1e-4, atol=1e-5
    )
    result = kt_predict(tiny_transformer, "--prime", "ROMEO:", "--length", "60")  # past the 40-character window
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ROMEO:") and len(result.output) == len("ROMEO:") + 60 + 1


def kt_predict(run, *options):
    return CliRunner().invoke(cli, ["predict", str(run.run.path), *options])


def test_kt_predict_writes_length_characters_after_the_prime(tiny_run):
    result = kt_predict(tiny_run, "--prime", "ROMEO:", "--length", "120", "--temperature", "0.8")
    assert result.exit_code == 0, result.output
    text = result.output[:-1]  # the closing line break
    assert text.startswith("ROMEO:") and len(text) == len("ROMEO:") + 120
    assert kt_predict(tiny_run, "--prime", "ROMEO:", "--length", "120", "--temperature", "0.8").output == result.output
    assert kt_predict(tiny_run, "--prime", "ROMEO:", "--length", "120", "--seed", "1").output != result.output
    assert kt_predict(tiny_run, "--prime", "ab", "--length", "0").output == "ab\n"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--temperature", "0"], "Invalid value for '--temperature': 0.0 is not in the range x>0"),
        (["--temperature", "-1"], "Invalid value for '--temperature'"),
        (["--temperature", "nan"], "Invalid value for '--temperature': nan is not a finite number"),
        (["--temperature", "inf"], "Invalid value for '--temperature': inf is not a finite number"),
        (["--seed", "-1"], "Invalid value for '--seed': -1 is not in the range 0<=x<=4294967295"),
        (["--length", "-5"], "Invalid value for '--length': -5 is not in the range x>=0"),
        (["--prime", ""], "Invalid value for --prime: give at least one character"),
    ],
)
def test_kt_predict_refuses_bad_options(tiny_run, options, message):
    result = kt_predict(tiny_run, *options)
    assert result.exit_code == 2
    assert message in result.output


def test_kt_predict_names_a_character_the_model_never_saw(tiny_run):
    result = kt_predict(tiny_run, "--prime", "ROMÉO")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["kt: error: 1 character(s) never seen in training: 'É'"]
