"""kerastoolkit: the classic deep-learning results as one-command, importable Keras recipes.

Importing this package is cheap: TensorFlow is only imported by the modules that train.

    >>> import kerastoolkit as kt
    >>> [r.name for r in kt.list_recipes()][:4]      # doctest: +SKIP
    ['babi_lstm', 'babi_memn2n', 'backprop_mazur', 'char_rnn']
    >>> recipe = kt.get_recipe("mnist_conv")          # doctest: +SKIP
    >>> config = recipe.make_config(epochs=2)         # doctest: +SKIP
    >>> model = recipe.module.build_model(config)     # doctest: +SKIP
"""

from kerastoolkit.errors import KtError
from kerastoolkit.registry import RecipeInfo, get_recipe, list_recipes

__version__ = "0.1.0"

__all__ = ["KtError", "RecipeInfo", "get_recipe", "list_recipes", "__version__"]
