"""A saved page's publication time, from the timestamp its metadata declares.

Trafilatura finds a page's publication day, not its time: "2026-12-02" for a page published at
23:30 New York time, which is 04:30 on 3 December in UTC. Pages declare the whole timestamp in
their metadata: the `article:published_time` and `og:published_time` meta tags, the
`datePublished` of their microdata or of their JSON-LD article, a `pubdate` or `date` meta tag,
a `<time>` marked as the publication time. That timestamp is read when it gives a time of day
and is a plausible date (`digest.dates`), and kept when it falls on trafilatura's day (in the
timestamp's own offset) or trafilatura found none; otherwise trafilatura's day stands.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import lxml.etree

from digest.dates import implausible, parse_date, parse_timestamp

log = logging.getLogger(__name__)
# Meta tags (by property or name, in any case) that hold the publication time, the Open Graph
# ones first; then those that hold a date of the page, most often its publication date.
_PUBLISHED_TAGS = ("article:published_time", "og:published_time", "og:article:published_time")
_DATE_TAGS = (
    "pubdate", "publishdate", "publish-date", "publish_date", "published_date",
    "publication_date", "date", "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued",
)  # fmt: skip
_POSTING_TYPES = ("BlogPosting", "LiveBlogPosting")  # kinds of schema.org Article too
# A time shown as when the article was changed, not published, in the languages digest reads.
_CHANGED = re.compile(r"(?i)updat|modif|edited|actuali|aktualisiert|geändert|mis à jour")


def page_published(root: lxml.etree._Element | None, day: object) -> object:
    """The page's publication time in UTC when the page declares one on `day` (trafilatura's
    date of the page, a day), or declares one and `day` is None or a placeholder; else `day`
    as it is."""
    if root is None:
        return day
    found = parse_date(day)
    if day is not None and found is None:
        return day  # unreadable: the reader says so
    now = datetime.now(UTC)
    if found is not None and implausible(found, now):
        found = None  # a placeholder day ("1970-01-01"): any plausible declared time is better
    for value in _declared(root):
        stamp = parse_timestamp(value)
        if stamp is None or implausible(stamp, now):
            continue
        if found is None or stamp.date() == found.date():
            log.debug("the page declares its publication time: %s", value)
            return stamp.astimezone(UTC)
    return day


def _declared(root: lxml.etree._Element) -> Iterator[str]:
    """The timestamps the page declares as its publication time, the most explicit first; each
    kind of declaration is looked for only when the ones before gave none that fits."""
    tags: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        if key and meta.get("content"):
            tags.setdefault(key, meta.get("content", ""))
    yield from (tags[name] for name in _PUBLISHED_TAGS if name in tags)
    for marked in root.xpath("//*[@itemprop='datePublished']"):
        yield marked.get("content") or marked.get("datetime") or ""
    yield from (tags[name] for name in _DATE_TAGS if name in tags)
    yield from _linked_data(root)
    yield from (time.get("datetime", "") for time in root.xpath("//time[@pubdate]"))
    yield from _header_time(root)


def _linked_data(root: lxml.etree._Element) -> Iterator[str]:
    """The `datePublished` of the articles the page's JSON-LD describes (at its top, in a
    `@graph`, or as a page's `mainEntity`)."""
    for script in root.xpath("//script[@type]"):
        if script.get("type", "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):  # broken: the page's other declarations are read
            continue
        for thing in _things(data):
            if _is_article(thing) and isinstance(thing.get("datePublished"), str):
                yield thing["datePublished"]


def _things(data: object) -> Iterator[dict]:
    """The objects of a JSON-LD document: at its top, in a `@graph`, a page's `mainEntity`."""
    for top in data if isinstance(data, list) else [data]:
        graph = top.get("@graph") if isinstance(top, dict) else None
        for thing in [top, *(graph if isinstance(graph, list) else [])]:
            if isinstance(thing, dict):
                yield thing
                entity = thing.get("mainEntity")
                yield from [entity] if isinstance(entity, dict) else ()


def _is_article(thing: dict) -> bool:
    kinds = thing.get("@type")
    for kind in kinds if isinstance(kinds, list) else [kinds]:
        name = str(kind).rpartition("/")[2].rpartition(":")[2]  # "schema:NewsArticle", a URL
        if name.endswith("Article") or name in _POSTING_TYPES:
            return True
    return False


def _header_time(root: lxml.etree._Element) -> Iterator[str]:
    """The time in the article's header when it holds one and nothing marks it as the time the
    article was changed."""
    times = root.xpath("(//article)[1]//header//time[@datetime]")
    shown = {time.get("datetime", "").strip() for time in times}
    if len(shown) != 1:  # none, or published and updated: which is which is not clear
        return
    header = next(times[0].iterancestors("header"))
    marks = " ".join([*times[0].attrib.values(), header.text_content()])
    if not _CHANGED.search(marks):
        yield shown.pop()
