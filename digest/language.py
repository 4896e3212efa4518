"""Languages digest reads: detection by stop-word counts, stop words and stemmers.

Stop-word lists come from sumy's package data and stemmers from PyStemmer (the C build of the
Snowball stemmers, the same algorithms as NLTK's): both ship with the installed packages, so
nothing is downloaded, and neither imports NLTK, which is slow to import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources

import Stemmer

from digest.models import LANGUAGES
from digest.sentences import ABBREVIATIONS, words

__all__ = ["LANGUAGES", "detect_language", "names", "stemmer", "stop_words"]
_SAMPLE_WORDS = 400
STEM_CACHE = 200_000  # words per language: a daemon's vocabulary grows for as long as it runs


@cache
def stop_words(code: str) -> frozenset[str]:
    """The stop words of a language code such as "en"."""
    name = LANGUAGES.get(code, "english")
    text = (resources.files("sumy") / "data" / "stopwords" / f"{name}.txt").read_text("utf-8")
    return frozenset(word.strip() for word in text.splitlines() if word.strip())


@cache
def stemmer(code: str) -> Callable[[str], str]:
    """A cached stemming function for a language code."""
    stem = _uncached_stemmer(code).stemWord
    return lru_cache(maxsize=STEM_CACHE)(lambda word: stem(word.lower()))


@cache
def stem_words(code: str) -> Callable[[list[str]], list[str]]:
    """Stemming many words at once, as `stemmer(code)` stems each (for words not met before:
    this has no cache)."""
    stem = _uncached_stemmer(code).stemWords
    return lambda words: stem([word.lower() for word in words])


def _uncached_stemmer(code: str) -> Stemmer.Stemmer:
    """A PyStemmer stemmer without its own cache: its callers keep theirs, and its bookkeeping
    costs three times the stemming."""
    found = Stemmer.Stemmer(LANGUAGES.get(code, "english"))
    found.maxCacheSize = 0
    return found


@cache
def _marker_language() -> dict[str, str]:
    """Stop words that belong to exactly one language's list, mapped to that language."""
    lists = {code: stop_words(code) for code in LANGUAGES}
    owners: dict[str, list[str]] = {}
    for code, listed in lists.items():
        for word in listed:
            owners.setdefault(word, []).append(code)
    return {word: codes[0] for word, codes in owners.items() if len(codes) == 1}


def detect_language(text: str, default: str = "en") -> str:
    """The language code whose distinctive stop words appear most often in `text`."""
    markers = _marker_language()
    counts = dict.fromkeys(LANGUAGES, 0)
    for word in words(text[:4000])[:_SAMPLE_WORDS]:
        code = markers.get(word.lower())
        if code:
            counts[code] += 1
    best = max(counts, key=lambda code: (counts[code], code == default))
    return best if counts[best] >= 2 else default


# A word that may be a name: one that opens on anything but a lower-case ASCII letter or a
# digit, or on a French elision ("d'Agrigento"). Words as `sentences.words` finds them; the
# others (most) are never looked at. Tried at word starts only (`(?=\w)`: not at word ends), and
# a lower-case word without an elision is given up at once (`{1,7}+`: no letters handed back to
# look for an apostrophe after fewer of them): a fifth less time.
_CANDIDATE = re.compile(
    r"\b(?=\w)(?<!\w[-'’])(?:[^\W\d_a-z]|[a-z]{1,7}+['’](?=\w))\w*(?:[-'’]\w+)*"
)
# Between a sentence's end (. ! ? … : or a line break) and its first word: spaces and these
# (quotes, brackets, Spanish opening marks, a list's bullets and dashes).
_OPENING = frozenset("\"'“”«»()[]¿¡-–—•*·")
_ENDS = frozenset("\n.!?…:")
# A period after an abbreviation or an initial ends no sentence: "Mr. Smith", "M. Macron",
# "George W. Bush" (as `sentences` splits them); the abbreviations are no names themselves.
_BEFORE_PERIOD = re.compile(r"(\w+)\.$")
# A line of capitals (a shouted headline, a dateline) says nothing of which words are names:
# twelve capitals and no lower-case letter. The capitals are counted only on such a line, each
# run up to the next capital taken whole (a lazy count, tried on every line, backtracked through
# every choice of capitals on a paragraph of fewer than twelve: 2 ms an article).
_SHOUTED = re.compile(r"^(?=[^a-z\n]{12,}$)(?:[^A-Z\n]*[A-Z]){12}[^a-z\n]*$", re.MULTILINE)
# Letters NFKD leaves whole, spelled without their stroke: "Łódź" and "Lodz" alike.
_STROKES = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "’": "'"})
# French and Italian elision before a name: "d'Agrigento", "l'Iran", "qu'Obama".
_ELIDED = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’](?=\w)", re.IGNORECASE)


def fold(word: str) -> str:
    """A word lower-cased (casefolded) and without accents: "Sánchez" and "Sanchez" alike."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_STROKES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def names(text: str) -> list[tuple[int, str]]:
    """The names of a text, unstemmed and folded, with where each one starts in it.

    A name is a capitalised word not at a sentence start and not a stop word of any language
    digest reads ("Paris" in "flooding in Paris", not "The" nor "Police" opening a sentence),
    less a French elision or an English possessive ("d'Agrigento", "Obama's"). Spelled alike in
    every language, names tell across languages which event a report is of, where each
    language's stemmer makes its own term of a name ("Paris": "pari" in English, "paris" in
    French). Numbers are no names: the days of a month and the years that reports of two
    events share made a French poll the "story" of an English brand ranking (docs/quality.md).
    """
    found = []
    shouted = [line.span() for line in _SHOUTED.finditer(text)]
    for candidate in _CANDIDATE.finditer(text):
        name = _name_of(candidate[0])
        at = candidate.start()
        if name and not _opens_sentence(text, at) and not _within(shouted, at):
            found.append((at, name))
    return found


def _within(spans: list[tuple[int, int]], at: int) -> bool:
    return any(start <= at < end for start, end in spans)


@lru_cache(maxsize=STEM_CACHE)
def _name_of(word: str) -> str:
    """The name a word is wherever it stands, or "" when it is none."""
    if "'" in word[:8] or "’" in word[:8]:
        word = _ELIDED.sub("", word)
    if word[-2:] in ("'s", "’s", "'S", "’S"):
        word = word[:-2]
    folded = fold(word)
    if not word[:1].isupper() or len(word) < 2 or folded in _all_stop_words():
        return ""
    return "" if folded in ABBREVIATIONS else folded


def _opens_sentence(text: str, at: int) -> bool:
    """Whether the word at `at` opens the text or a sentence: only spaces, quotes or brackets
    stand between it and the start, a line break, or a sentence's end."""
    while at and (text[at - 1].isspace() or text[at - 1] in _OPENING):
        at -= 1
        if text[at] == "\n":
            return True
    if at and text[at - 1] == "." and (before := _BEFORE_PERIOD.search(text, max(0, at - 12), at)):
        word = before[1].lower()
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return False
    return not at or text[at - 1] in _ENDS


@cache
def _all_stop_words() -> frozenset[str]:
    return frozenset(fold(word) for code in LANGUAGES for word in stop_words(code))
