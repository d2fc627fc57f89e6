"""Words of a sentence, for translation: accents kept, punctuation split off, and French put back together.

`words("J'ai froid !")` is `["j'", "ai", "froid", "!"]`: lower case (Unicode NFC), a word's elided article or
pronoun (`l'`, `j'`, `qu'`) stays one token ending in an apostrophe, and each punctuation mark is a token. The
curly apostrophe and the narrow no-break spaces of French typography are read as `'` and a space.
`detokenize` joins words back into a sentence: no space after an elision, none before `.` `,` `)`, one before
`?` `!` `:` `;` as French writes them. Vocabularies are `kerastoolkit.text.Vocabulary` (0 padding, 1 unknown),
the target's with `<start>` and `<end>` as ids 2 and 3; both are saved with the run.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from kerastoolkit.text.vocabulary import Vocabulary

START, END = "<start>", "<end>"
START_ID, END_ID = 2, 3
_TOKEN = re.compile(r"\w+'(?=\w)|\w+|[^\w\s]")
_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " ", "\u2019": "'", "\u2018": "'"})
_NO_SPACE_BEFORE = {".", ",", ")", "%", "...", "…"}
_NO_SPACE_AFTER = {"(", "-"}


def words(text: str) -> list[str]:
    """The tokens of a sentence: lower-cased words (accents kept), elisions like `l'`, punctuation marks."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text).translate(_SPACES).lower())


def detokenize(tokens: Sequence[str]) -> str:
    """Tokens as a sentence: `["j'", "ai", "froid", "!"]` -> `"j'ai froid !"`."""
    text = ""
    for i, token in enumerate(tokens):
        glued = i == 0 or token in _NO_SPACE_BEFORE or tokens[i - 1].endswith("'") or tokens[i - 1] in _NO_SPACE_AFTER
        glued = glued or token == "-" or (token.isdigit() and tokens[i - 1] in {",", "."} and i > 1)
        text += token if glued else " " + token
    return text


def build_vocabulary(token_lists: Iterable[Sequence[str]], size: int, special: Sequence[str] = ()) -> Vocabulary:
    """The `size` most frequent words (ties alphabetical) after padding, unknown and `special`; the rest are
    unknown. Words seen once are left out too: a model cannot learn them, and they would stand for names."""
    counts = Counter(word for tokens in token_lists for word in tokens)
    frequent = sorted((w for w, n in counts.items() if n > 1), key=lambda w: (-counts[w], w))
    return Vocabulary([*special, *frequent[: max(0, size - 2 - len(special))]])


def target_vocabulary(token_lists: Iterable[Sequence[str]], size: int) -> Vocabulary:
    """The target side's vocabulary: `<start>` is id 2, `<end>` id 3."""
    vocabulary = build_vocabulary(token_lists, size, special=(START, END))
    assert vocabulary.ids[START] == START_ID and vocabulary.ids[END] == END_ID
    return vocabulary
