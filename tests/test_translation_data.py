"""The English-French pairs: both releases, the column forms, the split by English sentence, tokens, BLEU."""

from __future__ import annotations

import math
import shutil
import urllib.error
from collections import defaultdict

import pytest
from conftest import require_data

from kerastoolkit.data.pairs import RELEASES, normalise, parse_pairs, read_pairs, split_of
from kerastoolkit.errors import DataError
from kerastoolkit.translation import scoring
from kerastoolkit.translation.tokens import END_ID, START_ID, detokenize, target_vocabulary, words


@pytest.fixture(scope="module")
def pairs_2017(shared_data_dir):
    require_data(shared_data_dir / RELEASES["2017-09-29"].remote.path)
    return read_pairs("2017-09-29", shared_data_dir)


def test_both_releases_have_their_pair_counts(pairs_2017, shared_data_dir):
    require_data(shared_data_dir / RELEASES["2019-04-07"].remote.path)
    assert len(pairs_2017) == 142_787
    assert pairs_2017[0] == ("Go.", "Va !")
    assert len(read_pairs("2019-04-07", shared_data_dir)) == 167_130


def test_two_and_three_columns_are_read_and_other_lines_refused():
    text = "Go.\tVa !\nRun!\tCours !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM)\n\n"
    assert parse_pairs(text) == [("Go.", "Va !"), ("Run!", "Cours !")]
    with pytest.raises(DataError, match=r"fra.txt line 2 is not 'English<TAB>French\[<TAB>attribution\]'"):
        parse_pairs("Go.\tVa !\nno tab here\n")
    with pytest.raises(DataError, match="line 1"):
        parse_pairs("a\tb\tc\td\n")


def test_no_english_sentence_is_in_two_splits(pairs_2017):
    splits_of = defaultdict(set)
    for english, _ in pairs_2017:
        splits_of[normalise(english)].add(split_of(english))
    assert all(len(names) == 1 for names in splits_of.values())
    counts = defaultdict(int)
    for names in splits_of.values():
        counts[names.pop()] += 1
    total = sum(counts.values())
    assert abs(counts["train"] / total - 0.90) < 0.01 and abs(counts["test"] / total - 0.05) < 0.005
    assert split_of("I am cold.") == split_of("  i AM   cold. ")  # by the normalised sentence


def test_a_release_with_another_checksum_is_refused_naming_the_expected_one(tmp_path):
    (tmp_path / "fra-eng").mkdir()
    (tmp_path / "fra-eng" / "fra-eng.zip").write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip: a new release
    with pytest.raises(DataError, match=r"is not the 2017-09-29 release .* put the 2017-09-29 release \(142,787"):
        read_pairs("2017-09-29", tmp_path)


def test_missing_releases_say_where_to_put_them(tmp_path, monkeypatch):
    with pytest.raises(DataError, match=r"put the 2019-04-07 release \(167,130 pairs\) at .*fra-eng_2019-04-07"):
        read_pairs("2019-04-07", tmp_path)

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(DataError, match="could not be downloaded from https://raw.githubusercontent.com/genimind"):
        read_pairs("2017-09-29", tmp_path)
    assert not (tmp_path / "fra-eng" / "fra-eng.zip").exists()


def test_a_damaged_archive_is_refused(tmp_path, shared_data_dir, monkeypatch):
    release = RELEASES["2019-04-07"]
    path = tmp_path / release.remote.path
    path.parent.mkdir()
    shutil.copy(require_data(shared_data_dir / release.remote.path), path)
    path.chmod(0o644)
    with path.open("r+b") as f:
        f.seek(1000)
        f.write(b"\0" * 64)
    with pytest.raises(DataError, match="corrupt|is not the 2019-04-07 release"):
        read_pairs("2019-04-07", tmp_path)


def test_tokens_keep_accents_split_punctuation_and_join_back():
    assert words("J’ai  froid\u202f!") == ["j'", "ai", "froid", "!"]
    assert words("Où est l'Élysée ?") == ["où", "est", "l'", "élysée", "?"]
    assert detokenize(["j'", "ai", "froid", "!"]) == "j'ai froid !"
    assert detokenize(["il", "a", "dit", ":", "«", "non", "»", "."]) == "il a dit : « non »."
    assert detokenize(words("Est-ce que tu viens, Tom ?")) == "est-ce que tu viens, tom ?"


def test_the_target_vocabulary_starts_and_ends_sentences_and_drops_words_seen_once():
    vocabulary = target_vocabulary([["le", "chat"], ["le", "chien"], ["le", "chat", "rare"]], size=10)
    assert vocabulary.ids["<start>"] == START_ID and vocabulary.ids["<end>"] == END_ID
    assert vocabulary.words[4:] == ["le", "chat"]
    assert vocabulary.encode(["rare"]) == [1]


def test_bleu_is_sacrebleu_corpus_bleu_against_every_reference():
    hypothesis = ["le chat est sur le tapis"]
    # 1- to 4-gram precisions 5/6, 3/5, 2/4, 1/3; same length, no brevity penalty
    expected = 100 * (5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25
    assert scoring.bleu(hypothesis, [["le chat est sur un tapis"]]) == pytest.approx(expected, abs=0.01)
    assert scoring.bleu(hypothesis, [["un chien dort", "Le chat est sur le tapis"]]) == pytest.approx(100.0)
    # a sentence with fewer references than another: sacreBLEU's None padding
    assert scoring.bleu(["a b c d", "e f g h"], [["a b c d"], ["x", "e f g h"]]) == pytest.approx(100.0)
    assert 0 < scoring.chrf(hypothesis, [["le chat est sur un tapis"]]) < 100
    assert math.isclose(scoring.chrf(hypothesis, [["x", "le chat est sur le tapis"]]), 100.0)
