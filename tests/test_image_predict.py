"""`kt predict` for the image classifiers: pictures of your own made into the dataset's format (inverted, cropped,
scaled, centred), test images by number, the guesses as the model gives them, and bad input in one line."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from kerastoolkit.cli import cli
from kerastoolkit.data.mnist import CLASS_NAMES, load_arrays
from kerastoolkit.engine import run_recipe
from kerastoolkit.errors import InputError, RunDirError
from kerastoolkit.fileio import atomic_path
from kerastoolkit.registry import get_recipe, list_recipes
from kerastoolkit.saved import open_saved_run
from kerastoolkit.vision import predicting
from kerastoolkit.vision.picture import dataset_image, grey_levels, picture_grey_levels, read_picture
from kerastoolkit.vision.predicting import classify, ranked

TINY = ["epochs=1", "batch_size=64", "train_limit=256", "validation_size=64", "test_limit=32"]


def invoke(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def softmax_run(tmp_path_factory, shared_data_dir, _session_cache_dir) -> Path:
    """A finished mnist_softmax run, one epoch on 256 digits (its guesses need not be right, only the model's)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KT_CACHE_DIR", str(_session_cache_dir))
        recipe = get_recipe("mnist_softmax")
        return run_recipe(recipe, recipe.make_config(TINY), runs_dir=tmp_path_factory.mktemp("runs"), seed=1).run.path


@pytest.fixture(scope="module")
def test_digits(shared_data_dir) -> tuple[np.ndarray, np.ndarray]:
    return load_arrays("mnist", "test")


def save_png(array: np.ndarray, path: Path) -> Path:
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)
    return path


def on_paper(digit: np.ndarray, scale: int = 6, canvas: tuple[int, int] = (260, 330), at: tuple[int, int] = (30, 150)):
    """An MNIST digit (uint8) as a photo of dark ink on light grey paper: enlarged, off centre, on a larger sheet."""
    big = np.kron(digit.astype(np.float32), np.ones((scale, scale), np.float32))
    sheet = np.full(canvas, 0.85, np.float32)
    sheet[at[0] : at[0] + big.shape[0], at[1] : at[1] + big.shape[1]] -= 0.8 * big / 255.0
    return np.clip(sheet * 255.0, 0, 255).astype(np.uint8)


def assert_same_guesses(got: list, expected: list) -> None:
    """The same classes in the same order, the same probabilities up to float rounding (batches of other sizes)."""
    assert [[name for name, _ in row] for row in got] == [[name for name, _ in row] for row in expected]
    assert [[p for _, p in row] for row in got] == [pytest.approx([p for _, p in row]) for row in expected]


def test_every_image_classifier_answers_with_the_picture_hook():
    classifiers = [r for r in list_recipes() if r.takes_images] + [get_recipe("mnist_committee")]
    assert len(classifiers) == 7 and all(r.module.predict is predicting.predict for r in classifiers)


def test_class_names_are_the_tfds_builders(tmp_path):
    from tensorflow_datasets.image_classification import mnist as tfds_mnist

    for name, builder in (("mnist", tfds_mnist.MNIST), ("fashion_mnist", tfds_mnist.FashionMNIST)):
        assert list(CLASS_NAMES[name]) == builder(data_dir=str(tmp_path)).info.features["label"].names


def test_an_mnist_digit_comes_back_as_it_is_and_light_paper_is_inverted(test_digits):
    digit = test_digits[0][0].astype(np.float32) / 255.0
    for picture in (digit, 1.0 - digit):  # light on dark, and dark ink on light paper (inverted)
        assert np.corrcoef(dataset_image(picture).ravel(), digit.ravel())[0, 1] > 0.95
    with pytest.raises(InputError, match="blank"):  # dark ink kept dark: nothing stands out above the paper
        dataset_image(1.0 - digit, invert="no")
    for blank in (np.zeros((28, 28)), np.ones((28, 28))):
        with pytest.raises(InputError, match="blank"):
            dataset_image(blank)


def test_a_photo_of_a_digit_is_cropped_scaled_and_centred_as_mnist(test_digits):
    images, _ = test_digits
    for index in (0, 1, 2):
        image = dataset_image(on_paper(images[index]).astype(np.float32) / 255.0)
        assert image.shape == (28, 28) and image.dtype == np.float32
        assert 0.0 <= image.min() and image.max() <= 1.0
        rows, columns = np.flatnonzero(image.max(axis=1) > 0.1), np.flatnonzero(image.max(axis=0) > 0.1)
        assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 in (20, 21)  # MNIST's 20-pixel box
        centre = np.array([(np.indices(image.shape)[axis] * image).sum() for axis in (0, 1)]) / image.sum()
        np.testing.assert_allclose(centre, [14, 14], atol=0.6)  # where MNIST puts them
        original = images[index].astype(np.float32) / 255.0
        assert np.corrcoef(image.ravel(), original.ravel())[0, 1] > 0.85  # the same digit, where MNIST put it


def test_fashion_pictures_fill_the_frame(test_digits):
    image = dataset_image(on_paper(test_digits[0][0]).astype(np.float32) / 255.0, "fashion_mnist")
    rows, columns = np.flatnonzero(image.max(axis=1) > 0.1), np.flatnonzero(image.max(axis=0) > 0.1)
    assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 >= 27


def test_pictures_mostly_ink_are_read_not_called_blank(shared_data_dir, test_digits):
    """Where ink covers half the picture or more (the darker half of the pixels then holds ink), the paper is
    found all the same: Fashion-MNIST's own products, either way round, and a bold digit cropped close."""
    products = load_arrays("fashion_mnist", "test")[0][:100].astype(np.float32) / 255.0
    likeness = []
    for product in products:
        for picture in (product, 1.0 - product):  # light on dark as stored, and dark on a white sheet
            likeness.append(np.corrcoef(dataset_image(picture, "fashion_mnist").ravel(), product.ravel())[0, 1])
    assert np.median(likeness) > 0.98  # the same product in the same frame, as a rule
    digit = test_digits[0][3].astype(np.float32) / 255.0
    bold = np.maximum.reduce([np.roll(digit, (dy, dx), (0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    rows, columns = np.flatnonzero(bold.max(axis=1)), np.flatnonzero(bold.max(axis=0))
    close = bold[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    assert (close > 0.5).mean() > 0.5  # more ink than paper
    for picture in (close, 1.0 - close):
        image = dataset_image(picture)
        centre = np.array([(np.indices(image.shape)[axis] * image).sum() for axis in (0, 1)]) / image.sum()
        np.testing.assert_allclose(centre, [14, 14], atol=0.6)
        assert np.corrcoef(image.ravel(), dataset_image(bold).ravel())[0, 1] > 0.9


def test_dimly_lit_paper_is_inverted_and_dim_parts_of_a_product_are_kept(test_digits):
    dim = on_paper(test_digits[0][0]).astype(np.float32) / 255.0 * 0.5  # paper at 0.42, ink darker still
    image = dataset_image(dim)
    np.testing.assert_allclose(image, dataset_image(on_paper(test_digits[0][0]) / 255.0), atol=0.02)
    product = np.zeros((100, 100), np.float32)
    product[20:60, 30:70] = 0.9  # a bright body
    product[60:90, 30:70] = 0.2  # a dim part, below Otsu's threshold between body and background
    fashion = dataset_image(product, "fashion_mnist")
    rows = np.flatnonzero(fashion.max(axis=1) > 0.05)
    assert rows[-1] - rows[0] + 1 == 28  # the whole product, 70 pixels tall, fills the frame
    assert 0.1 < fashion[24, 14] < 0.3  # and its dim part keeps its grey level


def test_transparent_background_reads_as_paper_and_bad_files_are_refused(tmp_path):
    strokes = np.zeros((40, 40, 4), np.uint8)
    strokes[10:30, 18:22] = (0, 0, 0, 255)  # a black bar on a transparent sheet
    Image.fromarray(strokes, "RGBA").save(tmp_path / "bar.png")
    gray = read_picture(tmp_path / "bar.png")
    assert gray[0, 0] == 1.0 and gray[20, 20] == 0.0
    assert dataset_image(gray).max() == pytest.approx(1.0)
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(InputError, match="is not a picture kt can read"):
        read_picture(tmp_path / "notes.png")
    with pytest.raises(InputError, match="no such file"):
        read_picture(tmp_path / "gone.png")
    with pytest.raises(InputError, match="blank"):
        dataset_image(np.full((50, 50), 0.9, np.float32))


def test_light_strokes_on_a_transparent_sheet_lie_on_black(tmp_path):
    strokes = np.zeros((40, 40, 4), np.uint8)
    strokes[10:30, 18:22] = (255, 255, 255, 255)  # a white bar, the rest transparent
    Image.fromarray(strokes, "RGBA").save(tmp_path / "white.png")
    gray = read_picture(tmp_path / "white.png")
    assert gray[0, 0] == 0.0 and gray[20, 20] == 1.0
    assert dataset_image(gray).max() == pytest.approx(1.0)


def test_phone_orientation_and_16_bit_grey_levels_are_read(tmp_path):
    upright = np.full((60, 30), 255, np.uint8)
    upright[5:15, 10:20] = 0  # a dark square near the top
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to show": the pixels are stored turned the other way
    Image.fromarray(upright).rotate(90, expand=True).save(tmp_path / "photo.jpg", exif=exif, quality=95)
    gray = read_picture(tmp_path / "photo.jpg")
    assert gray.shape == (60, 30) and gray[10, 15] < 0.1 and gray[50, 15] > 0.9
    deep = np.zeros((30, 30), np.uint16)
    deep[5:25, 14:16] = 40000
    Image.fromarray(deep).save(tmp_path / "deep.png")
    assert read_picture(tmp_path / "deep.png").max() == pytest.approx(1.0)


def test_arrays_of_other_types_and_shapes_become_grey_levels():
    bytes_ = np.array([[0, 51], [255, 102]], np.uint8)
    np.testing.assert_allclose(grey_levels(bytes_), bytes_ / 255.0)
    np.testing.assert_allclose(grey_levels(bytes_.astype(np.uint16) * 257), bytes_ / 255.0)
    np.testing.assert_array_equal(grey_levels(np.array([[True, False]])), [[1.0, 0.0]])
    np.testing.assert_allclose(grey_levels(bytes_.astype(np.int64)), bytes_ / 255.0)  # np.array([[0, 255]])'s type
    np.testing.assert_allclose(grey_levels(bytes_[..., None]), bytes_ / 255.0)
    colour = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    pillow = np.asarray(Image.fromarray(colour, "RGB").convert("L"), np.float32) / 255.0
    np.testing.assert_allclose(grey_levels(colour), pillow, atol=1.5 / 255)  # Pillow rounds to whole levels
    transparent = np.zeros((2, 2, 4), np.float32)  # black, but not there: white paper
    np.testing.assert_allclose(grey_levels(transparent), np.ones((2, 2)))
    for bad, message in (
        (np.full((3, 3), 2.0), "must hold grey levels in \\[0, 1\\]"),
        (np.full((3, 3), np.nan), "must hold grey levels"),
        (np.full((3, 3), 256), "integer picture values must lie in 0-255; got 256-256"),
        (np.zeros((2, 3, 3, 3)), "must be \\(height, width\\)"),
        (np.zeros((0, 3)), "must be \\(height, width\\)"),
    ):
        with pytest.raises(InputError, match=message):
            grey_levels(bad)


def test_kt_predict_gives_the_models_guesses_for_pictures_and_test_images(softmax_run, test_digits, tmp_path):
    images, labels = test_digits
    picture = save_png(images[3], tmp_path / "three.png")
    code, out, err = invoke("predict", softmax_run, "--image", picture, "--example", 3, "--example", 9999)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3 and lines[0].startswith(f"{picture}: ") and lines[1].startswith("test image 3: ")
    model = open_saved_run(softmax_run).model
    expected = ranked(model, images[[3, 9999]].astype(np.float32) / 255.0, CLASS_NAMES["mnist"])
    for line, guesses, label in zip(lines[1:], expected, labels[[3, 9999]], strict=True):
        (best, p), (second, q), (third, r) = guesses
        assert f": {best} (p={p:.2f}); then {second} {q:.2f}, {third} {r:.2f}" in line, line
        assert line.endswith("  right" if best == str(label) else f"  wrong: it is {label}"), line
    (best, p), *_ = classify(softmax_run, picture)[0]  # the file, made into MNIST's format as classify makes it
    assert lines[0].startswith(f"{picture}: {best} (p={p:.2f}); then ")
    probabilities = model.predict(images[:1].astype(np.float32)[..., None] / 255.0, verbose=0)[0]
    everything = ranked(model, images[:1] / 255.0, CLASS_NAMES["mnist"], top=10)[0]
    assert [p for _, p in everything] == pytest.approx(sorted(probabilities, reverse=True))


def test_classify_from_python_takes_files_arrays_and_one_alone(softmax_run, test_digits, tmp_path):
    images, _ = test_digits
    picture = save_png(images[3], tmp_path / "three.png")
    model = open_saved_run(softmax_run).model
    expected = ranked(model, dataset_image(images[3])[None], CLASS_NAMES["mnist"])  # cropped, scaled, centred
    assert_same_guesses(classify(softmax_run, picture), expected)  # one path alone: a list of one
    assert_same_guesses(classify(str(softmax_run), [picture, images[3] / 255.0]), expected * 2)
    assert_same_guesses(classify(open_saved_run(softmax_run), images[3] / 255.0, top=1), [expected[0][:1]])
    both = np.stack([dataset_image(image) for image in images[3:5]])
    assert_same_guesses(classify(softmax_run, images[3:5]), ranked(model, both, CLASS_NAMES["mnist"]))
    as_pillow = Image.open(picture)
    assert_same_guesses(classify(softmax_run, as_pillow), expected)  # a Pillow image
    assert_same_guesses(classify(softmax_run, (p for p in [picture])), expected)  # any iterable
    for pictures, kwargs, message in (
        ([], {}, "no pictures to classify"),
        (picture, {"top": 0}, "top=0: give how many guesses to keep, 1 or more"),
        (picture, {"invert": True}, "invert=True: give one of 'auto', 'yes', 'no'"),
        (np.zeros(784), {}, "got an array of shape \\(784,\\)"),
        ([picture, 3], {}, "picture 1: a picture is a file path, a Pillow image or an array"),
        (3, {}, "pictures: give a file path, a Pillow image, an array or a list of them; got 3"),
    ):
        with pytest.raises(InputError, match=message):
            classify(softmax_run, pictures, **kwargs)


def test_classify_refuses_a_run_of_another_recipe(tmp_path):
    folder = tmp_path / "xor_run"
    folder.mkdir()
    (folder / "config.json").write_text('{"recipe": "xor", "seed": 0, "hyperparameters": {}}')
    (folder / "metrics.json").write_text('{"recipe": "xor", "metric": "accuracy"}')
    with pytest.raises(RunDirError, match="is a run of xor, not of an image classifier"):
        classify(folder, np.zeros((28, 28)))


def test_kt_predict_draws_what_the_net_saw(softmax_run, test_digits, tmp_path):
    photo = save_png(on_paper(test_digits[0][5]), tmp_path / "photo.jpg")
    code, out, err = invoke("predict", softmax_run, "--image", photo, "--out", tmp_path / "seen.png")
    assert code == 0, err
    assert out.startswith(f"{photo}: ") and f"wrote {tmp_path / 'seen.png'}" in err
    assert (tmp_path / "seen.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give --image FILE or --example N"),
        (["--example", "10000"], "--example 10000 is past the end of the test set (10000 images: 0-9999)"),
        (["--image", "{tmp}/gone.png"], "does not exist"),
        (["--image", "{tmp}/notes.png"], "is not a picture kt can read"),
        (["--image", "{tmp}/notes.png", "--example", "1"], "is not a picture kt can read"),
        (["--example", "1", "--image", "{tmp}/blank.png"], "{tmp}/blank.png: the picture is blank"),
        (["--example", "1", "--out", "/proc/kt-seen.png"], "cannot write --out /proc/kt-seen.png"),
        (["--example", "1", "--out", "{tmp}/seen.txt"], "--out {tmp}/seen.txt: give an image file name ending in"),
        (["--example", "-1"], "-1 is not in the range x>=0"),
    ],
)
def test_kt_predict_bad_input_is_one_line(softmax_run, tmp_path, args, message):
    (tmp_path / "notes.png").write_text("not a picture")
    save_png(np.full((40, 40), 200), tmp_path / "blank.png")
    code, out, err = invoke("predict", softmax_run, *[a.format(tmp=tmp_path) for a in args])
    assert code == 2, (out, err)
    assert err.startswith("kt: error: ") and message.format(tmp=tmp_path) in err and err.count("\n") == 1, err
    assert out == "" and not (tmp_path / "seen.txt").exists()  # no answer before the error


def test_kt_predict_on_a_fashion_mnist_run_uses_its_test_set_and_names(tmp_path, shared_data_dir):
    recipe = get_recipe("mnist_conv_augmented")
    config = recipe.make_config([*TINY, "dataset=fashion_mnist", "augment=none", "filters=4", "dense_units=16"])
    folder = run_recipe(recipe, config, runs_dir=tmp_path / "runs", seed=1).run.path
    diagonal = save_png(np.eye(60) * 255, tmp_path / "a.png")
    code, out, err = invoke("predict", folder, "--example", 0, "--image", diagonal)
    assert code == 0, err
    picture, example = out.splitlines()
    names = CLASS_NAMES["fashion_mnist"]
    assert picture.split(": ")[1].split(" (p=")[0] in names
    guessed = example.removeprefix("test image 0: ").split(" (p=")[0]
    assert guessed in names
    assert example.endswith("  right" if guessed == "Ankle boot" else "  wrong: it is Ankle boot"), example
    assert load_arrays("fashion_mnist", "test")[1][0] == names.index("Ankle boot")
    with pytest.raises(RunDirError, match="is a run on fashion_mnist; this takes runs on mnist"):
        predicting.check_image_classifier(open_saved_run(folder), "mnist")  # benchmarks/pictures.py's digits


def vignetted_sheet(digit: np.ndarray) -> np.ndarray:
    """A digit in dark ink on paper lit 0.85 at the centre, falling to about 0.65 in the corners."""
    sheet = on_paper(digit).astype(np.float32) / 255.0
    rows, columns = np.indices(sheet.shape)
    distance = np.hypot((rows - sheet.shape[0] / 2) / sheet.shape[0], (columns - sheet.shape[1] / 2) / sheet.shape[1])
    return np.clip(sheet - 0.28 * distance / distance.max(), 0.0, 1.0)


def test_paper_darker_at_its_corners_is_still_read_as_dark_ink(test_digits):
    digit = test_digits[0][0]
    image = dataset_image(vignetted_sheet(digit))
    assert np.corrcoef(image.ravel(), (digit / 255.0).ravel())[0, 1] > 0.9


def test_blank_paper_with_a_camera_s_grain_is_blank_but_a_digit_on_it_is_read(test_digits):
    rng = np.random.default_rng(0)
    grain = rng.normal(0.0, 0.015, (220, 220)).astype(np.float32)
    with pytest.raises(InputError, match="blank"):
        dataset_image(np.clip(0.78 + grain, 0, 1))
    with pytest.raises(InputError, match="blank"):
        dataset_image(np.clip(0.78 + grain[:28, :28], 0, 1))
    written = on_paper(test_digits[0][1], canvas=(220, 220), at=(20, 30)).astype(np.float32) / 255.0
    image = dataset_image(np.clip(written + grain, 0, 1))
    assert np.corrcoef(image.ravel(), (test_digits[0][1] / 255.0).ravel())[0, 1] > 0.9


def test_grey_and_alpha_arrays_other_colour_modes_and_bad_arguments(tmp_path):
    bar = np.zeros((40, 40), np.uint8)
    bar[10:30, 18:22] = 255
    grey_alpha = np.stack([np.zeros_like(bar), bar], axis=-1)  # black ink where opaque, as Pillow's "LA" gives it
    np.testing.assert_allclose(grey_levels(grey_alpha), 1.0 - bar / 255.0)
    with pytest.raises(InputError, match="a LAB picture kt cannot read as grey levels"):
        picture_grey_levels(Image.new("LAB", (10, 10)))
    with pytest.raises(InputError, match="must hold numbers"):
        grey_levels(np.array("seven.png"))
    with pytest.raises(InputError, match="invert=True: give one of 'auto', 'yes', 'no'"):
        dataset_image(bar, invert=True)
    with pytest.raises(InputError, match="dataset='cifar10': give one of 'mnist', 'fashion_mnist'"):
        dataset_image(bar, "cifar10")
    with pytest.raises(InputError, match="an empty path names no picture"):
        read_picture("")


def test_symbolic_links_are_written_through(tmp_path):
    target = tmp_path / "real.txt"
    (tmp_path / "link.txt").symlink_to(target)
    with atomic_path(tmp_path / "link.txt") as tmp:
        tmp.write_text("written")
    assert (tmp_path / "link.txt").is_symlink() and target.read_text() == "written"


def test_out_refuses_what_is_no_regular_file_and_the_pictures_themselves(softmax_run, test_digits, tmp_path):
    picture = save_png(test_digits[0][0], tmp_path / "mine.png")
    os.mkfifo(tmp_path / "pipe.png")
    (tmp_path / "folder.png").mkdir()
    for out, message in (
        (tmp_path / "pipe.png", f"--out {tmp_path / 'pipe.png'} is not a regular file"),
        (tmp_path / "folder.png", f"File '{tmp_path / 'folder.png'}' is a directory"),  # click's own check
        (picture, f"--out {picture} is one of the pictures asked about"),
    ):
        code, out_text, err = invoke("predict", softmax_run, "--image", picture, "--out", out)
        assert code == 2 and message in err and out_text == "", (out, err)
    assert (tmp_path / "pipe.png").is_fifo() and picture.read_bytes().startswith(b"\x89PNG")


def test_the_hook_from_python_takes_one_picture_or_number_alone(softmax_run, test_digits, tmp_path, capsys):
    saved = open_saved_run(softmax_run)
    picture = save_png(test_digits[0][0], tmp_path / "mine.png")
    predicting.predict(saved, pictures=str(picture), examples=0)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{picture}: ") and lines[1].startswith("test image 0: ")
    with pytest.raises(InputError, match="--example takes test image numbers, 0 or more; got -1"):
        predicting.predict(saved, examples=-1)
    with pytest.raises(InputError, match="top=True"):
        classify(saved, picture, top=True)
    assert len(classify(saved, picture, top=np.int64(2))[0]) == 2
    with pytest.raises(InputError, match=r"--example takes test image numbers: give one or a list of them; got 1\.0"):
        predicting.predict(saved, examples=1.0)
    with pytest.raises(InputError, match="--image takes picture files; for arrays or Pillow images, use .*classify"):
        predicting.predict(saved, pictures=[test_digits[0][0]], out=str(tmp_path / "seen.png"))
