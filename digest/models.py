"""The typed, immutable objects handed from one pipeline stage to the next."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The formats a digest is written in, in the order of preference of its permalink.
FORMATS = ("html", "md", "json")
# The languages digest reads (stop words, stemmers, furniture rules), by code.
LANGUAGES: dict[str, str] = {"en": "english", "fr": "french", "de": "german", "es": "spanish"}


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
    # Where its sentences lie (`sentences.sentence_spans` of this text), found once when it was
    # read; None: split when needed. Not part of what an article is: equality leaves it out.
    spans: bytes | None = field(default=None, compare=False, repr=False)
    # When digest received it (stored it; read it, for `digest brief`); None: not known. Not
    # part of what an article is either.
    received: datetime | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article, with where it stood."""

    text: str
    article_id: str
    paragraph: int  # index of its paragraph within the article
    position: int  # index of the sentence within the article


@dataclass(frozen=True, slots=True)
class BriefSentence:
    """A sentence of a brief and the ids of every article that carried it."""

    text: str
    sources: tuple[str, ...]
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class Coverage:
    """How an earlier digest covered a story: its headline and the sentences it showed."""

    digest: str  # the digest's name, such as digest-2026-11-21 (its permalink's stem)
    generated_at: datetime
    headline: str
    sentences: tuple[BriefSentence, ...]


@dataclass(frozen=True, slots=True)
class History:
    """What the reader of a story has seen already: the digests that covered it (oldest first)
    and the articles the story held when it was last shown; and the articles a later build
    left out as adding nothing to that (`passed`: no news, but nothing the reader read).
    `first_read` is what the reader first read of it: the articles the story held when a
    digest first showed it (none for `digest brief --after`, which no digest showed)."""

    coverages: tuple[Coverage, ...] = ()
    seen: frozenset[str] = frozenset()  # article ids
    passed: frozenset[str] = frozenset()  # article ids
    first_read: frozenset[str] = frozenset()  # article ids

    @property
    def last(self) -> Coverage | None:
        return self.coverages[-1] if self.coverages else None

    @property
    def known(self) -> frozenset[str]:
        """The articles that are no news: read by the reader, or passed over as adding nothing."""
        return self.seen | self.passed

    @property
    def shown(self) -> tuple[str, ...]:
        """Every sentence shown of the story so far."""
        return tuple(s.text for c in self.coverages for s in c.sentences)


@dataclass(frozen=True, slots=True)
class Story:
    """Articles about one news event, grouped by the clustering stage; `history` is what the
    reader has seen of it (None: brief it whole, as if new)."""

    id: str
    articles: tuple[Article, ...]
    history: History | None = None


@dataclass(frozen=True, slots=True)
class Brief:
    """The extractive brief of one story: of what is new since `previous`, when it was shown."""

    story_id: str
    headline: str
    articles: tuple[Article, ...]
    sentences: tuple[BriefSentence, ...]
    first_seen: datetime | None = None  # first reported (`summarize.first_reported`)
    previous: Coverage | None = None  # the last digest that showed it
    read_before: bool = False  # its reader read of it: in `previous`, or files (`brief --after`)

    @property
    def status(self) -> str:
        """ "updated" for a story its reader read of before (in an earlier digest, or in the
        files `digest brief --after` names), else "new"."""
        return "updated" if self.read_before or self.previous else "new"

    @property
    def previously(self) -> str | None:
        """The opening sentence the story had in the last digest that showed it."""
        if self.previous is None or not self.previous.sentences:
            return None
        return self.previous.sentences[0].text


@dataclass(frozen=True, slots=True)
class Digest:
    """A dated digest: one brief per story."""

    title: str
    generated_at: datetime
    briefs: tuple[Brief, ...] = field(default_factory=tuple)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the digest's own time zone (that of `generated_at`): every day a digest
        shows (a source's date, first reported, an earlier digest's) is one of its own days."""
        if moment.tzinfo is None or self.generated_at.tzinfo is None:
            return moment
        return moment.astimezone(self.generated_at.tzinfo)


@dataclass(frozen=True, slots=True)
class Placed:
    """An article already stored (and maybe already in a story), as the clustering sees it."""

    article_id: str
    story_id: str | None  # None for the new articles being placed
    published: datetime  # aware; the ingest time when the article had no date
    features: bytes


@dataclass(frozen=True, slots=True)
class Frequencies:
    """How many stored articles the clustering counts, and how many of them hold each term (of
    those asked for; a term left out is in none)."""

    documents: int
    of: dict[int, int]

    def with_terms(self, more: Frequencies) -> Frequencies:
        """These frequencies and those of `more` (asked of the same store)."""
        return Frequencies(self.documents, {**self.of, **more.of})
