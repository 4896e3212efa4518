"""RSS and Atom feed files: every entry of the feed becomes an article.

feedparser is handed the file's bytes as a file object: handed a string (or bytes) it would take
it for a URL or a file name and fetch or open it. Feeds that declare XML entities are refused
before parsing: entities are how "billion laughs" bombs and external-entity reads work, and no
real feed needs them. (feedparser drops such declarations too; refusing says why clearly.)
"""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml.ElementTree import DefusedXMLParser

from digest.dates import usable_date
from digest.errors import ReadError
from digest.readers.blocks import fragment_blocks, prose
from digest.readers.draft import Draft

if TYPE_CHECKING:
    from feedparser import FeedParserDict

_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_feed(data: bytes) -> list[Draft]:
    """One draft per entry of an RSS or Atom feed: full content when present, else the summary."""
    import feedparser  # imported on first use: it is slow to import

    _refuse_entities(data)
    try:
        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    except Exception as error:  # its lenient parser trips on some hostile input (&#xD800;, ...)
        raise ReadError(f"not a readable feed ({type(error).__name__}: {error})") from None
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f" ({problem})" if parsed.get("bozo") and problem else ""
        raise ReadError(f"not an RSS or Atom feed{detail}")
    if not parsed.entries:
        raise ReadError("the feed has no entries")
    source = _plain(parsed.feed.get("title"))
    return [_draft(entry, source) for entry in parsed.entries]


def _refuse_entities(data: bytes) -> None:
    """Raise ReadError when the document declares entities (in any encoding it declares)."""
    first = _FIRST_ELEMENT.search(data)
    prolog = data[: first.start()] if first else data
    if b"<!ENTITY" in prolog:
        raise _entities_refused()
    parser = DefusedXMLParser(target=_Ignore(), forbid_dtd=False)
    try:
        parser.feed(data)
        parser.close()
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise _entities_refused() from None
    except (ParseError, LookupError, ValueError):  # ValueError covers UnicodeError
        pass  # not well-formed or oddly encoded: feedparser reads it leniently, expanding nothing


def _entities_refused() -> ReadError:
    return ReadError(
        "the feed declares XML entities (<!ENTITY ...>); digest does not read them, since they "
        "can expand into huge text or pull in other files"
    )


class _Ignore:
    """A parser target that keeps nothing: the screening pass needs no tree."""


def _draft(entry: FeedParserDict, source: str | None) -> Draft:
    return Draft(
        text=_entry_text(entry),
        title=_plain(entry.get("title")),
        source=source,
        url=entry.get("link"),
        published=entry_date(entry),
    )


def _entry_text(entry: FeedParserDict) -> str:
    """The entry's full content (content:encoded, Atom content) when present, else its summary."""
    contents = [c for c in entry.get("content") or () if (c.get("value") or "").strip()]
    if contents:
        best = max(contents, key=lambda c: len(c["value"]))
        return _text(best["value"], best.get("type", ""))
    detail = entry.get("summary_detail") or {}
    return _text(entry.get("summary") or "", detail.get("type", "text/html"))


def _text(value: str, content_type: str) -> str:
    """The entry's paragraphs; an entry of headings only is read whole."""
    if content_type not in _HTML_TYPES or "<" not in value:
        return value
    found = fragment_blocks(value)
    return "\n\n".join(prose(found) or [block.text for block in found])


def _plain(value: object) -> str | None:
    """The text of a snippet that may hold markup (feed titles may be HTML)."""
    if not isinstance(value, str) or not value.strip():
        return None
    if "<" not in value:
        return value
    return " ".join(block.text for block in fragment_blocks(value)) or None


def entry_date(entry: FeedParserDict) -> str | datetime | None:
    """The entry's date as written (keeping its time zone), else as feedparser read it (UTC);
    a placeholder (`digest.dates`) gives way to the next date the entry gives."""
    # Read as a plain dict: feedparser's own lookup maps a missing "published" to "updated",
    # with a deprecation warning.
    for key in ("published", "updated", "created"):
        if usable_date(value := dict.get(entry, key)):
            return value
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(entry, key)
        if isinstance(parsed, time.struct_time):
            return datetime(*parsed[:6], tzinfo=UTC)
    return None
