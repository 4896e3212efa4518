"""Subscriptions: fetch the user's feeds and write each new entry into the inbox.

Each new entry becomes one `.json` article in the inbox (title, link, source, date, text), so
everything after the inbox is unchanged. What was fetched lives in the state: each feed's
validators and status, and the key of every entry written (its id within its feed, and its
link), so an entry is written once across fetches and restarts (and once within a fetch when
two feeds share it), even when its feed changes its ids. A feed's validators are kept only once
all its new entries were written or remembered, so a fetch cut short asks for them again.
Files are written under a hidden temporary name and renamed, and under a name made from the
entry's key, so a fetch stopped at any moment leaves no half-written file and, run again,
writes the same file over itself rather than a second one.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import logging
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Event, Lock
from urllib.parse import urljoin, urlsplit

from digest import limits
from digest.config import Config, FeedSettings, Subscription
from digest.decode import decode_page
from digest.errors import DigestError, LockedError, ReadError, StoreError
from digest.fetch import Fetcher, FetchError, HostBusy, Limits
from digest.files import write_atomic
from digest.lock import state_lock
from digest.opml import read_opml
from digest.pages import PageReader
from digest.readers.feed import entry_date
from digest.store import FeedRecord, Store

log = logging.getLogger(__name__)
WORKERS = 4  # feeds fetched at once (never two requests at once to one host)
LOG_EVERY = timedelta(days=1)  # a feed that keeps failing is logged this often
MIN_WORDS = 8  # a page with fewer words of article text is not taken for the article
PAGE_TRIES = 5  # fetches that try a page failing for now before its entry is given up
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEMPORARY = re.compile(r"^\.[a-z0-9-]+-[0-9a-f]{12}\.json\.(?:[0-9a-f]{12}\.)?tmp$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a feed, ready to be written as an article."""

    keys: tuple[str, ...]  # its id within its feed, its link: taken when any is known
    title: str | None
    link: str | None
    source: str | None
    published: str | None
    body: str  # HTML


@dataclass(frozen=True, slots=True)
class FeedResult:
    """What one fetch did with one feed."""

    subscription: Subscription
    record: FeedRecord
    written: int
    error: str | None = None  # why this fetch of the feed failed
    note: str | None = None  # what else to say: entries skipped, or why it was not asked
    asked: bool = True  # False: left for the next fetch (its host asked digest to wait)


class _Claims:
    """The keys of the entries written in this fetch by any of its feeds, each claimed just
    before its file is written, so that an entry two feeds share (by its link) is written once
    even while both are fetched at once; a claim is released when the file cannot be written."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = Lock()

    def claim(self, keys: tuple[str, ...]) -> bool:
        """Claim the keys; False when one of them was claimed already."""
        with self._lock:
            if self._keys.intersection(keys):
                return False
            self._keys.update(keys)
            return True

    def held(self, keys: tuple[str, ...]) -> bool:
        with self._lock:
            return not self._keys.isdisjoint(keys)

    def release(self, keys: tuple[str, ...]) -> None:
        with self._lock:
            self._keys.difference_update(keys)


@dataclass(frozen=True, slots=True)
class _Shared:
    """What the feeds of one fetch share."""

    fetcher: Fetcher
    pages: PageReader
    claims: _Claims


@dataclass(frozen=True, slots=True)
class _New:
    """An entry not taken before, how many fetches tried its page in vain so far, and the keys
    it is remembered by when it has no text (its feed's own)."""

    entry: Entry
    page_tries: int
    own_keys: tuple[str, ...]


@dataclass(slots=True)
class _Written:
    """What became of a feed's new entries so far: how many were written, the keys to remember
    (of entries written, without text for good, or whose page failed once more), and whether
    that is all of them."""

    count: int = 0
    remember: list[tuple[str, ...]] = field(default_factory=list)
    complete: bool = True  # False: some are left for the next fetch (stopped, a page to retry)
    error: DigestError | None = None  # why writing stopped (the inbox cannot be written)
    without_text: int = 0


def subscriptions(settings: FeedSettings) -> list[Subscription]:
    """The config's subscriptions, then those of its OPML file (when it exists), each URL once."""
    found = {s.url: s for s in settings.subscriptions}
    if settings.opml.is_file():
        listed, refused = read_opml(settings.opml)
        for url in refused:
            log.warning("%s: %s is not an http or https address; skipped", settings.opml, url)
        for subscription in listed:
            found.setdefault(subscription.url, subscription)
    return list(found.values())


def fetch(
    config: Config,
    *,
    stop: Event | None = None,
    now: datetime | None = None,
    subscribed: list[Subscription] | None = None,
) -> list[FeedResult]:
    """Fetch every subscribed feed once (`subscribed`, when the caller read them already); new
    entries go into the inbox. A DigestError when there are no subscriptions, the inbox cannot
    be made or another digest process is fetching."""
    subscribed = subscriptions(config.feeds) if subscribed is None else subscribed
    if not subscribed:
        raise DigestError(
            "no subscriptions: add [[feeds.subscriptions]] to the config, or "
            "`digest feeds import FILE.opml`"
        )
    now = now or datetime.now(UTC)
    state = config.paths.state
    with _fetch_lock(state):
        _make_inbox(config.paths.inbox)
        _remove_stale_temporaries(config.paths.inbox)
        with Store.open(state) as store:
            records = store.feed_records()
        settings = config.feeds
        fetcher = Fetcher(
            Limits(settings.timeout_seconds, settings.deadline_seconds,
                   int(settings.max_mb * 1_000_000), settings.max_redirects),
            stop or Event(),
        )  # fmt: skip
        shared = _Shared(fetcher, PageReader(fetcher.stop), _Claims())
        finished = _Progress(len(subscribed))

        def one(subscription: Subscription) -> FeedResult:
            record = records.get(subscription.url) or FeedRecord(subscription.url, subscription.url)
            result = _fetch_feed(config, subscription, record, shared, now)
            finished.one_more()
            return result

        try:
            with ThreadPoolExecutor(WORKERS, thread_name_prefix="digest-fetch") as pool:
                try:
                    return list(pool.map(one, subscribed))
                except BaseException:  # Ctrl-C: the other feeds stop at their next step
                    fetcher.stop.set()
                    raise
        finally:
            fetcher.close()
            shared.pages.close()


class _Progress:
    """Logs how many feeds are fetched as they finish (every tenth of them, at most)."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self._step = max(-(-total // 10), 1)  # a ceiling: ten lines at most
        self._lock = Lock()

    def one_more(self) -> None:
        with self._lock:
            self.done += 1
            if self.done % self._step == 0 or self.done == self.total:
                log.info("fetched %d of %d feed(s)", self.done, self.total)


def _make_inbox(inbox: Path) -> None:
    """Create the inbox folder when it is missing; DigestError saying why it cannot be."""
    try:
        inbox.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DigestError(f"{inbox}: the inbox is a file, not a folder") from None
    except OSError as error:
        raise DigestError(f"{inbox}: cannot create the inbox ({_why(error)})") from None


@contextmanager
def _fetch_lock(state: Path) -> Iterator[None]:
    """One fetch at a time per state (builds are not held up: they take a lock of their own)."""
    try:
        with state_lock(state.with_name(state.name + ".fetch")):
            yield
    except LockedError:
        raise LockedError(
            "another digest process is fetching the feeds of this state; try again when it is done"
        ) from None


def feed_records(config: Config) -> list[tuple[Subscription, FeedRecord | None]]:
    """Each subscription with how it was last fetched (None: never)."""
    subscribed = subscriptions(config.feeds)
    store = Store.open_existing(config.paths.state)
    if store is None:
        return [(s, None) for s in subscribed]
    with store:
        records = store.feed_records()
    return [(s, records.get(s.url)) for s in subscribed]


def _fetch_feed(
    config: Config, subscription: Subscription, record: FeedRecord, shared: _Shared,
    now: datetime,
) -> FeedResult:  # fmt: skip
    """Fetch one feed and write its new entries; its record is saved whatever happens."""
    name = subscription.name or subscription.url
    fetcher = shared.fetcher
    if record.gone is not None or (record.retry_at is not None and now < record.retry_at):
        return FeedResult(subscription, record, 0)  # gone, or its server asked us to wait
    try:
        response = fetcher.get(record.location, etag=record.etag,
                               last_modified=record.last_modified)  # fmt: skip
        entries = (
            _entries(response.body, response.url, subscription) if response.status == 200 else []
        )
    except HostBusy as error:  # asked again at the next fetch: nothing failed
        log.info("%s: not asked in this fetch (%s)", name, error)
        return FeedResult(subscription, record, 0, note=str(error), asked=False)
    except (FetchError, ReadError) as error:
        if fetcher.stop.is_set():  # digest is stopping: nothing failed
            return FeedResult(subscription, record, 0)
        record = _failed(record, error, name, now)
        unsaved = _remember(config, subscription, [], record, now)
        return FeedResult(subscription, record, 0, unsaved or str(error))
    if record.failures:
        log.info("%s: fetched again after %d failed fetch(es)", name, record.failures)
    if response.moved_to and response.moved_to != record.location:
        log.info("%s moved permanently to %s; fetched from there from now on", name,
                 response.moved_to)  # fmt: skip
        record = replace(record, location=response.moved_to)
    outcome = _write_new(config, subscription, entries, shared)
    error = str(outcome.error) if outcome.error else None  # the inbox cannot be written
    record = replace(
        record, status=str(response.status), last_fetch=now,
        failures=record.failures + 1 if error else 0, error=error,
        error_logged=now if error else None, retry_at=None,
        entries=record.entries + outcome.count,
    )  # fmt: skip
    if outcome.complete:  # else the next fetch must get the entries again, not a 304
        record = replace(record, etag=response.etag or record.etag,
                         last_modified=response.last_modified or record.last_modified)  # fmt: skip
    unsaved = _remember(config, subscription, outcome.remember, record, now)
    if outcome.count:
        log.info("%s: %d new entr%s", name, outcome.count, "y" if outcome.count == 1 else "ies")
    return FeedResult(subscription, record, outcome.count, unsaved or error, _note(outcome))


def _note(outcome: _Written) -> str | None:
    notes = []
    if outcome.without_text:
        notes.append(f"{outcome.without_text} without text, skipped")
    if not outcome.complete and outcome.error is None:
        notes.append("the rest left for the next fetch")
    return "; ".join(notes) or None


def _write_new(
    config: Config, subscription: Subscription, entries: list[Entry], shared: _Shared
) -> _Written:
    """Write the entries not taken before (nor written by another feed in this fetch) into the
    inbox, until one cannot be written or digest is stopping."""
    outcome = _Written()
    stop = shared.fetcher.stop  # the fetch's: digest is stopping
    try:
        new = _new(config, subscription.url, entries)
    except StoreError as error:
        outcome.error, outcome.complete = error, False
        return outcome
    for one in new:
        if shared.claims.held(one.entry.keys):  # another feed of this fetch wrote it
            continue
        if stop.is_set() or not _take(config, subscription, one, shared, outcome):
            outcome.complete = False  # the rest are taken next time
            break
    return outcome


def _take(
    config: Config, subscription: Subscription, new: _New, shared: _Shared, outcome: _Written
) -> bool:
    """Write one entry (with its page's text, for full text) and count it in `outcome`; False
    when no more can be written in this fetch (digest is stopping, the inbox cannot be written)."""
    name = subscription.name or subscription.url
    entry, problem = new.entry, None
    if subscription.full_text and entry.link:
        entry, problem = _with_full_text(entry, shared)
        if shared.fetcher.stop.is_set():  # its page was not read: not taken either
            return False
    if _words(entry.body) < MIN_WORDS:  # a title and a link: no article to read
        return _without_text(subscription, entry, problem, new, outcome)
    if problem is not None:
        log.info("%s: page %s not read (%s); the feed's summary is kept", name, entry.link,
                 problem)  # fmt: skip
    if not shared.claims.claim(entry.keys):  # another feed of this fetch wrote it meanwhile
        return True
    try:
        _write_entry(config.paths.inbox, subscription, entry)
    except DigestError as error:
        shared.claims.release(entry.keys)  # another feed may yet write it
        log.warning("%s: %s; the entries not written are fetched again next time", name, error)
        outcome.error = error
        return False
    outcome.remember.append(entry.keys)
    outcome.count += 1
    return True


def _without_text(
    subscription: Subscription, entry: Entry, problem: DigestError | None, new: _New,
    outcome: _Written,
) -> bool:  # fmt: skip
    """Leave an entry with no text to read for the next fetch when its page failed for now (at
    most PAGE_TRIES fetches), else remember it for this feed only: another feed's copy of its
    link, with text, is still written."""
    name = subscription.name or subscription.url
    if getattr(problem, "transient", False):
        tries = new.page_tries + 1
        if tries < PAGE_TRIES:  # a page to try again: taken next time
            log.info("%s: %s skipped for now: no text in the feed, and its page was not read "
                     "(%s); asked again at the next fetch", name, entry.link, problem)  # fmt: skip
            outcome.remember.append((_page_try(subscription.url, entry, tries),))
            outcome.complete = False
            return True
        problem = ReadError(f"its page was not read in {tries} fetches: {problem}")
    elif problem is not None:
        problem = ReadError(f"its page was not read: {problem}")
    why = problem or f"under {MIN_WORDS} words"
    log.info("%s: %s skipped: no text to read (%s)", name, entry.link or entry.title, why)
    outcome.remember.append(new.own_keys)
    outcome.without_text += 1
    return True


def _new(config: Config, feed: str, entries: list[Entry]) -> list[_New]:
    """The entries not taken by an earlier fetch (written, or by this feed without text), each
    once, with how many fetches tried its page."""
    keyed = [(entry, _own_keys(feed, entry), _page_tries(feed, entry)) for entry in entries]
    with Store.open(config.paths.state) as store:
        taken = store.taken_entries(
            key for entry, own, tries in keyed for key in (*own, *entry.keys, *tries)
        )
    new, seen = [], set()
    for entry, own, tries in keyed:
        if taken.intersection((*entry.keys, *own)) or seen.intersection(entry.keys):
            continue
        seen.update(entry.keys)
        new.append(_New(entry, len(taken.intersection(tries)), own))
    return new


def _own_keys(feed: str, entry: Entry) -> tuple[str, ...]:
    """The keys an entry remembered without text is known by: within its feed only."""
    keys = tuple(key for key in entry.keys if not key.startswith("link "))
    return (*keys, f"without text {feed} {entry.link}") if entry.link else keys


def _page_try(feed: str, entry: Entry, n: int) -> str:
    return f"page try {n} {feed} {entry.link}"


def _page_tries(feed: str, entry: Entry) -> tuple[str, ...]:
    if not entry.link:
        return ()
    return tuple(_page_try(feed, entry, n) for n in range(1, PAGE_TRIES))


def _remember(
    config: Config, subscription: Subscription, keys: list[tuple[str, ...]],
    record: FeedRecord, now: datetime,
) -> str | None:  # fmt: skip
    """Remember the keys and how the feed was fetched, together; why not, when the state
    cannot be written (a full disk, say): the other feeds go on."""
    try:
        with Store.open(config.paths.state) as store, store.transaction():
            for some in keys:
                store.take_entries(subscription.url, some, now)
            store.save_feed(record)
    except StoreError as error:
        log.warning("%s: %s", subscription.name or subscription.url, error)
        return str(error)
    return None


def _failed(record: FeedRecord, error: DigestError, name: str, now: datetime) -> FeedRecord:
    """The record of a failed fetch, the failure logged (once a day while it keeps failing)."""
    status = getattr(error, "status", None)
    if status == 410:
        log.warning("%s is gone (HTTP 410): no longer fetched; remove it from the subscriptions",
                    name)  # fmt: skip
        return replace(record, status="410", last_fetch=now, gone=now, error=str(error))
    failures = record.failures + 1
    retry_at = None
    if status in (429, 503):
        wait = getattr(error, "retry_after", None) or min(60.0 * 2 ** (failures - 1), 86400.0)
        retry_at = now + timedelta(seconds=wait)
    logged = record.error_logged
    if logged is None or now - logged >= LOG_EVERY:
        later = f"; asked again after {retry_at:%Y-%m-%d %H:%M} UTC" if retry_at else ""
        log.warning("%s: %s%s", name, error, later)
        logged = now
    else:
        log.debug("%s: %s (failing since it was logged)", name, error)
    return replace(
        record, status=str(status or "error"), last_fetch=now, failures=failures,
        error=str(error), error_logged=logged, retry_at=retry_at,
    )  # fmt: skip


def _entries(data: bytes, base: str, subscription: Subscription) -> list[Entry]:
    """The entries of a feed document; ReadError when it is not a feed."""
    import feedparser

    limits.check_entities(data)
    try:
        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    except Exception as error:  # its lenient parser trips on some hostile input
        raise ReadError(f"not a readable feed ({type(error).__name__})") from None
    if not parsed.get("version") and not parsed.entries:
        raise ReadError("not an RSS or Atom feed")
    source = subscription.name or _plain(parsed.feed.get("title")) or urlsplit(base).hostname
    return [_entry(item, base, subscription.url, source) for item in parsed.entries]


def _entry(item, base: str, feed: str, source: str | None) -> Entry:
    link = urljoin(base, item["link"].strip()) if (item.get("link") or "").strip() else None
    if link and urlsplit(link).scheme.lower() not in ("http", "https"):
        link = None
    keys = []
    if (guid := (item.get("id") or "").strip()) and guid != link:
        keys.append(f"id {feed} {guid}")
    if link:
        keys.append(f"link {link}")
    title = _plain(item.get("title"))
    body = _body(item)
    if not keys:
        digest = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
        keys.append(f"text {feed} {digest}")
    return Entry(tuple(keys), title, link, source, _published(item), body)


def _body(item) -> str:
    """The entry's full content when present, else its summary, as HTML."""
    contents = [c for c in item.get("content") or () if (c.get("value") or "").strip()]
    if contents:
        best = max(contents, key=lambda c: len(c["value"]))
        value, kind = best["value"], best.get("type", "")
    else:
        detail = item.get("summary_detail") or {}
        value, kind = item.get("summary") or "", detail.get("type", "text/html")
    return value if kind in _HTML_TYPES else _paragraphs(value.split("\n\n"))


def _paragraphs(texts: list[str]) -> str:
    return "\n".join(f"<p>{html.escape(text.strip())}</p>" for text in texts if text.strip())


def _plain(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(re.sub(r"<[^>]*>", " ", html.unescape(value)).split()) or None


def _published(item) -> str | None:
    """The entry's date as written (keeping its zone), else as the feed parser read it."""
    value = entry_date(item)
    return value.isoformat() if isinstance(value, datetime) else value


def _with_full_text(entry: Entry, shared: _Shared) -> tuple[Entry, DigestError | None]:
    """The entry with its linked page's article text, or as it was with why the page could not
    be fetched or holds no article. The page is read in the page reader's process, within the
    time budget of one inbox file."""
    try:
        page = shared.fetcher.get(entry.link or "")
        paragraphs = shared.pages.paragraphs(decode_page(page.body).text)  # as the inbox does
    except (FetchError, ReadError) as error:
        return entry, error
    if sum(len(paragraph.split()) for paragraph in paragraphs) < MIN_WORDS:
        return entry, ReadError("the page holds no article")
    return replace(entry, body=_paragraphs(paragraphs)), None


def _words(body: str) -> int:
    return len((_plain(body) or "").split())


def _write_entry(inbox: Path, subscription: Subscription, entry: Entry) -> Path:
    """Write the entry as a `.json` article under a name made from its key; atomic."""
    article = {
        "title": entry.title, "url": entry.link, "source": entry.source,
        "published": entry.published, "text": entry.body,
    }  # fmt: skip
    stem = re.sub(r"[^a-z0-9]+", "-", (subscription.name or _host(subscription.url)).lower())
    key = hashlib.sha256(entry.keys[0].encode()).hexdigest()[:12]
    target = inbox / f"{stem.strip('-')[:40] or 'feed'}-{key}.json"
    present = {key: value for key, value in article.items() if value is not None}
    try:
        write_atomic(target, json.dumps(present, ensure_ascii=False))
    except OSError as error:
        raise DigestError(f"{target}: cannot write the entry ({_why(error)})") from None
    return target


def _why(error: OSError) -> str:
    return error.strerror or str(error)


def _host(url: str) -> str:
    return urlsplit(url).hostname or "feed"


def _remove_stale_temporaries(inbox: Path, older_than: float = 600.0) -> None:
    """Remove temporary files a stopped fetch left behind (over 10 minutes old)."""
    for path in _temporaries(inbox):
        try:
            if time.time() - path.stat().st_mtime > older_than:
                path.unlink()
        except OSError:
            continue


def _temporaries(inbox: Path) -> Iterator[Path]:
    try:
        yield from (p for p in inbox.iterdir() if _TEMPORARY.match(p.name))
    except OSError:
        return


def describe_fetch(results: list[FeedResult]) -> str:
    """What `digest fetch` prints: a line per feed, then the total."""
    lines = []
    for result in results:
        record = result.record
        name = result.subscription.name or result.subscription.url
        if record.gone is not None:
            what = f"gone (HTTP 410 on {record.gone:%Y-%m-%d}); not fetched"
        elif record.error and record.retry_at:
            what = f"{record.error}; asked again after {record.retry_at:%Y-%m-%d %H:%M} UTC"
        elif result.error or record.error:
            what = f"failed: {result.error or record.error}"
        elif not result.asked:
            what = f"not asked this time ({result.note})"
        elif record.status == "304":
            what = "not modified"
        else:
            what = f"{result.written} new entr{'y' if result.written == 1 else 'ies'}"
            what += f" ({result.note})" if result.note else ""
        lines.append(f"{name}: {what}")
    total = sum(result.written for result in results)
    lines.append(f"Wrote {total} new entr{'y' if total == 1 else 'ies'} into the inbox.")
    return "\n".join(lines) + "\n"


def failures(results: list[FeedResult]) -> str | None:
    """What failed in this fetch, feed by feed, when something did (None: nothing)."""
    failed = [result for result in results if result.error]
    if not failed:
        return None
    named = "; ".join(f"{r.subscription.name or r.subscription.url}: {r.error}" for r in failed)
    told = f"{len(failed)} of {len(results)} feed(s) failed ({named})"
    return told if len(failed) == len(results) else told + "; what the others gave is in the inbox"


def describe_feeds(listed: list[tuple[Subscription, FeedRecord | None]]) -> str:
    """What `digest feeds list` prints: each feed, its last fetch, status, entries and error."""
    if not listed:
        return "No subscriptions.\n"
    lines = []
    for subscription, record in listed:
        extra = " (full text)" if subscription.full_text else ""
        lines.append(f"{subscription.name or '(unnamed)'}  {subscription.url}{extra}")
        if record is None:
            lines.append("    never fetched")
            continue
        when = f"{record.last_fetch:%Y-%m-%d %H:%M} UTC" if record.last_fetch else "never"
        taken = f"{record.entries} entr{'y' if record.entries == 1 else 'ies'} taken"
        lines.append(f"    last fetch {when}, status {record.status or '-'}, {taken}")
        if record.location != subscription.url:
            lines.append(f"    moved to {record.location}")
        if record.gone is not None:
            lines.append(f"    gone since {record.gone:%Y-%m-%d}: no longer fetched")
        elif record.error:
            lines.append(f"    error: {record.error} ({record.failures} failed fetch(es) in a row)")
        if record.retry_at is not None:
            lines.append(f"    asked again after {record.retry_at:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines) + "\n"
