"""Scoring bAbI the way the papers do: test error per task, their mean, and the tasks failed (error > 5%)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kerastoolkit.data.babi import TASKS
from kerastoolkit.evaluation import Evaluation
from kerastoolkit.report import pyplot, save_figure

FAILED_ABOVE = 0.05  # the papers call a task failed when its test error is over 5%


def task_errors(predictions: np.ndarray, answers: np.ndarray, tasks: np.ndarray) -> dict[int, float]:
    """Error rate (fraction) per task present in `tasks`."""
    return {int(t): float(np.mean(predictions[tasks == t] != answers[tasks == t])) for t in np.unique(tasks)}


def task_evaluation(errors: Mapping[int, float], counts: Mapping[int, int], paper: Mapping[int, float]) -> Evaluation:
    """Scores (`error`: the mean over tasks; `failed_tasks`) and a per-task table beside the paper's errors (%)."""
    rows = [
        {
            "task": task,
            "name": TASKS[task].split("_", 1)[1],
            "questions": counts[task],
            "error_pct": round(100 * error, 2),
            "paper_error_pct": paper.get(task),
        }
        for task, error in errors.items()
    ]
    mean = float(np.mean(list(errors.values())))
    scores = {
        "error": mean,
        "accuracy": 1.0 - mean,
        "failed_tasks": float(sum(error > FAILED_ABOVE for error in errors.values())),
    }
    return Evaluation(scores, breakdown=rows, breakdown_name="per_task")


def evaluate_tasks(model: Any, data: Any, batch_size: int, paper: Mapping[int, float]) -> Evaluation:
    """Score `model` on `data.test` (a `BabiSplits`) once, task by task."""
    from kerastoolkit.data.pipeline import evaluation_batches

    logits = model.predict(evaluation_batches(data.test, batch_size), verbose=0)
    predictions = np.argmax(logits, axis=-1)
    errors = task_errors(predictions, data.test_answers, data.test_tasks)
    counts = {task: int(np.sum(data.test_tasks == task)) for task in errors}
    return task_evaluation(errors, counts, paper)


def plot_task_errors(evaluation: Evaluation, path: Path, title: str = "") -> None:
    """Bars of test error per task, kt's beside the paper's, with the 5% failure line."""
    rows = evaluation.breakdown
    plt = pyplot()
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * len(rows) + 2), 3.6))
    ax.bar(x - 0.2, [row["error_pct"] for row in rows], width=0.4, label="kt")
    paper = [row["paper_error_pct"] for row in rows]
    if any(value is not None for value in paper):
        ax.bar(x + 0.2, [np.nan if v is None else v for v in paper], width=0.4, label="paper")
    ax.axhline(100 * FAILED_ABOVE, color="grey", linestyle="--", linewidth=1, label="failed above 5%")
    ax.set_xticks(x, [str(row["task"]) for row in rows])
    ax.set_xlabel("bAbI task")
    ax.set_ylabel("test error (%)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    save_figure(fig, path)
