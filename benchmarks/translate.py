"""The three translation recipes on the same split: BLEU and chrF (greedy and beam), BLEU by length, training time.

    KT_DATA_DIR=../shared/data python benchmarks/translate.py [--only translate_attention ...] [KEY=VALUE ...]
        [--runs-dir DIR] [--seed N] [--reuse RUN_DIR ...]

Trains each recipe with its defaults (or the given overrides: each applies to every selected recipe that has the
key, and a key that none of them has is refused) through kt's engine, one after the other, and prints a markdown
report: per recipe, the training time on this machine, the test scores the run
wrote (corpus BLEU and chrF by sacreBLEU, case-insensitive, against every reference, greedy and beam search, on
the first `test_limit` test English sentences), BLEU by English length side by side, and 20 sample translations
(the first 20 scored test sentences, each recipe's beam search output under the English, then the references).
The runs are kept under --runs-dir (default: a temporary folder) for `kt translate`. `--reuse RUN_DIR` puts a
run measured earlier (its metrics.json, which holds its training time) into the tables instead of training that
recipe again (a folder that holds no finished translation run is refused). Every run's hyperparameters and every
--reuse folder are checked before the first run trains. A tiny end-to-end check:

    python benchmarks/translate.py train_limit=2000 validation_limit=200 test_limit=30 epochs=1
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from kerastoolkit.scripts import key_value, script_main, script_parser, seed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

RECIPES = ("translate_seq2seq", "translate_attention", "translate_transformer")
SAMPLES = 20


def _samples(folder: Path) -> list[dict[str, list[str]]]:
    """The run's translations.txt as blocks: {"EN": [...], "beam": [...], "greedy": [...], "ref": [...]}."""
    blocks = []
    for text in (folder / "translations.txt").read_text(encoding="utf-8").split("\n\n"):
        block: dict[str, list[str]] = {}
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            block.setdefault(key, []).append(value.strip())
        blocks.append(block)
    return blocks


def _print_scores(results: dict[str, dict]) -> None:
    print("| recipe | parameters | epochs | training time | BLEU beam | BLEU greedy | chrF beam | chrF greedy |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, metrics in results.items():
        test = metrics["test"]
        print(
            f"| {name} | {metrics['parameters']:,} | {metrics['epochs']} | {metrics['train_time_s'] / 60:.1f} min "
            f"| {test['bleu']:.2f} | {test['bleu_greedy']:.2f} | {test['chrf']:.2f} | {test['chrf_greedy']:.2f} |"
        )


def _print_by_length(results: dict[str, dict]) -> None:
    names = list(results)
    buckets = [row["source_words"] for row in next(iter(results.values()))["breakdown"]["rows"]]
    print("\nBLEU (beam / greedy) by English length:\n")
    print("| English words | sentences | " + " | ".join(names) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in names) + " |")
    for i, bucket in enumerate(buckets):
        cells = [results[n]["breakdown"]["rows"][i] for n in names]
        scores = " | ".join(f"{c['bleu_beam']:.1f} / {c['bleu_greedy']:.1f}" for c in cells)
        print(f"| {bucket} | {cells[0]['sentences']} | {scores} |")


def _print_samples(folders: dict[str, Path]) -> None:
    print(f"\n{SAMPLES} sample translations (beam search):\n")
    samples = {name: _samples(folder)[:SAMPLES] for name, folder in folders.items()}
    first = next(iter(samples.values()))
    for i, block in enumerate(first):
        print(f"- EN: {block['EN'][0]}")
        for name, blocks in samples.items():
            print(f"  - {name.removeprefix('translate_')}: {blocks[i]['beam'][0]}")
        print(f"  - references: {' | '.join(block['ref'])}")


def keys_of(name: str) -> set[str]:
    """The hyperparameters of recipe `name`."""
    from kerastoolkit.registry import get_recipe

    return {field.name for field in dataclasses.fields(get_recipe(name).config_class)}


def reused_runs(folders: list[str]) -> dict[str, Path]:
    """recipe -> folder of each --reuse: a finished run of a translation recipe, one per recipe (RunDirError)."""
    from kerastoolkit.errors import RunDirError
    from kerastoolkit.runs import open_run

    reused: dict[str, Path] = {}
    for folder in folders:
        try:
            run = open_run(folder)
        except RunDirError as exc:
            raise RunDirError(f"--reuse {exc}") from None
        if run.recipe not in RECIPES:
            raise RunDirError(f"--reuse {folder} is a run of {run.recipe}, not of {', '.join(RECIPES)}")
        if not run.is_complete:
            raise RunDirError(f"--reuse {folder} did not finish (no metrics.json)")
        if run.recipe in reused:
            raise RunDirError(f"--reuse {reused[run.recipe]} and {folder} are both runs of {run.recipe}")
        reused[run.recipe] = run.path
    return reused


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument(
        "overrides",
        nargs="*",
        type=key_value,
        metavar="KEY=VALUE",
        help="hyperparameters, each applied to every selected recipe that has its key",
    )
    parser.add_argument("--only", action="append", choices=RECIPES, help="run this recipe (repeatable; default: all)")
    parser.add_argument("--runs-dir", help="keep the runs here (default: a temporary folder)")
    parser.add_argument("--seed", type=seed, default=0, help="every run's random seed, 0 to 2**32 - 1 (default: 0)")
    parser.add_argument(
        "--reuse",
        action="append",
        default=[],
        metavar="RUN_DIR",
        help="a finished run folder of one of the recipes, reported instead of training it (repeatable)",
    )
    args = parser.parse_intermixed_args()  # KEY=VALUE items before and after options
    from kerastoolkit.errors import ConfigError
    from kerastoolkit.registry import get_recipe

    args.only = list(dict.fromkeys(args.only or RECIPES))
    reused = reused_runs(args.reuse)
    selected = [name for name in args.only if name not in reused]
    if args.overrides and not selected:
        raise ConfigError("KEY=VALUE overrides given, but every selected recipe is reused (--reuse), none trained")
    known = {key for name in selected for key in keys_of(name)}
    unknown = sorted({item.partition("=")[0] for item in args.overrides} - known)
    if unknown:  # a key no selected recipe has would be dropped silently
        raise ConfigError(f"{', '.join(unknown)}: no hyperparameter of {' or '.join(selected)}")
    planned: dict[str, tuple[Any, list[str]]] = {}  # every config built, so checked, before the first run trains
    for name in selected:
        own = [item for item in args.overrides if item.partition("=")[0] in keys_of(name)]
        planned[name] = (get_recipe(name).make_config(own), own)

    from kerastoolkit.engine import run_recipe  # imports TensorFlow: after --help and the checks

    results: dict[str, dict] = {}
    folders: dict[str, Path] = {}
    for name, folder in reused.items():
        results[name], folders[name] = _metrics(folder), folder
    with tempfile.TemporaryDirectory() as scratch:
        runs_dir = args.runs_dir or scratch
        for name, (config, own) in planned.items():
            print(f"{name}: {' '.join(own) or 'defaults'}", flush=True)
            result = run_recipe(get_recipe(name), config, runs_dir=runs_dir, seed=args.seed)
            print(result.summary, flush=True)
            results[name], folders[name] = _metrics(result.run.path), result.run.path
        results = {name: results[name] for name in RECIPES if name in results}
        folders = {name: folders[name] for name in results}
        print(f"\n{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores; overrides: {' '.join(args.overrides) or 'none'}")
        only = " ".join(f"--only {name}" for name in args.only)
        reused_text = "".join(f" --reuse {folder}" for folder in args.reuse)
        print(f"command: python benchmarks/translate.py {' '.join(args.overrides)} {only}{reused_text}\n")
        _print_scores(results)
        _print_by_length(results)
        _print_samples(folders)


def _metrics(folder: Path) -> dict:
    metrics = json.loads((folder / "metrics.json").read_text())
    metrics["parameters"] = _parameters(folder)
    return metrics


def _parameters(folder: Path) -> int:
    from kerastoolkit.runs import open_run
    from kerastoolkit.saved import load_model

    return int(load_model(open_run(folder)).count_params())


if __name__ == "__main__":
    script_main(main)
