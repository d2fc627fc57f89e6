"""Text: tokenising and vocabularies that are saved with a run, so a saved model answers raw text."""

from kerastoolkit.text.vocabulary import PAD, UNKNOWN, Vocabulary, tokenize

__all__ = ["PAD", "UNKNOWN", "Vocabulary", "tokenize"]
