"""JSON articles: one object, or a list of objects."""

from __future__ import annotations

import json

from digest.errors import ReadError
from digest.readers.blocks import fragment_text
from digest.readers.draft import Draft, draft_from_meta

_TEXT_KEYS = ("text", "content", "body")


def read_json(text: str) -> list[Draft]:
    """Articles from a .json file with `title`, `text` (or `content`/`body`), `url`, ..."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReadError(f"not valid JSON: {error.msg} (line {error.lineno})") from None
    except RecursionError:
        raise ReadError("not readable JSON: nested too deeply") from None
    items = data if isinstance(data, list) else [data]
    drafts = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ReadError(f"item {index} is not an object with article fields")
        body = next((item[k] for k in _TEXT_KEYS if isinstance(item.get(k), str)), None)
        if body is None:
            raise ReadError(f"item {index} has no 'text', 'content' or 'body' string")
        if "<" in body and ">" in body:
            body = fragment_text(body)[1] or body
        meta = {k: v for k, v in item.items() if isinstance(v, (str, int, float))}
        drafts.append(draft_from_meta(meta, body))
    return drafts
