"""JSON articles: one object, a list of objects, or a JSON Feed (versions 1 and 1.1).

An item of a list that is not an article (no text) is left out with a warning; the file is
rejected only when no item is one.
"""

from __future__ import annotations

import json

from digest.errors import ReadError
from digest.readers.blocks import fragment_text
from digest.readers.draft import Draft, draft_from_meta

_TEXT_KEYS = ("text", "content", "body")
_JSON_FEED = "https://jsonfeed.org/version/"
# A JSON Feed item's fields, by preference: full HTML or text content, then the summary.
_FEED_TEXT_KEYS = ("content_html", "content_text", "summary")
_FEED_FIELDS = {"title": "title", "url": "url", "external_url": "url"}
_FEED_DATES = ("date_published", "date_modified")


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
    items = data if isinstance(data, list) else [data]
    drafts, problems = [], []
    for index, item in enumerate(items):
        try:
            drafts.append(_draft(item, index))
        except ReadError as problem:
            problems.append(str(problem))
    if not items:
        raise ReadError("the file holds an empty list: no article")
    if not drafts:
        raise ReadError(
            problems[0] if len(problems) == 1 else f"no item is an article: {problems[0]}"
        )
    return drafts, problems


def _draft(item: object, index: int) -> Draft:
    if not isinstance(item, dict):
        raise ReadError(f"item {index} is not an object with article fields")
    body = next((item[k] for k in _TEXT_KEYS if isinstance(item.get(k), str)), None)
    if body is None:
        raise ReadError(f"item {index} has no 'text', 'content' or 'body' string")
    meta = {k: v for k, v in item.items() if isinstance(v, (str, int, float))}
    return draft_from_meta(meta, _plain(body))


def _plain(body: str) -> str:
    return fragment_text(body)[1] or body if "<" in body and ">" in body else body


def _is_json_feed(data: object) -> bool:
    version = data.get("version") if isinstance(data, dict) else None
    return isinstance(version, str) and version.startswith(_JSON_FEED)


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
    published = next((item[k] for k in _FEED_DATES if _filled(item.get(k))), None)
    return Draft(
        text=_plain(body),
        title=fields.get("title"),
        source=source,
        url=fields.get("url"),
        published=published,
    )


def _filled(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
