"""kerastoolkit.vectors: loading and caching, analogies against gensim, evaluation, training, embeddings.

The GloVe tests use the real file from the data folder (converted once per session into the test cache); the
error cases use small files written here.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import require_data

from kerastoolkit import vectors
from kerastoolkit.errors import DataError, VectorsError
from kerastoolkit.vectors import store
from kerastoolkit.vectors.evaluate import gensim_test_file

GLOVE = "vectors/glove.6B.50d.txt.gz"
SMALL = {
    "the": [1.0, 0.0, 0.0],
    "king": [0.9, 0.5, 0.1],
    "queen": [0.8, 0.6, 0.4],
    "man": [0.5, 0.1, 0.0],
    "woman": [0.4, 0.2, 0.3],
    "Paris": [0.0, 0.0, 1.0],
}


@pytest.fixture(scope="session")
def glove(shared_data_dir: Path, _session_cache_dir: Path) -> Iterator[vectors.WordVectors]:
    """GloVe 6B 50d, converted once into the session's test cache."""
    require_data(shared_data_dir / GLOVE)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KT_CACHE_DIR", str(_session_cache_dir))
        yield vectors.load("glove-6b-50d", data=shared_data_dir)


def write_glove(path: Path, rows: dict[str, list[float]] = SMALL) -> Path:
    text = "".join(f"{w} {' '.join(str(v) for v in vec)}\n" for w, vec in rows.items())
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- GloVe 6B 50d: the examples, and gensim's own answers -------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "c", "answer"),
    [("king", "man", "woman", "queen"), ("Berlin", "germany", "france", "paris"), ("eating", "eat", "fly", "flying")],
)
def test_analogy_examples(glove: vectors.WordVectors, a: str, b: str, c: str, answer: str) -> None:
    assert glove.analogy(a, b, c)[0][0] == answer


@pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`")  # inside gensim's most_similar_cosmul
@pytest.mark.parametrize("method", ["cosadd", "cosmul"])
def test_analogy_equals_gensim(glove: vectors.WordVectors, method: str) -> None:
    kv = glove.keyed_vectors
    ask = kv.most_similar if method == "cosadd" else kv.most_similar_cosmul
    expected = ask(positive=["king", "woman"], negative=["man"], topn=10)
    got = glove.analogy("king", "man", "woman", topn=10, method=method)  # type: ignore[arg-type]
    assert [w for w, _ in got] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=1e-5)


def test_king_male_female_answers_prince(glove: vectors.WordVectors) -> None:
    # documented, not hidden: cos(male, female) = 0.97, so the query stays next to king, whose neighbour is prince
    words = [w for w, _ in glove.analogy("king", "male", "female", topn=5)]
    assert words[0] == "prince" and words.index("queen") == 2


def test_similar(glove: vectors.WordVectors) -> None:
    words = [w for w, _ in glove.similar("frog", topn=10)]
    assert "frog" not in words and "toad" in words


def test_a_lone_word_is_one_word_and_the_gensim_shorthands_work(glove: vectors.WordVectors) -> None:
    assert glove.nearest(["king", "woman"], "man")[0][0] == "queen"  # gensim's most_similar(negative="man")
    assert glove.nearest("frog") == glove.similar("frog")
    assert "King" in glove and "qqqxzq" not in glove and 3 not in glove
    np.testing.assert_array_equal(glove["king"], glove.vector("king"))
    with pytest.raises(VectorsError, match="nearest needs at least one word"):
        glove.nearest([], [])
    with pytest.raises(VectorsError, match="a list of words by row"):
        vectors.embedding_matrix(glove, "cat")


def test_unknown_word_names_it_and_close_matches(glove: vectors.WordVectors) -> None:
    with pytest.raises(VectorsError, match=r"'queeen' is not in the vocabulary.*close matches: queen"):
        glove.analogy("king", "man", "queeen")


def test_google_sections_match_stanford(glove: vectors.WordVectors, tmp_path: Path) -> None:
    # two sections keep the test short; benchmarks/vectors.py scores the whole set (9033/19544)
    lines, keep = [], False
    for line in gensim_test_file("questions-words.txt").read_text().splitlines():
        if line.startswith(":"):
            keep = line[2:] in ("capital-common-countries", "family")
        if keep:
            lines.append(line)
    questions = tmp_path / "q.txt"
    questions.write_text("\n".join(lines) + "\n")
    score = vectors.evaluate_analogies(glove, questions)
    assert [(s.name, s.correct, s.total) for s in score.sections] == [
        ("capital-common-countries", 401, 506),
        ("family", 349, 506),
    ]
    assert score.semantic == (750, 1012) and score.syntactic == (0, 0)


@pytest.mark.parametrize("method", ["cosadd", "cosmul"])
def test_batched_evaluation_equals_one_query_at_a_time(glove: vectors.WordVectors, tmp_path: Path, method: str) -> None:
    lines = gensim_test_file("questions-words.txt").read_text().splitlines()[1:31]  # 30 capital questions
    questions = tmp_path / "q.txt"
    questions.write_text(": capital-common-countries\n" + "\n".join(lines) + "\n")
    one_by_one = sum(
        glove.analogy(b, a, c, topn=1, method=method)[0][0] == d  # type: ignore[arg-type]
        for a, b, c, d in (line.lower().split() for line in lines)
    )
    assert vectors.evaluate_analogies(glove, questions, method=method).total == (one_by_one, 30)  # type: ignore[arg-type]


def test_similarity_scores(glove: vectors.WordVectors) -> None:
    assert vectors.evaluate_similarity(glove).spearman == pytest.approx(0.5033, abs=1e-3)
    simlex = vectors.evaluate_similarity(glove, gensim_test_file("simlex999.txt"))
    assert simlex.spearman == pytest.approx(0.2646, abs=1e-3)


def test_warm_load_is_memory_mapped_and_needs_no_gensim(glove: vectors.WordVectors, shared_data_dir: Path) -> None:
    assert isinstance(glove.vectors, np.memmap) and glove.cache is not None
    code = (
        "import sys; from kerastoolkit.vectors import load; load().analogy('king', 'man', 'woman'); "
        "print(sorted(m for m in ('gensim', 'tensorflow', 'matplotlib') if m in sys.modules))"
    )
    env = {**os.environ, "KT_CACHE_DIR": str(glove.cache.parent.parent), "KT_DATA_DIR": str(shared_data_dir)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- files of every format, and every way they can be wrong ------------------------------------------------


@pytest.mark.parametrize("name", ["small.txt", "small.txt.gz"])
def test_glove_text_file(tmp_path: Path, name: str) -> None:
    wv = vectors.load(write_glove(tmp_path / name))
    assert len(wv) == 6 and wv.dim == 3
    assert wv.analogy("king", "man", "woman", topn=1)[0][0] == "queen"
    assert wv.lookup("KING") == 1 and wv.lookup("Paris") == 5
    with pytest.raises(VectorsError, match="'paris' is not in the vocabulary"):
        wv.lookup("paris")


def test_word2vec_text_and_binary(tmp_path: Path) -> None:
    kv = vectors.load(write_glove(tmp_path / "small.txt")).keyed_vectors
    for binary, name in ((False, "w2v.txt"), (True, "w2v.bin")):
        kv.save_word2vec_format(str(tmp_path / name), binary=binary)
        wv = vectors.load(tmp_path / name)
        assert wv.words == list(SMALL)
        np.testing.assert_allclose(wv.vectors, np.array(list(SMALL.values())), rtol=1e-6)


def test_kv_file(tmp_path: Path) -> None:
    kv = vectors.load(write_glove(tmp_path / "small.txt")).keyed_vectors
    kv.save(str(tmp_path / "small.kv"))
    assert vectors.load(tmp_path / "small.kv").similar("king", topn=1)[0][0] == "queen"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a 1 2 3\nb 1 2\nc 1 2 3\n", r"line 2: expected a word and 3 numbers, found 2"),
        ("a 1 2 3\nb 1 2 3\nc 1 x 3\n", r"line 3: could not convert string to float: 'x'"),
        ("", r"holds no vectors"),
    ],
)
def test_corrupt_text_names_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(VectorsError, match=message):
        vectors.load(path)
    assert not list(vectors.cache_dir().glob("bad.txt-*"))


def test_truncated_gzip(tmp_path: Path) -> None:
    rows = {f"w{i}": [float(i), 1.0, 2.0] for i in range(2000)}
    data = write_glove(tmp_path / "full.txt.gz", rows).read_bytes()
    (tmp_path / "cut.txt.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(VectorsError, match=r"cut.txt.gz is truncated or corrupt after line \d+"):
        vectors.load(tmp_path / "cut.txt.gz")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"a 1 2\n\xe9t\xe9 1 2\n")
    with pytest.raises(VectorsError, match=r"line 2: not UTF-8"):
        vectors.load(path)


def test_unknown_name_lists_known_ones() -> None:
    with pytest.raises(VectorsError, match=r"unknown vectors 'glove-7b'; known names: glove-6b-50d, glove-6b-100d"):
        vectors.load("glove-7b")


def offline(*args, **kwargs):
    raise urllib.error.URLError("no network")


def test_missing_named_file_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(DataError) as err:
        vectors.load("glove-6b-100d", data=tmp_path)
    for part in (
        "vectors/glove.6B.100d.txt.gz",
        str(tmp_path),
        "could not be downloaded (no network)",
        "https://nlp.stanford.edu/data/glove.6B.zip",
        "KT_DATA_DIR",
    ):
        assert part in str(err.value)
    assert not any(tmp_path.iterdir()), "a failed download leaves no folder behind"


def glove_archive(folder: Path, member_text: bytes, monkeypatch: pytest.MonkeyPatch, sha1_of: bytes) -> Path:
    """A stand-in for Stanford's glove.6B.zip (file:// address), whose 100d member the published SHA-1 of `sha1_of`
    is pinned for."""
    archive = folder / "glove.6B.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("glove.6B.50d.txt", b"other 1 2 3\n")
        zipped.writestr("glove.6B.100d.txt", member_text)
    named = dataclasses.replace(
        store.NAMED["glove-6b-100d"], url=archive.as_uri(), sha1=hashlib.sha1(sha1_of).hexdigest()
    )
    monkeypatch.setitem(store.NAMED, "glove-6b-100d", named)
    monkeypatch.setenv("KT_CACHE_DIR", str(folder / "cache"))  # not the session's, which may hold a 100d entry
    return archive


def test_a_missing_named_file_is_taken_out_of_the_downloaded_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = write_glove(tmp_path / "small.txt").read_bytes()
    glove_archive(tmp_path, text, monkeypatch, sha1_of=text)
    data = tmp_path / "data"
    wv = vectors.load("glove-6b-100d", data=data)
    assert wv.similar("king", topn=1)[0][0] == "queen"
    assert [p.name for p in (data / "vectors").iterdir()] == ["glove.6B.100d.txt"]  # the archive is gone
    assert (data / "vectors" / "glove.6B.100d.txt").read_bytes() == text
    assert vectors.load("glove-6b-100d", data=data).words == wv.words  # no second download


def test_a_downloaded_member_that_fails_its_sha1_is_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = write_glove(tmp_path / "small.txt").read_bytes()
    glove_archive(tmp_path, text, monkeypatch, sha1_of=b"the upstream file")
    data = tmp_path / "data"
    with pytest.raises(DataError, match=r"glove.6B.100d.txt from file:.+ does not match its published SHA-1"):
        vectors.load("glove-6b-100d", data=data)
    assert not data.exists()
    (tmp_path / "glove.6B.zip").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"is not an archive holding glove.6B.100d.txt"):
        vectors.load("glove-6b-100d", data=data)
    assert not data.exists()


def test_named_file_with_wrong_content_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vectors").mkdir()
    write_glove(tmp_path / "vectors" / "glove.6B.300d.txt")
    with pytest.raises(DataError, match=r"glove.6B.300d.txt is corrupt or not the upstream file"):
        vectors.load("glove-6b-300d", data=tmp_path)
    assert not (vectors.cache_dir() / "glove-6b-300d").exists()


def test_failed_conversion_leaves_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_written(folder: Path, *args: object) -> None:
        (folder / "vectors.kv").write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_write_entry", half_written)
    with pytest.raises(KeyboardInterrupt):
        vectors.load(write_glove(tmp_path / "interrupted.txt"))
    assert not [p for p in vectors.cache_dir().iterdir() if "interrupted.txt" in p.name]


def test_killed_conversion_leaves_no_usable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_glove(tmp_path / "small.txt")
    cache = tmp_path / "cache"
    code = (
        "import os, signal, sys; import kerastoolkit.vectors.store as s; real = s._write_entry\n"
        "def killed(*args): real(*args); os.kill(os.getpid(), signal.SIGKILL)  # written, not yet renamed\n"
        "s._write_entry = killed; s.load(sys.argv[1])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], env={**os.environ, "KT_CACHE_DIR": str(cache)})
    assert proc.returncode == -signal.SIGKILL
    leftovers = list((cache / "vectors").iterdir())
    assert [p.name[:11] for p in leftovers] == [".small.txt-"]  # only the hidden temporary folder
    monkeypatch.setenv("KT_CACHE_DIR", str(cache))
    assert vectors.load(path).similar("king", topn=1)[0][0] == "queen"
    assert leftovers[0].exists(), "a fresh temporary folder may belong to a running conversion: kept"

    hour_ago = time.time() - store.STALE_AFTER_S - 1
    os.utime(leftovers[0], (hour_ago, hour_ago))
    os.utime(path, ns=(1, 1))  # edit the file: the next load converts again, and sweeps stale temporaries
    vectors.load(path)
    assert not leftovers[0].exists()


def test_edited_file_is_converted_again(tmp_path: Path) -> None:
    path = write_glove(tmp_path / "small.txt")
    first = vectors.load(path)
    os.utime(path, ns=(1, 1))
    second = vectors.load(path)
    assert first.cache != second.cache and second.words == first.words


@pytest.mark.parametrize("damage", ["truncated vectors", "lost norms", "short vocabulary"])
def test_a_damaged_cache_entry_is_converted_again(tmp_path: Path, damage: str) -> None:
    path = write_glove(tmp_path / "small.txt")
    first = vectors.load(path)
    entry, expected = first.cache, np.array(first.vectors)  # a copy: the memmap reads what is damaged below
    if damage == "truncated vectors":
        npy = entry / "vectors.kv.vectors.npy"
        npy.write_bytes(npy.read_bytes()[:-40])
    elif damage == "lost norms":
        (entry / "vectors.kv.norms.npy").unlink()
    else:
        vocab = entry / "vocab.txt"
        vocab.write_text("".join(vocab.read_text().splitlines(keepends=True)[:-1]))
    again = vectors.load(path)
    assert again.cache == entry and again.words == first.words
    np.testing.assert_array_equal(np.asarray(again.vectors), expected)


# --- embeddings ---------------------------------------------------------------------------------------------


def test_embedding_matrix(glove: vectors.WordVectors) -> None:
    vocabulary = ["", "[UNK]", "the", "King", "qqqxzq"]
    matrix, coverage = vectors.embedding_matrix(glove, vocabulary)
    assert matrix.shape == (5, 50) and matrix.dtype == np.float32
    assert not matrix[0].any()
    np.testing.assert_array_equal(matrix[3], glove.vector("king"))
    assert (coverage.found, coverage.total, coverage.missing) == (2, 4, ("[UNK]", "qqqxzq"))
    scale = float(np.std(glove.vectors[:100_000]))
    assert 0.3 * scale < float(np.std(matrix[[1, 4]])) < 3 * scale


def test_embedding_matrix_from_word_index(glove: vectors.WordVectors) -> None:
    matrix, coverage = vectors.embedding_matrix(glove, {"the": 1, "queen": 3})
    assert matrix.shape == (4, 50) and not matrix[0].any() and not matrix[2].any() and coverage.ratio == 1.0
    with pytest.raises(VectorsError, match="row 0 is the padding row"):
        vectors.embedding_matrix(glove, {"the": 0})


def test_embedding_layer(tmp_path: Path) -> None:
    import keras

    wv = vectors.load(write_glove(tmp_path / "small.txt"))
    layer = vectors.embedding_layer(wv, ["", "king", "queen"])
    out = np.asarray(layer(np.array([[0, 2]])))
    np.testing.assert_allclose(out[0], [[0, 0, 0], SMALL["queen"]])
    assert not layer.trainable_weights
    assert vectors.embedding_layer(wv, ["", "king"], trainable=True).trainable
    initializer = layer.get_config()["embeddings_initializer"]  # the matrix is weights, not in config.json
    assert initializer["class_name"] != "Constant" and "value" not in json.dumps(initializer)
    inputs = keras.Input((2,), dtype="int32")
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(np.array([[0, 2]]))), out)


# --- word2vec and the plot ----------------------------------------------------------------------------------


def test_train_then_use_the_vectors(tmp_path: Path) -> None:
    result = vectors.train(gensim_test_file("lee_background.cor"), tmp_path / "lee.kv", dim=20, epochs=3)
    assert result.vocabulary > 1000 and result.words_per_second > 0
    wv = vectors.load(result.path)
    assert wv.dim == 20 and len(wv.similar("government", topn=3)) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "holds no words"), (b" \n\n ,.;\n", "holds no words"), (b"\xff\xfe\x00", "not UTF-8")],
)
def test_train_refuses_unusable_corpus(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "corpus.txt").write_bytes(content)
    with pytest.raises(VectorsError, match=message):
        vectors.train(tmp_path / "corpus.txt", tmp_path / "out.kv")
    assert not (tmp_path / "out.kv").exists()


def test_train_refuses_missing_corpus_and_rare_words(tmp_path: Path) -> None:
    with pytest.raises(VectorsError, match="cannot be read"):
        vectors.train(tmp_path / "missing.txt", tmp_path / "out.kv")
    (tmp_path / "tiny.txt").write_text("one two three\n")
    with pytest.raises(VectorsError, match="no word occurs 5 times"):
        vectors.train(tmp_path / "tiny.txt", tmp_path / "out.kv")
    with pytest.raises(VectorsError, match="dim must be at least 1, got 0"):
        vectors.train(tmp_path / "tiny.txt", tmp_path / "out.kv", dim=0)


def test_plot(tmp_path: Path) -> None:
    wv = vectors.load(write_glove(tmp_path / "small.txt"))
    out = vectors.plot(wv, ["king", "queen", "man", "woman"], tmp_path / "pairs.png")
    assert out.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(VectorsError, match="at least two words"):
        vectors.plot(wv, ["king"], tmp_path / "one.png")
