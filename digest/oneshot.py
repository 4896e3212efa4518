"""`digest brief`: one brief of given files, as one story, outside the inbox and the store.

With `after` (the files a reader has read), the brief tells what the given files add: the same
composer as a story of the daily digest that was shown before.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from digest import inbox
from digest.config import Config
from digest.errors import DigestError
from digest.models import Article, Brief, History, Story
from digest.pipeline import ReadFile, read_one
from digest.summarize import summarize
from digest.summarizers.selection import Budget

log = logging.getLogger(__name__)


def brief_paths(
    paths: Sequence[Path],
    config: Config,
    *,
    after: Sequence[Path] = (),
    words: int | None = None,
    sentences: int | None = None,
    method: str | None = None,
    budget: Budget | None = None,
) -> Brief:
    """One brief of the given files (or of the files in given folders), as one story.

    With `after` (files or folders the reader has read), the brief tells what the given files
    add to those: the same update rule as a story of the daily digest shown before. Neither the
    inbox nor the store is read or changed. Unreadable files are skipped with a warning; when no
    file can be read, DigestError says why. `budget` replaces the length rule of the settings
    (the evaluation asks for briefs that reach the limit).
    """
    articles, read = _read_paths(paths, config)
    earlier, _ = _read_paths(after, config)
    if not articles:
        reasons = "; ".join(f"{item.path.name}: {item.error}" for item in read) or "no files"
        raise DigestError(f"nothing to summarize ({reasons})")
    settings = config.brief
    if sentences:
        settings = replace(settings, sentences=sentences)
    elif words:
        settings = replace(settings, words=words, sentences=0)
    if method:
        settings = replace(settings, method=method)
    seen = frozenset(a.id for a in earlier)
    story_articles = {a.id: a for a in [*earlier, *articles]}
    joined = ",".join(sorted(story_articles))
    story_id = "brief-" + hashlib.blake2b(joined.encode(), digest_size=6).hexdigest()
    history = History(seen=seen) if seen else None
    story = Story(story_id, tuple(story_articles.values()), history)
    return summarize(story, replace(settings, updates=True), budget=budget)


def _read_paths(paths: Sequence[Path], config: Config) -> tuple[list[Article], list[ReadFile]]:
    """The distinct articles of these files or folders, and each file as read; unreadable files
    are warned about."""
    read = [read_one(path, config) for p in paths for path in _files_of(Path(p))]
    for item in read:
        if item.error:
            log.warning("%s: skipped: %s", item.path, item.error)
    return list({a.id: a for item in read for a in item.articles}.values()), read


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not inbox.is_ignored(p.name))
    if not path.exists():
        raise DigestError(f"{path}: no such file or folder")
    return [path]
