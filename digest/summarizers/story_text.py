"""A story's sentences, tokenized once and shared by every summarizer.

Each sentence is split, stemmed and checked once here; the summarizers and the near-duplicate
search then work on numpy arrays and sparse matrices built from these tokens, never on pairs of
sentences in Python.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property

import numpy as np
from scipy import sparse

from digest.language import LANGUAGES, detect_language, stemmer, stop_words
from digest.models import Article, Sentence, Story
from digest.sentences import sentences_of, words

MIN_WORDS = 6  # shorter "sentences" are bylines, captions, fragments or chatter
MAX_WORDS = 100  # longer ones are run-on lists or splitter failures

# "LONDON (AP) _", "BONN, Germany (AP) --", "NEW YORK _": a wire dateline left at a sentence start.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'\- ]+(?:, [A-Z][A-Za-z.\- ]*)?(?:, \w+\.? \d{1,2})?\s*(?:\([A-Za-z .]+\))?"
    r"\s*(?:_|--|—|–)\s+"
)
_CLOSERS = "\"'”’)]"
_ENDERS = ".!?…"
# Credits, captions and web furniture that readers sometimes leave inside an article's text.
_NOT_PROSE = re.compile(
    r"\b(?:AP|AFP|Reuters|Getty|EPA|file) (?:Photo|Images)\b|\bphoto(?:graph)? (?:by|credit)\b|"
    r"^(?:photo|caption|image|video|related|advertisement|read more|see also)\b|"
    r"\bclick here\b|\ball rights reserved\b|\bcopyright\b|©|\bsign up\b|\bsubscribe\b|"
    r"\bnewsletter\b|\bjavascript\b|\bcookies?\b|\bbrowser\b",
    re.IGNORECASE,
)
# Words one of which every _NOT_PROSE match holds: a cheap test first, the regex only then.
_FURNITURE_HINTS = ("photo", "image", "caption", "video", "related", "advertisement", "read more",
                    "see also", "click", "rights", "copyright", "©", "sign up", "subscribe",
                    "newsletter", "javascript", "cookie", "browser")  # fmt: skip
# A sentence opening like this points back at something the reader may not have seen.
_DANGLING_OPENER = re.compile(
    r"^[\"'“‘(]*\s*(?:he|she|it|they|him|her|his|its|their|them|this|that|these|those|such|"
    r"but|and|or|so|also|however|meanwhile|still|yet|then|thus|therefore|moreover|furthermore|"
    r"instead|nevertheless|nonetheless|besides|otherwise|"
    r"in addition|in contrast|as a result|at the same time|on the other hand|even so|after that)\b",
    re.IGNORECASE,
)
_PRONOUN_ATTRIBUTION = re.compile(
    r"\b(?:(?:he|she|they) (?:said|says|added|told|explained)|(?:said|says|added) (?:he|she))\b",
    re.IGNORECASE,
)
_UNDATED = datetime.max.replace(tzinfo=UTC)


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
            published = published.replace(tzinfo=UTC)
        return published, article.id

    return tuple(sorted(articles, key=key))


def is_whole_prose(text: str) -> bool:
    """True for a complete prose sentence: not a fragment, caption, credit or cut quotation."""
    count = len(text.split())
    if not MIN_WORDS <= count <= MAX_WORDS or (text.rstrip(_CLOSERS) or " ")[-1] not in _ENDERS:
        return False
    if (
        text.count('"') % 2
        or text.count("“") != text.count("”")
        or text.count("(") != text.count(")")
    ):
        return False
    if sum(w.isupper() for w in text.split()) > 0.5 * count:
        return False  # a shouted headline or a caption in capitals
    lowered = text.lower()
    return not (any(h in lowered for h in _FURNITURE_HINTS) and _NOT_PROSE.search(text))


def dangles(sentence: str) -> bool:
    """True when a sentence opens on a connective or a pronoun it cannot resolve on its own."""
    return bool(_DANGLING_OPENER.match(sentence) or _PRONOUN_ATTRIBUTION.search(sentence))


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
        self._tokenize()

    def _tokenize(self) -> None:
        """Stem every word once; tokens become integer ids in flat arrays, by sentence."""
        self.vocabulary: dict[str, int] = {}  # every stem of the story → its id
        ids: list[int] = []
        content: list[bool] = []
        owner: list[int] = []
        for index, text in enumerate(self.texts):
            code = self.languages[self.article_of[index]]
            stem, stops = stemmer(code), stop_words(code)
            for word in words(text):
                word = word.lower()
                ids.append(self.vocabulary.setdefault(stem(word), len(self.vocabulary)))
                # Stop words and small numbers say nothing about what a story is about.
                content.append(word not in stops and not (word.isdigit() and len(word) < 3))
            owner.extend([index] * (len(ids) - len(owner)))
        self.token_ids = np.asarray(ids, dtype=np.int64)
        self.token_content = np.asarray(content, dtype=bool)
        self.token_sentence = np.asarray(owner, dtype=np.int64)

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
        content = self.token_content
        shape = (len(self), len(self.vocabulary))
        matrix = incidence(self.token_sentence[content], self.token_ids[content], shape)
        return normalize_rows(matrix)


def _language_of(article: Article, setting: str) -> str:
    if setting != "auto":
        return setting
    fallback = article.language if article.language in LANGUAGES else "en"
    return detect_language(article.text, default=fallback)


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


def incidence(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    """A binary CSR matrix with a 1 at each (row, column) pair, however often it is listed."""
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=shape)
    matrix.data[:] = 1.0  # duplicates were summed when the matrix was built
    return matrix


def normalize_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Rows scaled to unit length (empty rows stay empty)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)
