"""The typed, immutable objects handed from one pipeline stage to the next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Article:
    """One cleaned article, as read from a file in the inbox."""

    id: str  # stable id derived from the article's content
    file: str  # the file name as dropped into the inbox
    title: str | None
    source: str | None
    url: str | None
    published: datetime | None  # timezone-aware when known
    text: str  # cleaned body text; paragraphs separated by a blank line
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article, with where it stood."""

    text: str
    article_id: str
    paragraph: int  # index of its paragraph within the article
    position: int  # index of the sentence within the article


@dataclass(frozen=True, slots=True)
class Story:
    """Articles about one news event, grouped by the clustering stage."""

    id: str
    articles: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class BriefSentence:
    """A sentence of a brief and the ids of every article that carried it."""

    text: str
    sources: tuple[str, ...]
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Brief:
    """The extractive brief of one story."""

    story_id: str
    headline: str
    articles: tuple[Article, ...]
    sentences: tuple[BriefSentence, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """A dated digest: one brief per story."""

    title: str
    generated_at: datetime
    briefs: tuple[Brief, ...] = field(default_factory=tuple)
