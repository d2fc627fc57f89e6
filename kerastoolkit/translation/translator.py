"""Translating raw English with a trained model and the vocabularies saved with its run.

`Translator.from_saved(open_saved_run(RUN_DIR))` or `translate(RUN_DIR, ["I am cold."])`. A sentence is tokenised
as in training (`tokens.words`); an English word the vocabulary lacks is read as the unknown word, and each
unknown word the model writes (`<unk>`) is replaced, in order, by the English words it could not read, shown in
brackets (`[Zorglub]`): never dropped silently. An empty sentence, one of unknown words only, or one longer than
the model was trained for is refused (InputError).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kerastoolkit.errors import InputError, RunDirError
from kerastoolkit.text.vocabulary import UNKNOWN, Vocabulary
from kerastoolkit.translation.data import encode_source
from kerastoolkit.translation.decoding import NextWord, beam_search, greedy, next_word
from kerastoolkit.translation.tokens import detokenize, words

BATCH = 64  # sentences decoded together


@dataclass
class Translation:
    english: str
    french: str  # unknown words copied in brackets, `<unk>` where none is left
    unknown: list[str]  # English words never seen in training
    scored: str = ""  # what BLEU scores: the copies bare, a leftover `<unk>` one wrong word (UNK)


@dataclass
class Translator:
    model: Any
    source_vocabulary: Vocabulary
    target_vocabulary: Vocabulary
    max_tokens: int
    reverse_source: bool = False

    @classmethod
    def from_saved(cls, saved: Any) -> Translator:
        """From a `SavedRun` of a translation recipe (its model and its vocabularies)."""
        if not hasattr(saved.config, "max_tokens"):
            raise RunDirError(f"{saved.path} is a run of {saved.recipe.name}, which does not translate")
        return cls(
            saved.model,
            saved.asset("source_vocabulary", Vocabulary.from_json),
            saved.asset("target_vocabulary", Vocabulary.from_json),
            saved.config.max_tokens,
            getattr(saved.config, "reverse_source", False),
        )

    @property
    def step(self) -> NextWord:
        if not hasattr(self, "_step"):
            self._step = next_word(self.model)
        return self._step

    def tokens(self, sentence: str, check: bool = True) -> list[str]:
        """The sentence's tokens; InputError when it is empty, all unknown, or longer than the model reads (unless
        not `check`: test sentences are translated whatever they hold, cut to `max_tokens`)."""
        tokens = words(sentence)
        if not check:
            return tokens[: self.max_tokens]
        if not tokens:
            raise InputError(f"nothing to translate in {sentence!r}: give an English sentence")
        if not [t for t in tokens if t in self.source_vocabulary and not _is_punctuation(t)]:
            raise InputError(f"every word of {sentence!r} is unknown to this model (never seen in training)")
        if len(tokens) > self.max_tokens:
            raise InputError(f"{sentence!r} has {len(tokens)} tokens; this model translates up to {self.max_tokens}")
        return tokens

    def sources(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        length = self.max_tokens + 1
        return np.stack([encode_source(t, self.source_vocabulary, length, self.reverse_source) for t in token_lists])

    def write(self, ids: Sequence[int], unknown: Sequence[str], marked: bool = True) -> str:
        """French text of written ids; `<unk>` becomes the next unknown English word, in brackets when `marked`
        (else bare, and a leftover `<unk>` is written `UNK`: one wrong word to BLEU, not the three of `< unk >`)."""
        pending, out = list(unknown), []
        for word in self.target_vocabulary.decode(ids):
            if word == UNKNOWN:
                word = (f"[{pending[0]}]" if marked else pending[0]) if pending else (UNKNOWN if marked else "UNK")
                pending = pending[1:]
            out.append(word)
        return detokenize(out)

    def translate_ids(self, sources: np.ndarray, beam: int, length_penalty: float) -> list[list[int]]:
        """French ids written for encoded `sources` (at most BATCH of them)."""
        if beam == 1:
            return greedy(self.step, sources, self.max_tokens + 1)
        return beam_search(self.step, sources, self.max_tokens + 1, beam, length_penalty)

    def translate(
        self, sentences: Sequence[str], beam: int = 5, length_penalty: float = 0.6, check: bool = True
    ) -> list[Translation]:
        """Translations of `sentences` (beam search of width `beam`; 1 is greedy search). Each sentence is checked
        (`tokens`) before any is translated, unless not `check`."""
        if beam < 1:
            raise InputError(f"the beam width must be at least 1, got {beam}")
        if not length_penalty >= 0:  # below 0 would favour ever longer translations (NaN: none at all)
            raise InputError(f"the length penalty must be 0 or more, got {length_penalty}")
        token_lists = [self.tokens(s, check) for s in sentences]
        results = []
        for start in range(0, len(sentences), BATCH):
            chunk = token_lists[start : start + BATCH]
            written = self.translate_ids(self.sources(chunk), beam, length_penalty)
            for sentence, tokens, ids in zip(sentences[start : start + BATCH], chunk, written, strict=True):
                unknown = self.source_vocabulary.unknown(tokens)
                marked, scored = self.write(ids, unknown), self.write(ids, unknown, marked=False)
                results.append(Translation(sentence, marked, unknown, scored))
        return results


def _is_punctuation(token: str) -> bool:
    return not any(c.isalnum() for c in token)


def translate(
    run: str | os.PathLike | Any, sentences: str | Sequence[str], beam: int = 5, length_penalty: float = 0.6
) -> list[str]:
    """French translations of English `sentences` (a lone sentence may be a string: a list of one comes back) by a
    run folder, a `SavedRun` or a `Translator`."""
    if isinstance(sentences, str):
        sentences = [sentences]
    if isinstance(run, str | Path | os.PathLike):
        from kerastoolkit.saved import open_saved_run

        run = open_saved_run(run)
    translator = run if isinstance(run, Translator) else Translator.from_saved(run)
    return [t.french for t in translator.translate(list(sentences), beam, length_penalty)]
