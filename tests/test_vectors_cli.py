"""`kt analogy`, `kt similar`, `kt vectors ...`: output, and one-line errors with exit code 2."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import require_data

from kerastoolkit.cli import cli, vectors_cmd
from kerastoolkit.vectors import DEFAULT_VECTORS, METHODS
from kerastoolkit.vectors.evaluate import gensim_test_file


def kt(*args: str) -> tuple[int, str, str]:
    """Run `kt ARGS` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def glove_args(shared_data_dir: Path) -> list[str]:
    require_data(shared_data_dir / "vectors/glove.6B.50d.txt.gz")
    return ["--data-dir", str(shared_data_dir)]


def assert_one_line_error(code: int, err: str, *parts: str) -> None:
    assert code == 2
    assert err.startswith("kt: error: ") and err.count("\n") == 1 and "Traceback" not in err
    for part in parts:
        assert part in err


def test_cli_constants_match_the_library() -> None:
    assert (vectors_cmd.DEFAULT_VECTORS, vectors_cmd.METHODS) == (DEFAULT_VECTORS, METHODS)


def test_analogy(glove_args: list[str]) -> None:
    code, out, _ = kt("analogy", "king", "man", "woman", *glove_args)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and lines[0].split()[0] == "queen"
    assert float(lines[0].split()[1]) == pytest.approx(0.8524, abs=1e-4)
    code, out, _ = kt("analogy", "Berlin", "germany", "france", "-n", "5", "--method", "cosmul", *glove_args)
    assert code == 0 and out.split()[0] == "paris" and len(out.splitlines()) == 5


def test_similar_and_info(glove_args: list[str]) -> None:
    code, out, _ = kt("similar", "frog", "-n", "4", *glove_args)
    assert code == 0 and len(out.splitlines()) == 4
    code, out, _ = kt("vectors", "info", *glove_args)
    assert code == 0 and "400000 words" in out and "dimension   50" in out and os.environ["KT_CACHE_DIR"] in out


def test_unknown_word(glove_args: list[str]) -> None:
    code, _, err = kt("analogy", "king", "man", "womann", *glove_args)
    assert_one_line_error(code, err, "'womann' is not in the vocabulary", "close matches: woman")


def test_unknown_vectors_name() -> None:
    code, _, err = kt("similar", "frog", "--vectors", "glove-6b-42d")
    assert_one_line_error(code, err, "unknown vectors 'glove-6b-42d'", "glove-6b-50d, glove-6b-100d")


def test_missing_vectors_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KT_CACHE_DIR", str(tmp_path / "cache"))  # a converted copy would be used without the file
    code, _, err = kt("analogy", "king", "man", "woman", "--data-dir", str(tmp_path))
    assert_one_line_error(
        code, err, "vectors/glove.6B.50d.txt.gz", "https://nlp.stanford.edu/data/glove.6B.zip", "KT_DATA_DIR"
    )


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt.gz"
    path.write_bytes(gzip.compress(b"a 1 2\nb 1 2\nc 1\n"))
    code, _, err = kt("similar", "a", "--vectors", str(path))
    assert_one_line_error(code, err, "line 3: expected a word and 2 numbers, found 1")


def test_train_then_analogy_with_path(tmp_path: Path) -> None:
    out_path = tmp_path / "lee.kv"
    corpus = str(gensim_test_file("lee_background.cor"))
    code, out, _ = kt("vectors", "train", corpus, "--out", str(out_path), "--dim", "16", "--epochs", "2")
    assert code == 0 and "words/s" in out and out_path.exists()
    code, out, _ = kt("similar", "government", "--vectors", str(out_path), "-n", "2")
    assert code == 0 and len(out.splitlines()) == 2


def test_train_empty_corpus(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("")
    code, _, err = kt("vectors", "train", str(tmp_path / "empty.txt"), "--out", str(tmp_path / "e.kv"))
    assert_one_line_error(code, err, "empty.txt holds no words")


def test_plot(glove_args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "pairs.png"
    words = ["king", "queen", "man", "woman", "prince", "princess"]
    code, _, _ = kt("vectors", "plot", *words, "--out", str(out), *glove_args)
    assert code == 0 and out.stat().st_size > 1000


def test_evaluate(glove_args: list[str], tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text(": family\nboy girl brother sister\nboy girl king queen\n: gram8-plural\ncar cars dog dogs\n")
    code, out, _ = kt("vectors", "evaluate", "--questions", str(questions), *glove_args)
    assert code == 0 and "total" in out and "wordsim353.tsv" in out and "simlex999.txt" in out


def test_subprocess_error_exit_code(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kerastoolkit", "analogy", "a", "b", "c", "--vectors", "nope"],
        capture_output=True,
        text=True,
        env={**os.environ, "KT_CACHE_DIR": str(tmp_path)},
    )
    assert proc.returncode == 2 and proc.stderr.startswith("kt: error: unknown vectors 'nope'")


def test_startup_imports_no_heavy_module() -> None:
    code = (
        "import sys, kerastoolkit.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('gensim', 'numpy', 'matplotlib', 'tensorflow', 'keras') or m == 'kerastoolkit.vectors'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
