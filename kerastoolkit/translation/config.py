"""The hyperparameters every translation recipe has: the data, the vocabularies, decoding and scoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kerastoolkit.config import RecipeConfig, param


@dataclass
class TranslationConfig(RecipeConfig):
    release: Literal["2017-09-29", "2019-04-07"] = param("2017-09-29", "release of the Tatoeba fra-eng pairs")
    max_tokens: int = param(15, "pairs with a longer English or French side are dropped (tokens)", minimum=1)
    source_words: int = param(8000, "English vocabulary size (rarer words are unknown)", minimum=4)
    target_words: int = param(8000, "French vocabulary size (rarer words are unknown)", minimum=5)
    beam_width: int = param(5, "beam search width for the test scores (1: greedy)", minimum=1)
    length_penalty: float = param(0.6, "beam search length normalisation alpha (Wu et al. 2016; 0: none)", minimum=0.0)
    test_limit: int = param(
        1000, "translate and score the first N test English sentences (in sha1 order; 0: all 4,890)", minimum=0
    )
    validation_limit: int = param(2000, "validate on the first N validation pairs after each epoch (0: all)", minimum=0)
    clip_norm: float = param(1.0, "each weight's gradient norm is clipped to this", above=0.0)
