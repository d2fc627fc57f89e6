"""`kt analogy`, `kt similar`, `kt vectors ...`: output, and one-line errors with exit code 2."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import urllib.error
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
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("urllib.request.urlopen", offline)
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


@pytest.fixture()
def small_vectors(tmp_path: Path) -> str:
    """A GloVe-style text file of five 3-d vectors."""
    path = tmp_path / "small.txt"
    path.write_text("king 1 2 3\nqueen 1 2 4\nman 3 1 0\nwoman 3 1 1\nfrog 0 0 1\n")
    return str(path)


def assert_click_error(args: list[str], *parts: str) -> None:
    code, _, err = kt(*args)
    assert code == 2 and "Traceback" not in err
    for part in parts:
        assert part in err, err


def test_an_empty_vectors_name_is_refused() -> None:
    code, out, err = kt("similar", "frog", "--vectors", "")
    assert (
        code == 2 and not out and err == "kt: error: --vectors is empty: give a name such as glove-6b-50d, or a file\n"
    )


def test_input_files_that_do_not_exist_are_refused(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.txt")
    assert_click_error(["vectors", "evaluate", "--questions", missing], "'--questions'", "does not exist")
    assert_click_error(["vectors", "train", missing], "'CORPUS'", "does not exist")
    code, _, err = kt("similar", "frog", "--vectors", missing)
    assert_one_line_error(code, err, f"no vectors file {missing}")


def test_question_files_without_questions_or_not_text_are_refused(tmp_path: Path, small_vectors: str) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text(": a section with no questions\n\n")
    code, _, err = kt("vectors", "evaluate", "--questions", str(empty), "--vectors", small_vectors)
    assert_one_line_error(code, err, "empty.txt holds no analogy questions")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00king man")
    code, _, err = kt("vectors", "evaluate", "--questions", str(binary), "--vectors", small_vectors)
    assert_one_line_error(code, err, "binary.txt is not UTF-8 text")


def test_outputs_under_a_file_are_refused_before_any_work(tmp_path: Path, small_vectors: str) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = kt("vectors", "plot", "king", "queen", "--vectors", small_vectors, "--out", str(blocker / "p.png"))
    assert_one_line_error(code, err, f"cannot write --out {blocker / 'p.png'}: {blocker} is a file, not a folder")
    corpus = str(gensim_test_file("lee_background.cor"))
    code, _, err = kt("vectors", "train", corpus, "--out", str(blocker / "v.kv"))
    assert_one_line_error(code, err, f"cannot write --out {blocker / 'v.kv'}: {blocker} is a file, not a folder")


def test_plot_refuses_an_unknown_image_format_and_an_empty_name(tmp_path: Path, small_vectors: str) -> None:
    out = tmp_path / "new" / "p.docx"
    code, _, err = kt("vectors", "plot", "king", "queen", "--vectors", small_vectors, "--out", str(out))
    assert_one_line_error(code, err, "give an image file name ending in .avif, .eps")
    assert not (tmp_path / "new").exists()
    code, out_text, _ = kt(
        "vectors", "plot", "king", "queen", "--vectors", small_vectors, "--out", str(tmp_path / "P.PNG")
    )
    assert code == 0 and (tmp_path / "P.PNG").stat().st_size > 1000
    assert_click_error(["vectors", "plot", "king", "queen", "--out", ""], "an empty path names no file or folder")


def test_a_cache_folder_under_a_file_is_refused(tmp_path: Path, small_vectors: str, monkeypatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("KT_CACHE_DIR", str(blocker / "cache"))
    code, _, err = kt("analogy", "king", "man", "woman", "--vectors", small_vectors)
    assert_one_line_error(code, err, "cannot use the cache folder", "is a file, not a folder", "KT_CACHE_DIR")


def test_evaluate_with_a_tiny_vocabulary_reports_what_it_cannot_score(tmp_path: Path, small_vectors: str) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text(": royal\nman king woman queen\n")
    code, out, _ = kt("vectors", "evaluate", "--questions", str(questions), "--vectors", small_vectors)
    assert code == 0 and "total" in out
    assert "not scored: fewer than two pairs of simlex999.txt are in the vocabulary of small.txt" in out


def test_a_folder_given_as_vectors_is_refused(tmp_path: Path) -> None:
    code, _, err = kt("similar", "frog", "--vectors", str(tmp_path))
    assert_one_line_error(code, err, f"{tmp_path} is a folder, not a vectors file")


def test_train_refuses_to_write_over_its_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.kv"
    corpus.write_text("the cat sat on the mat\n" * 10)
    code, _, err = kt("vectors", "train", str(corpus))
    assert_one_line_error(code, err, f"--out {corpus} is the corpus itself")
    assert corpus.read_text().startswith("the cat")


def test_data_dir_with_a_vectors_file_is_refused(tmp_path: Path, small_vectors: str) -> None:
    code, _, err = kt("similar", "frog", "--vectors", small_vectors, "--data-dir", str(tmp_path))
    assert_one_line_error(code, err, "--data-dir applies to named vectors, not to the file")
    code, out, _ = kt("similar", "frog", "-n", "1", "--vectors", small_vectors)  # $KT_DATA_DIR alone is fine
    assert code == 0 and len(out.splitlines()) == 1
