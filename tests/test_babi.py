"""bAbI end to end on small slices: both recipes' run folders, scores checked against the saved model, the summary
line, `kt eval`/`kt runs`/`kt predict` and their errors, bad input refused before a run folder exists, the
EndToEndMemory layer itself (position encoding, padding, linear start, time noise) and `repeats`.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import require_data

from kerastoolkit.cli import cli
from kerastoolkit.data import babi
from kerastoolkit.engine import run_recipe
from kerastoolkit.layers.memory import EndToEndMemory, position_encoding
from kerastoolkit.qa.data import vectorize
from kerastoolkit.registry import get_recipe
from kerastoolkit.text import Vocabulary

ARCHIVE = Path("babi") / "tasks_1-20_v1-2_en_en-10k.tar.gz"
MEMN2N = ["task=1", "train_limit=200", "test_limit=100", "epochs=2", "linear_start_epochs=1", "embedding_size=8"]
LSTM = ["task=1", "train_limit=200", "test_limit=100", "epochs=2", "units=8", "embedding_size=8"]
# task=all: limits take the first questions of the tasks in order, so 1100 test questions are task 1 and task 2.
JOINT = ["task=all", "train_limit=400", "test_limit=1100", "epochs=1", "linear_start_epochs=1", "embedding_size=8"]
COMMON_FILES = [
    "config.json",
    "history.csv",
    "metrics.json",
    "per_task.csv",
    "vocabulary.json",
    "inputs.json",
    "model.keras",
    "curves.png",
    "task_errors.png",
]


@pytest.fixture(scope="module")
def data_dir(shared_data_dir: Path) -> Path:
    require_data(shared_data_dir / ARCHIVE)
    return shared_data_dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir):
    """Small runs of both recipes (and one joint memn2n run) in one runs folder, trained in this process."""
    runs_dir = tmp_path_factory.mktemp("babi_runs")
    results = {}
    for key, name, overrides in (
        ("memn2n", "babi_memn2n", MEMN2N),
        ("lstm", "babi_lstm", LSTM),
        ("joint", "babi_memn2n", [*JOINT, "jit_compile=false"]),
    ):
        recipe = get_recipe(name)
        results[key] = run_recipe(recipe, recipe.make_config(overrides), runs_dir=runs_dir, data_dir=data_dir, seed=1)
    return runs_dir, results


@pytest.fixture(scope="module")
def results(runs):
    """The runs' results by key: memn2n, lstm, joint."""
    return runs[1]


def read_json(path: Path):
    return json.loads(path.read_text())


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def invoke(*args: str):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def assert_user_error(args: list, message: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    err = result.stderr
    assert err.startswith("kt: error: ") and message in err, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


def scored_examples(folder: Path, data_dir: Path) -> list[babi.Example]:
    """The test slice a run was scored on, read straight from the archive."""
    config = read_json(folder / "config.json")["hyperparameters"]
    if config["task"] == "all":
        examples = babi.load_all(config["size"], "test", data_dir, memory_size=config["memory_size"])
    else:
        examples = babi.load_task(int(config["task"]), config["size"], "test", data_dir, config["memory_size"])
    return examples[: config["test_limit"] or None]


@functools.cache
def saved_model(folder: Path) -> keras.Model:
    return keras.models.load_model(folder / "model.keras", safe_mode=True)


def saved_predictions(folder: Path, examples: list[babi.Example]) -> tuple[np.ndarray, Vocabulary]:
    """The answer ids that the run's model.keras (loaded in safe mode) gives `examples`, via the run's assets."""
    vocabulary = Vocabulary.from_json(read_json(folder / "vocabulary.json"))
    inputs = read_json(folder / "inputs.json")
    layout = inputs.pop("layout")
    logits = saved_model(folder)(vectorize(examples, vocabulary, inputs, layout), training=False)
    return np.argmax(logits, axis=-1), vocabulary


# --- the run folder -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "stages", "pictures"),
    [
        ("memn2n", ["linear-start", "train", "train"], ["attention.png"]),
        ("lstm", ["train", "train"], []),
        ("joint", ["linear-start", "train"], ["attention.png"]),
    ],
)
def test_run_folder_is_complete(results, key, stages, pictures):
    result = results[key]
    folder = result.run.path
    for name in COMMON_FILES + pictures:
        assert (folder / name).stat().st_size > 0, name
    if not pictures:
        assert not (folder / "attention.png").exists()
    assert not (folder / "confusion.png").exists()  # no class names: answers are words
    assert not (folder / "backup").exists() and not (folder / "stages").exists(), "resume state is cleaned up"

    history = read_csv(folder / "history.csv")
    assert [row["stage"] for row in history] == stages
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history[0])

    metrics = read_json(folder / "metrics.json")
    assert metrics["metric"] == "error" and metrics["epochs"] == len(stages)
    test = metrics["test"]
    assert set(test) == {"error", "accuracy", "failed_tasks"}
    assert test["accuracy"] == pytest.approx(1 - test["error"])
    published = metrics["published"]
    assert published["metric"] == "error" and published["decimals"] == 1
    assert published["reached"] == (round(100 * test["error"], 1) <= round(100 * published["value"], 1))
    rows = metrics["breakdown"]["rows"]
    assert metrics["breakdown"]["name"] == "per_task"
    assert test["failed_tasks"] == sum(row["error_pct"] > 5 for row in rows)
    assert test["error"] == pytest.approx(np.mean([row["error_pct"] for row in rows]) / 100, abs=1e-4)
    assert read_json(folder / "inputs.json")["layout"] == ("words" if key == "lstm" else "memories")
    assert read_json(folder / "vocabulary.json")["words"][:2] == ["<pad>", "<unk>"]


def test_published_targets_follow_the_config(results):
    metrics = {key: read_json(result.run.path / "metrics.json") for key, result in results.items()}
    assert metrics["memn2n"]["published"]["value"] == 0.0  # the paper's task-1 error
    assert metrics["memn2n"]["published"]["source"].endswith("PE LS RN, task 1, 1k")
    assert metrics["joint"]["published"]["value"] == pytest.approx(0.124)
    assert metrics["lstm"]["published"]["value"] == pytest.approx(0.5)  # 100 - 50% accuracy on task 1


@pytest.mark.parametrize("key", ["memn2n", "lstm", "joint"])
def test_per_task_errors_match_the_saved_model(results, data_dir, key):
    folder = results[key].run.path
    examples = scored_examples(folder, data_dir)
    predicted, vocabulary = saved_predictions(folder, examples)
    answers = babi.answer_ids(examples, vocabulary)
    tasks = np.array([example.task for example in examples])
    table = read_csv(folder / "per_task.csv")
    assert [int(row["task"]) for row in table] == sorted(set(tasks)) == ([1, 2] if key == "joint" else [1])
    for row in table:
        own = tasks == int(row["task"])
        assert int(row["questions"]) == own.sum()
        assert float(row["error_pct"]) == round(100 * np.mean(predicted[own] != answers[own]), 2), row
        assert row["name"] == babi.TASKS[int(row["task"])].split("_", 1)[1]


def test_summary_line_says_lower_is_better(results):
    result = results["memn2n"]
    error = read_json(result.run.path / "metrics.json")["test"]["error"]
    pattern = (
        rf"babi_memn2n  test error {100 * error:.2f}%  \(published 0\.0%, lower is better, (reached|not reached)\)"
        rf"  \d+ s  -> {re.escape(str(result.run.path))}/"
    )
    assert re.fullmatch(pattern, result.summary), result.summary
    joint = results["joint"].summary
    assert re.match(r"babi_memn2n  test error \d+\.\d\d%  \(published 12\.4%, lower is better, (not )?reached\)", joint)


LOAD_ON_ITS_OWN = """
import sys, keras
import kerastoolkit.serializables
model = keras.models.load_model(sys.argv[1], safe_mode=True)
print(type(model.get_layer("memory")).__name__, type(model.optimizer).__name__)
"""


def test_a_memn2n_model_keras_loads_in_a_fresh_process_with_kerastoolkit_serializables(results):
    """Without the recipe module: its memory layer and its optimizer are registered by kerastoolkit.serializables."""
    model_file = results["memn2n"].run.model_file
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, "-c", LOAD_ON_ITS_OWN, str(model_file)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["EndToEndMemory", "SpectralClipSGD"]


# --- kt eval, kt runs -----------------------------------------------------------------------------------------


def test_eval_reprints_the_summary_and_the_per_task_table(results, data_dir):
    run = results["joint"]
    folder = run.run.path
    result = invoke("eval", folder, "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    summary, header, *rows = result.stdout.splitlines()

    def without_seconds(line: str) -> str:
        return re.sub(r"  \d+ s  -> ", "  -> ", line)

    assert without_seconds(summary) == without_seconds(run.summary)
    assert "(published 12.4%, lower is better" in summary
    assert header.split() == ["task", "name", "questions", "error_pct", "paper_error_pct"]
    saved = read_csv(folder / "per_task.csv")
    assert [row.split() for row in rows] == [
        [r["task"], r["name"], r["questions"], f"{float(r['error_pct']):.4g}", f"{float(r['paper_error_pct']):.4g}"]
        for r in saved
    ]


def test_runs_lists_error_scores(runs):
    runs_dir, results = runs
    result = invoke("runs", "--runs-dir", runs_dir)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(results)
    for run in results.values():
        (line,) = [line for line in lines if line.endswith(f"{run.run.path}/")]
        error = read_json(run.run.path / "metrics.json")["test"]["error"]
        assert line.split()[:3] == [run.run.path.parent.name, "error", f"{100 * error:.2f}%"]
        assert "(published " in line


# --- kt predict -----------------------------------------------------------------------------------------------


def predict(folder: Path, *args: str):
    return invoke("predict", folder, *args)


@pytest.mark.parametrize("key", ["memn2n", "lstm"])
def test_predict_a_test_example(results, data_dir, key):
    folder = results[key].run.path
    result = predict(folder, "--example", "0", "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    first = babi.load_task(1, "1k", "test", data_dir)[0]  # John travelled to the hallway. Mary ... Where is John?
    predicted, vocabulary = saved_predictions(folder, [first])
    answer = vocabulary.words[predicted[0]]
    verdict = "(right)" if answer == first.answer else f"(wrong: the answer is {first.answer})"
    lines = result.stdout.splitlines()
    story, (question, answered, *hops) = lines[: len(first.story)], lines[len(first.story) :]
    assert story == [f"{i:>3}  {' '.join(s)}" for i, s in enumerate(first.story, start=1)]
    assert question == "question: where is john?"
    assert re.fullmatch(rf"answer:   {re.escape(answer)}  p=\d\.\d\d  {re.escape(verdict)}", answered)
    if key == "lstm":
        assert hops == []
        return
    assert [line.split(":")[0] for line in hops] == ["hop 1", "hop 2", "hop 3"]
    for line in hops:  # softmax attention over the story's two sentences: the weights shown sum to 1
        assert sum(map(float, re.findall(r"' (\d\.\d\d)", line))) == pytest.approx(1.0, abs=0.011), line


def documented_story(recipe: str) -> list[str]:
    """The `--story ... --question ...` example of `kt predict --help` for babi_memn2n (both recipes answer it)."""
    doc = get_recipe("babi_memn2n").module.predict.__doc__
    story, question = re.search(r'--story "([^"]+)" --question "([^"]+)"', doc).groups()
    return ["--story", story, "--question", question]


@pytest.mark.parametrize("key", ["memn2n", "lstm"])
def test_predict_the_documented_story_and_question(results, key):
    folder = results[key].run.path
    args = documented_story(f"babi_{key}")
    result = predict(folder, *args)
    assert result.exit_code == 0, result.output
    sentences = [s.strip() for s in args[1].lower().rstrip(".").split(".")]
    question = tuple(args[3].lower().rstrip("?").split())
    typed = babi.Example(tuple(tuple(s.split()) for s in sentences), question, "", (), 0)
    predicted, vocabulary = saved_predictions(folder, [typed])
    lines = result.stdout.splitlines()
    assert lines[: len(sentences)] == [f"{i:>3}  {s}" for i, s in enumerate(sentences, start=1)]
    assert lines[len(sentences)] == f"question: {' '.join(question)}?"
    assert re.fullmatch(rf"answer:   {vocabulary.words[predicted[0]]}  p=\d\.\d\d", lines[len(sentences) + 1])
    assert len(lines) == len(sentences) + 2 + (3 if key == "memn2n" else 0)


def test_predict_help_lists_the_recipe_options_and_the_recipes(results):
    result = predict(results["memn2n"].run.path, "--help")
    assert result.exit_code == 0
    assert "show which sentences each hop attended to" in result.stdout
    for option in ("--example", "--story", "--question", "--data-dir"):
        assert option in result.stdout
    result = invoke("predict", "--help")
    assert result.exit_code == 0 and "Recipes that predict: babi_lstm, babi_memn2n" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--story", "Mary flew to Paris.", "--question", "Where is Mary?"],
            "words never seen in training: flew, paris",
        ),
        (["--story", "Mary went to the kitchen.", "--question", "Whom did Mary see?"], "words never seen in training"),
        (["--example", "1000"], "--example 1000 is past the end of the test set (1000 questions: 0-999)"),
        ([], "give --example N, or --story TEXT and --question TEXT"),
        (["--story", "Mary went to the kitchen."], "give --example N, or --story TEXT and --question TEXT"),
        (["--example", "0", "--story", "Mary went home.", "--question", "Where is Mary?"], "not both"),
        (["--story", "...", "--question", "?"], "give a story of at least one sentence and a question"),
    ],
)
def test_predict_bad_input(results, data_dir, args, message):
    assert_user_error(["predict", results["memn2n"].run.path, *args, "--data-dir", data_dir], message)


def test_predict_names_both_unknown_words_of_the_question(results):
    err = assert_user_error(
        ["predict", results["lstm"].run.path, "--story", "Mary went to the kitchen.", "--question", "Whom did Mary?"],
        "words never seen in training:",
    )
    assert err.strip().endswith("training: whom, did")


def test_predict_refuses_a_run_of_a_recipe_without_the_hook(tmp_path):
    folder = tmp_path / "autoencoder_run"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"recipe": "mnist_autoencoder", "seed": 0, "hyperparameters": {}}))
    (folder / "metrics.json").write_text(json.dumps({"recipe": "mnist_autoencoder", "metric": "loss"}))
    assert_user_error(
        ["predict", folder, "--example", "0"],
        f"{folder} is a run of mnist_autoencoder, which does not answer new inputs; "
        "kt predict works for runs of: babi_lstm, babi_memn2n, char_rnn, mnist_committee, mnist_conv,",
    )


def test_predict_refuses_folders_without_a_finished_run(results, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_user_error(["predict", empty, "--example", "0"], f"{empty} holds no run (no config.json)")
    assert_user_error(["predict", tmp_path / "missing", "--example", "0"], "is not a folder")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(results["lstm"].run.path, unfinished)
    (unfinished / "metrics.json").unlink()
    assert_user_error(
        ["predict", unfinished, "--example", "0"], f"{unfinished} is not a finished run (no metrics.json)"
    )


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_predict_refuses_a_damaged_model(results, tmp_path, damage):
    folder = tmp_path / "damaged"
    shutil.copytree(results["memn2n"].run.path, folder)
    model = folder / "model.keras"
    model.write_bytes(b"garbage" if damage == "garbage" else model.read_bytes()[:-200])
    assert_user_error(["predict", folder, "--example", "0"], f"{model} is damaged")


# --- bad input: refused before a run folder exists ------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["task=21"], "bad value for task"),
        (["size=5k"], "bad value for size ('1k' | '10k'): '5k': expected one of 1k, 10k"),
        (["size=10k", "task=3"], "qa3_three-supporting-facts_train"),
        (["task=1", "validation_fraction=1"], "validation_fraction=1.0 is too large: it must be below 1"),
        (["task=1", "train_limit=901"], "train_limit=901 is larger than the split it limits (900 questions)"),
        (["task=1", "test_limit=1001"], "test_limit=1001 is larger than the split it limits (1000 questions)"),
    ],
)
def test_bad_input_leaves_no_run_folder(tmp_path, data_dir, overrides, message):
    runs_dir = tmp_path / "runs"
    args = ["run", "recipe", "babi_memn2n", *overrides, "--runs-dir", runs_dir, "--data-dir", data_dir]
    err = assert_user_error(args, message)
    if "task=3" in overrides:
        assert "size=1k" in err  # the way out
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


# --- the EndToEndMemory layer ---------------------------------------------------------------------------------

VOCABULARY, EMBEDDING, HOPS, MEMORIES, WORDS = 12, 4, 3, 5, 4
# Two stories, slot 0 the most recent sentence, words padded with 0, empty slots at the end.
STORY = np.array(
    [
        [[2, 3, 4, 0], [5, 6, 0, 0], [7, 8, 9, 10], [0, 0, 0, 0], [0, 0, 0, 0]],
        [[11, 2, 0, 0], [3, 0, 0, 0], [4, 5, 6, 0], [7, 8, 0, 0], [9, 10, 11, 0]],
    ],
    dtype="int32",
)
QUESTION = np.array([[5, 2, 0, 0], [9, 3, 4, 0]], dtype="int32")
FILLED = STORY.any(axis=-1)


def memory_layer(time_noise: float = 0.0) -> EndToEndMemory:
    keras.utils.set_random_seed(0)
    layer = EndToEndMemory(VOCABULARY, EMBEDDING, HOPS, MEMORIES, WORDS, time_noise=time_noise)
    layer.build()
    return layer


def logits(layer: EndToEndMemory, training: bool = False) -> np.ndarray:
    return np.asarray(layer({"story": STORY, "question": QUESTION}, training=training))


def attention(layer: EndToEndMemory) -> np.ndarray:
    return np.stack([np.asarray(hop) for hop in layer.attention(STORY, QUESTION)])  # (hops, batch, memories)


def centred_encoding(sentence_size: int, embedding_size: int) -> np.ndarray:
    """The authors' code (MemN2N-babi-matlab): 1 + 4 (k - (d+1)/2)(j - (J+1)/2) / (d J), j = 1..J, k = 1..d."""
    J, d = sentence_size, embedding_size
    return np.array(
        [[1 + 4 * (k - (d + 1) / 2) * (j - (J + 1) / 2) / (d * J) for k in range(1, d + 1)] for j in range(1, J + 1)]
    )


def first_hop_scores(layer: EndToEndMemory) -> np.ndarray:
    """m_i . u of the first hop, from the layer's weights: A = B = E1, temporal rows T1, position encoding."""
    table, times = np.asarray(layer.word_embeddings[0]), np.asarray(layer.time_embeddings[0])
    weights = centred_encoding(WORDS, EMBEDDING)

    def embed(ids: np.ndarray) -> np.ndarray:
        return (table[ids] * (ids > 0)[..., None] * weights).sum(axis=-2)

    return np.einsum("bmd,bd->bm", embed(STORY) + times[None], embed(QUESTION))


def test_position_encoding_is_the_authors_centred_form():
    # The layer uses the authors' code's centred form of the paper's l_kj (see its docstring), not the paper's own.
    weights = np.asarray(position_encoding(3, 4))
    np.testing.assert_allclose(weights, centred_encoding(3, 4), rtol=1e-6, atol=1e-7)
    assert weights.mean() == pytest.approx(1.0)  # the code's weights average 1 (the paper's l_kj do not)
    # J = 2, d = 2 by hand: 1 + (k - 1.5)(j - 1.5): 1.25 where j = k, 0.75 elsewhere (rows are words j).
    np.testing.assert_allclose(np.asarray(position_encoding(2, 2)), [[1.25, 0.75], [0.75, 1.25]], atol=1e-7)


@pytest.mark.parametrize("linear_start", [0.0, 1.0])
def test_padding_words_and_empty_slots_contribute_nothing(linear_start):
    layer = memory_layer()
    layer.linear_start.assign(linear_start)
    before, seen = logits(layer), attention(layer)
    rng = np.random.default_rng(0)
    for table in layer.word_embeddings:
        table.assign(np.concatenate([rng.normal(size=(1, EMBEDDING)) * 10, np.asarray(table)[1:]]).astype("float32"))
    for table in layer.time_embeddings:  # slots 3 and 4 are empty in the first story only
        table.assign(np.concatenate([np.asarray(table)[:3], rng.normal(size=(2, EMBEDDING)) * 10]).astype("float32"))
    after = logits(layer)
    np.testing.assert_allclose(after[0, 1:], before[0, 1:], rtol=1e-5, atol=1e-6)  # every real word's logit
    np.testing.assert_allclose(attention(layer)[:, 0], seen[:, 0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(after[1], before[1]), "the second story fills slots 3 and 4: their rows count"


def test_attention_with_softmax_sums_to_one_over_filled_slots():
    layer = memory_layer()
    weights = attention(layer)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)
    assert (weights[:, ~FILLED] == 0).all() and (weights[:, FILLED] > 0).all()
    scores = first_hop_scores(layer)
    expected = np.where(FILLED, np.exp(scores - scores.max(-1, keepdims=True)), 0.0)
    np.testing.assert_allclose(weights[0], expected / expected.sum(-1, keepdims=True), rtol=1e-4, atol=1e-6)


def test_attention_in_linear_start_is_the_raw_scores():
    layer = memory_layer()
    layer.linear_start.assign(1.0)
    weights = attention(layer)
    np.testing.assert_allclose(weights[0], first_hop_scores(layer) * FILLED, rtol=1e-4, atol=1e-6)
    assert (weights[:, ~FILLED] == 0).all()
    assert not np.allclose(weights.sum(axis=-1), 1.0), "no softmax: rows need not sum to 1"


def test_time_noise_only_while_training():
    noisy = memory_layer(time_noise=0.5)
    plain = logits(noisy)
    np.testing.assert_array_equal(logits(noisy), plain)  # deterministic at test time
    trained = [logits(noisy, training=True) for _ in range(5)]
    assert any(not np.allclose(t, plain) for t in trained), "training=True shifts the time indices"
    quiet = memory_layer(time_noise=0.0)
    quiet.set_weights(noisy.get_weights())
    np.testing.assert_allclose(logits(quiet, training=True), plain, rtol=1e-6)  # no noise asked: none applied


def test_layer_config_round_trips():
    layer = memory_layer(time_noise=0.3)
    again = EndToEndMemory.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    assert (again.vocabulary_size, again.hops, again.time_noise) == (VOCABULARY, HOPS, 0.3)


def test_every_kerastoolkit_folder_is_installed_as_a_package():
    from setuptools import find_packages

    root = Path(__file__).resolve().parents[1]
    folders = {
        ".".join(path.parent.relative_to(root).parts)
        for path in (root / "kerastoolkit").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert folders <= set(find_packages(str(root), include=["kerastoolkit", "kerastoolkit.*"]))
    assert "kerastoolkit.layers" in folders


# --- repeats: the best of several models by validation -------------------------------------------------------


def test_repeats_keep_the_model_with_the_best_validation(tmp_path, data_dir, capsys):
    recipe = get_recipe("babi_memn2n")
    overrides = ["task=1", "train_limit=100", "test_limit=50", "epochs=1", "linear_start_epochs=1"]
    config = recipe.make_config([*overrides, "embedding_size=8", "repeats=2", "jit_compile=false"])
    folder = run_recipe(recipe, config, runs_dir=tmp_path, data_dir=data_dir, seed=2).run.path
    history = read_csv(folder / "history.csv")
    stages = ["repeat1-linear-start", "repeat1-train", "repeat2-linear-start", "repeat2-train"]
    assert [row["stage"] for row in history] == stages
    candidates = [float(row["val_accuracy"]) for row in history if row["stage"].endswith("-train")]
    printed = re.findall(r"repeat (\d)/2: validation error (\d+\.\d\d)%", capsys.readouterr().out)
    assert printed == [(str(i), f"{100 * (1 - a):.2f}") for i, a in enumerate(candidates, start=1)]

    validation = babi.load_task(1, "1k", "train", data_dir)[-100:]  # the last 10% of the training file
    predicted, vocabulary = saved_predictions(folder, validation)
    kept = float(np.mean(predicted == babi.answer_ids(validation, vocabulary)))
    assert kept == pytest.approx(max(candidates), abs=1e-6)
    assert candidates[0] != candidates[1], "the two models should differ for this test to tell them apart"
