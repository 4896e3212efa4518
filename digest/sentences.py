"""Sentence splitting and word tokenizing, offline and fast.

Blingfire (a compiled, rule-based splitter) finds candidate boundaries; we then re-join the
pieces it cuts too eagerly: after abbreviations such as "Mr." or "Sen.", and inside quotations,
so that a quoted passage of several sentences stays whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import blingfire

from digest.models import Article, Sentence

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr rev hon pres
    supt insp det no vs etc inc corp ltd co dept univ ave blvd mt ft jan feb mar apr jun jul
    aug sep sept oct nov dec e.g i.e approx est fig""".split()
)
MAX_JOINED = 4  # a quotation is re-joined across at most this many pieces
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n+")
_SPACE = re.compile(r"\s+")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_OPENING_QUOTES = "“‘«"
_CLOSING_QUOTES = "”’»"


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text (separated by blank lines), with their inner whitespace folded."""
    paragraphs = (_SPACE.sub(" ", p).strip() for p in _PARAGRAPH_BREAK.split(text))
    return [p for p in paragraphs if p]


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph, with quotations and abbreviations kept whole."""
    paragraph = " ".join(paragraph.split())
    if not paragraph:
        return []
    pieces = blingfire.text_to_sentences(paragraph).split("\n")
    return list(_rejoin(p.strip() for p in pieces if p.strip()))


def _rejoin(pieces: Iterator[str]) -> Iterator[str]:
    current = ""
    joined = 0
    for piece in pieces:
        if current and joined < MAX_JOINED and _continues(current, piece):
            current = f"{current} {piece}"
            joined += 1
            continue
        if current:
            yield current
        current, joined = piece, 1
    if current:
        yield current


def _continues(sentence: str, following: str) -> bool:
    """True when blingfire cut `sentence` where no sentence ends."""
    if _quote_open(sentence):
        return True
    match = _LAST_WORD.search(sentence[sentence.rfind(" ") + 1 :])
    if match:
        word = match.group(1).lower()
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return True
    return bool(following) and following[0].islower()


def _quote_open(sentence: str) -> bool:
    straight = sentence.count('"') % 2 == 1
    curly = sum(sentence.count(q) for q in _OPENING_QUOTES[:1]) > sentence.count("”")
    return straight or curly


def sentences_of(article: Article) -> list[Sentence]:
    """Every sentence of an article, numbered by paragraph and position."""
    sentences: list[Sentence] = []
    for paragraph_index, paragraph in enumerate(split_paragraphs(article.text)):
        for text in split_sentences(paragraph):
            sentences.append(Sentence(text, article.id, paragraph_index, len(sentences)))
    return sentences


def words(text: str) -> list[str]:
    """Word tokens of a text (letters and digits, inner hyphens and apostrophes kept)."""
    return _WORD.findall(text)


class SumyTokenizer:
    """The tokenizer object sumy's parsers expect, without NLTK data downloads."""

    def __init__(self, language: str = "english") -> None:
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))
