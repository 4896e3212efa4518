"""The digest's JSON (the schema in the README): written with each digest, read back by the mailer
and the archive. The one place that knows its keys."""

from __future__ import annotations

import json
from datetime import datetime

from digest.models import Article, Brief, BriefSentence, Coverage, Digest
from digest.outlets import outlets_of


def json_text(value: dict | list) -> str:
    """JSON as digest writes and prints it: UTF-8 characters as they are, indented, one final
    newline."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


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
        briefs.append(
            Brief(story["id"], story["headline"], articles, sentences, first_seen, previous)
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
