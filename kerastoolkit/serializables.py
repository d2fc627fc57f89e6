"""Every custom Keras object a kt model.keras may name, registered by importing this module.

    import keras
    import kerastoolkit.serializables  # noqa: F401

    model = keras.models.load_model("saved_models/babi_memn2n/RUN/model.keras", safe_mode=True)

Each class is a registered serializable (`keras.saving.register_keras_serializable(package="kerastoolkit")`) in
the module that defines it; Keras finds it by name only once that module is imported. `kt` imports the recipe
that made a run, which imports what it uses; a notebook or script that loads a model.keras on its own imports
this module instead.
"""

from kerastoolkit import losses, optimizers
from kerastoolkit.layers import memory, positions, tied
from kerastoolkit.vision import whitening, width

__all__ = ["losses", "memory", "optimizers", "positions", "tied", "whitening", "width"]
