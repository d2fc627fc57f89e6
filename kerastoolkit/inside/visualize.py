"""`kt visualize`: every picture of `pictures.PICTURES` for a saved run of an image recipe, into its folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from kerastoolkit.inside import DEFAULT_EXAMPLES, DEFAULT_STEPS
from kerastoolkit.inside.net import Net
from kerastoolkit.inside.pictures import PICTURES, Skipped, Subject
from kerastoolkit.saved import SavedRun, misfit


def first_test_digits(
    saved: SavedRun, examples: int, data_dir: str | None = None
) -> tuple[np.ndarray, np.ndarray, list]:
    """The first `examples` test images (in [0, 1]) and labels of the run's data, and its class names."""
    data = saved.recipe.module.build_data(saved.config, data_dir)
    images, labels = next(iter(data.test.take(examples).batch(examples)))
    class_names = data.class_names or [str(c) for c in range(int(labels.numpy().max()) + 1)]
    return images.numpy(), labels.numpy(), list(class_names)


def visualize_run(
    saved: SavedRun,
    *,
    examples: int = DEFAULT_EXAMPLES,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    data_dir: str | None = None,
    echo: Callable[[str], None] = print,
) -> list[Path]:
    """Draw every picture of `PICTURES` the run's net has something for into its folder; the paths written.

    Each picture has its own random stream (from `seed` and its place in `PICTURES`), so skipping one leaves the
    others as they were.
    """
    digits, labels, class_names = first_test_digits(saved, examples, data_dir)
    try:  # before any picture is drawn
        saved.model.predict(digits[:1], verbose=0)
        net = Net(saved.model, saved.recipe.module.IMAGE_SHAPE)
    except ValueError as exc:
        raise misfit(saved.run.model_file, exc) from None
    subject = Subject(net, digits, labels, class_names, steps)
    written = []
    for number, (name, picture) in enumerate(PICTURES.items()):
        path = saved.path / name
        try:
            what = picture(subject, path, np.random.default_rng([seed, number]))
        except Skipped as reason:
            echo(f"skipped {name}: {reason}")
            continue
        echo(f"wrote {path}: {what}")
        written.append(path)
    return written
