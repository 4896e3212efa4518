"""A story's sentences, tokenized once and shared by every summarizer.

Each sentence is split, stemmed and checked once here; the summarizers and the near-duplicate
search then work on numpy arrays and sparse matrices built from these tokens, never on pairs of
sentences in Python.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property

import numpy as np
from scipy import sparse

from digest.language import LANGUAGES, detect_language, stemmer, stop_words
from digest.models import Article, Sentence, Story
from digest.sentences import sentences_of, words

MIN_WORDS = 6  # shorter "sentences" are bylines, captions, fragments or chatter
MAX_WORDS = 70  # longer ones are run-on lists or splitter failures

# "LONDON (AP) _", "BONN, Germany (AP) --", "NEW YORK _": a wire dateline left at a sentence start.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'\- ]+(?:, [A-Z][A-Za-z.\- ]*)?(?:, \w+\.? \d{1,2})?\s*(?:\([A-Za-z .]+\))?"
    r"\s*(?:_|--|—|–)\s+"
)
_ENDS_WHOLE = re.compile(r"[.!?…][\"'”’)\]]*$")
# Credits, captions and web furniture that readers sometimes leave inside an article's text.
_NOT_PROSE = re.compile(
    r"\b(?:AP|AFP|Reuters|Getty|EPA|file) (?:Photo|Images)\b|\bphoto(?:graph)? (?:by|credit)\b|"
    r"^(?:photo|caption|image|video|related|advertisement|read more|see also)\b|"
    r"\bclick here\b|\ball rights reserved\b|\bcopyright\b|©|\bsign up\b|\bsubscribe\b|"
    r"\bnewsletter\b|\bjavascript\b|\bcookies?\b|\bbrowser\b",
    re.IGNORECASE,
)
_UNDATED = datetime.max.replace(tzinfo=timezone.utc)


def strip_dateline(text: str) -> str:
    """A sentence without a wire dateline such as "LONDON (AP) _" at its start."""
    match = _DATELINE.match(text)
    if match and match.end() < len(text) and text[match.end()].isupper():
        return text[match.end() :]
    return text


def story_order(articles: Sequence[Article]) -> tuple[Article, ...]:
    """Articles sorted by published date (undated ones last), then id."""

    def key(article: Article) -> tuple[datetime, str]:
        published = article.published or _UNDATED
        if published.tzinfo is None:
            published = published.replace(tzinfo=timezone.utc)
        return published, article.id

    return tuple(sorted(articles, key=key))


def is_whole_prose(text: str) -> bool:
    """True for a complete prose sentence: not a fragment, caption, credit or cut quotation."""
    count = len(text.split())
    if not MIN_WORDS <= count <= MAX_WORDS or not _ENDS_WHOLE.search(text):
        return False
    if text.count('"') % 2 or text.count("“") != text.count("”") or text.count("(") != text.count(")"):
        return False
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) > 0.5 * len(letters):
        return False  # a shouted headline or a caption in capitals
    return not _NOT_PROSE.search(text)


@dataclass(frozen=True, slots=True)
class Terms:
    """The stemmed tokens of one sentence."""

    stems: tuple[str, ...]  # every word, lower-cased and stemmed
    content: tuple[bool, ...]  # False for stop words and one- or two-digit numbers


class StoryText:
    """Every sentence of a story with its tokens, article, position and eligibility."""

    def __init__(self, story: Story, language: str = "auto") -> None:
        self.story = story
        self.articles = story_order(story.articles)
        self.languages = tuple(_language_of(a, language) for a in self.articles)
        self.sentences: list[Sentence] = []
        self.texts: list[str] = []
        article_of: list[int] = []
        for index, article in enumerate(self.articles):
            for sentence in sentences_of(article):
                self.sentences.append(sentence)
                self.texts.append(strip_dateline(sentence.text))
                article_of.append(index)
        self.article_of = np.asarray(article_of, dtype=np.int64)
        self.positions = np.asarray([s.position for s in self.sentences], dtype=np.int64)
        self.lengths = np.asarray([len(t.split()) for t in self.texts], dtype=np.int64)
        self.eligible = np.asarray([is_whole_prose(t) for t in self.texts], dtype=bool)
        if not self.eligible.any():
            self.eligible = self.lengths > 0  # a story of fragments still gets a brief
        self.terms = [
            _terms(text, self.languages[a]) for text, a in zip(self.texts, article_of, strict=True)
        ]

    def __len__(self) -> int:
        return len(self.sentences)

    @cached_property
    def language(self) -> str:
        """The language most of the story's articles are written in."""
        if not self.languages:
            return "en"
        counts = Counter(self.languages)
        return max(counts, key=lambda code: (counts[code], -self.languages.index(code)))

    @cached_property
    def content_vectors(self) -> sparse.csr_matrix:
        """Binary content-word vectors, L2-normalised: sentences × stems."""
        rows = [sorted({s for s, c in zip(t.stems, t.content, strict=True) if c}) for t in self.terms]
        matrix = binary_matrix(rows, self.vocabulary)
        return normalize_rows(matrix)

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        """Column index of each content stem of the story."""
        stems = sorted(
            {s for t in self.terms for s, c in zip(t.stems, t.content, strict=True) if c}
        )
        return {stem: index for index, stem in enumerate(stems)}


def _language_of(article: Article, setting: str) -> str:
    if setting != "auto":
        return setting
    fallback = article.language if article.language in LANGUAGES else "en"
    return detect_language(article.text, default=fallback)


def _terms(text: str, language: str) -> Terms:
    stem = stemmer(language)
    stops = stop_words(language)
    lowered = [w.lower() for w in words(text)]
    return Terms(
        stems=tuple(stem(w) for w in lowered),
        content=tuple(w not in stops and not (w.isdigit() and len(w) < 3) for w in lowered),
    )


def binary_matrix(rows: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """A CSR matrix with a 1 where row i holds a key of `vocabulary` (unknown keys are skipped)."""
    indptr = [0]
    indices: list[int] = []
    for row in rows:
        columns = sorted({vocabulary[k] for k in row if k in vocabulary})
        indices.extend(columns)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    shape = (len(rows), len(vocabulary))
    return sparse.csr_matrix((data, np.asarray(indices, dtype=np.int64), indptr), shape=shape)


def normalize_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Rows scaled to unit length (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)
