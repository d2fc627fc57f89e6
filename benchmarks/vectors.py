"""Word vectors: conversion, warm `kt analogy` against plain gensim, accuracy, similarity, word2vec speed.

    KT_DATA_DIR=../shared/data python benchmarks/vectors.py [--runs 7] [--skip-train] [--gensim-check]

- cold conversion: GloVe 6B 50d (.txt.gz) into a fresh cache folder (a temporary KT_CACHE_DIR).
- warm analogy: wall time of `kt analogy king man woman` (a new process each run) against a plain script that
  loads the same cached `vectors.kv` with `KeyedVectors.load(path, mmap='r')` and calls `most_similar`;
  medians of --runs runs, alternated. Targets: ratio <= 1.2 and kt under 1 s.
- Google analogy set, 3CosAdd over the whole vocabulary: must match Stanford's 9033/19544 = 46.2% within 0.1
  point. `--gensim-check` also runs gensim's own `evaluate_word_analogies(restrict_vocab=400000)` (about 8
  minutes here).
- wordsim353 and SimLex-999 Spearman; word2vec skip-gram words/second on the text corpora of the data folder;
  what `kt analogy king male female` answers and where `queen` stands.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from kerastoolkit.scripts import at_least, script_main, script_parser

if TYPE_CHECKING:
    from kerastoolkit import vectors

PLAIN = """\
import sys
from gensim.models import KeyedVectors
kv = KeyedVectors.load(sys.argv[1], mmap="r")
for word, score in kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3):
    print(word, score)
"""
STANFORD = (9033, 19544)


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def cold_conversion() -> vectors.WordVectors:
    from kerastoolkit import vectors  # gensim and numpy: after --help

    start = time.perf_counter()
    wv = vectors.load("glove-6b-50d")
    print(f"cold conversion of glove.6B.50d.txt.gz: {time.perf_counter() - start:.1f} s")
    return wv


def warm_analogy(wv: vectors.WordVectors, runs: int) -> None:
    kt = shutil.which("kt") or str(Path(sys.executable).with_name("kt"))
    kt_cmd = [kt, "analogy", "king", "man", "woman"]
    kt_times, plain_times = [], []
    with tempfile.TemporaryDirectory(prefix="kt-vectors-plain-") as folder:
        plain = Path(folder) / "plain.py"
        plain.write_text(PLAIN)
        plain_cmd = [sys.executable, str(plain), str(wv.cache / "vectors.kv")]
        timed(kt_cmd), timed(plain_cmd)  # page cache and .pyc files warm for both
        for _ in range(runs):
            kt_times.append(timed(kt_cmd))
            plain_times.append(timed(plain_cmd))
    kt_s, plain_s = statistics.median(kt_times), statistics.median(plain_times)
    print(f"warm `kt analogy king man woman`: median {kt_s:.3f} s of {runs} (min {min(kt_times):.3f})")
    print(f"plain gensim script:              median {plain_s:.3f} s of {runs} (min {min(plain_times):.3f})")
    print(f"ratio kt / plain: {kt_s / plain_s:.2f} (target <= 1.2); kt under 1 s: {kt_s < 1.0}")


def accuracy(wv: vectors.WordVectors, gensim_check: bool) -> None:
    from kerastoolkit import vectors
    from kerastoolkit.vectors.evaluate import gensim_test_file

    for method in vectors.METHODS:
        start = time.perf_counter()
        score = vectors.evaluate_analogies(wv, method=method)
        seconds = time.perf_counter() - start
        parts = [
            f"{label} {c}/{t} = {100 * c / t:.2f}%"
            for label in ("semantic", "syntactic", "total")
            for c, t in [getattr(score, label)]
        ]
        print(
            f"Google analogies, {method}, whole vocabulary ({score.restrict_vocab}): {'; '.join(parts)} "
            f"[{seconds:.0f} s]"
        )
        if method == "cosadd":
            gap = abs(100 * score.total[0] / score.total[1] - 100 * STANFORD[0] / STANFORD[1])
            print(f"  Stanford evaluate.py: 9033/19544 = 46.22%; difference {gap:.2f} point (target <= 0.1)")
    if gensim_check:
        start = time.perf_counter()
        total, sections = wv.keyed_vectors.evaluate_word_analogies(
            str(gensim_test_file("questions-words.txt")), restrict_vocab=len(wv), case_insensitive=True
        )
        correct = len(sections[-1]["correct"])
        asked = correct + len(sections[-1]["incorrect"])
        print(
            f"  gensim evaluate_word_analogies(restrict_vocab={len(wv)}): {correct}/{asked} = {100 * total:.2f}% "
            f"[{time.perf_counter() - start:.0f} s]"
        )


def similarity(wv: vectors.WordVectors) -> None:
    from kerastoolkit import vectors
    from kerastoolkit.vectors.evaluate import gensim_test_file

    for name in ("wordsim353.tsv", "simlex999.txt"):
        score = vectors.evaluate_similarity(wv, gensim_test_file(name))
        print(f"{name}: Spearman {score.spearman:.4f}, Pearson {score.pearson:.4f}, OOV {score.oov_percent:.1f}%")


def word2vec_speed() -> None:
    with tempfile.TemporaryDirectory(prefix="kt-vectors-w2v-") as folder:
        _word2vec_speed(Path(folder) / "w2v.kv")


def _word2vec_speed(out: Path) -> None:
    from kerastoolkit import vectors
    from kerastoolkit.data.folder import data_dir

    for name in ("tinyshakespeare.txt", "nietzsche.txt"):
        corpus = data_dir() / "text" / name
        for skipgram in (True, False):
            result = vectors.train(corpus, out, dim=100, epochs=5, min_count=5, skipgram=skipgram)
            print(
                f"word2vec {'skip-gram' if skipgram else 'CBOW'} on {name}: {result.raw_words:,} words "
                f"(5 epochs) in {result.seconds:.1f} s = {result.words_per_second:,.0f} words/s, "
                f"vocabulary {result.vocabulary} ({os.cpu_count()} cores)"
            )


def king_male_female(wv: vectors.WordVectors) -> None:
    from kerastoolkit import vectors

    for method in vectors.METHODS:
        answers = wv.analogy("king", "male", "female", topn=10, method=method)  # type: ignore[arg-type]
        words = [w for w, _ in answers]
        rank = words.index("queen") + 1 if "queen" in words else None
        shown = ", ".join(f"{w} {s:.4f}" for w, s in answers[:5])
        print(f"kt analogy king male female --method {method}: {shown}; queen at rank {rank}")


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument(
        "--runs",
        type=at_least(1),
        default=7,
        metavar="N",
        help="timed runs of each warm analogy command, at least 1 (default: 7)",
    )
    parser.add_argument("--skip-train", action="store_true", help="leave out the word2vec training speed")
    parser.add_argument(
        "--gensim-check",
        action="store_true",
        help="also run gensim's own evaluate_word_analogies on the Google set (about 8 minutes)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kt-vectors-bench-") as cache:  # removed on success and on failure
        previous = os.environ.get("KT_CACHE_DIR")
        os.environ["KT_CACHE_DIR"] = cache
        try:
            wv = cold_conversion()
            warm_analogy(wv, args.runs)
            king_male_female(wv)
            similarity(wv)
            accuracy(wv, args.gensim_check)
            if not args.skip_train:
                word2vec_speed()
            del wv  # its memory-mapped arrays, before the folder goes
        finally:
            if previous is None:
                os.environ.pop("KT_CACHE_DIR", None)
            else:
                os.environ["KT_CACHE_DIR"] = previous


if __name__ == "__main__":
    script_main(main)
