"""Cleaning article text: stray whitespace and invisible characters, boilerplate lines, a press
release's closing matter and the wire dateline (their rules are in `prose`), and the hashes that
identify articles and paragraphs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from digest.language import stop_words
from digest.models import Article
from digest.prose import (
    is_boilerplate,
    is_release_contact,
    release_matter,
    strip_paragraph_dateline,
)

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
# Control and format characters (but not tab and newline), soft hyphens, zero-width marks, stray
# BOMs.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200c-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    r"\ufff9-\ufffb]"
)


def normalize_text(text: str) -> str:
    """Unicode NFC, unified line ends and spaces, no control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def clean_body(text: str) -> str:
    """Article body as paragraphs separated by blank lines, with boilerplate removed."""
    lines = normalize_text(text).split("\n")
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if not is_boilerplate(line):
            current.append(line)
    paragraphs = paragraphs[: release_matter(paragraphs)]
    paragraphs = [p for p in paragraphs if not is_release_contact(p)]
    if paragraphs:
        paragraphs[0] = strip_paragraph_dateline(paragraphs[0])
    return "\n\n".join(p for p in paragraphs if p.strip())


def paragraph_key(paragraph: str) -> str:
    """A short hash of a paragraph, used to spot lines a source repeats in every article."""
    folded = re.sub(r"\W+", " ", paragraph.casefold()).strip()
    return hashlib.blake2b(folded.encode(), digest_size=8).hexdigest()


def content_id(title: str | None, text: str) -> str:
    """A stable article id derived from its title and cleaned text."""
    folded = re.sub(r"\s+", " ", f"{title or ''}\n{text}".casefold()).strip()
    return hashlib.blake2b(folded.encode(), digest_size=8).hexdigest()


# A paragraph that several unrelated articles of different sources carry word for word is
# furniture: a syndication note ("This article first appeared on ..."), a cookie or newsletter
# notice. (Articles about one event share paragraphs too, wire copy most of all: those are news,
# and their carriers are related.)
FURNITURE_CARRIERS = 3  # unrelated articles carrying the same paragraph ...
FURNITURE_SOURCES = 2  # ... from at least this many sources
UNRELATED = 0.05  # two articles sharing a smaller share of their content words are unrelated


def shared_furniture(articles: Sequence[tuple[Article, Sequence[str]]]) -> frozenset[str]:
    """The keys (`paragraph_key`) of the paragraphs that FURNITURE_CARRIERS articles carry,
    from FURNITURE_SOURCES sources or more, no two of which are about the same thing.

    `articles` are each article with the keys of its paragraphs (split on blank lines). Only
    the carriers of a paragraph seen often enough have their words compared (less the
    paragraph's own), so the test costs little.
    """
    carriers: dict[str, list[int]] = {}
    for index, (_, keys) in enumerate(articles):
        for key in dict.fromkeys(keys):
            carriers.setdefault(key, []).append(index)
    content: dict[int, frozenset[str]] = {}
    furniture = set()
    for key, indices in carriers.items():
        if (
            len(indices) < FURNITURE_CARRIERS
            or len(_sources(articles, indices)) < FURNITURE_SOURCES
        ):
            continue
        first, keys = articles[indices[0]]
        shared = _content_words(first.text.split("\n\n")[list(keys).index(key)], first.language)
        unrelated: list[int] = []
        for index in indices:
            if index not in content:
                article = articles[index][0]
                content[index] = _content_words(article.text, article.language)
            words = content[index] - shared
            if all(_overlap(words, content[other] - shared) < UNRELATED for other in unrelated):
                unrelated.append(index)
        if (
            len(unrelated) >= FURNITURE_CARRIERS
            and len(_sources(articles, unrelated)) >= FURNITURE_SOURCES
        ):
            furniture.add(key)
    return frozenset(furniture)


def _sources(articles: Sequence[tuple[Article, Sequence[str]]], indices: list[int]) -> set[str]:
    return {source for i in indices if (source := articles[i][0].source)}


def _content_words(text: str, language: str | None) -> frozenset[str]:
    stops = stop_words(language or "en")
    return frozenset(word for word in re.findall(r"\w{4,}", text.casefold()) if word not in stops)


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard: the share of the two sets' words they have in common."""
    return len(first & second) / max(len(first | second), 1)
