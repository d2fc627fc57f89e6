"""The README's shell examples stay true: the cheap `kt` lines run, the others' commands and options parse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from kerastoolkit.cli import cli
from kerastoolkit.registry import get_recipe

README = Path(__file__).resolve().parents[1] / "README.md"

# Lines not run here, and why. Their `kt` commands are still checked: `--help` parses the command and its
# options, and a `kt run recipe` line's recipe and KEY=VALUE overrides must be valid.
NOT_RUN = {
    "kt run recipe mnist_conv --strategy mirrored": "trains",
    "kt run recipe mnist_conv --strategy mirrored --cpu-replicas 2": "trains",
    "kt tune recipe mnist_conv learning_rate=1e-4..1e-2:log dropout=0.2,0.3,0.5 epochs=2 --trials 8": "searches",
    "kt run recipe mnist_conv --config saved_models/tune_mnist_conv_20261124-101500/best.json": "needs a search",
    "pip install . && kt run recipe mnist_conv": "installs, then trains for about three minutes",
    "bash .ci/run": "the whole CI: a new virtual environment and every test",
    "KT_DATA_DIR=../shared/data KT_REQUIRE_DATA=1 python -m pytest -q tests": "this test suite itself",
    "kt run recipe mnist_mlp epochs=20 learning_rate=0.1 --seed 1": "trains",
    "kt run recipe mnist_conv --resume saved_models/mnist_conv/20261124-101500": "needs a killed run",
    "kt eval saved_models/mnist_conv/20261124-101500": "needs a finished run",
    "kt predict saved_models/babi_memn2n/20261124-101500 --example 0": "needs a finished run",
    "kt predict saved_models/mnist_conv/20261124-101500 --image my_digit.png": "needs a finished run",
    "kt predict saved_models/mnist_conv/20261124-101500 --image seven.png --image photo.jpg --out seen.png": (
        "needs a finished run"
    ),
    "kt predict saved_models/mnist_conv/20261124-101500 --example 0 --example 18": "needs a finished run",
    "kt visualize saved_models/mnist_conv/20261124-101500": "needs a finished run",
    "kt visualize saved_models/mnist_mlp/20261124-101500 --steps 300 --seed 1": "needs a finished run",
    "kt run recipe babi_memn2n task=1": "trains",
    "kt run recipe babi_memn2n": "trains",
    "kt run recipe babi_lstm task=1": "trains",
    "kt run recipe char_rnn": "trains",
    "kt run recipe char_rnn corpus=nietzsche": "trains",
    'kt predict saved_models/char_rnn/RUN --prime "ROMEO:" --length 500 --temperature 0.8': "needs a finished run",
    "kt predict saved_models/babi_memn2n/RUN --example 0": "needs a finished run",
    'kt predict saved_models/babi_memn2n/RUN --story "Mary went to the kitchen." --question "Where is Mary?"': (
        "needs a finished run"
    ),
    "kt run recipe translate_attention": "trains",
    "kt run recipe translate_seq2seq": "trains",
    "kt run recipe translate_transformer": "trains",
    'kt translate saved_models/translate_attention/RUN "I am cold."': "needs a finished run",
    'kt translate saved_models/translate_attention/RUN --greedy "Where is Tom?" "I love you."': "needs a finished run",
    'kt translate saved_models/translate_attention/RUN "I am cold." --attention attention.png': "needs a finished run",
    "kt run recipe mnist_sda": "trains",
    "kt run recipe mnist_sda pretrain=false": "trains",
    "kt run recipe mnist_sda labels=1000": "trains",
    "kt run recipe mnist_autoencoder": "trains",
    "kt run recipe mnist_autoencoder units=1000,500,250,2 noise=0.2": "trains",
    "kt run recipe mnist_sda hidden=256,64 corruption=0.25,0.25 pretrain_epochs=1 epochs=2 train_limit=2000": "trains",
    "kt run recipe mnist_conv_augmented": "trains",
    "kt run recipe mnist_conv_augmented augment=elastic,affine rotation=8 scaling=0.1 translation=0.1": "trains",
    "kt run recipe mnist_conv_augmented augment=none preprocess=zca": "trains",
    "kt run recipe mnist_conv_augmented dataset=fashion_mnist": "trains",
    "kt run recipe mnist_committee": "trains five nets",
    "kt analogy king man woman": "needs the GloVe file and converts it",
    "kt analogy berlin germany france": "needs the GloVe file",
    "kt similar frog": "needs the GloVe file",
    "kt vectors evaluate": "needs the GloVe file; scores 19,544 questions",
    "kt vectors train corpus.txt --dim 100": "needs a corpus; trains",
    "kt analogy king man woman --vectors corpus.kv": "needs the vectors trained above",
    "kt vectors plot king queen man woman prince princess --out pairs.png": "needs the GloVe file",
    "kt vectors info": "needs the GloVe file",
}


def shell_examples() -> list[str]:
    """Each command line of the README's ```bash blocks, without its comment."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    lines = [line.split(" #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


EXAMPLES = shell_examples()
CHEAP = [line for line in EXAMPLES if line not in NOT_RUN]


def kt(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_every_example_is_run_or_listed_as_not_run():
    assert all(line.startswith("kt ") for line in CHEAP), [line for line in CHEAP if not line.startswith("kt ")]
    assert {"kt --help", "kt list", "kt show recipe mnist_conv", "kt runs"} <= set(CHEAP)
    stale = set(NOT_RUN) - set(EXAMPLES)
    assert not stale, f"NOT_RUN lists lines the README no longer has: {stale}"


@pytest.mark.parametrize("line", CHEAP)
def test_cheap_example_runs(line, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # `kt runs` looks in ./saved_models, here empty
    code, output = kt(shlex.split(line)[1:])
    assert code == 0, output
    assert output.strip()


@pytest.mark.parametrize("line", [line for line in NOT_RUN if "kt " in line])
def test_example_not_run_has_a_valid_command_and_options(line):
    args = shlex.split(line.split("&&")[-1])[1:]
    if args[0] in ("predict", "translate"):  # options belong to RUN_DIR's recipe: only the command can be asked
        args = args[:1]
    code, output = kt([*args, "--help"])
    assert code == 0 and output.startswith("Usage: "), output
    if args[:2] == ["run", "recipe"]:
        get_recipe(args[2]).make_config([arg for arg in args[3:] if "=" in arg and not arg.startswith("-")])
