"""How the state's rows read: dates as stored, articles from their columns, and statements
asked in chunks (SQLite limits the parameters of one statement)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from digest.models import Article

T = TypeVar("T")
ARTICLE_COLUMNS = "id, file, title, source, url, published, text, language, ingested"  # as read


def in_chunks(values: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    """Lists of at most `size` values: SQLite limits the parameters of one statement."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def to_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def row_article(row: tuple, spans: bytes | None = None) -> Article:
    """The article of a row of ARTICLE_COLUMNS."""
    article_id, file, title, source, url, published, text, language, ingested = row
    return Article(
        id=article_id, file=file, title=title, source=source, url=url,
        published=from_iso(published) if published else None, text=text, language=language,
        spans=spans, received=from_iso(ingested),
    )  # fmt: skip
