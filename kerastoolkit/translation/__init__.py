"""English-to-French translation: the recipes' shared data, models, decoding, scoring and `translate`.

    from kerastoolkit.translation import translate
    translate("saved_models/translate_attention/RUN", ["I am cold."])   # ["j'ai froid."]

The package's own import is light (no TensorFlow): `translate` imports what it needs when called.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


def translate(
    run: str | os.PathLike | Any, sentences: str | Sequence[str], beam: int = 5, length_penalty: float = 0.6
) -> list[str]:
    """French translations of English `sentences` (one string: a list of one) by a run folder (or a `SavedRun`, or
    a `Translator`); beam search of width `beam` (1: greedy). See `kerastoolkit.translation.translator`."""
    from kerastoolkit.translation.translator import translate as _translate

    return _translate(run, sentences, beam, length_penalty)


__all__ = ["translate"]
