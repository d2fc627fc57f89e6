"""Where a run stopped goes on: Keras's per-stage backups made whole after a kill, and the point a resumed run
continues from (`kt run ... --resume` prints it; the trainer restores from the same backups)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kerastoolkit.fileio import atomic_path, read_json
from kerastoolkit.runs import Run

BACKUP_WEIGHTS, BACKUP_METADATA = "latest.weights.h5", "training_metadata.json"  # Keras' BackupAndRestore


def repair_backup(backup: Path) -> int:
    """Make a stage's backup folder whole, or remove it; the epochs it gives back (0: none).

    Keras' BackupAndRestore copies its last pair of files to *.bkp, then writes the weights, then
    training_metadata.json, none of it atomically. A kill between or during those writes leaves a pair that
    disagrees (weights newer than their metadata, a file cut short): the .bkp pair takes its place, and with no
    whole pair the folder is removed, so the stage starts again (history rows past the epoch are dropped).
    """
    for suffix in ("", ".bkp"):
        weights, metadata = backup / (BACKUP_WEIGHTS + suffix), backup / (BACKUP_METADATA + suffix)
        epoch = _whole_pair_epoch(weights, metadata)
        if epoch is None:
            continue
        if suffix:
            for source, target in ((weights, backup / BACKUP_WEIGHTS), (metadata, backup / BACKUP_METADATA)):
                with atomic_path(target) as tmp:
                    shutil.copyfile(source, tmp)
        return epoch
    if backup.exists():
        if any(backup.iterdir()):  # a kill during the first backup, or files damaged since
            print(f"{backup} holds no whole backup: stage {backup.name} starts again", file=sys.stderr)
        shutil.rmtree(backup)
    return 0


def _whole_pair_epoch(weights: Path, metadata: Path) -> int | None:
    """The epoch of a backup pair whose metadata was written after its weights and whose weights open; else None."""
    import h5py

    try:
        epoch = read_json(metadata)["epoch"]
        if not isinstance(epoch, int) or epoch < 0 or weights.stat().st_mtime_ns > metadata.stat().st_mtime_ns:
            return None
        with h5py.File(weights, "r"):
            pass
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return epoch


def _stage_epoch(stage: str, epoch: int, epochs: int | None) -> str:
    if epochs is None:
        return f"stage {stage}, epoch {epoch}"
    if epoch > epochs:
        return f"stage {stage}, all {epochs} epochs done"
    return f"stage {stage}, epoch {epoch} of {epochs}"


def resume_point(run: Run, epochs: int | None) -> str:
    """Where a resumed run continues, such as "stage train, epoch 2 of 3", read from its backup and stages (a
    backup a kill left half-written is made whole first, by `repair_backup`, as the trainer would).

    `epochs`: the stage's number of epochs when known (the config's `epochs` for a recipe trained by one plain
    `fit`, stage "train"); None for a recipe that trains in stages of its own.
    """
    finished = sorted(p.name.removesuffix(".weights.h5") for p in run.stages_dir.glob("*.weights.h5"))
    backups = sorted(p for p in run.backup_dir.glob("*") if p.is_dir() and p.name not in finished)
    for backup in backups:
        epoch = repair_backup(backup)
        if epoch:
            return _stage_epoch(backup.name, epoch + 1, epochs)
    if finished:
        return f"after the finished {'stage' if len(finished) == 1 else 'stages'} {', '.join(finished)}"
    return _stage_epoch("train", 1, epochs) if epochs is not None else "from the start (no epoch had finished)"
