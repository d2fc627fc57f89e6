"""bAbI: both recipes on every task at 1k and 10k, test error per task beside the papers', and the time taken.

    KT_DATA_DIR=../shared/data python benchmarks/babi.py [--plan 1k-memn2n ...] [--results FILE] [--runs-dir DIR]
        [--seed N] [--table-only] [--combined FILE ...]

Each plan trains one run per task (task 3 at 10k is skipped: its training file is missing from the data
folder), or one joint run; every run is a normal run folder under --runs-dir. A finished run is appended to
--results as one JSON line, so the benchmark can be stopped and started again without repeating work, and
`--table-only` prints the tables from what is there; `--combined FILE ...` prints one table of several results
files (a row per task, two columns per plan). Both train nothing, and refuse a file that is missing or holds a
line that is not a result. Plans (the hyperparameters each uses are printed):

    1k-memn2n     MemN2N per task, the paper's per-task setup (embedding 20, 20 + 100 epochs, halving every 25)
    1k-joint      MemN2N joint on all 20 tasks, the recipe's defaults (the paper's joint setup)
    1k-lstm       the LSTM baseline per task, the recipe's defaults
    10k-memn2n    MemN2N per task at 10k: embedding 20, 10 + 40 epochs, halving every 10 (shorter: 10x the data)
    10k-lstm      the LSTM baseline per task at 10k: 10 epochs
    keras-peer    MemN2N on task 1 at 10k, the setup of the 1k plan: against the Keras babi_memnn.py example
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from kerastoolkit.errors import DataError
from kerastoolkit.scripts import existing_file, script_main, script_parser, seed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PER_TASK_1K = ["embedding_size=20", "linear_start_epochs=20", "epochs=100", "lr_halve_every=25"]
PLANS: dict[str, tuple[str, str, list[str]]] = {  # name -> (recipe, tasks, overrides)
    "1k-memn2n": ("babi_memn2n", "each", ["size=1k", *PER_TASK_1K]),
    "1k-joint": ("babi_memn2n", "all", ["size=1k"]),
    "1k-lstm": ("babi_lstm", "each", ["size=1k"]),
    "10k-memn2n": (
        "babi_memn2n",
        "each",
        ["size=10k", "embedding_size=20", "linear_start_epochs=10", "epochs=40", "lr_halve_every=10"],
    ),
    "10k-lstm": ("babi_lstm", "each", ["size=10k", "epochs=10"]),
    "keras-peer": ("babi_memn2n", "1", ["size=10k", *PER_TASK_1K]),
}


def _tasks(which: str, size: str) -> list[str]:
    if which != "each":
        return [which]
    return [str(t) for t in range(1, 21) if not (size == "10k" and t == 3)]


ROW_KEYS = ("plan", "recipe", "task", "overrides", "per_task", "wall_time_s", "date")  # what the tables read


def _done(results: Path) -> list[dict]:
    """The results file's rows; DataError, naming the file and line, for a line that is not one."""
    if not results.exists():
        return []
    try:
        text = results.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{results} cannot be read: {exc}") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise DataError(f"{results} line {number} is not a JSON result line: {exc}") from None
        missing = [key for key in ROW_KEYS if not isinstance(row, dict) or key not in row]
        if missing:
            raise DataError(f"{results} line {number} is not a result of this benchmark (no {', '.join(missing)})")
        rows.append(row)
    return rows


def _runs(name: str, finished: set[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """(task, overrides) of each run plan `name` has still to train."""
    _, which, overrides = PLANS[name]
    size = next(o.split("=")[1] for o in overrides if o.startswith("size="))
    return [(task, [*overrides, f"task={task}"]) for task in _tasks(which, size) if (name, task) not in finished]


def run_plan(name: str, results: Path, runs_dir: str, seed: int) -> None:
    from kerastoolkit.engine import run_recipe
    from kerastoolkit.registry import get_recipe

    recipe_name, _, overrides = PLANS[name]
    recipe = get_recipe(recipe_name)
    finished = {(r["plan"], r["task"]) for r in _done(results)}
    print(f"plan {name}: {recipe_name} {' '.join(overrides)}", flush=True)
    for task, task_overrides in _runs(name, finished):
        config = recipe.make_config(task_overrides)
        result = run_recipe(recipe, config, runs_dir=runs_dir, seed=seed)
        print(result.summary, flush=True)
        metrics = result.run.read_metrics()
        row = {
            "plan": name,
            "recipe": recipe_name,
            "task": task,
            "overrides": overrides,
            "scores": result.scores,
            "per_task": result.evaluation.breakdown,
            "wall_time_s": metrics["wall_time_s"],
            "train_time_s": metrics["train_time_s"],
            "run": str(result.run.path),
            "date": time.strftime("%Y-%m-%d"),
        }
        with results.open("a") as f:
            f.write(json.dumps(row) + "\n")


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def print_tables(results: Path) -> None:
    rows = _done(results)
    if not rows:
        raise DataError(f"{results} holds no results")
    plans = list(dict.fromkeys(r["plan"] for r in rows))
    print(f"\n{os.cpu_count()} cores, {platform.processor() or platform.machine()}; results from {results}")
    for plan in plans:
        own = [r for r in rows if r["plan"] == plan]
        per_task = [t for r in own for t in r["per_task"]]
        errors = [t["error_pct"] for t in per_task]
        paper = [t["paper_error_pct"] for t in per_task if t["paper_error_pct"] is not None]
        failed = sum(e > 5 for e in errors)
        paper_failed = sum(p > 5 for p in paper)
        seconds = sum(r["wall_time_s"] for r in own)
        print(f"\n### {plan} ({own[0]['recipe']} {' '.join(own[0]['overrides'])}), {own[0]['date']}\n")
        print("| task | kt error % | paper error % |\n|---|---|---|")
        for t in per_task:
            print(f"| {t['task']} {t['name']} | {t['error_pct']:.1f} | {_fmt(t['paper_error_pct'])} |")
        mean_paper = f"{sum(paper) / len(paper):.1f}" if len(paper) == len(errors) else "n/a"
        print(f"| **mean** ({len(errors)} tasks) | **{sum(errors) / len(errors):.1f}** | {mean_paper} |")
        print(f"| failed (> 5%) | {failed} | {paper_failed if len(paper) == len(errors) else 'n/a'} |")
        print(f"\nwall time {seconds:.0f} s for {len(own)} run(s) on this machine")


def print_combined(results: list[Path]) -> None:
    """One table, a row per task and two columns (kt, paper) per plan, then the mean and the failed tasks."""
    rows = [r for path in results for r in _done(path)]
    if not rows:
        raise DataError(f"{', '.join(map(str, results))}: no results")
    plans = list(dict.fromkeys(r["plan"] for r in rows))
    cells: dict[str, dict[int, dict]] = {p: {} for p in plans}
    for r in rows:
        for t in r["per_task"]:
            cells[r["plan"]][t["task"]] = t
    print("\n| task | " + " | ".join(f"{p} kt | {p} paper" for p in plans) + " |")
    print("|---|" + "---|---|" * len(plans))
    for task in range(1, 21):
        values = []
        for p in plans:
            t = cells[p].get(task)
            values += [f"{t['error_pct']:.1f}", _fmt(t["paper_error_pct"])] if t else ["", ""]
        print(f"| {task} | " + " | ".join(values) + " |")
    for label, pick in (
        ("mean", lambda e: f"{sum(e) / len(e):.1f}"),
        ("failed (> 5%)", lambda e: str(sum(x > 5 for x in e))),
    ):
        values = []
        for p in plans:
            errors = [t["error_pct"] for t in cells[p].values()]
            paper = [t["paper_error_pct"] for t in cells[p].values() if t["paper_error_pct"] is not None]
            values += [pick(errors), pick(paper) if len(paper) == len(errors) else "n/a"]
        print(f"| **{label}** | " + " | ".join(values) + " |")


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument(
        "--plan",
        nargs="+",
        default=list(PLANS),
        choices=list(PLANS),
        metavar="PLAN",
        help=f"which plans to run, of {', '.join(PLANS)} (default: all)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("saved_models/babi_benchmark.jsonl"),
        metavar="FILE",
        help="the results file: one JSON line per finished run (default: saved_models/babi_benchmark.jsonl)",
    )
    parser.add_argument("--runs-dir", default="saved_models", help="where the run folders go (default: saved_models)")
    parser.add_argument("--seed", type=seed, default=0, help="every run's random seed, 0 to 2**32 - 1 (default: 0)")
    parser.add_argument("--table-only", action="store_true", help="print the tables of --results, train nothing")
    parser.add_argument(
        "--combined",
        nargs="+",
        type=existing_file,
        metavar="FILE",
        help="print one table of these results files, train nothing",
    )
    args = parser.parse_args()
    if args.combined:
        print_combined(args.combined)
        return
    if args.table_only:
        try:
            existing_file(str(args.results))
        except argparse.ArgumentTypeError as exc:
            parser.error(f"argument --results: {exc}")
        print_tables(args.results)
        return
    if args.results.exists() and not args.results.is_file():
        parser.error(f"argument --results: {args.results} is a folder, not a file")
    from kerastoolkit.registry import get_recipe

    finished = {(r["plan"], r["task"]) for r in _done(args.results)}  # a damaged file: refused before training
    for plan in args.plan:  # every run's config checked before the first trains
        recipe = get_recipe(PLANS[plan][0])
        for _, overrides in _runs(plan, finished):
            recipe.make_config(overrides)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    for plan in dict.fromkeys(args.plan):
        run_plan(plan, args.results, args.runs_dir, args.seed)
    print_tables(args.results)


if __name__ == "__main__":
    script_main(main)
