"""Languages digest reads: detection by stop-word counts, stop words and stemmers.

Stop-word lists come from sumy's package data and stemmers from NLTK's Snowball family: both ship
with the installed packages, so nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from sumy.nlp.stemmers import Stemmer
from sumy.utils import get_stop_words

from digest.sentences import words

LANGUAGES: dict[str, str] = {"en": "english", "fr": "french", "de": "german", "es": "spanish"}
_SAMPLE_WORDS = 400


@cache
def stop_words(code: str) -> frozenset[str]:
    """The stop words of a language code such as "en"."""
    return frozenset(get_stop_words(LANGUAGES.get(code, "english")))


@cache
def stemmer(code: str) -> Callable[[str], str]:
    """A cached stemming function for a language code."""
    stem = Stemmer(LANGUAGES.get(code, "english"))
    return cache(stem)


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
