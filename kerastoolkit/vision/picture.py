"""A picture of your own (a photo, a drawing) as the 28x28 image an MNIST or Fashion-MNIST net reads.

MNIST's digits are light strokes on black, each scaled to fit a 20x20 box (its shape kept) and placed so that its
centre of mass sits at the centre of the 28x28 frame (LeCun, Cortes & Burges, the MNIST page); Fashion-MNIST's
products are light on black and fill the frame (Xiao, Rasul & Vollgraf 2017: trimmed, the longer side resized to
28 pixels, sharpened, the shorter side extended, negated; kt does not sharpen).
`dataset_image` does the same to a picture: grey levels, dark background (a light one, as on paper, is inverted),
the paper's level subtracted (unevenly lit paper too), the strokes told from the paper by Otsu's threshold, cropped
to them, and scaled and placed as the dataset's; a digit's strokes are made white at their core, as MNIST's are.
Every picture goes this way, a 28x28 one too (a digit drawn on a 28x28 canvas rarely sits as MNIST's do).
`benchmarks/pictures.py` measures what a trained net makes of test digits photographed on paper and brought back.

Light: numpy and Pillow (matplotlib's own dependency), no TensorFlow.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np

from kerastoolkit.errors import InputError

FRAME = 28  # pixels a side, both datasets
CHANNELS = (1, 2, 3, 4)  # grey, grey and alpha, RGB, RGBA: the last axis of a picture array
DIGIT_BOX = 20  # the longer side of an MNIST digit after scaling (a Fashion-MNIST product fills the frame)
Invert = Literal["auto", "yes", "no"]
INVERT_CHOICES: tuple[str, ...] = ("auto", "yes", "no")
DATASETS = ("mnist", "fashion_mnist")
BORDER_CLEARLY = 0.05  # the border's median this far from the picture's mean tells the background from the ink
BLANK_NOISE = 8.0  # ink must stand this many noise deviations (and 0.05) above the paper not to be blank
PAPER_FITS = 4  # fits of the paper's level where ink covers half the picture or more (`_above_much_ink`)
PAPER_GRAINS, PAPER_SLACK = 3.0, 0.02  # a pixel this far above the fitted level is ink: grains, and levels
BLANK = "the picture is blank: no strokes stand out from its background"


def read_picture(path: str | os.PathLike | bytes) -> np.ndarray:
    """A picture file's grey levels in [0, 1], (height, width), upright as a phone's EXIF orientation says
    (`image_grey_levels`). InputError for a file that is missing or not a picture."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = os.fsdecode(path)
    if not path.strip():
        raise InputError("an empty path names no picture: give a picture file")
    try:
        with Image.open(path) as opened:
            picture = ImageOps.exif_transpose(opened)  # also loads the pixels (the first frame of an animation)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a picture") from None
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise InputError(f"{path} is not a picture kt can read (PNG, JPEG, GIF, BMP...): {exc}") from None
    return image_grey_levels(picture)


def image_grey_levels(picture: Any) -> np.ndarray:
    """A Pillow image's grey levels in [0, 1], (height, width). Transparent parts count as the paper: white under
    dark strokes, black under light ones (`grey_levels`)."""
    try:
        if picture.mode in ("I", "F") or picture.mode.startswith("I;"):  # 16- or 32-bit grey levels
            levels = np.asarray(picture, dtype=np.float32)
            if not np.isfinite(levels).all():
                raise InputError("the picture holds levels that are not numbers (NaN or infinite)")
            return (levels - levels.min()) / max(float(np.ptp(levels)), 1e-12)
        if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
            return grey_levels(np.asarray(picture.convert("RGBA")))
        return np.asarray(picture.convert("L"), dtype=np.float32) / 255.0
    except (ValueError, OSError) as exc:  # a colour mode Pillow cannot turn grey (LAB), a closed image
        raise InputError(f"a {picture.mode} picture kt cannot read as grey levels: {exc}") from None


def picture_grey_levels(picture: Any) -> np.ndarray:
    """Grey levels in [0, 1] of a picture given as a file path, a Pillow image or an array (`grey_levels`)."""
    if isinstance(picture, str | bytes | os.PathLike):
        return read_picture(picture)
    if hasattr(picture, "mode") and hasattr(picture, "convert"):  # a Pillow image
        from PIL import ImageOps

        return image_grey_levels(ImageOps.exif_transpose(picture))
    if not isinstance(picture, np.ndarray) or picture.ndim < 2:
        shape = f"an array of shape {np.shape(picture)}" if isinstance(picture, np.ndarray) else type(picture).__name__
        raise InputError(
            f"a picture is a file path, a Pillow image or an array (height, width) with 1, 3 or 4 channels or none;"
            f" got {shape}"
        )
    return grey_levels(picture)


def grey_levels(array: np.ndarray) -> np.ndarray:
    """An image array as grey levels in [0, 1], (height, width): integers scaled (uint16 by 65535, any other
    integers by 255, so they must lie in 0-255), booleans as 0 and 1, grey and alpha, RGB or RGBA (last axis 2, 3
    or 4) made grey (transparent parts the paper's level), a last axis of 1 dropped. InputError for other shapes
    or types, values outside the range, or NaN."""
    values = np.asarray(array)
    if values.dtype.kind not in "biuf":  # booleans, integers, floats
        raise InputError(f"a picture array must hold numbers; got {type(array).__name__} of {values.dtype}")
    if values.ndim == 3 and values.shape[-1] in CHANNELS:
        values = _grey_of_channels(_levels(values))
    if values.ndim != 2 or min(values.shape) == 0:
        raise InputError(f"a picture array must be (height, width), or with 1-4 channels last; got {values.shape}")
    return _levels(values)


def _levels(values: np.ndarray) -> np.ndarray:
    """`values` as float32 in [0, 1] by their type (see `grey_levels`); InputError for values outside the range."""
    if values.dtype == bool:
        return values.astype(np.float32)
    if np.issubdtype(values.dtype, np.integer):
        top = 65535 if values.dtype == np.uint16 else 255
        if values.size and (values.min() < 0 or values.max() > top):
            raise InputError(f"integer picture values must lie in 0-{top}; got {values.min()}-{values.max()}")
        return values.astype(np.float32) / top
    levels = values.astype(np.float32)
    if levels.size and (not np.isfinite(levels).all() or levels.min() < 0.0 or levels.max() > 1.0):
        raise InputError("a float picture array must hold grey levels in [0, 1] (integers: 0-255, uint16 0-65535)")
    return levels


def _grey_of_channels(colours: np.ndarray) -> np.ndarray:
    """Levels in [0, 1] with 1 (grey), 2 (grey and alpha), 3 (RGB) or 4 (RGBA) channels last, as grey levels;
    transparent parts take the paper's level: white under dark strokes, black under light ones."""
    if colours.shape[-1] == 1:
        return colours[..., 0]
    coloured = colours.shape[-1] >= 3
    grey = colours[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32) if coloured else colours[..., 0]
    if colours.shape[-1] in (1, 3):  # ITU-R 601 weights above, as Pillow's "L"
        return grey
    opacity = colours[..., -1]
    strokes = float((grey * opacity).sum() / max(float(opacity.sum()), 1e-12))  # the opaque parts' mean level
    paper = 0.0 if strokes > 0.5 else 1.0
    return grey * opacity + paper * (1.0 - opacity)


def _border(gray: np.ndarray) -> np.ndarray:
    return np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])


def light_on_dark(gray: np.ndarray, invert: Invert = "auto") -> np.ndarray:
    """`gray` with a dark background, as the datasets have it: inverted when `invert` is "yes", or for "auto"
    when the ink is darker than the background (`dark_ink`)."""
    if invert == "yes" or (invert == "auto" and dark_ink(gray)):
        return 1.0 - gray
    return gray


def dark_ink(gray: np.ndarray) -> bool:
    """Whether a picture's ink is darker than its background: its border (mostly background) clearly lighter
    than the whole on the mean (a product on a white sheet, however much of it the product covers), or, where
    the border tells little (paper darker at its corners, a dim photo), the mean below the median, the ink
    being the fewer pixels."""
    border, mean = float(np.median(_border(gray))), float(gray.mean())
    if abs(border - mean) > BORDER_CLEARLY:
        return border > mean
    return mean < float(np.median(gray))


def dataset_image(gray: np.ndarray, dataset: str = "mnist", invert: Invert = "auto") -> np.ndarray:
    """A picture (any size; an array as `grey_levels` takes it) as a (28, 28) float32 image of `dataset`'s format."""
    if invert not in INVERT_CHOICES:
        raise InputError(f"invert={invert!r}: give one of {', '.join(map(repr, INVERT_CHOICES))}")
    if dataset not in DATASETS:
        raise InputError(f"dataset={dataset!r}: give one of {', '.join(map(repr, DATASETS))}")
    ink, threshold = strokes(light_on_dark(grey_levels(gray), invert))
    if dataset != "mnist":  # Fashion-MNIST keeps its products whole, dim parts too, and their grey levels
        scaled = _scaled(_cropped(ink, 0.0), FRAME)
        return _placed(scaled, (FRAME - np.array(scaled.shape)) / 2)
    ink = _cropped(ink, threshold)
    white_level = np.percentile(ink[ink > threshold], 75)  # MNIST's strokes are white (1) but at their soft edges
    scaled = _scaled(np.clip(ink / white_level, 0.0, 1.0), DIGIT_BOX)
    return _placed(scaled, FRAME // 2 - _centre_of_mass(scaled))  # MNIST's centres of mass: pixel (14, 14)


def _cropped(ink: np.ndarray, level: float) -> np.ndarray:
    """`ink` cropped to the rows and columns where it rises above `level`."""
    rows, columns = np.flatnonzero(ink.max(axis=1) > level), np.flatnonzero(ink.max(axis=0) > level)
    return ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def strokes(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The strokes of a light-on-dark picture on an exactly black background, scaled to 1 at the brightest, and
    the level (Otsu's) that tells stroke from paper. The paper's own level, a plane fitted to the darker half of
    the pixels, is subtracted first, so that uneven lighting is not taken for ink; what is left below half the
    threshold (the paper's grain) is set to 0. Where the ink covers half the picture or more (a product filling
    its sheet, a bold digit cropped close), the paper is the darker of Otsu's two classes instead."""
    residual = image - _paper_level(image)
    if residual.max() < max(0.05, BLANK_NOISE * _grain(residual)):
        residual = _above_much_ink(image, residual)
    ink = np.clip(residual, 0.0, None)
    ink /= ink.max()
    threshold = _otsu_threshold(ink)
    ink[ink < threshold / 2] = 0.0
    return ink, threshold


def _above_much_ink(image: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """`image` less the paper's level where the darker half of the pixels held ink (so the grain measured was
    the ink's contrast). The paper is then the darker of Otsu's two classes of `residual`, less the dim parts of
    the ink that class also holds (those standing above the paper's grain, dropped over a few fits). InputError
    (blank) unless the classes stand apart, the ink far above the grain, and the paper is most of the border."""
    low, span = float(residual.min()), float(np.ptp(residual))
    dark = residual <= low + span * _otsu_threshold((residual - low) / max(span, 1e-12))
    if dark.all() or np.median(_border(dark)) < 0.5:  # one level, or the bright class is the background
        raise InputError(BLANK)
    paper = dark
    for _ in range(PAPER_FITS):
        residual = image - _paper_level(image, paper)
        grain = _pixel_to_pixel_grain(residual, paper)
        flat = dark & (residual <= PAPER_GRAINS * grain + PAPER_SLACK)
        if flat.sum() < 3 or (flat == paper).all():
            break
        paper = flat
    if np.median(residual[~dark]) < max(0.05, BLANK_NOISE * grain):
        raise InputError(BLANK)
    return residual


def _pixel_to_pixel_grain(residual: np.ndarray, paper: np.ndarray) -> float:
    """The paper's grain from the differences between neighbouring paper pixels (a robust standard deviation),
    which the darker parts of a product that Otsu's class shares with the paper change little."""
    rows, columns = paper[1:] & paper[:-1], paper[:, 1:] & paper[:, :-1]
    steps = np.concatenate([np.diff(residual, axis=0)[rows], np.diff(residual, axis=1)[columns]])
    return _grain(steps) / np.sqrt(2.0) if steps.size else 0.0


def _grain(residual: np.ndarray) -> float:
    """The spread of `residual` about its median (a robust standard deviation): the paper's grain."""
    return 1.4826 * float(np.median(np.abs(residual - np.median(residual))))


def _paper_level(image: np.ndarray, paper: np.ndarray | None = None, samples: int = 100_000) -> np.ndarray:
    """The least-squares plane a + b row + c column through the `paper` pixels of `image` (by default the darker
    half; at most about `samples` of them): the paper, lit evenly or not."""
    step = max(1, int(np.sqrt(image.size / samples)))
    rows, columns = np.indices(image.shape, dtype=np.float32)
    picked = (slice(None, None, step), slice(None, None, step))
    values, y, x = image[picked].ravel(), rows[picked].ravel(), columns[picked].ravel()
    chosen = values <= np.median(values) if paper is None else paper[picked].ravel()
    design = np.stack([np.ones(chosen.sum(), np.float32), y[chosen], x[chosen]], axis=1)
    (a, b, c), *_ = np.linalg.lstsq(design, values[chosen], rcond=None)
    return a + b * rows + c * columns


def _otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of values in [0, 1]: the level that best splits them into two classes (the most variance
    between the classes' means)."""
    counts, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(counts)
    mass = np.cumsum(counts * centres)
    below, above = weight[:-1], weight[-1] - weight[:-1]
    valid = (below > 0) & (above > 0)
    mean_below = np.divide(mass[:-1], below, out=np.zeros_like(mass[:-1]), where=valid)
    mean_above = np.divide(mass[-1] - mass[:-1], above, out=np.zeros_like(mass[:-1]), where=valid)
    between = np.where(valid, below * above * (mean_below - mean_above) ** 2, -1.0)
    return float(edges[1:][int(np.argmax(between))])


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
