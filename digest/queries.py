"""What the state holds, for the commands that only ask: status, stories, a story's timeline.

Asking creates nothing: without a state file there is nothing stored (see Store.open_existing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest import inbox, unmailed
from digest.config import Config
from digest.errors import DigestError
from digest.models import History
from digest.store import Store, StoryInfo, resolve_story_id


@dataclass(frozen=True, slots=True)
class Status:
    """What `digest status` reports."""

    articles: int
    stories: int
    pending: tuple[str, ...]  # file names, as a digest shows them
    rejected: tuple[str, ...]
    last_digest: str | None
    last_digest_at: datetime | None
    unmailed: tuple[unmailed.Unmailed, ...] = ()


def status(config: Config) -> Status:
    """Counts of stored articles and stories, files waiting and rejected, the last digest, and
    the digests the daemon has not mailed."""
    counts, last = {"articles": 0, "stories": 0}, None
    store = Store.open_existing(config.paths.state)
    if store is not None:
        with store:
            counts = store.counts()
            last = store.last_digest()
    return Status(
        articles=counts["articles"],
        stories=counts["stories"],
        pending=_names(inbox.pending_files(config.paths.inbox)),
        rejected=_names(inbox.rejected_files(config.paths.inbox)),
        last_digest=last.name if last else None,
        last_digest_at=last.generated_at if last else None,
        unmailed=unmailed.listed(config),
    )


def _names(paths: Iterable[Path]) -> tuple[str, ...]:
    """Files' names as a digest shows them (`inbox.printable_name`: bytes that are not UTF-8
    become U+FFFD), so they can be printed and put in JSON."""
    return tuple(inbox.printable_name(path.name) for path in paths)


@dataclass(frozen=True, slots=True)
class Timeline:
    """A story and every digest that covered it, oldest first."""

    story: StoryInfo
    history: History


def story_timeline(config: Config, story_id: str) -> Timeline:
    """A stored story (`story_id` or the only one it begins) and the digests that showed it."""
    store = Store.open_existing(config.paths.state)
    if store is None:
        raise DigestError(f"no story {story_id!r}: no story is stored yet (run `digest build`)")
    with store:
        infos = store.story_infos()
        wanted = resolve_story_id({info.id: info.title for info in infos}, story_id)
        history = store.histories([wanted]).get(wanted, History())
    return Timeline(next(info for info in infos if info.id == wanted), history)


def story_infos(config: Config) -> list[StoryInfo]:
    """Every stored story with its article count, sources and date range."""
    store = Store.open_existing(config.paths.state)
    if store is None:
        return []
    with store:
        return store.story_infos()
