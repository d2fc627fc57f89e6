"""`kt visualize RUN_DIR`: pictures of what a trained image net has learnt, written into its run folder.

RUN_DIR is checked (a finished run of a recipe whose inputs are images) before TensorFlow is imported.
"""

from __future__ import annotations

from pathlib import Path

import click

from kerastoolkit.cli import cli, load_tensorflow
from kerastoolkit.errors import RunDirError, UnknownRecipeError
from kerastoolkit.inside import DEFAULT_EXAMPLES, DEFAULT_STEPS
from kerastoolkit.options import SEED, NonEmptyPath, data_dir_option
from kerastoolkit.registry import RecipeInfo, get_recipe, list_recipes
from kerastoolkit.runs import open_run
from kerastoolkit.saved import require_finished


def _image_recipe(run_dir: Path) -> RecipeInfo:
    """The recipe of the finished run in `run_dir`; RunDirError unless it is one whose inputs are images."""
    run = open_run(run_dir)
    try:
        recipe = get_recipe(run.recipe)
    except UnknownRecipeError as exc:
        raise RunDirError(f"{run_dir} is a run of a recipe kt does not have: {exc}") from None
    if not recipe.takes_images:
        image_recipes = ", ".join(r.name for r in list_recipes() if r.takes_images)
        raise RunDirError(
            f"{run_dir} is a run of {recipe.name}; kt visualize looks inside single image classifiers, and works "
            f"for runs of: {image_recipes}"
        )
    run.saved_config(recipe.config_class)  # a damaged config.json is refused before TensorFlow loads
    require_finished(run, run_dir)
    return recipe


@cli.command("visualize")
@click.argument("run_dir", type=NonEmptyPath(file_okay=False, path_type=Path))
@click.option(
    "--examples",
    type=click.IntRange(min=1),
    default=DEFAULT_EXAMPLES,
    show_default=True,
    help="Test digits in hidden_activity.png (the first ones of the test set).",
)
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    default=DEFAULT_STEPS,
    show_default=True,
    help="Gradient-ascent steps for each optimised picture.",
)
@click.option(
    "--seed",
    type=SEED,
    default=0,
    show_default=True,
    help="Random seed of the starting noise and the jitter; the same seed draws the same pictures.",
)
@data_dir_option()
def visualize_command(run_dir: Path, examples: int, steps: int, seed: int, data_dir: str | None) -> None:
    """Draw what the trained net of RUN_DIR (a run of an MNIST recipe) has learnt, into RUN_DIR.

    \b
      first_layer_filters.png   the first layer's weights, one small picture per unit (up to
                                100): the strokes a dense unit looks for, or a conv net's kernels
      hidden_activity.png       the activity of up to 100 hidden units (rows) over test digits
                                (columns, sorted by class), as in the talk's "100 hidden neurons
                                out of 625"; for a conv net, its dense layer's units
      class_maximisation.png    for each class, an input grown from noise by gradient ascent on
                                the class's pre-softmax score
      channel_maximisation.png  the same for the 8 channels most active on test digits of each
                                conv layer but the first (a dense net: of each hidden layer)
      deepdream.png             test digits before and after amplifying what the last conv (or
                                hidden) layer sees in them: the talks' DeepDream slide
      The ascents are kept readable by a random jitter, a Gaussian blur every few steps, L2
      decay and clipping to the pixel range [0, 1]. A net without a hidden layer
      (mnist_softmax) gets the filters and the class pictures only.

    \b
    Examples:
      kt visualize saved_models/mnist_conv/20261124-101500
      kt visualize RUN_DIR --steps 300 --seed 1
    """
    recipe = _image_recipe(run_dir)
    load_tensorflow()
    from kerastoolkit.inside.visualize import visualize_run
    from kerastoolkit.saved import open_saved_run

    saved = open_saved_run(run_dir)
    click.echo(f"looking inside {recipe.name} ({run_dir})")
    visualize_run(saved, examples=examples, steps=steps, seed=seed, data_dir=data_dir, echo=click.echo)
