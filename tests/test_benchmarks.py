"""The scripts under benchmarks/: a user's mistake is one line `SCRIPT: error: ...` and exit code 2, caught before
anything is trained or written; --help imports no TensorFlow; every option says what it does; the small pure
pieces of their tables."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(path.stem for path in (REPO / "benchmarks").glob("*.py"))


def run_script(name: str, *args: str, tmp_path: Path, flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`python [flags] benchmarks/NAME.py ARGS` from the repository root, its temporary files in tmp_path/tmp."""
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "TMPDIR": str(scratch),
        "KT_DATA_DIR": os.environ.get("KT_DATA_DIR") or str(tmp_path / "no-data"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    }
    command = [sys.executable, *flags, f"benchmarks/{name}.py", *args]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


def assert_refused(result: subprocess.CompletedProcess, name: str, message: str, tmp_path: Path) -> None:
    """One line `NAME.py: error: ...MESSAGE...`, exit code 2, and nothing written: no runs folder, no temporary
    file or folder left."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith(f"{name}.py: error: ") and message in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "runs").exists()
    assert list((tmp_path / "tmp").iterdir()) == []


def load_script(name: str) -> ModuleType:
    """benchmarks/NAME.py as a module (its `main` not run)."""
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", REPO / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_startup_refuses_zero_runs(tmp_path):
    result = run_script("startup", "--runs", "0", tmp_path=tmp_path)
    assert_refused(result, "startup", "argument --runs: 0 is too small: it must be at least 1", tmp_path)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seeds"], "argument --seeds: expected at least one argument"),
        (["--full-seeds"], "argument --full-seeds: expected at least one argument"),
        (["--seeds", "-1"], "argument --seeds: -1 is not a seed"),
        (["--only", "autoencoder", "--set", "nosuch=1"], "--set applies to mnist_sda runs only"),
        (["--only", "labels1000", "autoencoder", "--set", "nosuch=1"], "unknown hyperparameter 'nosuch'"),
    ],
    ids=["seeds without value", "full-seeds without value", "negative seed", "set without sda run", "set unknown"],
)
def test_sda_refuses(tmp_path, args, message):
    result = run_script("sda", *args, "--runs-dir", str(tmp_path / "runs"), tmp_path=tmp_path)
    assert_refused(result, "sda", message, tmp_path)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "members=0"], "members=0 is too small"),
        (["--set", "members"], "'members' is not of the form KEY=VALUE"),
        (["--part", "single", "--set", "members=3"], "--set members: no hyperparameter of mnist_conv_augmented"),
    ],
    ids=["bad value", "no equals sign", "key of no selected part"],
)
def test_vision_refuses_a_bad_set_before_training(tmp_path, args, message):
    started = time.perf_counter()
    result = run_script("vision", *args, tmp_path=tmp_path)
    assert_refused(result, "vision", message, tmp_path)
    assert time.perf_counter() - started < 20  # nothing trained first


def test_babi_table_of_a_missing_results_file(tmp_path):
    missing = tmp_path / "missing.jsonl"
    result = run_script("babi", "--table-only", "--results", str(missing), tmp_path=tmp_path)
    assert_refused(result, "babi", f"argument --results: {missing} is missing, not a file", tmp_path)


def test_babi_names_the_malformed_line(tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text('\n{"plan": "1k-memn2n", "task": \n')
    for args in (["--table-only", "--results", str(results)], ["--combined", str(results)]):
        result = run_script("babi", *args, tmp_path=tmp_path)
        assert_refused(result, "babi", f"{results} line 2 is not a JSON result line", tmp_path)


@pytest.mark.parametrize("option", ["--plan", "--combined"])
def test_babi_list_options_need_a_value(tmp_path, option):
    result = run_script("babi", option, "--results", str(tmp_path / "runs" / "r.jsonl"), tmp_path=tmp_path)
    assert_refused(result, "babi", f"argument {option}: expected at least one argument", tmp_path)


def test_mnist_ladder_refuses_a_recipe_off_the_ladder(tmp_path):
    result = run_script(
        "mnist_ladder", "mnist_softmax", "backprop_mazur", "--runs-dir", str(tmp_path / "runs"), tmp_path=tmp_path
    )
    assert_refused(result, "mnist_ladder", "'backprop_mazur' is not on the ladder", tmp_path)


def test_translate_refuses_a_missing_or_foreign_reuse_folder(tmp_path):
    missing = tmp_path / "missing"
    result = run_script("translate", "--reuse", str(missing), "--runs-dir", str(tmp_path / "runs"), tmp_path=tmp_path)
    assert_refused(result, "translate", f"--reuse {missing} is not a folder", tmp_path)
    xor = tmp_path / "xor-run"
    xor.mkdir()
    (xor / "config.json").write_text(json.dumps({"recipe": "xor", "seed": 0, "hyperparameters": {}}))
    result = run_script("translate", "--reuse", str(xor), "--runs-dir", str(tmp_path / "runs"), tmp_path=tmp_path)
    assert_refused(result, "translate", f"--reuse {xor} is a run of xor", tmp_path)


def test_translate_checks_every_recipes_overrides_first(tmp_path):
    """heads is translate_transformer's: the old script trained translate_seq2seq before refusing it."""
    only = ["--only", "translate_seq2seq", "--only", "translate_attention"]
    result = run_script(
        "translate", *only, "epochs=1", "heads=2", "--runs-dir", str(tmp_path / "runs"), tmp_path=tmp_path
    )
    assert_refused(
        result, "translate", "heads: no hyperparameter of translate_seq2seq or translate_attention", tmp_path
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--epochs", "0"], "argument --epochs: 0 is too small"),
        (["--limit", "-5"], "argument --limit: -5 is too small"),
        (["--recipe", "nosuch"], "unknown recipe 'nosuch'"),
    ],
    ids=["epochs 0", "negative limit", "unknown recipe"],
)
def test_scale_refuses_before_any_part_starts(tmp_path, args, message):
    result = run_script("scale", *args, tmp_path=tmp_path)
    assert_refused(result, "scale", message, tmp_path)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--units", "2,0"], "argument --units: 0 is too small: it must be at least 1"),
        (["--units", "2,x"], "argument --units: 'x' is not a whole number"),
        (["--seeds", "0"], "argument --seeds: 0 is too small: it must be at least 1"),
    ],
    ids=["zero units", "units not a number", "no seeds"],
)
def test_xor_refuses(tmp_path, args, message):
    result = run_script("xor", *args, "--runs-dir", str(tmp_path / "runs"), tmp_path=tmp_path)
    assert_refused(result, "xor", message, tmp_path)


def test_vision_help_imports_no_tensorflow(tmp_path):
    result = run_script("vision", "--help", tmp_path=tmp_path, flags=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: vision.py") and "--seeds" in result.stdout
    modules = [
        line.rpartition("|")[2].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    ]
    assert "kerastoolkit.scripts" in modules  # -X importtime did report
    heavy = [m for m in modules if m.split(".")[0] in ("tensorflow", "keras")]
    assert heavy == []


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_option_says_what_it_does(name, monkeypatch):
    """Each script's parser is script_parser's, with the whole docstring, and every option has a help text."""
    from kerastoolkit.scripts import ScriptParser

    class Parsed(Exception):
        pass

    seen: list[argparse.ArgumentParser] = []

    def capture(parser, *args, **kwargs):
        seen.append(parser)
        raise Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    monkeypatch.setattr(argparse.ArgumentParser, "parse_intermixed_args", capture)
    monkeypatch.setattr(sys, "argv", [f"{name}.py"])
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0"))  # some set it at import
    module = load_script(name)
    with pytest.raises(Parsed):
        module.main()
    (parser,) = seen
    assert isinstance(parser, ScriptParser)
    assert parser.description == module.__doc__
    silent = [action.dest for action in parser._actions if not action.help]
    assert silent == []


def test_sda_splits_pretraining_from_fine_tuning():
    sda = load_script("sda")
    history = [
        {"stage": "pretrain_1", "epoch": "1", "seconds": "10.0", "loss": "1"},
        {"stage": "pretrain_1", "epoch": "2", "seconds": "11.0", "loss": "1"},
        {"stage": "pretrain_2", "epoch": "1", "seconds": "4.5", "loss": "1"},
        {"stage": "finetune", "epoch": "1", "seconds": "2.0", "accuracy": "0.9"},
        {"stage": "finetune", "epoch": "2", "seconds": "3.0", "accuracy": "0.95"},
    ]
    assert sda.stage_times(history) == (2, 25.5, 5.0)
    assert sda.stage_times(history[3:]) == (2, 0.0, 5.0)  # pretrain=false
    autoencoder = [{"stage": "train", "epoch": str(e), "seconds": "1.5"} for e in (1, 2, 3)]
    assert sda.stage_times(autoencoder) == (3, 0.0, 4.5)


def test_vision_single_shows_the_last_validation_accuracy():
    vision = load_script("vision")
    rows = [
        {"stage": "train", "epoch": "1", "val_accuracy": "0.98"},
        {"stage": "train", "epoch": "2", "val_accuracy": "0.9912"},
    ]
    assert vision.last_validation(rows) == "99.12%"
    assert vision.last_validation([{"stage": "train", "epoch": "1", "val_accuracy": ""}]) == "none held out"
    assert vision.last_validation([{"stage": "train", "epoch": "1", "accuracy": "0.9"}]) == "none held out"


def test_notebook_sums_each_sections_cells():
    import nbformat

    notebook = load_script("notebook")

    def timed(start: str, end: str) -> nbformat.NotebookNode:
        cell = nbformat.v4.new_code_cell("pass")
        cell.metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": end}
        return cell

    cells = [
        nbformat.v4.new_markdown_cell("# Title\n\ntext"),
        timed("2026-11-25T10:00:00.000Z", "2026-11-25T10:00:01.500Z"),
        nbformat.v4.new_markdown_cell("## 1. First"),
        timed("2026-11-25T10:00:02.000Z", "2026-11-25T10:00:04.000Z"),
        nbformat.v4.new_markdown_cell("Between the cells of a section"),
        timed("2026-11-25T10:00:04.000Z", "2026-11-25T10:01:04.250Z"),
        nbformat.v4.new_markdown_cell("## 2. Not run"),
        nbformat.v4.new_code_cell("pass"),
    ]
    assert notebook.section_seconds(cells) == [("(before the first section)", 1.5), ("1. First", 62.25)]


@pytest.mark.parametrize(
    "args, message",
    [
        (["{tmp}/none"], "{tmp}/none is not a folder"),
        (["{tmp}", "--limit", "0"], "argument --limit: 0 is too small"),
        (["{tmp}", "--split", "train"], "argument --split: invalid choice: 'train'"),
    ],
    ids=["no run folder", "limit 0", "unknown split"],
)
def test_pictures_refuses(tmp_path, args, message):
    result = run_script("pictures", *[a.format(tmp=tmp_path) for a in args], tmp_path=tmp_path)
    assert_refused(result, "pictures", message.format(tmp=tmp_path), tmp_path)
