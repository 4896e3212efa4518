"""The pipeline, stage by stage: inbox → articles → stories → briefs → digest files.

The CLI, the watcher and the scheduler all call these functions; none re-implements a stage.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from digest import inbox, publish
from digest.archive import RECORD_HEADLINES, refresh_archive
from digest.clean import REPEATED_PARAGRAPH
from digest.config import Config
from digest.errors import DigestError, ReadError
from digest.lock import state_lock
from digest.models import Article, Brief, Digest, Frequencies, Story
from digest.outlets import outlets_of
from digest.parallel import parallel_map
from digest.progress import progress
from digest.render import render, write
from digest.reread import without_late_furniture
from digest.store import Store

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)
ADDS_NOTHING = "left out %s: its new articles add nothing to what %s showed"


@dataclass(frozen=True, slots=True)
class Rejection:
    file: str
    reason: str


@dataclass(frozen=True, slots=True)
class Update:
    """What one pass over the inbox did."""

    files: int
    stored: tuple[str, ...]  # ids of the new articles
    duplicates: int
    rejected: tuple[Rejection, ...]
    stories: int  # stories that received a new article
    waiting: int = 0  # files still being written, left in the inbox for the next pass


@dataclass(frozen=True, slots=True)
class Build:
    """What one build did."""

    digest: Digest
    update: Update
    written: tuple[Path, ...]
    dry_run: bool
    archive_error: str | None = None  # why latest.*, the index page or the feed were not written
    name: str | None = None  # the digest's name (a dry run's: the one it would have), if any


@dataclass(frozen=True, slots=True)
class ReadFile:
    path: Path
    articles: tuple[Article, ...] = ()
    error: str | None = None
    features: dict[str, bytes] | None = None  # clustering features by article id
    seen: inbox.Stamp | None = None  # the version read: only that one is filed away
    waits: bool = False  # not read yet (still being written): it stays in the inbox


def update(
    config: Config,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    files: Sequence[Path] | None = None,
    in_process: bool = False,
) -> Update:
    """Read the inbox (or just `files` of it), store new articles and place them in stories.

    `in_process` keeps all work in this process (a caller running threads: the daemon)."""
    check_folders(config)
    now = now or datetime.now(ZoneInfo(config.schedule.timezone))  # files by the digest's day
    with open_state(config, dry_run=dry_run) as store:
        with store.transaction(rollback=dry_run):
            result, read = ingest(store, config, now, files, in_process=in_process, dry_run=dry_run)
        if not dry_run:
            file_away(read, config.paths.inbox, now)
    return result


def build(
    config: Config,
    *,
    now: datetime | None = None,
    all_stories: bool = False,
    dry_run: bool = False,
    files: Sequence[Path] | None = None,
    in_process: bool = False,
) -> Build:
    """Update from the inbox, then write a digest of the stories with news since the last one.

    `files` limits what is read from the inbox (the daemon passes the files that settled);
    `in_process` as for `update`.
    """
    check_folders(config)
    now = now or datetime.now(ZoneInfo(config.schedule.timezone))
    with open_state(config, dry_run=dry_run) as store:
        if not dry_run:
            publish.recover(config, store)
        published: publish.Publication | None = None
        try:
            with store.transaction(rollback=dry_run):
                result, read = ingest(
                    store, config, now, files, in_process=in_process, dry_run=dry_run
                )
                stories = stories_for_digest(store, config, all_stories)
                stories = without_late_furniture(store, stories, config.brief, result.stored)
                briefs = summarize_stories(stories, config, in_process=in_process)
                store.pass_over(b.story_id for b in briefs if b.previous and not b.sentences)
                briefs = limit_stories(with_news(briefs), config)
                digest = Digest(config.digest.title, now, tuple(briefs))
                name = publish.next_name(config, store, digest) if briefs else None
                if name and not dry_run:
                    published = publish.write_digest(config, digest, name)
                    store.record_digest(now, published.stem, briefs, digest.title)
        except BaseException:
            if not dry_run:  # no digest on disk without its record (nor a marker)
                publish.withdraw(config, published.files if published else ())
            raise
        if not dry_run:
            file_away(read, config.paths.inbox, now)
        if published is None:
            return Build(digest, result, (), dry_run, name=name)
        # The digest stands, recorded (and is mailed): what fails now is logged and reported.
        written, problems = published.files, []
        try:
            written += publish.finish(config, published.stem, published.texts)
        except DigestError as error:
            problems.append(str(error))
        try:
            refresh_archive(config, store.digests(headlines=RECORD_HEADLINES))
        except DigestError as error:  # its index and feed are stale
            problems.append(str(error))
        for problem in problems:
            log.error("%s", problem)
    return Build(digest, result, written, dry_run, "; ".join(problems) or None, name)


def check_folders(config: Config, *, warn_missing: bool = True) -> None:
    """A DigestError when the inbox or the outbox is a file; a warning when the inbox is missing
    (there is nothing to read, and a build without news writes nothing)."""
    for key, path in (("inbox", config.paths.inbox), ("outbox", config.paths.outbox)):
        if path.exists() and not path.is_dir():
            raise DigestError(f"paths.{key}: {path} is a file, not a folder")
    inbox.check_readable(config.paths.inbox)
    if warn_missing and not config.paths.inbox.exists():
        log.warning("the inbox %s does not exist: nothing to read", config.paths.inbox)


@contextmanager
def open_state(config: Config, *, dry_run: bool = False) -> Iterator[Store]:
    """The state database, locked for this process.

    A dry run with no state yet gets a scratch database in a temporary folder, so that it
    leaves nothing behind (not even the state folder); one on a state of an older version gets
    an upgraded copy of it, so that the state stays as it was.
    """
    if dry_run and not config.paths.state.exists():
        try:
            scratch = tempfile.TemporaryDirectory(prefix="digest-dry-run-")
        except OSError as error:
            raise DigestError(
                f"cannot make a temporary folder in {tempfile.gettempdir()}: {error.strerror}"
            ) from None
        with scratch, Store.open(Path(scratch.name) / config.paths.state.name) as store:
            yield store
        return
    with (
        state_lock(config.paths.state, wait=30),
        Store.open(config.paths.state, upgrade=not dry_run, building=True) as store,
    ):
        yield store


def ingest(
    store: Store,
    config: Config,
    now: datetime,
    files: Sequence[Path] | None = None,
    *,
    in_process: bool = False,
    dry_run: bool = False,
) -> tuple[Update, list[ReadFile]]:
    """Read inbox files and store their new articles in stories (inside a transaction).

    A `dry_run` files nothing away: a file it cannot read would be rejected, and is told so."""
    # Imported before the reading workers start, so that they share them (see `read_one`).
    import digest.cluster
    import digest.readers  # noqa: F401

    if files is None:
        files = inbox.pending_files(config.paths.inbox)
    files = [f for f in files if f.exists() or f.is_symlink()]
    reader = partial(read_one, config=config, with_features=True)
    read = list(progress(parallel_map(reader, files, in_process=in_process), len(files), "reading"))
    articles = [article for item in read for article in item.articles]
    unique = first_copies(articles)
    known = store.known_ids(unique)
    new = drop_repeated_paragraphs(store, [a for a in unique.values() if a.id not in known])
    # Reversed, so that the first file's features are those of the copy it gives.
    features = {key: blob for item in reversed(read) for key, blob in (item.features or {}).items()}
    # What was computed while reading holds for an article no paragraph was dropped from.
    store.add_articles(
        [(a, features[a.id]) if a is unique[a.id] else ready_to_store(a) for a in new], now
    )
    touched = place_articles(store, config)
    rejected = tuple(Rejection(item.path.name, item.error) for item in read if item.error)
    for rejection in rejected:
        log.warning("%s: %s: %s", inbox.printable_name(rejection.file),
                    "would be rejected" if dry_run else "rejected", rejection.reason)  # fmt: skip
    duplicates = len(articles) - len(new)
    log_duplicates(articles, known)
    waiting = sum(1 for item in read if item.waits)
    result = Update(len(files), tuple(a.id for a in new), duplicates, rejected, touched, waiting)
    if new or rejected or duplicates:
        log.info(
            "read %d file(s): %d new article(s), %d duplicate(s), %d rejected, "
            "%d story(ies) with new articles",
            len(files), len(new), result.duplicates, len(rejected), touched,
        )  # fmt: skip
    return result, read


def ready_to_store(article: Article) -> tuple[Article, bytes]:
    """An article with its sentence spans and clustering features, found for its text."""
    from digest import cluster
    from digest.sentences import sentence_spans

    with_spans = replace(article, spans=sentence_spans(article.text))
    return with_spans, cluster.features(with_spans)


def first_copies(articles: Iterable[Article]) -> dict[str, Article]:
    """Each article by id, as the first file (in the order the files are read) gives it: the
    copy kept; a later file with the same title and text is its duplicate (`log_duplicates`)."""
    first: dict[str, Article] = {}
    for article in articles:
        first.setdefault(article.id, article)
    return first


def log_duplicates(articles: Sequence[Article], stored: Collection[str]) -> None:
    """Name each file whose article was stored already, or came in another file of this pass
    (the same title and text: a wire story sent twice; it is filed away, not stored again)."""
    found: set[str] = set()
    for article in articles:
        if article.id in stored or article.id in found:
            log.info(
                "%s: the same title and text as an article stored already; not stored again",
                inbox.printable_name(article.file),
            )
        found.add(article.id)


def read_one(path: Path, config: Config, *, with_features: bool = False) -> ReadFile:
    """One inbox file read; an unreadable file carries the reason instead of articles.

    `with_features` also computes the clustering features, for articles about to be stored.
    """
    # The readers (lxml) are imported by the commands that read: `digest archive` and
    # `status` start without them, as without the clustering and the splitter (`ready_to_store`).
    from digest.readers import read_file

    max_bytes = int(config.inbox.max_file_mb * 1_000_000)
    seen = inbox.stamp(path)
    if path.parent == config.paths.inbox and (
        waits := inbox.settle(path, seen, config.watch.settle_seconds)
    ):
        log.info("%s: %s; left for the next pass", inbox.printable_name(path.name), waits)
        return ReadFile(path, waits=True)
    try:
        articles = tuple(read_file(path, max_bytes=max_bytes, language=config.brief.language))
        if inbox.stamp(path) != seen:  # written to as it was read: read it again when it settles
            return ReadFile(path, seen=seen)
        if not with_features:
            return ReadFile(path, articles, seen=seen)
        pairs = [ready_to_store(a) for a in articles]
        articles = tuple(a for a, _ in pairs)
        features = {a.id: blob for a, blob in pairs}
        return ReadFile(path, articles, features=features, seen=seen)
    except ReadError as error:
        return ReadFile(path, error=str(error), seen=seen)
    except Exception as error:  # a reader bug must not stop the build or lose the file
        log.exception("%s: unexpected error while reading", inbox.printable_name(path.name))
        reason = f"digest failed to read it ({type(error).__name__}: {error})"
        return ReadFile(path, error=reason, seen=seen)


def drop_repeated_paragraphs(store: Store, articles: list[Article]) -> list[Article]:
    """Remove paragraphs a source repeats across many of its articles (its boilerplate), and
    those several unrelated articles of different sources carry, in this build or stored
    before (`clean.shared_furniture`); the first or last sentence of a longer paragraph goes
    when unrelated articles carried it (of one source or several), as does one inside it of a
    notice's shape. An article without a source loses what the others' evidence shows.

    Sightings are counted over the whole batch first, so the first articles of a batch lose a
    footer as the later ones do. (Articles stored by earlier builds keep theirs: briefs read
    them through `reread.without_late_furniture`.)
    """
    from digest.clean import both_forms, keyed_paragraphs, shared_furniture, without_furniture

    # Articles without a source are checked only when there is evidence to check them against.
    evidence = any(a.source for a in articles) or store.has_paragraph_counts()
    keyed = [
        (a, keyed_paragraphs(a.text, a.spans) if a.source or evidence else []) for a in articles
    ]
    earlier = store.paragraph_carriers(
        both_forms(k for _, ps in keyed for p in ps for k in p.all_keys())
    )
    repeated: dict[str, set[str]] = {}  # by source
    for article, paragraphs in keyed:
        if article.source:
            keys = [key for p in paragraphs for key in p.all_keys()]
            totals = store.count_paragraphs(article.source, keys, article.id)
            seen = repeated.setdefault(article.source, set())
            seen.update(key for key, count in totals.items() if count >= REPEATED_PARAGRAPH)
    # An article without a source is no evidence (its sightings cannot be counted by source),
    # but is checked against the furniture the others show.
    sourced = [(article, paragraphs) for article, paragraphs in keyed if article.source]
    unsourced = [paragraphs for article, paragraphs in keyed if not article.source]
    furniture = shared_furniture(sourced, earlier, store.articles_by_id, unsourced)
    # An article that keeps every paragraph whole stays the same object: its features hold;
    # the spans of one that loses some are found again (`ingest`).
    return [
        without_furniture(article, paragraphs, furniture, repeated.get(article.source or "", ()))
        for article, paragraphs in keyed
    ]


def place_articles(store: Store, config: Config) -> int:
    """Assign every article not yet in a story; returns how many stories changed."""
    from digest import cluster

    unplaced = store.unplaced()
    if not unplaced:
        return 0
    since = min(p.published for p in unplaced) - timedelta(days=config.stories.window_days)
    new_terms = cluster.document_frequencies(p.features for p in unplaced)
    stored = store.frequencies(new_terms)
    indexed = cluster.index_terms(unplaced, stored)
    wanted = {t for terms in indexed.values() for t in terms}
    pairs = store.stories_indexed(wanted, since, cluster.POSTINGS)
    candidates = cluster.candidate_stories(indexed, pairs, stored)
    recent = store.placements_of(candidates, cluster.MEMBERS)

    def frequencies(terms: np.ndarray) -> Frequencies:  # those of every term at hand
        return stored.with_terms(store.frequencies(set(terms.tolist()) - new_terms.keys()))

    story_of = cluster.assign(unplaced, recent, config.stories, frequencies)
    store.place(story_of)
    store.describe_stories(story_of.values())
    store.index_placed(indexed, new_terms)
    return len(set(story_of.values()))


def stories_for_digest(store: Store, config: Config, all_stories: bool) -> list[Story]:
    """Stories with articles stored since the last digest (or all), most reported first, each
    with what earlier digests showed of it; with updates on, only those with news (`news_of`:
    articles passed over stay no news), and of all stories, those without are logged."""
    last = store.last_digest()
    after = 0 if all_stories or last is None else last.last_article_seq
    ids = store.story_ids_with_news(after)
    histories = store.histories(ids)
    stories = [replace(s, history=histories.get(s.id)) for s in store.stories(ids)]
    if config.brief.updates:
        if all_stories:
            log_without_news(stories)
        stories = [story for story in stories if news_of(story)]
    stories.sort(key=most_reported_first)
    return stories


def log_without_news(stories: Sequence[Story]) -> None:
    """Name each shown story left out for having no news since: no new article at all, or
    only articles a build passed over as adding nothing."""
    for story in stories:
        if story.history is None or news_of(story):
            continue
        shown = story.history.last
        name = story_name(Brief(story.id, "", story.articles, (), previous=shown))
        if story.history.passed:
            log.info(ADDS_NOTHING, name, shown.digest)
        else:
            log.info("left out %s: no new article since %s showed it", name, shown.digest)


def most_reported_first(story: Story) -> tuple[int, int]:
    """Sort key: most outlets, then most articles, counting only its news (a story shown before
    ranks by its new articles, less those a build passed over as adding nothing)."""
    news = news_of(story)
    return -len(outlets_of(news)), -len(news)


def news_of(story: Story) -> list[Article]:
    """The articles of a story that are news: all of a story never shown; else those neither
    read by the reader nor passed over as adding nothing."""
    known = story.history.known if story.history else frozenset()
    return [a for a in story.articles if a.id not in known]


def with_news(briefs: Sequence[Brief]) -> list[Brief]:
    """The briefs that tell something; a story shown before whose new articles add nothing to
    what was shown (a re-run of wire copy, a corrected typo) is left out, and so is one with no
    sentence short enough to quote (an unpunctuated transcript); both are logged."""
    from digest.prose import NOT_QUOTABLE  # its rules compile: not for `digest archive`

    kept = [brief for brief in briefs if brief.sentences]
    for brief in briefs:
        if brief.sentences:
            continue
        if brief.previous:
            log.info(ADDS_NOTHING, story_name(brief), brief.previous.digest)
        else:
            log.warning(
                "left out %s: no sentence of its %d article(s) can be quoted in a brief (%s)",
                story_name(brief), len(brief.articles), NOT_QUOTABLE,
            )  # fmt: skip
    return kept


def story_name(brief: Brief) -> str:
    """How a log line names a story: its headline, else the one a digest showed it under, else
    its id and first file (a brief with no sentence has no headline of its own)."""
    headline = brief.headline or (brief.previous.headline if brief.previous else "")
    if headline:
        return repr(headline)
    first = brief.articles[0].title or brief.articles[0].file if brief.articles else None
    return f"story {brief.story_id}" + (f" ({first!r})" if first else "")


def limit_stories(briefs: list[Brief], config: Config) -> list[Brief]:
    """At most `digest.max_stories` briefs (0: all), the most reported first; logs the rest."""
    limit = config.digest.max_stories
    if limit and len(briefs) > limit:
        log.warning(
            "left out %d less-reported story(ies) of %d (digest.max_stories = %d); a story left "
            "out returns in a later digest when it gets new articles",
            len(briefs) - limit, len(briefs), limit,
        )  # fmt: skip
        return briefs[:limit]
    return briefs


def summarize_stories(
    stories: Sequence[Story], config: Config, *, in_process: bool = False
) -> list[Brief]:
    """One brief per story."""
    from digest.summarize import summarize_apart  # scipy: not for the commands that publish

    work = partial(summarize_apart, settings=config.brief)
    briefs = parallel_map(work, stories, in_process=in_process)
    return [
        apart.brief(story)
        for apart, story in zip(progress(briefs, len(stories), "summarizing"), stories, strict=True)
    ]


def write_digest(digest: Digest, config: Config, *, into: Path, name: str) -> tuple[Path, ...]:
    """Render the digest in every configured format into the folder `into` (a preview), under
    `name`, the one it would have in the outbox (`Build.name`). (A build publishes with
    `publish.write_digest`.)"""
    rendered = render(
        digest, config.paths.templates, config.digest.formats, config.digest.intro,
        publish.links(config, elsewhere=True),
    )  # fmt: skip
    paths = write(rendered, into, name)
    log.info("wrote %s", ", ".join(str(p) for p in paths))
    return tuple(paths)


def unread_files(config: Config, result: Build) -> list[str]:
    """Lines telling which files a build could not read, why, and where they are now."""
    update, lines = result.update, []
    if update.rejected:
        where = (
            f"they stay in {config.paths.inbox} (a dry run moves nothing)"
            if result.dry_run
            else f"moved to {config.paths.inbox / inbox.REJECTED}, each beside a .error note"
            " saying why"
        )
        lines.append(f"{len(update.rejected)} file(s) could not be read ({where}):")
        lines += [f"  {inbox.printable_name(r.file)}: {r.reason}" for r in update.rejected]
    if update.waiting:
        lines.append(
            f"{update.waiting} file(s) were still being written: left in {config.paths.inbox}"
            " for the next build."
        )
    return lines


def file_away(read: Sequence[ReadFile], inbox_path: Path, now: datetime) -> None:
    """Move read files to processed/ and unreadable ones to rejected/ with their reason.

    A file is moved only as it was read; one that changed since, or was not read yet because
    it was still being written, stays in the inbox for the next pass.
    """
    checked: set[Path] = set()  # subfolders looked at: once each, not once a file
    for item in read:
        if item.waits:
            continue
        if item.error:
            inbox.reject(item.path, inbox_path, item.error, item.seen, checked=checked)
        else:
            inbox.move_processed(item.path, inbox_path, now, item.seen, checked=checked)


def rebuild_archive(config: Config) -> tuple[Path, ...]:
    """Rewrite the outbox's index page and feed from its digests (DigestError when it cannot)."""
    check_folders(config, warn_missing=False)
    if not config.paths.state.exists():
        return refresh_archive(config, [])
    with open_state(config) as store:
        publish.recover(config, store)  # a publication a stopped build left: finished or undone
        return refresh_archive(config, store.digests(headlines=RECORD_HEADLINES))
