"""The digest's JSON (the schema in the README): written with each digest, read back by the mailer
and the archive. The one place that knows its keys."""

from __future__ import annotations

import json
import math
from datetime import datetime
from json.encoder import encode_basestring

from digest.models import Article, Brief, BriefSentence, Coverage, Digest
from digest.outlets import outlets_of


def json_text(value: dict | list) -> str:
    """JSON as digest writes and prints it: UTF-8 characters as they are, indented, one final
    newline.

    The text is `json.dumps(value, ensure_ascii=False, indent=2)`'s, written here because the
    json module indents in pure Python, several times slower (a digest of thousands of stories
    is large); a value of another type than JSON's own is left to json.dumps.
    """
    chunks: list[str] = []
    try:
        _json_chunks(value, "\n", chunks)
    except (_NotPlainJson, RecursionError):  # a circular value: json.dumps says so
        return json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    chunks.append("\n")
    return "".join(chunks)


class _NotPlainJson(Exception):
    """A value json_text leaves to json.dumps."""


def _json_chunks(value: object, newline: str, out: list[str]) -> None:
    """`value` as indented JSON, in pieces, at the indentation `newline` ends with."""
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif type(value) is int:
        out.append(int.__repr__(value))
    elif type(value) is float:
        out.append(_json_float(value))
    elif type(value) is dict:
        if not value:
            out.append("{}")
            return
        inner, opening = newline + "  ", "{"
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlainJson
            out.append(opening + inner)
            out.append(encode_basestring(key) + ": ")
            _json_chunks(item, inner, out)
            opening = ","
        out.append(newline + "}")
    elif type(value) is list or type(value) is tuple:
        if not value:
            out.append("[]")
            return
        inner, opening = newline + "  ", "["
        for item in value:
            out.append(opening + inner)
            _json_chunks(item, inner, out)
            opening = ","
        out.append(newline + "]")
    else:
        raise _NotPlainJson


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def to_json(digest: Digest) -> dict:
    """The digest as the JSON object documented in the README."""
    return {
        "title": digest.title,
        "generated_at": digest.generated_at.isoformat(timespec="seconds"),
        "stories": [story_json(brief, digest.generated_at) for brief in digest.briefs],
    }


def story_json(brief: Brief, generated_at: datetime | None = None) -> dict:
    """One story of the JSON schema; `generated_at` is the digest's time (when a story none of
    whose articles is dated is first seen)."""
    first_seen = brief.first_seen or generated_at
    previous = brief.previous
    return {
        "id": brief.story_id,
        "headline": brief.headline,
        "status": brief.status,
        "first_seen": first_seen.isoformat(timespec="seconds") if first_seen else None,
        "previous_digest": {
            "name": previous.digest,
            "generated_at": previous.generated_at.isoformat(timespec="seconds"),
            "headline": previous.headline,
        }
        if previous
        else None,
        "previously": brief.previously,
        "outlets": outlets_of(brief.articles),
        "articles": [
            {
                "id": a.id,
                "file": a.file,
                "title": a.title,
                "source": a.source,
                "url": a.url,
                "published": a.published.isoformat(timespec="seconds") if a.published else None,
            }
            for a in brief.articles
        ],
        "sentences": [{"text": s.text, "sources": list(s.sources)} for s in brief.sentences],
    }


def from_json(data: dict) -> Digest:
    """A Digest rebuilt from its JSON (article text is not in the JSON, so it stays empty).

    KeyError, TypeError or ValueError when `data` is not a digest's JSON.
    """
    briefs = []
    for story in data["stories"]:
        articles = tuple(
            Article(
                id=a["id"], file=a["file"], title=a["title"], source=a["source"], url=a["url"],
                published=datetime.fromisoformat(a["published"]) if a["published"] else None,
                text="",
            )
            for a in story["articles"]
        )  # fmt: skip
        sentences = tuple(BriefSentence(s["text"], tuple(s["sources"])) for s in story["sentences"])
        first_seen, previous = _history_of(story)
        read_before = story.get("status") == "updated"
        briefs.append(
            Brief(
                story["id"],
                story["headline"],
                articles,
                sentences,
                first_seen,
                previous,
                read_before,
            )
        )
    return Digest(data["title"], datetime.fromisoformat(data["generated_at"]), tuple(briefs))


def _history_of(story: dict) -> tuple[datetime | None, Coverage | None]:
    """A story's first appearance and previous digest, as its JSON gives them (a digest written
    before these fields existed has none)."""
    previous = story.get("previous_digest")
    if not previous:
        return None, None
    shown = (BriefSentence(story["previously"], ()),) if story.get("previously") else ()
    coverage = Coverage(
        previous["name"],
        datetime.fromisoformat(previous["generated_at"]),
        previous["headline"],
        shown,
    )
    first_seen = story.get("first_seen")
    return (datetime.fromisoformat(first_seen) if first_seen else None), coverage
