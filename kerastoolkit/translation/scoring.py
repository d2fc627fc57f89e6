"""Scoring translations as the papers do, with sacreBLEU: corpus BLEU and chrF against every reference.

Each test English sentence has all its French translations in the file as references (multi-reference BLEU).
Words are lower-cased by the tokeniser, so BLEU and chrF are computed case-insensitively (`lowercase=True`),
with sacreBLEU's default 13a tokenisation of the detokenised text. `bleu_by_length` is Bahdanau et al.'s
Figure 2: BLEU of the sentences grouped by English length.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kerastoolkit.report import pyplot, save_figure

LENGTH_BUCKETS = ((1, 4), (5, 6), (7, 8), (9, 10), (11, 15), (16, 20), (21, 1000))


def _streams(references: Sequence[Sequence[str]]) -> list[list[str | None]]:
    """sacreBLEU's layout: reference stream k holds each sentence's k-th reference (None where it has fewer)."""
    most = max((len(r) for r in references), default=1)
    return [[r[k] if k < len(r) else None for r in references] for k in range(most)]


def bleu(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Corpus BLEU (0-100), case-insensitive, against several references per sentence."""
    from sacrebleu.metrics import BLEU

    return float(BLEU(lowercase=True).corpus_score(list(hypotheses), _streams(references)).score)


def chrf(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Corpus chrF (0-100), case-insensitive, against several references per sentence."""
    from sacrebleu.metrics import CHRF

    return float(CHRF(lowercase=True).corpus_score(list(hypotheses), _streams(references)).score)


def bucket_name(low: int, high: int) -> str:
    return f"{low}+" if high >= 1000 else f"{low}-{high}"


def bleu_by_length(
    lengths: Sequence[int], references: Sequence[Sequence[str]], hypotheses: dict[str, Sequence[str]]
) -> list[dict[str, Any]]:
    """One row per English length bucket that holds sentences: their count and BLEU of each decoding."""
    rows = []
    for low, high in LENGTH_BUCKETS:
        kept = [i for i, n in enumerate(lengths) if low <= n <= high]
        if kept:
            row: dict[str, Any] = {"source_words": bucket_name(low, high), "sentences": len(kept)}
            for name, written in hypotheses.items():
                row[f"bleu_{name}"] = round(bleu([written[i] for i in kept], [references[i] for i in kept]), 2)
            rows.append(row)
    return rows


def plot_bleu_by_length(rows: Sequence[dict[str, Any]], path: Path, title: str = "") -> None:
    """Bars of BLEU per English length bucket, one bar per decoding (Bahdanau et al. 2015, Figure 2)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    names = [key for key in rows[0] if key.startswith("bleu_")] if rows else []
    width = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        ax.bar([i + (k - (len(names) - 1) / 2) * width for i in range(len(rows))], [r[name] for r in rows], width,
               label=name.removeprefix("bleu_"))  # fmt: skip
    ax.set_xticks(range(len(rows)), [f"{r['source_words']}\n({r['sentences']})" for r in rows])
    ax.set_xlabel("English words (sentences)")
    ax.set_ylabel("BLEU")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    save_figure(fig, path)
