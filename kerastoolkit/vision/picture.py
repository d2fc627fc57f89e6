"""A picture of your own (a photo, a drawing) as the 28x28 image an MNIST or Fashion-MNIST net reads.

MNIST's digits are light strokes on black, each scaled to fit a 20x20 box (its shape kept) and placed so that its
centre of mass sits at the centre of the 28x28 frame (LeCun, Cortes & Burges, the MNIST page); Fashion-MNIST's
products are light on black, trimmed and scaled so that the longer side fills the 28 pixels (Xiao, Rasul & Vollgraf
2017). `dataset_image` does the same to a picture: grey levels, dark background (a light one, as on paper, is
inverted), background level subtracted, cropped to the ink, scaled and placed. A picture that already is 28x28 is
taken as it is (inverted if need be): it is read as the dataset's own format.

Light: numpy and Pillow (matplotlib's own dependency), no TensorFlow.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from kerastoolkit.errors import InputError

FRAME = 28  # pixels a side, both datasets
BOX = {"mnist": 20, "fashion_mnist": 28}  # the longer side of the ink after scaling
INK = 0.1  # of the brightest ink: fainter pixels do not count for the crop
Invert = Literal["auto", "yes", "no"]


def read_picture(path: str | Path) -> np.ndarray:
    """A picture file's grey levels in [0, 1], (height, width), upright as a phone's EXIF orientation says;
    transparent parts count as white paper. InputError for a file that is missing or not a picture."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            picture = ImageOps.exif_transpose(opened)  # also loads the pixels (the first frame of an animation)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a picture") from None
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise InputError(f"{path} is not a picture kt can read (PNG, JPEG, GIF, BMP...): {exc}") from None
    if picture.mode in ("I", "F") or picture.mode.startswith("I;"):  # 16- or 32-bit grey levels
        levels = np.asarray(picture, dtype=np.float32)
        return (levels - levels.min()) / max(float(np.ptp(levels)), 1e-12)
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        paper = Image.new("RGBA", picture.size, "white")
        paper.alpha_composite(picture.convert("RGBA"))
        picture = paper
    return np.asarray(picture.convert("L"), dtype=np.float32) / 255.0


def _border(gray: np.ndarray) -> np.ndarray:
    return np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])


def light_on_dark(gray: np.ndarray, invert: Invert = "auto") -> np.ndarray:
    """`gray` with a dark background, as the datasets have it: inverted when `invert` is "yes", or for "auto"
    when its border is mostly light (dark ink on paper)."""
    if invert == "yes" or (invert == "auto" and np.median(_border(gray)) > 0.5):
        return 1.0 - gray
    return gray


def dataset_image(gray: np.ndarray, dataset: str = "mnist", invert: Invert = "auto") -> np.ndarray:
    """A picture's grey levels (any size, values in [0, 1]) as a (28, 28) float32 image of `dataset`'s format."""
    image = light_on_dark(np.asarray(gray, dtype=np.float32), invert)
    if image.shape == (FRAME, FRAME):
        return image
    ink = np.clip(image - np.median(_border(image)), 0.0, None)
    if ink.max() < 0.05:
        raise InputError("the picture is blank: no strokes stand out from its background")
    ink /= ink.max()
    rows, columns = np.flatnonzero(ink.max(axis=1) > INK), np.flatnonzero(ink.max(axis=0) > INK)
    ink = ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    scaled = _scaled(ink, BOX.get(dataset, FRAME))
    if dataset == "mnist":  # MNIST's centres of mass sit at pixel (14, 14), measured on its test digits
        return _placed(scaled, FRAME // 2 - _centre_of_mass(scaled))
    return _placed(scaled, (FRAME - np.array(scaled.shape)) / 2)


def _scaled(ink: np.ndarray, box: int) -> np.ndarray:
    """`ink` scaled (antialiased) so that its longer side is `box` pixels."""
    from PIL import Image

    height, width = ink.shape
    factor = box / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    scaled = Image.fromarray(ink.astype(np.float32)).resize(size, Image.Resampling.BILINEAR)
    return np.clip(np.asarray(scaled, dtype=np.float32), 0.0, 1.0)


def _centre_of_mass(ink: np.ndarray) -> np.ndarray:
    rows, columns = np.indices(ink.shape)
    return np.array([(rows * ink).sum(), (columns * ink).sum()]) / ink.sum()


def _placed(ink: np.ndarray, corner: np.ndarray) -> np.ndarray:
    """`ink` in a black 28x28 frame, its top left pixel at `corner` (row, column; rounded, kept inside the frame)."""
    frame = np.zeros((FRAME, FRAME), np.float32)
    top, left = np.rint(corner).astype(int)
    top = min(max(top, 0), FRAME - ink.shape[0])
    left = min(max(left, 0), FRAME - ink.shape[1])
    frame[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return frame
