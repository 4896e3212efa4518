"""JSON articles: one object, a list of objects, or a JSON Feed (versions 1 and 1.1).

An item of a list that is not an article (no text) is left out with a warning; the file is
rejected only when no item is one. Messages number items from 1.
"""

from __future__ import annotations

import json
import re

from digest.dates import first_date
from digest.errors import ReadError
from digest.readers.blocks import fragment_text
from digest.readers.draft import Draft, draft_from_meta

_TEXT_KEYS = ("text", "content", "body")
_JSON_FEED = re.compile(r"https?://jsonfeed\.org/version/", re.IGNORECASE)
_EXPECTED = (
    "expected an article object (with 'text', 'content' or 'body'), a list of them, or a JSON "
    "Feed (its 'version' https://jsonfeed.org/version/1 or 1.1)"
)
# A JSON Feed item's fields, by preference: full HTML or text content, then the summary.
_FEED_TEXT_KEYS = ("content_html", "content_text", "summary")
_FEED_FIELDS = {"title": "title", "url": "url", "external_url": "url"}
_FEED_DATES = ("date_published", "date_modified")
_SHOWN_KEYS = 6


def read_json(text: str) -> list[Draft]:
    """Articles from a .json file with `title`, `text` (or `content`/`body`), `url`, ..., or
    the items of a JSON Feed."""
    return json_items(text)[0]


def json_items(text: str) -> tuple[list[Draft], list[str]]:
    """`read_json`'s articles, and why each item of a list that is none was left out (the
    caller names the file)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReadError(f"not valid JSON: {error.msg} (line {error.lineno})") from None
    except RecursionError:
        raise ReadError("not readable JSON: nested too deeply") from None
    if _is_json_feed(data):
        return _feed_drafts(data), []
    if not isinstance(data, list):
        return [_only_article(data)], []
    if not data:
        raise ReadError("the file holds an empty list: no article")
    drafts, problems = [], []
    for number, item in enumerate(data, start=1):
        try:
            drafts.append(_draft(item))
        except ReadError as problem:
            problems.append(f"item {number} {problem}")
    if not drafts:
        raise ReadError(
            problems[0] if len(problems) == 1 else f"no item is an article: {problems[0]}"
        )
    return drafts, problems


def _only_article(data: object) -> Draft:
    """The article a file holding one JSON value (not a list) holds."""
    if not isinstance(data, dict):
        raise ReadError(f"the file holds no article object, but {_kind(data)}: {_EXPECTED}")
    try:
        return _draft(data)
    except ReadError as problem:
        keys = ", ".join(repr(key) for key in list(data)[:_SHOWN_KEYS])
        more = ", …" if len(data) > _SHOWN_KEYS else ""
        found = f"its keys: {keys}{more}" if keys else "it is empty"
        raise ReadError(f"the JSON object {problem} ({found}); {_EXPECTED}") from None


def _draft(item: object) -> Draft:
    """The article `item` holds; a ReadError says why it holds none ("has no ...")."""
    if not isinstance(item, dict):
        raise ReadError("is not an object with article fields")
    # The fullest text field: an empty or stub `text` ("Read more") hides no `content` or `body`.
    bodies = [_plain(item[key]) for key in _TEXT_KEYS if _filled(item.get(key))]
    if not bodies:
        raise ReadError("has no 'text', 'content' or 'body' holding text")
    meta = {k: v for k, v in item.items() if isinstance(v, (str, int, float))}
    return draft_from_meta(meta, max(bodies, key=lambda body: len(body.split())))


def _kind(value: object) -> str:
    """What a JSON value is, in a message: "null", "a number", ..."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return f"a number ({str(value)[:20]})"
    return "a string" if isinstance(value, str) else "a list"


def _plain(body: str) -> str:
    return fragment_text(body)[1] or body if "<" in body and ">" in body else body


def _is_json_feed(data: object) -> bool:
    version = data.get("version") if isinstance(data, dict) else None
    return isinstance(version, str) and _JSON_FEED.match(version.strip()) is not None


def _feed_drafts(feed: dict) -> list[Draft]:
    """One draft per item of a JSON Feed; the feed's title is each item's source."""
    items = feed.get("items")
    if not isinstance(items, list) or not items:
        raise ReadError("the JSON Feed has no items")
    source = feed.get("title") if isinstance(feed.get("title"), str) else None
    drafts = [draft for item in items if (draft := _feed_draft(item, source)) is not None]
    if not drafts:
        raise ReadError("no item of the JSON Feed has text (content_html, content_text, summary)")
    return drafts


def _feed_draft(item: object, source: str | None) -> Draft | None:
    if not isinstance(item, dict):
        return None
    body = next((item[k] for k in _FEED_TEXT_KEYS if _filled(item.get(k))), None)
    if body is None:
        return None
    fields = {name: item[key] for key, name in _FEED_FIELDS.items() if _filled(item.get(key))}
    return Draft(
        text=_plain(body),
        title=fields.get("title"),
        source=source,
        url=fields.get("url"),
        published=first_date(item.get(key) for key in _FEED_DATES if _filled(item.get(key))),
    )


def _filled(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
