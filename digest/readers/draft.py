"""What a reader hands on: an article's fields before cleaning."""

from __future__ import annotations

from dataclasses import dataclass

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
    """A Draft from header or front-matter fields, whatever their case or synonym."""
    fields: dict[str, object] = {}
    for key, value in meta.items():
        name = META_KEYS.get(str(key).strip().lower())
        if name and name != "author" and value not in (None, ""):
            fields.setdefault(name, value if name == "published" else str(value))
    return Draft(text=text, **fields)
