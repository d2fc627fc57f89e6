"""What the three translation recipes share behind their hooks: scoring the test set, the run's report files,
and the options of `kt predict` / `kt translate`.

`evaluate` translates the scored test sentences (the first `test_limit` in sha1 order) greedily and with beam
search, and scores both with sacreBLEU against every reference: `bleu` and `chrf` are the beam search's,
`bleu_greedy` and `chrf_greedy` the greedy search's, `loss` the teacher-forced cross-entropy of the first
reference. The breakdown is BLEU by English length (`bleu_by_length.csv`). An unknown French word (`<unk>`) is
scored as the next English word the model could not read, copied (a name, mostly), else as the one word `UNK`.
It leaves the translations on the splits (`data.written`) for `report`, which draws `bleu_by_length.png` and
writes `translations.txt`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from kerastoolkit.errors import InputError
from kerastoolkit.evaluation import Evaluation
from kerastoolkit.fileio import write_text
from kerastoolkit.options import FiniteFloatRange
from kerastoolkit.translation import scoring
from kerastoolkit.translation.data import TranslationSplits
from kerastoolkit.translation.tokens import words
from kerastoolkit.translation.translator import Translator


def translator_for(model: Any, data: TranslationSplits, config: Any) -> Translator:
    return Translator(
        model,
        data.source_vocabulary,
        data.target_vocabulary,
        config.max_tokens,
        getattr(config, "reverse_source", False),
    )


def evaluate(model: Any, data: TranslationSplits, config: Any) -> Evaluation:
    """BLEU and chrF, greedy and beam search, on the scored test sentences; BLEU by English length."""
    from kerastoolkit.trainer import compiled_scores

    translator = translator_for(model, data, config)
    english = [s.english for s in data.test_sentences]
    references = [s.references for s in data.test_sentences]
    decodings = {"greedy": 1, "beam": config.beam_width}
    data.written = {name: [t.scored for t in translator.translate(english, width, config.length_penalty, check=False)]
                    for name, width in decodings.items()}  # fmt: skip
    scores = {
        "bleu": scoring.bleu(data.written["beam"], references),
        "chrf": scoring.chrf(data.written["beam"], references),
        "bleu_greedy": scoring.bleu(data.written["greedy"], references),
        "chrf_greedy": scoring.chrf(data.written["greedy"], references),
        "loss": compiled_scores(model, data.test, config.batch_size)["loss"],
        "sentences": float(len(english)),
    }
    lengths = [len(words(e)) for e in english]
    rows = scoring.bleu_by_length(lengths, references, data.written)
    return Evaluation(scores, breakdown=rows, breakdown_name="bleu_by_length")


def write_translations(data: TranslationSplits, path: Path) -> None:
    """Each scored test sentence: the English, the beam and greedy translations, then every reference."""
    blocks = []
    for i, sentence in enumerate(data.test_sentences):
        lines = [f"EN      {sentence.english}"]
        lines += [f"{name:<8}{data.written[name][i]}" for name in ("beam", "greedy") if name in data.written]
        lines += [f"ref     {reference}" for reference in sentence.references]
        blocks.append("\n".join(lines))
    write_text(path, "\n\n".join(blocks) + "\n")


def report(model: Any, data: TranslationSplits, config: Any, evaluation: Evaluation, folder: Path) -> None:
    """`bleu_by_length.png` and `translations.txt` in the run folder."""
    title = f"{model.name}: BLEU by English length (beam {config.beam_width})"
    scoring.plot_bleu_by_length(evaluation.breakdown, folder / "bleu_by_length.png", title)
    if getattr(data, "written", None):
        write_translations(data, folder / "translations.txt")


def first_translatable(translator: Translator, sentences: list[str]) -> str | None:
    """The first sentence `translator` takes (a known word, not too long); None when it takes none (a model
    trained on a small slice may know none of the first test sentences' words)."""
    for sentence in sentences:
        try:
            translator.tokens(sentence)
        except InputError:
            continue
        return sentence
    return None


def translate_options(hook: Callable[..., Any]) -> Callable[..., Any]:
    """`SENTENCE...` (or lines on stdin), `--beam N` / `--greedy`, `--length-penalty A`, `--attention FILE.png`."""
    options = [
        click.argument("sentences", nargs=-1),
        click.option(
            "--beam", type=click.IntRange(min=1), default=5, show_default=True, help="beam search width (1: greedy)"
        ),
        click.option("--greedy", is_flag=True, help="greedy search (the same as --beam 1; wins over --beam)"),
        click.option(
            "--length-penalty", type=FiniteFloatRange(min=0), default=0.6, show_default=True,
            help="beam search length normalisation alpha (Wu et al. 2016; 0: none)",
        ),
        click.option(
            "--attention", type=click.Path(dir_okay=False), default=None,
            help="draw the attention weights of the first sentence into this PNG (translate_attention runs)",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        hook = option(hook)
    return hook


def plot_attention(translator: Translator, sentence: str, path: Path, beam: int, alpha: float) -> None:
    """The attention weights of one translation as a matrix: a row per French word, a column per English word."""
    import numpy as np

    from kerastoolkit.report import pyplot, save_figure
    from kerastoolkit.translation.models import attention_weights_model
    from kerastoolkit.translation.tokens import END, START_ID

    if "attention" not in {layer.name for layer in translator.model.layers}:
        raise InputError(f"--attention draws the weights of translate_attention runs; {translator.model.name} has none")
    tokens = translator.tokens(sentence)
    source = translator.sources([tokens])
    ids = translator.translate_ids(source, beam, alpha)[0]
    _, weights = attention_weights_model(translator.model)({"source": source, "target": np.array([[START_ID, *ids]])})
    weights = np.asarray(weights)[0, :, : len(tokens)]
    if translator.reverse_source:
        weights = weights[:, ::-1]
    french = [*translator.target_vocabulary.decode(ids), END]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(0.5 * len(tokens) + 2, 0.4 * len(french) + 1.5))
    ax.imshow(weights, cmap="gray", vmin=0, vmax=1)
    ax.set_xticks(range(len(tokens)), tokens, rotation=60, ha="right")
    ax.set_yticks(range(len(french)), french)
    ax.set_title(sentence)
    save_figure(fig, path)


@translate_options
def predict(
    saved: Any,
    sentences: tuple[str, ...] = (),
    beam: int = 5,
    greedy: bool = False,
    length_penalty: float = 0.6,
    attention: str | None = None,
) -> None:
    """Translate English sentences into French, one per line.

    \b
    The sentences are the arguments, or the lines of stdin when there are none (blank lines skipped); one the
    model cannot read (empty, all unknown words, too long) gets an empty line and a note on stderr, and the exit
    code is 2.
    Examples:
      kt translate RUN_DIR "I am cold."
      kt translate RUN_DIR --greedy "How are you?" "Where is the station?"
      echo "I am cold." | kt translate RUN_DIR --beam 10
      kt translate RUN_DIR "I love you." --attention attention.png    (translate_attention runs)
    """
    width = 1 if greedy else beam
    if not sentences:
        sentences = tuple(line.rstrip("\n") for line in sys.stdin if line.strip())
    if not sentences:
        raise InputError("nothing to translate: give English sentences as arguments or one per line on stdin")
    if attention:  # before the sentences are translated
        from kerastoolkit.report import image_format

        image_format(Path(attention), "--attention")
    translator = Translator.from_saved(saved)
    refused = _refusals(translator, sentences, strict=len(sentences) == 1 or bool(attention))
    readable = [sentence for number, sentence in enumerate(sentences) if number not in refused]
    translations = iter(translator.translate(readable, width, length_penalty))
    if attention:
        plot_attention(translator, sentences[0], Path(attention), width, length_penalty)
        click.echo(f"wrote {attention}: the attention weights of {sentences[0]!r}", err=True)
    for number in range(len(sentences)):  # one stdout line per sentence, in order, an empty one for a refused one
        if number in refused:
            click.echo(f"(sentence {number + 1} not translated: {refused[number]})", err=True)
            click.echo("")
            continue
        translation = next(translations)
        if translation.unknown:
            click.echo(f"(never seen in training: {', '.join(translation.unknown)})", err=True)
        if not translation.french:
            click.echo(f"(no French word written for {translation.english!r})", err=True)
        click.echo(translation.french)
    if refused:
        raise InputError(f"{len(refused)} of {len(sentences)} sentences were not translated (said above)")


def _refusals(translator: Translator, sentences: Sequence[str], strict: bool) -> dict[int, str]:
    """Why the model cannot read each sentence it cannot (by number from 0); with `strict` (one sentence, or the
    first drawn with --attention), the first such reason is the InputError itself, before anything is printed."""
    refused = {}
    for number, sentence in enumerate(sentences):
        try:
            translator.tokens(sentence)
        except InputError as exc:
            if strict and number == 0:
                raise
            refused[number] = str(exc)
    return refused
