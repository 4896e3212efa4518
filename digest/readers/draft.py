"""What a reader hands on: an article's fields before cleaning."""

from __future__ import annotations

from dataclasses import dataclass

from digest.dates import first_date

META_KEYS = {
    "title": "title",
    "headline": "title",
    "source": "source",
    "site": "source",
    "publisher": "source",
    "url": "url",
    "link": "url",
    "date": "published",
    "published": "published",
    "pubdate": "published",
    "author": "author",
    "by": "author",
}


@dataclass(frozen=True, slots=True)
class Draft:
    """An article as read, before cleaning: text with paragraphs separated by blank lines."""

    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: object = None


def draft_from_meta(meta: dict[str, object], text: str) -> Draft:
    """A Draft from header or front-matter fields, whatever their case or synonym: of several
    synonyms, the first given (of dates, the first that reads as one)."""
    fields: dict[str, object] = {}
    dates: list[object] = []
    for key, value in meta.items():
        name = META_KEYS.get(str(key).strip().lower())
        if name == "published":
            dates.append(value)
        elif name and name != "author" and value not in (None, ""):
            fields.setdefault(name, str(value))
    # "Date: n/a" above "Published: 2026-03-08": the first date that reads is the article's.
    return Draft(text=text, published=first_date(dates), **fields)
