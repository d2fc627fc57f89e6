"""The hyperparameters every bAbI recipe has: which task, which training-set size, how stories are cut."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kerastoolkit.config import RecipeConfig, param

Task = Literal[
    "all", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"
]


@dataclass
class BabiConfig(RecipeConfig):
    task: Task = param("all", "bAbI task 1-20, or all: one model trained jointly on every task")
    size: Literal["1k", "10k"] = param("1k", "training questions per task")
    memory_size: int = param(50, "the most recent sentences of a story kept as memories", minimum=1)
    validation_fraction: float = param(
        0.1, "the last part of each task's training questions held out", minimum=0.0, below=1.0
    )

    @property
    def tasks(self) -> list[int]:
        return list(range(1, 21)) if self.task == "all" else [int(self.task)]
