"""Translation: beam search against greedy search, a few training steps of each recipe, and `kt translate`."""

from __future__ import annotations

import json
import os
import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import require_data

from kerastoolkit.cli import cli
from kerastoolkit.engine import run_recipe
from kerastoolkit.errors import InputError
from kerastoolkit.registry import get_recipe
from kerastoolkit.saved import open_saved_run
from kerastoolkit.text.vocabulary import Vocabulary
from kerastoolkit.translation import hooks, models, translate
from kerastoolkit.translation.data import TranslationSplits, encode_source
from kerastoolkit.translation.decoding import beam_search, greedy, next_word
from kerastoolkit.translation.tokens import END_ID, START_ID, words
from kerastoolkit.translation.translator import Translation, Translator

TINY = [
    "train_limit=1500",
    "validation_limit=64",
    "test_limit=12",
    "epochs=1",
    "batch_size=32",
    "source_words=600",
    "target_words=600",
]
SIZES = {
    "translate_attention": ["units=16", "embedding_size=16"],
    "translate_seq2seq": ["units=16", "embedding_size=16", "layers=2"],
    "translate_transformer": ["units=16", "heads=2", "layers=1"],
}


def _fixed_step(table: dict[tuple[int, ...], dict[int, float]], vocabulary: int = 6):
    """A next-word function from a table: prefix (after <start>) -> probabilities of the next words."""

    def step(sources: np.ndarray, prefixes: np.ndarray) -> np.ndarray:
        out = np.full((len(prefixes), vocabulary), -1e9)
        for row, prefix in enumerate(prefixes):
            for word, p in table.get(tuple(int(i) for i in prefix[1:]), {END_ID: 1.0}).items():
                out[row, word] = np.log(p)
        return out

    return step


def test_beam_search_finds_what_greedy_search_misses():
    a, b = 4, 5
    table = {(): {a: 0.6, b: 0.4}, (a,): {a: 0.34, b: 0.33, END_ID: 0.33}, (b,): {END_ID: 0.9, a: 0.1}}
    step, sources = _fixed_step(table), np.zeros((1, 3), np.int32)
    assert greedy(step, sources, 5) == [[a, a]]  # 0.6 * 0.34 * 1.0 = 0.204
    assert beam_search(step, sources, 5, width=2, alpha=0.0) == [[b]]  # 0.4 * 0.9 = 0.36
    assert beam_search(step, sources, 5, width=1, alpha=0.0) == [[a, a]]


def _vocabulary(size: int) -> Vocabulary:
    return Vocabulary(["<start>", "<end>", *(f"w{i}" for i in range(size - 4))])


@pytest.mark.parametrize("builder", ["attention_model", "sequence_to_sequence", "transformer"])
def test_beam_width_1_is_greedy_search_and_padding_changes_nothing(builder):
    import keras

    from recipes.translate_seq2seq import Config

    keras.utils.set_random_seed(1)
    config = Config(units=8, embedding_size=8, layers=1, max_tokens=6)
    config.heads, config.bidirectional = 2, True  # the attention model's bidirectional encoder
    data = TranslationSplits(None, None, None, 10, 0, 0, source_vocabulary=_vocabulary(30))
    data.target_vocabulary = _vocabulary(12)
    model = getattr(models, builder)(data, config)
    sources = np.random.default_rng(0).integers(4, 30, size=(16, 5)).astype(np.int32)
    sources[::2, 3:] = 0  # shorter sentences, padded
    step = next_word(model)
    assert beam_search(step, sources, 7, width=1) == greedy(step, sources, 7)
    prefix = np.array([[START_ID, 5, 6]] * 16, np.int32)
    padded = np.concatenate([sources, np.zeros((16, 2), np.int32)], axis=1)  # to max_tokens + 1
    np.testing.assert_allclose(step(sources, prefix), step(padded, prefix), atol=1e-5)
    assert all(len(ids) <= 7 and END_ID not in ids for ids in beam_search(step, sources, 7, width=3))


@pytest.fixture(scope="module")
def runs(shared_data_dir, tmp_path_factory):
    require_data(shared_data_dir / "fra-eng" / "fra-eng.zip")
    folder = tmp_path_factory.mktemp("runs")
    done = {}
    for name, sizes in SIZES.items():
        recipe = get_recipe(name)
        done[name] = run_recipe(recipe, recipe.make_config([*TINY, *sizes]), runs_dir=folder, data_dir=shared_data_dir)
    return done


@pytest.mark.parametrize("name", list(SIZES))
def test_each_recipe_trains_scores_and_writes_its_report(runs, name):
    path = runs[name].run.path
    metrics = json.loads((path / "metrics.json").read_text())
    assert set(metrics["test"]) == {"bleu", "chrf", "bleu_greedy", "chrf_greedy", "loss", "sentences"}
    assert metrics["test"]["sentences"] == 12 and metrics["test"]["loss"] < np.log(600)
    assert metrics["breakdown"]["name"] == "bleu_by_length"
    assert sum(row["sentences"] for row in metrics["breakdown"]["rows"]) == 12
    assert (path / "bleu_by_length.png").stat().st_size > 0
    assert (path / "translations.txt").read_text().count("EN      ") == 12
    assert (path / "attention.png").exists() == (name == "translate_attention")


def test_a_saved_run_tokenises_as_training_did(runs, shared_data_dir):
    from recipes.translate_seq2seq import build_data

    saved = open_saved_run(runs["translate_seq2seq"].run.path)  # model.keras loads with safe_mode on
    translator = Translator.from_saved(saved)
    data = build_data(saved.config, shared_data_dir)
    assert translator.source_vocabulary.words == data.source_vocabulary.words
    assert translator.target_vocabulary.words == data.target_vocabulary.words
    tokens = words("I am cold, Tom.")
    expected = encode_source(tokens, data.source_vocabulary, saved.config.max_tokens + 1, reverse=True)
    np.testing.assert_array_equal(translator.sources([tokens])[0], expected)
    assert list(expected[:6]) == data.source_vocabulary.encode(tokens)[::-1]  # read backwards (Sutskever)


def kt(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin)


@pytest.mark.parametrize("name", list(SIZES))
def test_kt_translate_prints_one_line_per_sentence(runs, name):
    path = str(runs[name].run.path)
    result = kt("translate", path, "I am cold.", "Where is Tom?")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2
    assert kt("translate", path, stdin="I am cold.\n\nWhere is Tom?\n").stdout == result.stdout
    greedy_run = kt("translate", path, "--greedy", "I am cold.")
    assert greedy_run.stdout == kt("translate", path, "--beam", "1", "I am cold.").stdout
    assert translate(path, ["I am cold.", "Where is Tom?"]) == result.stdout.splitlines()
    assert translate(path, "I am cold.") == result.stdout.splitlines()[:1]  # a lone sentence, not its letters
    with pytest.raises(InputError, match="the length penalty must be 0 or more, got -3"):
        translate(path, "I am cold.", length_penalty=-3)
    with pytest.raises(InputError, match="the beam width must be at least 1, got 0"):
        translate(path, "I am cold.", beam=0)


def test_a_fresh_kt_translate_loads_its_run_and_prints_no_tensorflow_log_lines(runs):
    import subprocess
    import sys

    path = str(runs["translate_transformer"].run.path)
    code = "from kerastoolkit.cli import main; main()"
    out = subprocess.run(
        [sys.executable, "-c", code, "translate", path, "I am cold."], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == kt("translate", path, "I am cold.").stdout
    assert "Warning" not in out.stderr
    path = str(runs["translate_attention"].run.path)
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # as a user's shell has it
    command = [sys.executable, "-c", code, "translate", path, "I am cold."]
    attention = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert attention.returncode == 0, attention.stderr
    assert not re.search(r"^[EWI]\d{4} ", attention.stderr, re.MULTILINE), attention.stderr  # TensorFlow's C++ logs


def test_unknown_words_are_shown_not_dropped(runs):
    saved = open_saved_run(runs["translate_attention"].run.path)
    translator = Translator.from_saved(saved)
    [translation] = translator.translate(["Tom saw Zorglub."], beam=1)
    assert translation.unknown == ["zorglub"]
    assert translator.write([4, 1, 5], ["zorglub"]).split()[1] == "[zorglub]"
    assert translator.write([4, 1, 1], ["zorglub"]).split()[1:] == ["[zorglub]", "<unk>"]
    assert translator.write([4, 1, 1], ["zorglub"], marked=False).split()[1:] == ["zorglub", "UNK"]  # as scored
    result = kt("translate", str(saved.path), "Tom saw Zorglub.")
    assert result.exit_code == 0 and "never seen in training: zorglub" in result.stderr


def test_kt_translate_draws_attention(runs, tmp_path):
    result = kt(
        "translate", str(runs["translate_attention"].run.path), "I am cold.", "--attention", str(tmp_path / "a.png")
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a.png").stat().st_size > 0
    assert f"wrote {tmp_path / 'a.png'}: the attention weights of 'I am cold.'" in result.stderr
    result = kt(
        "translate", str(runs["translate_seq2seq"].run.path), "I am cold.", "--attention", str(tmp_path / "b.png")
    )
    assert result.exit_code == 2 and "has none" in result.stderr and not (tmp_path / "b.png").exists()
    (tmp_path / "a_file").write_text("")
    into_a_file = str(tmp_path / "a_file" / "c.png")
    result = kt("translate", str(runs["translate_attention"].run.path), "I am cold.", "--attention", into_a_file)
    assert result.exit_code == 2 and "--attention" in result.stderr and "is a file, not a folder" in result.stderr
    result = kt("translate", str(runs["translate_attention"].run.path), "I am cold.", "--attention", "a.txt")
    assert result.exit_code == 2 and "--attention a.txt: give an image file name ending in ." in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""  # refused before any translation
    no_suffix = tmp_path / "attention"  # drawn as png, as matplotlib would
    result = kt("translate", str(runs["translate_attention"].run.path), "I am cold.", "--attention", str(no_suffix))
    assert result.exit_code == 0 and no_suffix.read_bytes().startswith(b"\x89PNG")


def test_an_empty_translation_keeps_its_line_and_says_so(runs, monkeypatch):
    def nothing_written(self, sentences, *args, **kwargs):
        return [Translation(sentence, "", []) for sentence in sentences]

    monkeypatch.setattr(Translator, "translate", nothing_written)
    result = kt("translate", str(runs["translate_seq2seq"].run.path), "I am cold.", "Where is Tom?")
    assert result.exit_code == 0, result.output
    assert result.stdout == "\n\n"
    assert "(no French word written for 'Where is Tom?')" in result.stderr


@pytest.mark.parametrize("damage", ['{"words": 3}', '["je", "suis"]', "{"])
def test_a_damaged_vocabulary_is_refused_in_one_line(runs, tmp_path, damage):
    folder = tmp_path / "run"
    shutil.copytree(runs["translate_seq2seq"].run.path, folder)
    (folder / "target_vocabulary.json").write_text(damage)
    result = kt("translate", str(folder), "I am cold.")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert "target_vocabulary.json is damaged" in result.stderr


def test_the_report_draws_attention_for_the_first_sentence_the_model_can_read(runs):
    translator = Translator.from_saved(open_saved_run(runs["translate_attention"].run.path))
    assert hooks.first_translatable(translator, ["Zorglub blorf!", "I am cold."]) == "I am cold."
    assert hooks.first_translatable(translator, ["Zorglub blorf!", "  "]) is None  # then no attention.png


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["   "], None, "kt: error: nothing to translate in '   ': give an English sentence"),
        ([], "", "kt: error: nothing to translate: give English sentences as arguments or one per line on stdin"),
        (["Zorglub blorf!"], None, "kt: error: every word of 'Zorglub blorf!' is unknown to this model"),
        (["I am cold. " * 5], None, "tokens; this model translates up to 15"),
        (["--beam", "0", "I am cold."], None, "0 is not in the range x>=1"),
        (["--length-penalty", "nan", "I am cold."], None, "nan is not a finite number"),
    ],
)
def test_kt_translate_refuses_bad_input_in_one_line(runs, args, stdin, message):
    result = kt("translate", str(runs["translate_attention"].run.path), *args, stdin=stdin)
    assert result.exit_code == 2
    assert message in result.output
    assert result.stdout == ""  # nothing translated before the error


def test_kt_translate_goes_on_past_a_sentence_it_cannot_read(runs):
    folder = str(runs["translate_attention"].run.path)
    lines = "I am cold.\nZorglub blorf!\nI love you.\n"
    result = kt("translate", folder, "--greedy", stdin=lines)
    first, third = kt("translate", folder, "--greedy", "I am cold.", "I love you.").stdout.splitlines()
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [first, "", third]  # one line per sentence, empty where it could not
    assert "(sentence 2 not translated: every word of 'Zorglub blorf!' is unknown to this model" in result.stderr
    assert result.stderr.rstrip().endswith("kt: error: 1 of 3 sentences were not translated (said above)")


def test_kt_translate_refuses_a_run_that_does_not_translate(runs, tmp_path):
    config = json.loads((runs["translate_attention"].run.path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "recipe": "xor", "hyperparameters": {}}))
    result = kt("translate", str(tmp_path), "I am cold.")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"kt: error: {tmp_path} is a run of xor, which does not translate; kt translate works for runs of: "
        "translate_attention, translate_seq2seq, translate_transformer"
    )


def test_the_python_api_refuses_an_empty_sentence(runs):
    with pytest.raises(InputError, match="nothing to translate"):
        translate(runs["translate_transformer"].run.path, [""])


def test_bad_data_leaves_no_run_folder(tmp_path):
    (tmp_path / "data" / "fra-eng").mkdir(parents=True)
    (tmp_path / "data" / "fra-eng" / "fra-eng_2019-04-07.tar.gz").write_bytes(b"not a tar")
    result = kt(
        "run", "recipe", "translate_attention", "release=2019-04-07", *TINY,
        "--data-dir", str(tmp_path / "data"), "--runs-dir", str(tmp_path / "runs"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is not the 2019-04-07 release" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "runs" / "translate_attention").exists()
