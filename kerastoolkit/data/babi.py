"""bAbI question answering, tasks 1-20 v1.2 (Weston et al. 2015): upstream text files -> examples -> numpy arrays.

The format: one file per task, size and split (`en/qa1_single-supporting-fact_train.txt`...). Each line is
`ID text`; ID 1 starts a new story and IDs count up by one within it. A statement is `ID sentence.`; a question is
`ID question?<TAB>answer<TAB>supporting IDs`, the IDs naming the statements that answer it (IDs count the question
lines too). A story goes on after a question, so one story holds several questions. Answers are one word, or
a comma-separated list for tasks 8 and 19 (`apple,football`, `n,s`), kept here as one answer string.

The data folder holds `babi/tasks_1-20_v1-2_en_en-10k.tar.gz`, a re-pack of the upstream archive's `en/` (1k) and
`en-10k/` folders under their upstream names (`tasks_1-20_v1-2/en/...`). It lacks one file,
`en-10k/qa3_three-supporting-facts_train.txt`, so task 3 exists at 1k only (its 10k test file is there).
Without the re-pack, Facebook's `babi/tasks_1-20_v1-2.tar.gz` is used, downloaded when missing. Files are read
straight from the archive, never unpacked; each is checked against the sha256 this package ships
(`babi_sha256.txt`) before it is parsed.

`load_task` gives `Example`s (tokenised, lower-cased); `build_vocabulary`, `vectorize_memories` (memory networks:
one row per sentence, most recent first) and `vectorize_words` (LSTM baselines: one flat word sequence) turn them
into int32 arrays for Keras.
"""

from __future__ import annotations

import functools
import hashlib
import tarfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from kerastoolkit.data.folder import RemoteFile, fetch
from kerastoolkit.data.folder import data_dir as data_folder
from kerastoolkit.errors import ConfigError, DataError
from kerastoolkit.text.vocabulary import Vocabulary, tokenize

__all__ = [
    "REPACK",
    "SIZES",
    "SPLITS",
    "TASKS",
    "UPSTREAM",
    "Example",
    "answer_ids",
    "archive_path",
    "build_vocabulary",
    "load_all",
    "load_task",
    "member_checksums",
    "member_name",
    "parse_stories",
    "read_member",
    "sentence_length",
    "story_length",
    "vectorize_memories",
    "vectorize_words",
]

TASKS: dict[int, str] = {
    1: "qa1_single-supporting-fact",
    2: "qa2_two-supporting-facts",
    3: "qa3_three-supporting-facts",
    4: "qa4_two-arg-relations",
    5: "qa5_three-arg-relations",
    6: "qa6_yes-no-questions",
    7: "qa7_counting",
    8: "qa8_lists-sets",
    9: "qa9_simple-negation",
    10: "qa10_indefinite-knowledge",
    11: "qa11_basic-coreference",
    12: "qa12_conjunction",
    13: "qa13_compound-coreference",
    14: "qa14_time-reasoning",
    15: "qa15_basic-deduction",
    16: "qa16_basic-induction",
    17: "qa17_positional-reasoning",
    18: "qa18_size-reasoning",
    19: "qa19_path-finding",
    20: "qa20_agents-motivations",
}
SIZES: dict[str, str] = {"1k": "en", "10k": "en-10k"}
SPLITS = ("train", "test")

_URL = "http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz"
_TOP = "tasks_1-20_v1-2"
# Facebook's archive (en, en-10k, hn, shuffled... folders); sha256 and size as recorded by huggingface `babi_qa`.
UPSTREAM = RemoteFile(
    "babi/tasks_1-20_v1-2.tar.gz",
    _URL,
    "0364ebde659f14d11bc21744516c5ec49d3d06cb692733f66680771244998898",
    15719851,
)
# The re-pack of its en/ and en-10k/ folders (see the data folder's MANIFEST.text.md). It is never downloaded:
# its url is where the same data comes from, which `archive_path` downloads once the re-pack is deleted.
REPACK = RemoteFile(
    "babi/tasks_1-20_v1-2_en_en-10k.tar.gz",
    _URL,
    "743f7c686edd720726fc1891830b545b4feb1a15b7819d6e9f8712ee7ba66908",
    2995609,
)
_MISSING_FROM_REPACK = f"{_TOP}/en-10k/qa3_three-supporting-facts_train.txt"
# Members with no known sha256, checked by their git blob id instead (`git hash-object FILE`; from the manifest).
_GIT_BLOB_SHA1 = {_MISSING_FROM_REPACK: "9b2b35ca4357ea8ee44692c71ec71892edf51399"}
_CHECKSUMS_FILE = "babi_sha256.txt"


@dataclass(frozen=True)
class Example:
    """One question with the story before it: sentences oldest first, `supporting` indexing into `story`."""

    story: tuple[tuple[str, ...], ...]
    question: tuple[str, ...]
    answer: str
    supporting: tuple[int, ...]
    task: int


def member_name(task: int, size: str, split: str) -> str:
    """The archive member of one task, size and split: `tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt`."""
    if isinstance(task, bool) or task not in TASKS:
        raise ConfigError(f"unknown bAbI task {task!r}; choose a task number from 1 to 20")
    if size not in SIZES:
        raise ConfigError(f"unknown bAbI size {size!r}; choose one of {', '.join(SIZES)}")
    if split not in SPLITS:
        raise ConfigError(f"unknown bAbI split {split!r}; choose one of {', '.join(SPLITS)}")
    return f"{_TOP}/{SIZES[size]}/{TASKS[task]}_{split}.txt"


@functools.cache
def member_checksums() -> dict[str, str]:
    """Member name -> sha256, from the package's `babi_sha256.txt` (`sha256sum` format)."""
    try:
        text = resources.files("kerastoolkit.data").joinpath(_CHECKSUMS_FILE).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read kerastoolkit/data/{_CHECKSUMS_FILE} ({exc}); reinstall kerastoolkit") from None
    table = {}
    for line in text.splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            table[name.strip()] = digest.strip()
    return table


def archive_path(data_dir: str | Path | None = None) -> Path:
    """The bAbI archive in the data folder: the re-pack if present, else the upstream one (downloaded if missing).

    Either is checksum-verified by `fetch`. A failed download leaves no file or empty folder behind.
    """
    folder = data_folder(data_dir)
    if (folder / REPACK.path).exists():
        return fetch(REPACK, data_dir)
    try:
        return fetch(UPSTREAM, data_dir)  # a failed download removes what it wrote (fileio.atomic_path)
    except DataError as exc:
        raise DataError(f"{exc} (the re-pack {REPACK.path} will do as well)") from None


def _scan(archive: Path, names: Iterable[str]) -> dict[str, bytes]:
    """The bytes of those of `names` that `archive` holds, in one pass over the compressed stream."""
    wanted, found = set(names), {}
    try:
        with tarfile.open(archive, "r|gz") as tar:
            for info in tar:
                name = info.name.removeprefix("./")
                if name in wanted and info.isfile():
                    found[name] = tar.extractfile(info).read()
                    if len(found) == len(wanted):
                        break
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise DataError(
            f"{archive} is truncated or corrupt ({type(exc).__name__}: {exc}); delete it to download it again "
            f"from {UPSTREAM.url}"
        ) from None
    return found


def _verify(name: str, data: bytes, archive: Path) -> None:
    expected = member_checksums().get(name)
    if expected is not None:
        got = hashlib.sha256(data).hexdigest()
    elif name in _GIT_BLOB_SHA1:
        expected = _GIT_BLOB_SHA1[name]
        got = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    else:
        raise DataError(f"{name} in {archive} has no known checksum in kerastoolkit/data/{_CHECKSUMS_FILE}")
    if got != expected:
        raise DataError(
            f"{name} in {archive} is corrupt: checksum {got[:16]}..., expected {expected[:16]}...; "
            f"delete the archive to download it again from {UPSTREAM.url}"
        )


def _decode(name: str, data: bytes) -> list[str]:
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(f"{name} is not UTF-8 text ({exc})") from None


def _missing(name: str, archive: Path) -> DataError:
    if name == _MISSING_FROM_REPACK:
        return DataError(
            f"en-10k/qa3_three-supporting-facts_train.txt is missing from this copy of the data ({archive}): "
            f"task 3 exists at 1k only here, so use size=1k for task 3 (or put the upstream archive {_URL} "
            f"into the data folder as {UPSTREAM.path})"
        )
    return DataError(f"{name} is not in the archive {archive}")


def _read(names: Sequence[str], data_dir: str | Path | None) -> dict[str, list[str]]:
    """The lines of each member in `names`, checksum-verified; one pass over the archive."""
    archive = archive_path(data_dir)
    found = _scan(archive, names)
    absent = [name for name in names if name not in found]
    upstream = data_folder(data_dir) / UPSTREAM.path
    if absent and archive != upstream and upstream.exists():  # the re-pack lacks a file the upstream archive has
        archive = fetch(UPSTREAM, data_dir)
        found.update(_scan(archive, absent))
    for name in names:
        if name not in found:
            raise _missing(name, archive)
    lines = {}
    for name in names:
        _verify(name, found[name], archive)
        lines[name] = _decode(name, found[name])
    return lines


def read_member(task: int, size: str, split: str, data_dir: str | Path | None = None) -> list[str]:
    """The lines of one task's file, read from the archive and checksum-verified."""
    name = member_name(task, size, split)
    return _read([name], data_dir)[name]


def _check_memory_size(memory_size: int | None) -> None:
    if memory_size is not None and (isinstance(memory_size, bool) or memory_size < 1):
        raise ConfigError(f"memory_size must be >= 1 (or None to keep whole stories), got {memory_size!r}")


def parse_stories(
    lines: Iterable[str], task: int, memory_size: int | None = 50, *, source: str = "bAbI text"
) -> list[Example]:
    """One `Example` per question line, its story cut to the most recent `memory_size` sentences (None: all).

    Supporting facts truncated away are dropped from `supporting`. A malformed line raises a DataError naming
    `source` and the line number.
    """
    _check_memory_size(memory_size)
    examples: list[Example] = []
    story: list[tuple[str, ...]] = []
    position: dict[int, int] = {}  # line ID -> index in `story`, for statements only
    previous = 0

    def bad(number: int, line: str, why: str) -> DataError:
        return DataError(f"{source} line {number}: {why}: {line[:80]!r}")

    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        id_text, _, text = line.partition(" ")
        if not id_text.isdigit() or not text.strip():
            raise bad(number, line, "expected 'ID text'")
        line_id = int(id_text)
        if line_id == 1:
            story, position = [], {}
        elif line_id != previous + 1:
            raise bad(number, line, f"ID {line_id} follows {previous}; IDs count up from 1 within a story")
        previous = line_id
        if "\t" not in text:
            words = tuple(tokenize(text))
            if not words:
                raise bad(number, line, "a statement without words")
            position[line_id] = len(story)
            story.append(words)
            continue
        try:
            examples.append(_question_example(text, story, position, memory_size, task))
        except ValueError as exc:
            raise bad(number, line, str(exc)) from None
    return examples


def _question_example(
    text: str, story: list[tuple[str, ...]], position: dict[int, int], memory_size: int | None, task: int
) -> Example:
    """The Example of a question line's `text` ('question?<TAB>answer<TAB>supporting IDs') asked after `story`;
    a ValueError says what is malformed."""
    fields = text.split("\t")
    if len(fields) != 3:
        raise ValueError("a question line is 'ID question?<TAB>answer<TAB>supporting IDs'")
    question, answer, support = tuple(tokenize(fields[0])), fields[1].strip().lower(), fields[2].split()
    if not question or not answer or any(c.isspace() for c in answer):
        raise ValueError("a question needs words and a one-word answer")
    for fact in support:
        if not fact.isdigit() or int(fact) not in position:
            raise ValueError(f"supporting fact {fact!r} is not a statement of this story before it")
    start = 0 if memory_size is None else max(0, len(story) - memory_size)
    indices = (position[int(fact)] - start for fact in support)
    return Example(
        story=tuple(story[start:]),
        question=question,
        answer=answer,
        supporting=tuple(i for i in indices if i >= 0),
        task=task,
    )


def load_task(
    task: int, size: str, split: str, data_dir: str | Path | None = None, memory_size: int | None = 50
) -> list[Example]:
    """The examples of one task, size (`1k`, `10k`) and split (`train`, `test`), in file order."""
    _check_memory_size(memory_size)
    name = member_name(task, size, split)
    return parse_stories(read_member(task, size, split, data_dir), task, memory_size, source=name)


def load_all(size: str, split: str, data_dir: str | Path | None = None, memory_size: int | None = 50) -> list[Example]:
    """The examples of all 20 tasks, task 1 first (`Example.task` tells them apart); one pass over the archive."""
    _check_memory_size(memory_size)
    names = {task: member_name(task, size, split) for task in TASKS}
    lines = _read(list(names.values()), data_dir)
    examples: list[Example] = []
    for task, name in names.items():
        examples.extend(parse_stories(lines[name], task, memory_size, source=name))
    return examples


def build_vocabulary(examples: Iterable[Example]) -> Vocabulary:
    """Every story, question and answer word of `examples` (pass the training examples only)."""

    def token_lists() -> Iterable[Sequence[str]]:
        for example in examples:
            yield from example.story
            yield example.question
            yield (example.answer,)

    return Vocabulary.build(token_lists())


def sentence_length(examples: Iterable[Example]) -> int:
    """The number of words of the longest sentence or question."""
    return max(
        (len(words) for example in examples for words in (*example.story, example.question)),
        default=0,
    )


def story_length(examples: Iterable[Example]) -> int:
    """The number of words of the longest story, all its sentences together (for `vectorize_words`)."""
    return max((sum(map(len, example.story)) for example in examples), default=0)


def _check_positive(**sizes: int) -> None:
    for key, value in sizes.items():
        if isinstance(value, bool) or value < 1:
            raise ConfigError(f"{key} must be >= 1, got {value!r}")


def _too_long(what: str, words: Sequence[str], key: str, limit: int) -> ConfigError:
    return ConfigError(
        f"a {what} of {len(words)} words is longer than {key}={limit}: {' '.join(words)!r}; "
        f"size it from all the examples (sentence_length, story_length)"
    )


def vectorize_memories(
    examples: Sequence[Example], vocab: Vocabulary, memory_size: int, sentence_size: int
) -> dict[str, np.ndarray]:
    """int32 `story` (N, memory_size, sentence_size) and `question` (N, sentence_size), for memory networks.

    Story slot 0 is the most recent sentence (reverse chronological), only the `memory_size` most recent are
    kept, and empty slots are all zero at the end; words are padded with 0 at the end. A sentence or question
    longer than `sentence_size` raises ConfigError. Words not in `vocab` map to 1.
    """
    _check_positive(memory_size=memory_size, sentence_size=sentence_size)
    story = np.zeros((len(examples), memory_size, sentence_size), dtype=np.int32)
    question = np.zeros((len(examples), sentence_size), dtype=np.int32)
    for i, example in enumerate(examples):
        for slot, words in enumerate(reversed(example.story[-memory_size:])):
            if len(words) > sentence_size:
                raise _too_long("sentence", words, "sentence_size", sentence_size)
            story[i, slot, : len(words)] = vocab.encode(words)
        if len(example.question) > sentence_size:
            raise _too_long("question", example.question, "sentence_size", sentence_size)
        question[i, : len(example.question)] = vocab.encode(example.question)
    return {"story": story, "question": question}


def vectorize_words(
    examples: Sequence[Example], vocab: Vocabulary, story_length: int, question_length: int
) -> dict[str, np.ndarray]:
    """int32 `story` (N, story_length) and `question` (N, question_length) as flat word sequences, for LSTMs.

    The story is its sentences' words in order, left-padded with 0 (only its `story_length` most recent words
    if longer); the question is left-padded too, and one longer than `question_length` raises ConfigError.
    """
    _check_positive(story_length=story_length, question_length=question_length)
    story = np.zeros((len(examples), story_length), dtype=np.int32)
    question = np.zeros((len(examples), question_length), dtype=np.int32)
    for i, example in enumerate(examples):
        words = [word for sentence in example.story for word in sentence][-story_length:]
        if words:
            story[i, story_length - len(words) :] = vocab.encode(words)
        if len(example.question) > question_length:
            raise _too_long("question", example.question, "question_length", question_length)
        if example.question:
            question[i, question_length - len(example.question) :] = vocab.encode(example.question)
    return {"story": story, "question": question}


def answer_ids(examples: Iterable[Example], vocab: Vocabulary) -> np.ndarray:
    """int32 (N,): each answer's vocabulary id (1, the unknown word, for an answer not in `vocab`)."""
    return np.array([vocab.ids.get(example.answer, 1) for example in examples], dtype=np.int32)
