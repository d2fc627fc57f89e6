"""`kt predict` for the image classifiers (the MNIST ladder, the committee, the SdA): pictures of your own, or test
images by number, and the net's best guesses with their probabilities.

    kt predict RUN_DIR --image my_seven.png --image photo.jpg
    kt predict RUN_DIR --example 0 --example 18 --out seen.png

A recipe answers this way by naming the hook, `predict = predicting.predict`. From Python, `classify(run_dir,
pictures)` gives the guesses for picture files, Pillow images or arrays, and `ranked(model, images, class_names)`
for images already in the dataset's format (`picture.dataset_image`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np

from kerastoolkit.data.mnist import CLASS_NAMES, load_arrays
from kerastoolkit.errors import InputError, RunDirError
from kerastoolkit.options import NonEmptyPath, data_dir_option
from kerastoolkit.vision.picture import CHANNELS, INVERT_CHOICES, Invert, dataset_image, picture_grey_levels

SHOWN_GUESSES = 3  # the best guess, then the runners-up


def dataset_of(config: Any) -> str:
    """The dataset a run's net was trained on: its config's `dataset`, MNIST where it has none (the ladder)."""
    return getattr(config, "dataset", "mnist")


def class_names_of(config: Any) -> tuple[str, ...]:
    """The names of the classes a run's net tells apart."""
    return CLASS_NAMES[dataset_of(config)]


def ranked(
    model: Any, images: np.ndarray, class_names: Sequence[str], top: int = SHOWN_GUESSES
) -> list[list[tuple[str, float]]]:
    """For each of `images` ((N, 28, 28) in [0, 1]), the model's `top` classes and their probabilities, best first."""
    images = np.asarray(images, dtype=np.float32).reshape((-1, *model.inputs[0].shape[1:]))
    probabilities = np.asarray(model.predict(images, verbose=0))
    order = np.argsort(-probabilities, axis=-1, kind="stable")[:, :top]
    return [[(class_names[c], float(row[c])) for c in best] for row, best in zip(probabilities, order, strict=True)]


def classify(
    run: str | os.PathLike | Any,
    pictures: Any,
    invert: Invert = "auto",
    top: int = SHOWN_GUESSES,
) -> list[list[tuple[str, float]]]:
    """The `top` guesses, best first, of a finished MNIST classifier's run (its folder or a `SavedRun`) for each
    of `pictures`: file paths, Pillow images, or arrays of any size (grey levels in [0, 1], or integers such as
    uint8 0-255; RGB and RGBA too: `picture.grey_levels`); one alone is a list of one, and an array of N pictures
    is N. Each is made into the dataset's format as `kt predict --image` does (`picture.dataset_image`)."""
    from kerastoolkit.saved import open_saved_run

    if invert not in INVERT_CHOICES:
        raise InputError(f"invert={invert!r}: give one of {', '.join(map(repr, INVERT_CHOICES))}")
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise InputError(f"top={top!r}: give how many guesses to keep, 1 or more")
    saved = run if hasattr(run, "recipe") and hasattr(run, "model") else open_saved_run(run)
    check_image_classifier(saved)
    pictures = [pictures] if _one_picture(pictures) else _several(pictures)
    if not pictures:
        raise InputError("no pictures to classify")
    images = dataset_images(saved.config, pictures, invert)
    return ranked(saved.model, np.stack(images), class_names_of(saved.config), top)


def check_image_classifier(saved: Any, dataset: str | None = None) -> None:
    """RunDirError unless `saved` is a run of an image classifier (its recipe answers with this module's
    `predict`), of `dataset` where one is named."""
    if getattr(saved.recipe.module, "predict", None) is not predict:
        raise RunDirError(f"{saved.path} is a run of {saved.recipe.name}, not of an image classifier")
    trained_on = dataset_of(saved.config)
    if dataset and trained_on != dataset:
        raise RunDirError(f"{saved.path} is a run on {trained_on}; this takes runs on {dataset}")


def _several(pictures: Any) -> list[Any]:
    """`pictures` as a list; InputError for something that holds no pictures (a number, None)."""
    try:
        return list(pictures)
    except TypeError:
        raise InputError(
            f"pictures: give a file path, a Pillow image, an array or a list of them; got {pictures!r}"
        ) from None


def _one_picture(pictures: Any) -> bool:
    """Whether `pictures` is one picture (a path, a Pillow image, an array (height, width) or with 1-4
    channels last) rather than several (a list, or a stack (N, height, width) or (N, height, width, channels))."""
    if isinstance(pictures, np.ndarray):
        return pictures.ndim <= 2 or (pictures.ndim == 3 and pictures.shape[-1] in CHANNELS)
    return isinstance(pictures, str | bytes | os.PathLike) or hasattr(pictures, "convert")


def dataset_images(config: Any, pictures: Sequence[Any], invert: Invert = "auto") -> list[np.ndarray]:
    """Pictures (paths, Pillow images, arrays) as the (28, 28) images of the dataset a run's `config` trained on;
    an InputError names the picture it is about (a file by its path, else by its place in the list)."""
    dataset = dataset_of(config)
    images = []
    for number, picture in enumerate(pictures):
        try:
            images.append(dataset_image(picture_grey_levels(picture), dataset, invert))
        except InputError as exc:
            named = isinstance(picture, str | bytes | os.PathLike)
            where = os.fsdecode(picture) if named else f"picture {number}"
            raise InputError(str(exc) if named and where in str(exc) else f"{where}: {exc}") from None
    return images


def numbered_test_images(dataset: str, indices: Sequence[int], data_dir: str | None) -> tuple[np.ndarray, list[int]]:
    """The test images numbered `indices` ((N, 28, 28) in [0, 1]) and their labels."""
    images, labels = load_arrays(dataset, "test", data_dir)
    for index in indices:
        if index >= len(images):
            raise InputError(
                f"--example {index} is past the end of the test set ({len(images)} images: 0-{len(images) - 1})"
            )
    chosen = list(indices)
    return images[chosen].astype(np.float32) / 255.0, [int(label) for label in labels[chosen]]


def guess_line(name: str, guesses: list[tuple[str, float]], truth: str | None = None) -> str:
    """`name: 7 (p=0.98); then 1 0.01, 9 0.00`, with `right` or `wrong: it is X` when the truth is known."""
    (best, p), *others = guesses
    line = f"{name}: {best} (p={p:.2f})"
    if others:
        line += "; then " + ", ".join(f"{c} {q:.2f}" for c, q in others)
    if truth is not None:
        line += "  right" if truth == best else f"  wrong: it is {truth}"
    return line


def _as_tuple(values: Any, what: str) -> tuple[Any, ...]:
    """`values` as a tuple: one path or number alone is a tuple of one; InputError for what holds neither."""
    if isinstance(values, str | bytes | os.PathLike | int | np.integer):
        return (values,)
    try:
        return tuple(values)
    except TypeError:
        raise InputError(f"{what}: give one or a list of them; got {values!r}") from None


def _check_out(out: Path, pictures: Sequence[Any]) -> None:
    """InputError for an --out the picture cannot be written to, or that is one of the pictures asked about."""
    from kerastoolkit.report import image_format

    image_format(out, "--out")
    if out.exists() and any(Path(p).exists() and out.samefile(p) for p in pictures):
        raise InputError(f"--out {out} is one of the pictures asked about: give another file name")


def _draw(images: np.ndarray, names: list[str], guesses: list[list[tuple[str, float]]], path: Path) -> None:
    """The images as the net saw them, each captioned with a short form of its name and the best guess; an
    InputError when the file cannot be written."""
    from kerastoolkit.inside.draw import image_grid, in_rows

    captions = [f"{_caption(name)}\n{best[0][0]} ({best[0][1]:.2f})" for name, best in zip(names, guesses, strict=True)]
    try:
        image_grid(in_rows(list(images)), path, "as the net saw them", captions=in_rows(captions), stretch=False)
    except OSError as exc:
        raise InputError(f"cannot write --out {path}: {exc.strerror or exc}") from None


def _caption(name: str, width: int = 14) -> str:
    """`name` in at most `width` characters the plot's font has (ASCII), its end kept: "...seven_red.png"."""
    text = Path(name).name.encode("ascii", "replace").decode()
    return text if len(text) <= width else "..." + text[-(width - 3) :]


@click.option(
    "--image",
    "pictures",
    multiple=True,
    type=NonEmptyPath(exists=True, dir_okay=False),
    help=(
        "A picture to classify (PNG, JPEG...; repeatable; answered before any --example): cropped, scaled and"
        " centred as the dataset's images are."
    ),
)
@click.option(
    "--example", "examples", multiple=True, type=click.IntRange(min=0), help="The Nth test image (repeatable)."
)
@click.option(
    "--invert",
    type=click.Choice(INVERT_CHOICES),
    default="auto",
    show_default=True,
    help="For --image: make dark ink on paper light on dark, as the datasets are (auto: if the border is lighter).",
)
@click.option(
    "--out", type=NonEmptyPath(dir_okay=False), help="Also draw the images as the net saw them into this file."
)
@data_dir_option("the dataset's files, for --example")
def predict(
    saved: Any,
    pictures: tuple[str, ...] = (),
    examples: tuple[int, ...] = (),
    invert: Invert = "auto",
    out: str | None = None,
    data_dir: str | None = None,
) -> None:
    """Classify pictures of your own, or test images by number, with the run's net.

    \b
    One line each: the best guess and its probability, then the runners-up. Examples:
      kt predict RUN_DIR --image my_seven.png
      kt predict RUN_DIR --example 0 --example 1 --out seen.png
    """
    pictures = _as_tuple(pictures, "--image takes picture files")  # one alone, from Python
    examples = _as_tuple(examples, "--example takes test image numbers")
    if not pictures and not examples:
        raise InputError("give --image FILE or --example N (see kt predict RUN_DIR --help)")
    if any(not isinstance(p, str | bytes | os.PathLike) for p in pictures):
        raise InputError("--image takes picture files; for arrays or Pillow images, use predicting.classify")
    if any(not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0 for n in examples):
        raise InputError(f"--example takes test image numbers, 0 or more; got {', '.join(map(repr, examples))}")
    if out:
        _check_out(Path(out), pictures)
    dataset = dataset_of(saved.config)
    names = class_names_of(saved.config)
    images = dataset_images(saved.config, pictures, invert)
    shown = list(pictures)  # as typed: two files of one name in two folders stay apart
    truths: list[str | None] = [None] * len(pictures)
    if examples:
        tests, labels = numbered_test_images(dataset, examples, data_dir)
        images += list(tests)
        shown += [f"test image {index}" for index in examples]
        truths += [names[label] for label in labels]
    guesses = ranked(saved.model, np.stack(images), names)
    if out:  # first: a file that cannot be written is an error before any answer is printed
        _draw(np.stack(images), shown, guesses, Path(out))
    for name, guessed, truth in zip(shown, guesses, truths, strict=True):
        click.echo(guess_line(name, guessed, truth))
    if out:
        click.echo(f"wrote {out}", err=True)
