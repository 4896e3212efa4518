"""`digest brief`: briefs of given files, outside the inbox and the store.

`brief_stories` groups the files into stories as a build does (the clustering stage) and briefs
each story; `brief_paths` briefs the files as one story, as the evaluation asks. With `after`
(the files a reader has read), a brief tells what the given files add: the same composer as a
story of the daily digest that was shown before.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from digest import cluster, inbox
from digest.config import BriefSettings, Config
from digest.errors import DigestError
from digest.models import Article, Brief, History, Placed, Story
from digest.pipeline import ReadFile, first_copies, most_reported_first, read_one, story_name
from digest.prose import NOT_QUOTABLE
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
    articles, earlier = _read_all(paths, after, config)
    settings = _settings(config, words, sentences, method)
    story = _story([*earlier, *articles], frozenset(a.id for a in earlier))
    return summarize(story, settings, budget=budget)


def brief_stories(
    paths: Sequence[Path],
    config: Config,
    *,
    after: Sequence[Path] = (),
    words: int | None = None,
    sentences: int | None = None,
    method: str | None = None,
) -> list[Brief]:
    """One brief per story of the given files, grouped as a build groups articles (the most
    reported story first), for the stories that have something to tell.

    A story made only of `after` files is not briefed; one whose new files add nothing to the
    `after` files, or with no sentence that can be quoted, is left out with a warning. When
    none is left, a DigestError says why. Files are read and skipped as `brief_paths` reads
    them.
    """
    articles, earlier = _read_all(paths, after, config)
    settings = _settings(config, words, sentences, method)
    seen = frozenset(a.id for a in earlier)
    grouped = _stories([*earlier, *articles], config)
    stories = [_story(group, seen) for group in grouped if any(a.id not in seen for a in group)]
    stories.sort(key=most_reported_first)
    briefs = [summarize(story, settings) for story in stories]
    added_nothing = unquotable = False
    for brief in briefs:
        if brief.sentences:
            continue
        if brief.read_before:  # it holds files the reader read
            added_nothing = True
            log.warning("left out %s: it adds nothing to the --after files", story_name(brief))
        else:
            unquotable = True
            log.warning("left out %s: no sentence of it can be quoted in a brief (%s)",
                        story_name(brief), NOT_QUOTABLE)  # fmt: skip
    kept = [brief for brief in briefs if brief.sentences]
    if not kept:
        named = ", ".join(map(str, paths))
        if not unquotable:  # nothing new, or every story was read before
            raise NothingToBrief(f"Nothing new: {named} add(s) nothing to the --after files")
        if not added_nothing:
            raise NothingToBrief(f"No sentence of {named} can be quoted in a brief")
        raise NothingToBrief(f"No story of {named} has a brief (each is named above, with why)")
    return kept


class NothingToBrief(DigestError):
    """No story of the files has anything to tell."""


def _read_all(
    paths: Sequence[Path], after: Sequence[Path], config: Config
) -> tuple[list[Article], list[Article]]:
    """The articles of `paths`, and those of `after`, received now; DigestError when `paths`
    give none."""
    articles, read = _read_paths(paths, config)
    earlier, read_before = _read_paths(after, config)
    if not articles:
        raise DigestError(f"nothing to summarize ({_why_none(paths, read)})")
    if after and not earlier:  # else the brief would tell the reader what they have read
        raise DigestError(f"nothing read in the --after files ({_why_none(after, read_before)})")
    now = datetime.now(UTC)
    return [replace(a, received=now) for a in articles], [replace(a, received=now) for a in earlier]


def _why_none(paths: Sequence[Path], read: Sequence[ReadFile]) -> str:
    """Why these paths gave no article: each file's reason, or that they held no file."""
    return "; ".join(f"{item.path.name}: {item.error}" for item in read) or _no_files(paths)


def _no_files(paths: Sequence[Path]) -> str:
    """Why the given folders gave no file, naming their subfolders, which are not read."""
    folders = [
        found for path in map(Path, paths) if path.is_dir() for found in inbox.subfolders(path)
    ]
    note = f"; {inbox.subfolders_note(folders)}" if folders else ""
    return f"no files in {', '.join(map(str, paths))}{note}"


def _settings(
    config: Config, words: int | None, sentences: int | None, method: str | None
) -> BriefSettings:
    settings = replace(config.brief, updates=True)
    if sentences:
        settings = replace(settings, sentences=sentences)
    elif words:
        settings = replace(settings, words=words, sentences=0)
    if method:
        settings = replace(settings, method=method)
    return settings


def _stories(articles: Sequence[Article], config: Config) -> list[list[Article]]:
    """The articles grouped into stories by the clustering stage, each in the order given."""
    unique = list({a.id: a for a in articles}.values())
    now = datetime.now(UTC)  # an undated article counts as received now, as in a build
    placed = [Placed(a.id, None, a.published or now, cluster.features(a)) for a in unique]
    story_of = cluster.assign(placed, [], config.stories)
    groups: dict[str, list[Article]] = {}
    for article in unique:
        groups.setdefault(story_of[article.id], []).append(article)
    return list(groups.values())


def _story(articles: Sequence[Article], seen: frozenset[str]) -> Story:
    """The articles as one story; those in `seen` are what its reader has read."""
    story_articles = {a.id: a for a in articles}
    joined = ",".join(sorted(story_articles))
    story_id = "brief-" + hashlib.blake2b(joined.encode(), digest_size=6).hexdigest()
    seen = frozenset(seen.intersection(story_articles))
    history = History(seen=seen) if seen else None
    return Story(story_id, tuple(story_articles.values()), history)


def _read_paths(paths: Sequence[Path], config: Config) -> tuple[list[Article], list[ReadFile]]:
    """The distinct articles of these files or folders, and each file as read; unreadable files
    are warned about. A folder's entries are those the inbox would read (`inbox.files_in`): a
    link, pipe or socket among them is warned about with its kind, never opened."""
    files = [f for p in map(Path, paths) for f in _files_of(p)]
    read = [read_one(path, config) for path in files]
    for item in read:
        if item.error:
            log.warning("%s: skipped: %s", item.path, item.error)
    return list(first_copies(a for item in read for a in item.articles).values()), read


def _files_of(path: Path) -> list[Path]:
    """The files a path given names: a folder's entries as the inbox takes them, or itself."""
    if path.is_dir():
        return inbox.files_in(path)
    if not path.exists() and not path.is_symlink():  # a broken link is told as one when read
        raise DigestError(f"{path}: no such file or folder")
    return [path]
