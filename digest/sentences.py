"""Sentence splitting and word tokenizing, offline and fast.

Blingfire (a compiled, rule-based splitter) finds candidate boundaries. We mend them where
quotation marks mislead it: a sentence that opens with a quotation (`... evening. " i have
been`, which it leaves whole when the quote opens in lower case) is cut from the one before,
and a closing quote it moved to the next piece goes back. Then we re-join the pieces it cuts
too eagerly: after abbreviations such as "Mr." or "Sen.", and inside quotations, so that a
quoted passage of several sentences stays whole. Sentences are always verbatim slices of the
paragraph.
"""

from __future__ import annotations

import ctypes
import itertools
import re
import struct
import threading
import zlib
from bisect import bisect_left
from collections.abc import Iterator
from itertools import pairwise

import blingfire

from digest.models import Article, Sentence

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen col lt sgt capt cmdr adm maj st jr sr rev hon pres
    supt insp det no vs etc inc corp ltd co dept univ ave blvd mt ft jan feb mar apr jun jul
    aug sep sept oct nov dec e.g i.e approx est fig""".split()
)
MAX_JOINED = 4  # a quotation is re-joined across at most this many pieces
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n+")
_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\.$")
# A web address that ends a sentence ("Subscribe at www.paper.co.uk. Rain fell"), where the
# splitter sees one token: its last label is two letters or more (no "U.S.", "a.m.", "e.g.").
_ADDRESS_ENDS = re.compile(r"(?<![\w.])(?:[\w-]+\.)+[a-z]{2,}\. (?=[A-Z\"“])")
# Its last label with the stop and the space after it, which every such ending holds: looked for
# first, as the whole pattern is tried at every word of every paragraph (a quarter of the split's
# time), and few paragraphs hold one.
_ADDRESS_TAIL = re.compile(r"\.[a-z]{2,}\. (?=[A-Z\"“])")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
# A quotation opening right after a sentence ended: `evening. " i have`, `left. “i have`,
# `“Yes.” “Then go.”`; the word before the stop must not be an abbreviation, an initialism
# ("U.S.") or an ellipsis. Matched at each opening quote mark (a paragraph has few).
_OPENING_MARK = re.compile('["“]')
_QUOTE_AFTER_ENDER = re.compile(r'(?<=[^\s.][.!?]) ["“] ?\w|(?<=[^\s.][.!?][”"]) ["“]\w')
_STRAIGHT_QUOTE = re.compile('"')
_OPENING_QUOTES = "“‘«"
_CLOSING_QUOTES = "”’»"


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text (separated by blank lines), with their inner whitespace folded."""
    paragraphs = (" ".join(p.split()) for p in _PARAGRAPH_BREAK.split(text))
    return [p for p in paragraphs if p]


def leading_paragraphs(text: str, count: int) -> list[str]:
    """`split_paragraphs(text)[:count]`, without folding the paragraphs after them."""
    # Only the first and the last piece of a split can be blank (a break takes every newline of
    # the whitespace it starts in): count + 1 pieces hold `count` paragraphs.
    pieces = _PARAGRAPH_BREAK.split(text, maxsplit=count + 1)[: count + 1]
    paragraphs = (" ".join(p.split()) for p in pieces)
    return [p for p in paragraphs if p][:count]


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of one paragraph, with quotations and abbreviations kept whole."""
    return _split_folded(" ".join(paragraph.split()))


def _split_folded(paragraph: str) -> list[str]:
    """`split_sentences` of a paragraph whose whitespace is folded already."""
    if not paragraph:
        return []
    # Blingfire reads NUL as a space; with it so replaced, its pieces are slices of `text`,
    # whose offsets are the paragraph's.
    text = paragraph.replace("\x00", " ")
    pieces = [p.strip() for p in _blingfire_sentences(text).split("\n")]
    pieces = [p for p in pieces if p]
    starts = _starts(text, pieces)
    if starts is None:  # blingfire changed another character (none known): keep its cut
        return pieces
    if _ADDRESS_TAIL.search(paragraph):
        starts = sorted({*starts, *(m.end() for m in _ADDRESS_ENDS.finditer(paragraph))})
    bounds = [*_mend_quotes(paragraph, starts), len(paragraph)]
    return [paragraph[a:b].strip() for a, b in _rejoin(paragraph, pairwise(bounds))]


_KEPT_BUFFER = 1 << 20  # bytes: the largest buffer a thread keeps (a daemon's threads live long)


class _Blingfire(threading.local):
    """`blingfire.text_to_sentences` with one output buffer per thread for every call (it makes
    a new one each time, which costs a third of the call); the same text out."""

    def __init__(self) -> None:
        self.buffer = ctypes.create_string_buffer(0)

    def __call__(self, text: str) -> str:
        data = text.encode("utf-8")
        capacity = len(data) * 2  # what text_to_sentences offers, whatever the buffer's size
        if capacity > _KEPT_BUFFER:  # a rare long paragraph: a buffer of its own, not kept
            return blingfire.text_to_sentences(text)
        if len(self.buffer) < capacity:
            self.buffer = ctypes.create_string_buffer(
                min(_KEPT_BUFFER, max(capacity, 2 * len(self.buffer)))
            )
        written = blingfire.blingfire.TextToSentences(
            ctypes.c_char_p(data), ctypes.c_int(len(data)), ctypes.byref(self.buffer),
            ctypes.c_int(capacity),
        )  # fmt: skip
        if written == -1 or written > capacity:
            return ""
        # Its output ends at the first NUL, as text_to_sentences reads it from a zeroed buffer.
        return ctypes.string_at(self.buffer, written).split(b"\x00", 1)[0].decode("utf-8")


_blingfire_sentences = _Blingfire()


def _starts(paragraph: str, pieces: list[str]) -> list[int] | None:
    """Where each piece starts in the paragraph, or None when one is not a slice of it."""
    starts: list[int] = []
    cursor = 0
    for piece in pieces:
        at = paragraph.find(piece, cursor)
        if at < 0:
            return None
        starts.append(at)
        cursor = at + len(piece)
    return starts


def _mend_quotes(paragraph: str, starts: list[int]) -> list[int]:
    """Sorted piece starts, with a cut where a quotation opens a sentence, and each closing
    quote back on the sentence it closes.

    A straight quote opens or closes by its parity in the paragraph: after an even number of
    them it opens.
    """
    if '"' not in paragraph and "“" not in paragraph and "”" not in paragraph:
        return [0, *starts[1:]]  # nothing to mend
    quotes = [match.start() for match in _STRAIGHT_QUOTE.finditer(paragraph)]

    def opens(at: int) -> bool:  # the character at `at` is a quote that opens a quotation
        return paragraph[at] == "“" or bisect_left(quotes, at) % 2 == 0

    cuts = {0}
    for at in starts[1:]:
        closes = paragraph[at] == "”" or (paragraph[at] == '"' and not opens(at))
        if closes and paragraph[at + 1 : at + 2] in ("", " "):  # it ends the piece before
            at += 1
        cuts.add(at)
    for mark in _OPENING_MARK.finditer(paragraph):
        at = mark.start()  # a cut here if the space before it follows a sentence's end
        if at < 3 or not _QUOTE_AFTER_ENDER.match(paragraph, at - 1) or not opens(at):
            continue
        stop = at - 2 - (paragraph[at - 2] in '”"')  # the ., ! or ?
        word = paragraph[paragraph.rfind(" ", 0, stop) + 1 : stop]
        if word.lower() not in ABBREVIATIONS and "." not in word:
            cuts.add(at)
    return sorted(cuts)


def _rejoin(paragraph: str, spans: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The spans of the sentences: pieces joined where blingfire cut and no sentence ends."""
    start, end, sentence, joined = 0, 0, "", 0
    for piece_start, piece_end in spans:
        piece = paragraph[piece_start:piece_end].strip()
        if not piece:
            continue
        if sentence and joined < MAX_JOINED and _continues(sentence, piece):
            end, joined = piece_end, joined + 1
            sentence = paragraph[start:end].strip()
            continue
        if sentence:
            yield start, end
        start, end, sentence, joined = piece_start, piece_end, piece, 1
    if sentence:
        yield start, end


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
    """Every sentence of an article, numbered by paragraph and position (from the spans found
    when it was read, when it has them)."""
    paragraphs = split_paragraphs(article.text)
    if article.spans is not None:
        found = _from_spans(article, paragraphs)
        if found is not None:
            return found
    sentences: list[Sentence] = []
    for paragraph_index, paragraph in enumerate(paragraphs):
        for text in _split_folded(paragraph):
            sentences.append(Sentence(text, article.id, paragraph_index, len(sentences)))
    return sentences


SPANS_VERSION = 1  # of the splitter: a change to how text is split must raise it


def sentence_spans(text: str) -> bytes | None:
    """Where each sentence of `text` lies: its paragraph's number among `split_paragraphs`, its
    start and end in that paragraph, packed as little-endian int32 triples after the splitter's
    version and the text's CRC-32, so that spans are only ever used for the text and the
    splitter they were found by. Stored with an article, they spare splitting it again each
    time its story is briefed. None when a sentence is not a slice of its paragraph."""
    spans: list[int] = []
    for number, paragraph in enumerate(split_paragraphs(text)):
        at = 0
        for sentence in _split_folded(paragraph):
            start = paragraph.find(sentence, at)
            if start < 0:
                return None
            at = start + len(sentence)
            spans += (number, start, at)
    return struct.pack(f"<2I{len(spans)}i", SPANS_VERSION, _crc(text), *spans)


def span_triples(text: str, spans: bytes | None) -> list[tuple[int, int, int]] | None:
    """The (paragraph number, start, end) of each sentence, when `spans` were found for this
    text by this splitter (`sentence_spans`); else None: split it."""
    if not spans or len(spans) < 8 or len(spans) % 12 != 8:
        return None
    version, crc = struct.unpack_from("<2I", spans)
    if version != SPANS_VERSION or crc != _crc(text):
        return None
    values = struct.unpack_from(f"<{(len(spans) - 8) // 4}i", spans, 8)
    return list(zip(values[0::3], values[1::3], values[2::3], strict=True))


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def _from_spans(article: Article, paragraphs: list[str]) -> list[Sentence] | None:
    triples = span_triples(article.text, article.spans)
    if triples is None:
        return None
    sentences = []
    for position, (number, start, end) in enumerate(triples):
        if not 0 <= number < len(paragraphs) or not 0 <= start < end <= len(paragraphs[number]):
            return None  # not this text's after all: split it
        sentences.append(Sentence(paragraphs[number][start:end], article.id, number, position))
    return sentences


def words(text: str) -> list[str]:
    """Word tokens of a text (letters and digits, inner hyphens and apostrophes kept)."""
    global _last_words
    last = _last_words
    if last[0] is text:  # an article's text, tokenized to detect its language, then for terms
        return list(last[1])
    found = _WORD.findall(text)
    _last_words = (text, tuple(found))
    return found


_last_words: tuple[str | None, tuple[str, ...]] = (None, ())  # the text last tokenized, its words


def word_start(text: str, number: int) -> int:
    """Where the word of this number (from 0, as `words` counts them) starts in
    `text`; its length when it has fewer words."""
    for found in itertools.islice(_WORD.finditer(text), number, None):
        return found.start()
    return len(text)


class SumyTokenizer:
    """The tokenizer object sumy's parsers expect, without NLTK data downloads."""

    def __init__(self, language: str = "english") -> None:
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(words(sentence))
