"""bAbI: reading the archive in the data folder, parsing stories, checksums, errors, and vectorising."""

from __future__ import annotations

import hashlib
import io
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from conftest import require_data

from kerastoolkit.data import babi
from kerastoolkit.errors import ConfigError, DataError
from kerastoolkit.text import Vocabulary

ARCHIVE = Path("babi") / "tasks_1-20_v1-2_en_en-10k.tar.gz"
QA1_TRAIN = "tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt"


@pytest.fixture(scope="module")
def data(shared_data_dir: Path) -> Path:
    """The real data folder, holding the bAbI re-pack."""
    require_data(shared_data_dir / ARCHIVE)
    return shared_data_dir


@pytest.fixture(scope="module")
def qa1_train(data: Path) -> list[babi.Example]:
    return babi.load_task(1, "1k", "train", data)


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


# --- reading the archive -------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", [1, 2, 19, 20])
@pytest.mark.parametrize("split", ["train", "test"])
def test_1k_files_hold_1000_questions(data, task, split):
    examples = babi.load_task(task, "1k", split, data)
    assert len(examples) == 1000
    assert {example.task for example in examples} == {task}


def test_10k_train_file_holds_10000_questions(data):
    assert len(babi.load_task(1, "10k", "train", data)) == 10000


def test_load_all_reads_every_task(data):
    examples = babi.load_all("1k", "test", data)
    assert len(examples) == 20000
    assert [example.task for example in examples[::1000]] == list(range(1, 21))


def test_first_stories_of_task_1(qa1_train):
    # tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt begins:
    #   1 Mary moved to the bathroom. / 2 John went to the hallway. / 3 Where is Mary? <TAB>bathroom<TAB>1
    #   4 Daniel went back to the hallway. / 5 Sandra moved to the garden. / 6 Where is Daniel? <TAB>hallway<TAB>4
    first, second = qa1_train[:2]
    assert first == babi.Example(
        story=(("mary", "moved", "to", "the", "bathroom"), ("john", "went", "to", "the", "hallway")),
        question=("where", "is", "mary"),
        answer="bathroom",
        supporting=(0,),
        task=1,
    )
    assert len(second.story) == 4  # question lines are not part of the story
    assert second.story[:2] == first.story
    assert second.question == ("where", "is", "daniel")
    assert second.answer == "hallway"
    assert second.supporting == (2,)  # line ID 4 is the story's third statement
    assert second.story[2] == ("daniel", "went", "back", "to", "the", "hallway")


def test_supporting_facts_point_at_the_right_sentence(data, qa1_train):
    # Task 1: "Where is X?" is answered by the latest "X <moved> to the PLACE."
    for example in qa1_train:
        (index,) = example.supporting
        fact = example.story[index]
        assert fact[0] == example.question[-1] and fact[-1] == example.answer
        assert not any(sentence[0] == fact[0] for sentence in example.story[index + 1 :])
    # Task 19, first story: "2 The kitchen is north of the office. 4 The office is west of the garden."
    example = babi.load_task(19, "1k", "train", data)[0]
    assert example.question == ("how", "do", "you", "go", "from", "the", "kitchen", "to", "the", "garden")
    assert example.answer == "s,e"  # a comma-separated answer stays one answer
    assert [example.story[i] for i in example.supporting] == [
        ("the", "kitchen", "is", "north", "of", "the", "office"),
        ("the", "office", "is", "west", "of", "the", "garden"),
    ]


def test_memory_keeps_the_most_recent_sentences(data):
    full = babi.load_task(3, "1k", "train", data, memory_size=None)
    cut = babi.load_task(3, "1k", "train", data, memory_size=3)
    assert len(full) == len(cut) == 1000
    assert max(len(example.story) for example in full) > 100
    dropped = 0
    for whole, kept in zip(full, cut, strict=True):
        offset = max(0, len(whole.story) - 3)
        assert kept.story == whole.story[offset:]
        assert kept.supporting == tuple(i - offset for i in whole.supporting if i >= offset)
        assert [kept.story[i] for i in kept.supporting] == [whole.story[i] for i in whole.supporting if i >= offset]
        dropped += len(whole.supporting) - len(kept.supporting)
    assert dropped > 0
    # Default memory: 50 sentences.
    assert max(len(example.story) for example in babi.load_task(3, "1k", "train", data)) == 50


def test_10k_test_file_equals_the_1k_one(data):
    assert babi.load_task(2, "10k", "test", data) == babi.load_task(2, "1k", "test", data)


def test_lines_are_read_from_the_archive(data):
    lines = babi.read_member(1, "1k", "train", data)
    assert lines[:3] == [
        "1 Mary moved to the bathroom.",
        "2 John went to the hallway.",
        "3 Where is Mary? \tbathroom\t1",
    ]
    assert babi.archive_path(data) == data / ARCHIVE


def test_task_5_answers_are_lower_cased_like_the_story(data):
    example = babi.load_task(5, "1k", "train", data)[0]
    assert example.answer == example.answer.lower()
    assert any(example.answer in sentence for sentence in example.story)


# --- errors ----------------------------------------------------------------------------------------------------


def test_missing_10k_task_3_train_file_is_a_clear_error(data):
    with pytest.raises(DataError) as error:
        babi.load_task(3, "10k", "train", data)
    message = one_line(error)
    assert "en-10k/qa3_three-supporting-facts_train.txt" in message
    assert "missing from this copy of the data" in message and "size=1k" in message
    with pytest.raises(DataError, match="en-10k/qa3_three-supporting-facts_train.txt"):
        babi.load_all("10k", "train", data)
    assert len(babi.load_task(3, "10k", "test", data)) == 1000  # its test file is there


@pytest.mark.parametrize(
    ("task", "size", "split", "choices"),
    [
        (0, "1k", "train", "1 to 20"),
        (21, "1k", "train", "1 to 20"),
        ("1", "1k", "train", "1 to 20"),
        (1, "5k", "train", "1k, 10k"),
        (1, "en", "train", "1k, 10k"),
        (1, "1k", "valid", "train, test"),
    ],
)
def test_unknown_task_size_or_split(tmp_path, task, size, split, choices):
    with pytest.raises(ConfigError) as error:
        babi.load_task(task, size, split, tmp_path)
    assert choices in one_line(error)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("memory_size", [0, -1])
def test_bad_memory_size(memory_size):
    with pytest.raises(ConfigError, match="memory_size"):
        babi.parse_stories(["1 Mary went home."], 1, memory_size)


def truncated_copy(data: Path, folder: Path) -> Path:
    target = folder / ARCHIVE
    target.parent.mkdir(parents=True)
    target.write_bytes((data / ARCHIVE).read_bytes()[: babi.REPACK.size // 2])
    return target


def test_truncated_archive_is_refused_by_its_checksum(data, tmp_path):
    truncated_copy(data, tmp_path)
    with pytest.raises(DataError) as error:
        babi.load_task(1, "1k", "train", tmp_path)
    message = one_line(error)
    assert f"{ARCHIVE.name} is truncated or corrupt" in message and f"expected {babi.REPACK.size}" in message


def test_unreadable_archive_is_a_data_error_naming_it(data, tmp_path, monkeypatch):
    # An archive whose checksum is right but whose stream ends early (as if the table were wrong).
    target = truncated_copy(data, tmp_path)
    content = target.read_bytes()
    fake = babi.RemoteFile(str(ARCHIVE), babi.REPACK.url, hashlib.sha256(content).hexdigest(), len(content))
    monkeypatch.setattr(babi, "REPACK", fake)
    with pytest.raises(DataError) as error:
        babi.load_task(9, "1k", "train", tmp_path)  # en/ comes after en-10k/ in the archive: past the cut
    message = one_line(error)
    assert str(target) in message and "truncated or corrupt" in message


def test_member_with_a_wrong_checksum_is_refused(data, monkeypatch):
    monkeypatch.setitem(babi.member_checksums(), QA1_TRAIN, "0" * 64)
    with pytest.raises(DataError) as error:
        babi.read_member(1, "1k", "train", data)
    message = one_line(error)
    assert QA1_TRAIN in message and "corrupt" in message


def test_member_without_sha256_is_checked_by_git_blob_id(data, monkeypatch):
    # The manifest gives only the git blob id of the 10k task-3 train file; that check must work too.
    table = babi.member_checksums()
    monkeypatch.delitem(table, QA1_TRAIN)
    monkeypatch.setitem(babi._GIT_BLOB_SHA1, QA1_TRAIN, "f5349003d2946b396d7a4f781ef7cb7c501d3fe9")  # manifest
    assert len(babi.read_member(1, "1k", "train", data)) == 3000
    monkeypatch.setitem(babi._GIT_BLOB_SHA1, QA1_TRAIN, "0" * 40)
    with pytest.raises(DataError, match="is corrupt"):
        babi.read_member(1, "1k", "train", data)
    monkeypatch.delitem(babi._GIT_BLOB_SHA1, QA1_TRAIN)
    with pytest.raises(DataError, match="has no known checksum"):
        babi.read_member(1, "1k", "train", data)


def test_file_missing_from_the_repack_is_read_from_an_upstream_archive_beside_it(data, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    (folder / "babi").mkdir(parents=True)
    (folder / ARCHIVE).symlink_to(data / ARCHIVE)
    member = "tasks_1-20_v1-2/en-10k/qa3_three-supporting-facts_train.txt"
    content = b"1 Mary went to the kitchen.\n2 Where is Mary? \tkitchen\t1\n"
    upstream = folder / babi.UPSTREAM.path
    with tarfile.open(upstream, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    packed = upstream.read_bytes()
    monkeypatch.setattr(
        babi, "UPSTREAM", babi.RemoteFile(babi.UPSTREAM.path, babi.UPSTREAM.url, hashlib.sha256(packed).hexdigest())
    )
    blob = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()
    monkeypatch.setitem(babi._GIT_BLOB_SHA1, member, blob)
    (example,) = babi.load_task(3, "10k", "train", folder)
    assert example.answer == "kitchen" and example.story == (("mary", "went", "to", "the", "kitchen"),)


@pytest.mark.parametrize("exists", [True, False])
def test_offline_without_archive_names_upstream_and_leaves_nothing(tmp_path, monkeypatch, exists):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    folder = tmp_path / "data"
    if exists:
        folder.mkdir()
    with pytest.raises(DataError) as error:
        babi.load_task(1, "1k", "train", folder)
    message = one_line(error)
    assert "babi/tasks_1-20_v1-2.tar.gz is not in the data folder" in message
    assert "http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz" in message
    assert ARCHIVE.name in message  # the re-pack is named as an alternative
    if exists:
        assert not any(folder.iterdir()), "a failed download must leave no file or empty folder behind"
    else:
        assert not folder.exists()


@pytest.mark.parametrize(
    ("lines", "number"),
    [
        (["1 Mary went home.", "Mary left."], 2),
        (["1 Mary went home.", "x Where is Mary?\thome\t1"], 2),
        (["1 Mary went home.", "3 Where is Mary?\thome\t1"], 2),
        (["1 Mary went home.", "", "2 Where is Mary?\thome"], 3),
        (["1 Mary went home.", "2 Where is Mary?\t\t1"], 2),
        (["1 Mary went home.", "2 Where is Mary?\thome\t3"], 2),
        (["1 Mary went home.", "2 Where is Mary?\thome\t1", "3 Where is Mary?\thome\t2"], 3),
        (["1 ..."], 1),
    ],
)
def test_malformed_line_names_its_number(lines, number):
    with pytest.raises(DataError) as error:
        babi.parse_stories(lines, 1, source="qa1.txt")
    assert f"qa1.txt line {number}:" in one_line(error)


def test_checksum_table_matches_the_data_folder_list(data):
    listed = {}
    for line in (data / "babi" / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        if name.endswith(("_train.txt", "_test.txt")):
            listed[name] = digest
    table = babi.member_checksums()
    assert table == listed and len(table) == 79
    assert babi.member_name(3, "10k", "train") not in table
    assert all(babi.member_name(task, "1k", split) in table for task in babi.TASKS for split in babi.SPLITS)


def test_package_data_is_declared():
    setup_cfg = (Path(__file__).parents[1] / "setup.cfg").read_text()
    assert "[options.package_data]" in setup_cfg and "babi_sha256.txt" in setup_cfg


# --- vectorising -----------------------------------------------------------------------------------------------


def example(story: list[str], question: str, answer: str = "kitchen") -> babi.Example:
    return babi.Example(tuple(tuple(s.split()) for s in story), tuple(question.split()), answer, (), 1)


def test_vectorize_memories_most_recent_first_zero_padded():
    examples = [
        example(["mary went to the kitchen", "john went home", "mary left"], "where is mary"),
        example(["sandra moved"], "where is sandra now please"),
    ]
    vocab = babi.build_vocabulary(examples)
    arrays = babi.vectorize_memories(examples, vocab, memory_size=4, sentence_size=6)
    story, question = arrays["story"], arrays["question"]
    assert story.shape == (2, 4, 6) and question.shape == (2, 6)
    assert story.dtype == question.dtype == np.int32
    ids = vocab.ids
    assert story[0, 0].tolist() == [ids["mary"], ids["left"], 0, 0, 0, 0]  # the most recent sentence first
    assert story[0, 1].tolist() == [ids["john"], ids["went"], ids["home"], 0, 0, 0]
    assert story[0, 2].tolist() == [ids[w] for w in "mary went to the kitchen".split()] + [0]
    assert not story[0, 3].any() and not story[1, 1:].any()  # empty slots at the end
    assert question[0].tolist() == [ids["where"], ids["is"], ids["mary"], 0, 0, 0]
    # A memory smaller than the story keeps the most recent sentences.
    small = babi.vectorize_memories(examples, vocab, memory_size=2, sentence_size=6)["story"]
    assert np.array_equal(small[0], story[0, :2])
    with pytest.raises(ConfigError, match="sentence_size=4"):
        babi.vectorize_memories(examples, vocab, memory_size=4, sentence_size=4)


def test_vectorize_memories_on_real_data(qa1_train):
    vocab = babi.build_vocabulary(qa1_train)
    size = babi.sentence_length(qa1_train)
    arrays = babi.vectorize_memories(qa1_train, vocab, 10, size)
    assert arrays["story"].shape == (1000, 10, size) and arrays["question"].shape == (1000, size)
    first = qa1_train[0]
    assert vocab.decode(arrays["story"][0, 0]) == list(first.story[-1])
    assert vocab.decode(arrays["story"][0, 1]) == list(first.story[0])
    assert not arrays["story"][0, 2:].any()
    answers = babi.answer_ids(qa1_train, vocab)
    assert answers.shape == (1000,) and answers.dtype == np.int32
    assert [vocab.words[i] for i in answers[:2]] == ["bathroom", "hallway"]
    assert (answers > 1).all()


def test_vectorize_words_left_pads_and_keeps_the_latest_words():
    examples = [example(["mary went to the kitchen", "john left"], "where is mary")]
    vocab = babi.build_vocabulary(examples)
    ids = vocab.ids
    arrays = babi.vectorize_words(examples, vocab, story_length=9, question_length=5)
    words = "mary went to the kitchen john left".split()
    assert arrays["story"].tolist() == [[0, 0] + [ids[w] for w in words]]
    assert arrays["question"].tolist() == [[0, 0, ids["where"], ids["is"], ids["mary"]]]
    assert arrays["story"].dtype == arrays["question"].dtype == np.int32
    short = babi.vectorize_words(examples, vocab, story_length=3, question_length=3)
    assert short["story"].tolist() == [[ids["kitchen"], ids["john"], ids["left"]]]
    assert babi.story_length(examples) == 7
    with pytest.raises(ConfigError, match="question_length=2"):
        babi.vectorize_words(examples, vocab, story_length=3, question_length=2)


def test_build_vocabulary_includes_answers(data):
    examples = babi.load_task(19, "1k", "train", data)
    vocab = babi.build_vocabulary(examples)
    assert isinstance(vocab, Vocabulary)
    assert vocab.words[:2] == ["<pad>", "<unk>"]
    assert {"s,e", "n,w", "kitchen", "garden", "how"} <= set(vocab.words)
    assert "s" not in vocab  # answers are not split into words
    unseen = example(["mary left"], "where is mary", answer="attic")
    assert babi.answer_ids([unseen, examples[0]], vocab).tolist() == [1, vocab.ids["s,e"]]


def test_no_tensorflow_import():
    import subprocess
    import sys

    code = "import sys, kerastoolkit.data.babi; assert 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_data_folder_is_not_written(data):
    before = sorted(p.name for p in (data / "babi").iterdir())
    babi.load_task(4, "1k", "test", data)
    assert sorted(p.name for p in (data / "babi").iterdir()) == before  # read in place, never unpacked
