"""`digest preview`: the next digest, written to a temporary folder, with nothing changed or sent.

It is `pipeline.build(dry_run=True)` (the inbox is read but no file moves and nothing is stored),
rendered outside the outbox, and told apart into stories that are new since the last digest and
stories that received new articles.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest import pipeline
from digest.config import Config
from digest.errors import DigestError
from digest.models import Brief, Digest
from digest.render import outlets
from digest.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoryNews:
    """A story of the next digest and how much of it the readers have not seen."""

    brief: Brief
    new_articles: int  # stored after the last digest, or waiting in the inbox

    @property
    def is_new(self) -> bool:
        """True when no earlier digest showed the story."""
        return self.brief.status == "new"


@dataclass(frozen=True, slots=True)
class Preview:
    digest: Digest
    files: tuple[Path, ...]  # the rendered digest, in a temporary folder
    stories: tuple[StoryNews, ...]
    last_digest: str | None
    waiting: int  # inbox files read for the preview (and left where they are)
    unread: tuple[str, ...] = ()  # lines on the inbox files that could not be read


def preview(config: Config, *, now: datetime | None = None, all_stories: bool = False) -> Preview:
    """Build the next digest into the project's preview folder without changing anything."""
    result = pipeline.build(config, now=now, dry_run=True, all_stories=all_stories)
    digest = result.digest
    last, news = story_news(config, digest.briefs)
    files: tuple[Path, ...] = ()
    if result.name:  # a digest with stories
        files = pipeline.write_digest(digest, config, into=preview_folder(config), name=result.name)
    unread = tuple(pipeline.unread_files(config, result))
    return Preview(digest, files, tuple(news), last, result.update.files, unread)


def preview_folder(config: Config) -> Path:
    """The project's private preview folder in the system's temporary folder: one per user and
    outbox, emptied before each preview, so previews do not pile up.

    When that name is taken by something that is not this user's own folder (a file, a link,
    another user's folder), the preview goes into a fresh private folder instead, with a
    warning; DigestError when no folder can be made there.
    """
    key = hashlib.blake2b(str(config.paths.outbox.resolve()).encode(), digest_size=5).hexdigest()
    base = Path(tempfile.gettempdir())
    user = _user()
    folder = base / f"digest-preview-{user}-{key}"
    if _own_folder(folder):
        shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.mkdir(mode=0o700)
        return folder
    except FileExistsError:
        pass
    except OSError as error:
        raise DigestError(f"cannot make a preview folder in {base}: {error.strerror}") from None
    for earlier in base.glob(f"digest-preview-{user}-{key}-*"):  # this user's earlier stand-ins
        if _own_folder(earlier):
            shutil.rmtree(earlier, ignore_errors=True)
    try:
        fresh = Path(tempfile.mkdtemp(prefix=f"digest-preview-{user}-{key}-", dir=base))
    except OSError as error:
        raise DigestError(f"cannot make a preview folder in {base}: {error.strerror}") from None
    log.warning(
        "%s is taken (by a file, a link, another user's folder, or one that could not be"
        " emptied): this preview is in %s",
        folder, fresh,
    )  # fmt: skip
    return fresh


def _own_folder(path: Path) -> bool:
    """True for a real folder (not a link) that belongs to this user."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == _user()


def _user() -> int:
    return os.getuid() if hasattr(os, "getuid") else 0


def story_news(config: Config, briefs: tuple[Brief, ...]) -> tuple[str | None, list[StoryNews]]:
    """The last digest's name, and how many articles of each story came after it (less those a
    build passed over as adding nothing)."""
    store = Store.open_existing(config.paths.state)
    if store is None:
        return None, [StoryNews(brief, len(brief.articles)) for brief in briefs]
    with store:
        last = store.last_digest()
        seqs = store.article_seqs(a.id for brief in briefs for a in brief.articles)
        histories = store.histories([brief.story_id for brief in briefs])
    after = last.last_article_seq if last else 0
    passed = {i for history in histories.values() for i in history.passed}  # no news

    def is_news(article_id: str) -> bool:
        return seqs.get(article_id, after + 1) > after and article_id not in passed

    news = [StoryNews(brief, sum(map(is_news, (a.id for a in brief.articles)))) for brief in briefs]
    return (last.name if last else None), news


def describe(result: Preview) -> str:
    """What `digest preview` prints."""
    unread = "".join(f"{line}\n" for line in result.unread)
    if not result.digest.briefs and result.last_digest is None:
        return f"No story to show yet: the next digest would be empty.\n{unread}"
    if not result.digest.briefs:
        return "No story has news since the last digest: the next digest would be empty.\n" + unread
    count = len(result.digest.briefs)
    lines = [f"Preview of the next digest, {count} story(ies); nothing was stored, moved or sent:"]
    lines += [f"  {path}" for path in result.files]
    if result.waiting:
        lines.append(
            f"It includes the {result.waiting} file(s) waiting in the inbox; they stay there."
        )
    lines += result.unread
    since = f" since {result.last_digest}" if result.last_digest else ""
    new = [s for s in result.stories if s.is_new]
    updated = [s for s in result.stories if not s.is_new]
    if new:
        lines.append(f"New stories{since}:")
        lines += [f"  + {s.brief.headline}  ({_sources(s.brief)})" for s in new]
    if updated:
        lines.append(f"Updated stories{since} (briefed on what is new):")
        lines += [
            f"  ~ {s.brief.headline}  ({_articles(s.new_articles, 'new')};"
            f" previously in {s.brief.previous.digest})"
            for s in updated
            if s.brief.previous
        ]
    return "\n".join(lines) + "\n"


def _articles(count: int, kind: str = "") -> str:
    """ "1 article", "3 new articles", ..."""
    return f"{count} {kind}{' ' if kind else ''}article{'s' if count != 1 else ''}"


def _sources(brief: Brief) -> str:
    names = outlets(brief)
    articles = _articles(len(brief.articles))
    return f"{articles}: {', '.join(names)}" if names else articles
