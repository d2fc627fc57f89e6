"""Word-vector commands: `kt analogy`, `kt similar`, `kt vectors evaluate|train|plot|info`.

This module is imported at every `kt` start-up, so it imports click only; `kerastoolkit.vectors` (numpy) and,
through it, gensim and matplotlib are imported inside the commands that need them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from kerastoolkit.cli import cli
from kerastoolkit.errors import VectorsError
from kerastoolkit.options import NonEmptyPath, data_dir_option

if TYPE_CHECKING:
    from kerastoolkit.vectors import WordVectors

DEFAULT_VECTORS = "glove-6b-50d"  # kerastoolkit.vectors.DEFAULT_VECTORS, not imported here to keep start-up cheap
METHODS = ("cosadd", "cosmul")


_method_option = click.option(
    "--method",
    type=click.Choice(METHODS),
    default="cosadd",
    show_default=True,
    help="cosadd: 3CosAdd (gensim most_similar); cosmul: 3CosMul (Levy & Goldberg).",
)


def _vectors_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = data_dir_option("vectors/glove.6B.*.txt.gz")(command)
    return click.option(
        "--vectors",
        "vectors_name",
        default=DEFAULT_VECTORS,
        show_default=True,
        metavar="NAME_OR_PATH",
        help="glove-6b-50d|100d|200d|300d, or a GloVe/word2vec text or binary file (.gz ok), or a gensim .kv.",
    )(command)


def _load(vectors_name: str, data_dir: str | None) -> WordVectors:
    from kerastoolkit.vectors import load
    from kerastoolkit.vectors.store import is_named

    if not vectors_name.strip():
        raise VectorsError("--vectors is empty: give a name such as glove-6b-50d, or a file")
    # typed here, not options.given: a $KT_DATA_DIR set for the datasets is no conflict with a vectors file
    given = click.get_current_context().get_parameter_source("data_dir") is ParameterSource.COMMANDLINE
    if given and not is_named(vectors_name):
        raise VectorsError(f"--data-dir applies to named vectors, not to the file {vectors_name}; drop one of them")
    return load(vectors_name, data=data_dir)


def _print_scores(pairs: list[tuple[str, float]]) -> None:
    if not pairs:
        click.echo("no words to show: these vectors hold none but the words asked about", err=True)
        return
    width = max((len(w) for w, _ in pairs), default=0)
    for word, score in pairs:
        click.echo(f"{word:<{width}}  {score:.4f}")


@cli.command("analogy")
@click.argument("a")
@click.argument("b")
@click.argument("c")
@click.option("-n", "topn", default=3, show_default=True, type=click.IntRange(min=1), help="Answers to show.")
@_method_option
@_vectors_options
def analogy_command(a: str, b: str, c: str, topn: int, method: str, vectors_name: str, data_dir: str | None) -> None:
    """A - B + C: the words closest to it, best first (`kt analogy king man woman` -> queen)."""
    _print_scores(_load(vectors_name, data_dir).analogy(a, b, c, topn=topn, method=method))  # type: ignore[arg-type]


@cli.command("similar")
@click.argument("word")
@click.option("-n", "topn", default=10, show_default=True, type=click.IntRange(min=1), help="Words to show.")
@_vectors_options
def similar_command(word: str, topn: int, vectors_name: str, data_dir: str | None) -> None:
    """The nearest words to WORD by cosine similarity."""
    _print_scores(_load(vectors_name, data_dir).similar(word, topn=topn))


@cli.group("vectors")
def vectors_group() -> None:
    """Evaluate, train, plot and describe word vectors."""


@vectors_group.command("evaluate")
@_method_option
@click.option(
    "--restrict-vocab",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Search answers among the N most frequent words only (0: the whole vocabulary).",
)
@click.option(
    "--questions",
    type=NonEmptyPath(exists=True, dir_okay=False),
    help="Analogy file (default: the Google set).",
)
@_vectors_options
def evaluate_command(
    method: str, restrict_vocab: int, questions: str | None, vectors_name: str, data_dir: str | None
) -> None:
    """Google analogy accuracy per section and semantic/syntactic/total; wordsim353 and SimLex-999 Spearman."""
    from kerastoolkit.report import counted
    from kerastoolkit.vectors import evaluate_analogies, evaluate_similarity
    from kerastoolkit.vectors.evaluate import gensim_test_file

    vectors = _load(vectors_name, data_dir)
    score = evaluate_analogies(vectors, questions, method=method, restrict_vocab=restrict_vocab)  # type: ignore[arg-type]
    click.echo(f"{vectors.name}: analogies by {method} over {score.restrict_vocab} words")
    for section in score.sections:
        accuracy = f"{section.accuracy:7.2%}" if section.total else "    n/a"
        click.echo(f"  {section.name:<28} {section.correct:>5}/{section.total:<5} {accuracy}")
    for label in ("semantic", "syntactic", "total"):
        correct, total = getattr(score, label)
        click.echo(f"{label:<30} {correct:>5}/{total:<5} {f'{correct / total:7.2%}' if total else '    n/a'}")
    if score.skipped:
        click.echo(f"({counted(score.skipped, 'question')} skipped: a word outside the vocabulary)")
    for pairs in ("wordsim353.tsv", "simlex999.txt"):
        try:
            sim = evaluate_similarity(vectors, gensim_test_file(pairs))
        except VectorsError as exc:  # a small vocabulary: the analogy scores above still stand
            click.echo(f"{pairs:<30} not scored: {exc}")
            continue
        click.echo(f"{sim.name:<30} Spearman {sim.spearman:.4f}  (OOV {sim.oov_percent:.1f}%)")


@vectors_group.command("train")
@click.argument("corpus", type=NonEmptyPath(exists=True, dir_okay=False))
@click.option("--out", type=NonEmptyPath(dir_okay=False), help="Where to save the vectors (.kv; default CORPUS.kv).")
@click.option("--dim", default=100, show_default=True, type=click.IntRange(min=1), help="Dimensions of each vector.")
@click.option("--window", default=5, show_default=True, type=click.IntRange(min=1), help="Context words either side.")
@click.option(
    "--min-count", default=5, show_default=True, type=click.IntRange(min=1), help="Drop words seen fewer times."
)
@click.option("--epochs", default=5, show_default=True, type=click.IntRange(min=1), help="Passes over CORPUS.")
@click.option("--negative", default=5, show_default=True, type=click.IntRange(min=1), help="Negative samples.")
@click.option("--cbow", is_flag=True, help="CBOW instead of skip-gram.")
@click.option("--workers", type=click.IntRange(min=1), help="Threads (default: all cores).")
def train_command(corpus: str, out: str | None, cbow: bool, **options: Any) -> None:
    """Train word2vec on CORPUS (a text file, one sentence per line) and save vectors usable with --vectors PATH."""
    from pathlib import Path

    from kerastoolkit.vectors import train

    target = out or str(Path(corpus).with_suffix(".kv"))
    result = train(corpus, target, skipgram=not cbow, **options)
    click.echo(
        f"saved {result.vocabulary} words x {result.dim} to {result.path} "
        f"({result.raw_words} words in {result.seconds:.1f} s, {result.words_per_second:,.0f} words/s)"
    )


@vectors_group.command("plot")
@click.argument("words", nargs=-1, required=True)
@click.option(
    "--out",
    type=NonEmptyPath(dir_okay=False),
    default="vectors.png",
    show_default=True,
    help="The PNG to write (its folder is made if missing).",
)
@_vectors_options
def plot_command(words: tuple[str, ...], out: str, vectors_name: str, data_dir: str | None) -> None:
    """Plot WORDS in 2-D (PCA) with an arrow inside each consecutive pair: king queen man woman ..."""
    from kerastoolkit.vectors import plot

    click.echo(f"saved {plot(_load(vectors_name, data_dir), words, out)}")


@vectors_group.command("info")
@_vectors_options
def info_command(vectors_name: str, data_dir: str | None) -> None:
    """Name, vocabulary, dimension, source file and cache folder of the vectors in use."""
    from kerastoolkit.vectors import cache_dir

    vectors = _load(vectors_name, data_dir)
    size = vectors.vectors.nbytes + vectors.norms.nbytes
    click.echo(f"name        {vectors.name}")
    click.echo(f"vocabulary  {len(vectors)} words")
    click.echo(f"dimension   {vectors.dim}")
    click.echo(f"size        {size / 2**20:.1f} MiB of float32 vectors")
    click.echo(f"source      {vectors.source or '(data folder)'}")
    click.echo(f"cache       {vectors.cache or '(none: a .kv file is used as is)'}")
    click.echo(f"cache dir   {cache_dir()}")
