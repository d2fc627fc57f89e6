"""What `kt predict --image` makes of photographed digits: a trained MNIST classifier's test accuracy on the test
digits as they are, and on the same digits turned into photos of ink on paper and back (`vision.picture`).

    KT_DATA_DIR=../shared/data python benchmarks/pictures.py RUN_DIR [--limit 10000] [--seed 0] [--split test]

Each "photo" is a test digit enlarged 4 to 10 times and softened (a Gaussian blur), printed in dark ink (50-85%
darker than the paper) at a random place on a larger sheet of light grey paper (70-95% white) lit unevenly (up to
10% brighter on one side), with a little noise (1-3%); `dataset_image` then inverts, crops, scales and centres it as
`kt predict --image` does. The photos are simulated, so they measure the pipeline's faithfulness (does a digit
survive the trip?), not a camera's. Prints both accuracies, how often the guesses agree, and the date and cores.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np

from kerastoolkit.scripts import at_least, script_main, script_parser, seed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
VALIDATION = 5_000  # the training digits mnist_conv and the other recipes hold out by default


def photo(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A test digit (uint8, 28x28) as a grey photo in [0, 1] of dark ink on unevenly lit paper."""
    from PIL import Image, ImageFilter

    scale = int(rng.integers(4, 11))
    enlarged = Image.fromarray(digit).resize((28 * scale, 28 * scale), Image.Resampling.BICUBIC)
    ink = np.asarray(enlarged.filter(ImageFilter.GaussianBlur(scale / 3)), dtype=np.float32) / 255.0
    height, width = ink.shape[0] + int(rng.integers(40, 200)), ink.shape[1] + int(rng.integers(40, 200))
    top, left = int(rng.integers(0, height - ink.shape[0])), int(rng.integers(0, width - ink.shape[1]))
    lighting = np.linspace(0.0, rng.uniform(0.0, 0.1), width, dtype=np.float32)[None, :]
    sheet = np.full((height, width), rng.uniform(0.7, 0.95), np.float32) + lighting
    sheet[top : top + ink.shape[0], left : left + ink.shape[1]] -= rng.uniform(0.5, 0.85) * ink
    sheet += rng.normal(0.0, rng.uniform(0.01, 0.03), sheet.shape).astype(np.float32)
    return np.clip(sheet, 0.0, 1.0)


def main() -> None:
    parser = script_parser(__doc__)
    parser.add_argument("run_dir", type=Path, help="a finished run of an MNIST classifier (mnist_conv, ...)")
    parser.add_argument("--limit", type=at_least(1), default=10_000, help="first N digits (default: 10000)")
    parser.add_argument(
        "--split",
        choices=["test", "validation"],
        default="test",
        help="the test digits, or the last 5,000 training digits (those recipes hold out: to try a change on)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed of the photos' random draws (default: 0)")
    parser.add_argument("--data-dir", help="the MNIST files (default: $KT_DATA_DIR)")
    args = parser.parse_args()
    from kerastoolkit.data.mnist import CLASS_NAMES, load_arrays
    from kerastoolkit.saved import open_saved_run
    from kerastoolkit.vision import predicting
    from kerastoolkit.vision.picture import dataset_image
    from kerastoolkit.vision.predicting import ranked

    saved = open_saved_run(args.run_dir)
    predicting.check_image_classifier(saved, "mnist")
    images, labels = load_arrays("mnist", "test" if args.split == "test" else "train", args.data_dir)
    if args.split == "validation":
        images, labels = images[-VALIDATION:], labels[-VALIDATION:]
    images, labels = images[: args.limit], labels[: args.limit]
    names = CLASS_NAMES["mnist"]
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    photographed = np.stack([dataset_image(photo(digit, rng)) for digit in images])
    seconds = time.perf_counter() - started
    as_they_are = [guesses[0][0] for guesses in ranked(saved.model, images / 255.0, names)]
    from_photos = [guesses[0][0] for guesses in ranked(saved.model, photographed, names)]
    truth = [names[label] for label in labels]
    right = np.mean([a == t for a, t in zip(as_they_are, truth, strict=True)])
    right_photos = np.mean([a == t for a, t in zip(from_photos, truth, strict=True)])
    agree = np.mean([a == b for a, b in zip(as_they_are, from_photos, strict=True)])

    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    print(f"run: {saved.recipe.name} ({args.run_dir}), first {len(labels)} {args.split} digits, photo seed {args.seed}")
    print(f"| {args.split} digits | accuracy |")
    print("|---|---|")
    print(f"| as they are | {100 * right:.2f}% |")
    print(f"| photographed, then `dataset_image` | {100 * right_photos:.2f}% |")
    print(f"same guess both ways: {100 * agree:.2f}%; photo and pipeline {1000 * seconds / len(labels):.1f} ms a digit")


if __name__ == "__main__":
    script_main(main)
