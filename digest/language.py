"""Languages digest reads: detection by stop-word counts, stop words and stemmers.

Stop-word lists come from sumy's package data and stemmers from PyStemmer (the C build of the
Snowball stemmers, the same algorithms as NLTK's): both ship with the installed packages, so
nothing is downloaded, and neither imports NLTK, which is slow to import.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

import Stemmer

from digest.sentences import words

LANGUAGES: dict[str, str] = {"en": "english", "fr": "french", "de": "german", "es": "spanish"}
_SAMPLE_WORDS = 400


@cache
def stop_words(code: str) -> frozenset[str]:
    """The stop words of a language code such as "en"."""
    name = LANGUAGES.get(code, "english")
    text = (resources.files("sumy") / "data" / "stopwords" / f"{name}.txt").read_text("utf-8")
    return frozenset(word.strip() for word in text.splitlines() if word.strip())


@cache
def stemmer(code: str) -> Callable[[str], str]:
    """A cached stemming function for a language code."""
    stem = Stemmer.Stemmer(LANGUAGES.get(code, "english")).stemWord
    return cache(lambda word: stem(word.lower()))


@cache
def _markers() -> dict[str, frozenset[str]]:
    # Words frequent in one language and rare in the others decide the vote.
    lists = {code: stop_words(code) for code in LANGUAGES}
    return {
        code: frozenset(w for w in words_ if sum(w in other for other in lists.values()) == 1)
        for code, words_ in lists.items()
    }


def detect_language(text: str, default: str = "en") -> str:
    """The language code whose distinctive stop words appear most often in `text`."""
    sample = [w.lower() for w in words(text[:4000])[:_SAMPLE_WORDS]]
    if not sample:
        return default
    counts = {code: sum(w in markers for w in sample) for code, markers in _markers().items()}
    best = max(counts, key=lambda code: (counts[code], code == default))
    return best if counts[best] >= 2 else default
