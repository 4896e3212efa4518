"""Every word met by the process, stemmed once: stem numbers and content-word flags."""

from __future__ import annotations

import threading

import numpy as np

from digest.language import stem_words, stop_words


class Lexicon:
    """Every word met so far, per language, coded as its stem's number × 2, + 1 for a content word.

    Stems are numbered across languages (a name is one stem in every language). Stemming and the
    stop-word test run once per distinct word of the process, not once per occurrence.
    """

    LIMIT = 200_000  # words remembered before the lexicon starts over (about 40 MB)

    def __init__(self) -> None:
        self.stem_numbers: dict[str, int] = {}
        self.codes: dict[str, dict[str, int]] = {}
        self._learning = threading.Lock()

    def encode(self, tokens: list[str], language: str) -> np.ndarray:
        """The code of every token, in order."""
        known = self.codes.setdefault(language, {})
        try:
            return np.fromiter(map(known.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        except KeyError:
            self._learn(set(tokens).difference(known), language)
            return np.fromiter(map(known.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _learn(self, words: set[str], language: str) -> None:
        stops = stop_words(language)
        ordered = list(words)
        lowered_words = [word.lower() for word in ordered]
        stems = stem_words(language)(lowered_words)  # in one call: each word is new here
        with self._learning:  # two threads must not give two stems one number
            for word, lowered, stem in zip(ordered, lowered_words, stems, strict=True):
                number = self.stem_numbers.setdefault(stem, len(self.stem_numbers))
                # Stop words and small numbers say nothing about what a story is about.
                content = lowered not in stops and not (lowered.isdigit() and len(lowered) < 3)
                self.codes[language][word] = 2 * number + content


_lexicon = Lexicon()


def lexicon() -> Lexicon:
    """The process's lexicon; a new one once it holds too many words (memory stays bounded)."""
    global _lexicon
    if sum(map(len, _lexicon.codes.values())) > Lexicon.LIMIT:
        _lexicon = Lexicon()
    return _lexicon
