"""Subscriptions: fetch the user's feeds and write each new entry into the inbox.

Each new entry becomes one `.json` article in the inbox (title, link, source, date, text), so
everything after the inbox is unchanged. What was fetched lives in the state: each feed's
validators and status, and the key of every entry written (its id within its feed, and its
link), so an entry is written once across fetches and restarts, even when its feed changes its
ids. Files are written under a hidden temporary name and renamed, and under a name made from
the entry's key, so a fetch stopped at any moment leaves no half-written file and, run again,
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
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Event
from urllib.parse import urljoin, urlsplit

from digest import limits
from digest.config import Config, FeedSettings, Subscription
from digest.decode import decode
from digest.errors import DigestError, LockedError, ReadError
from digest.fetch import Fetcher, FetchError, Limits
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
    entries go into the inbox. A DigestError when there are no subscriptions or another digest
    process is fetching."""
    subscribed = subscriptions(config.feeds) if subscribed is None else subscribed
    if not subscribed:
        raise DigestError(
            "no subscriptions: add [[feeds.subscriptions]] to the config, or "
            "`digest feeds import FILE.opml`"
        )
    now = now or datetime.now(UTC)
    state = config.paths.state
    with _fetch_lock(state):
        config.paths.inbox.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(config.paths.inbox)
        with Store.open(state) as store:
            records = store.feed_records()
        settings = config.feeds
        fetcher = Fetcher(
            Limits(settings.timeout_seconds, settings.deadline_seconds,
                   int(settings.max_mb * 1_000_000), settings.max_redirects),
            stop or Event(),
        )  # fmt: skip

        pages = PageReader(fetcher.stop)

        def one(subscription: Subscription) -> FeedResult:
            record = records.get(subscription.url) or FeedRecord(subscription.url, subscription.url)
            return _fetch_feed(config, subscription, record, (fetcher, pages), now)

        try:
            with ThreadPoolExecutor(WORKERS, thread_name_prefix="digest-fetch") as pool:
                try:
                    return list(pool.map(one, subscribed))
                except BaseException:  # Ctrl-C: the other feeds stop at their next step
                    fetcher.stop.set()
                    raise
        finally:
            fetcher.close()
            pages.close()


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
    config: Config, subscription: Subscription, record: FeedRecord,
    readers: tuple[Fetcher, PageReader], now: datetime,
) -> FeedResult:  # fmt: skip
    """Fetch one feed and write its new entries; its record is saved whatever happens."""
    name = subscription.name or subscription.url
    fetcher = readers[0]
    if record.gone is not None or (record.retry_at is not None and now < record.retry_at):
        return FeedResult(subscription, record, 0)  # gone, or its server asked us to wait
    try:
        response = fetcher.get(record.location, etag=record.etag,
                               last_modified=record.last_modified)  # fmt: skip
        entries = (
            _entries(response.body, response.url, subscription) if response.status == 200 else []
        )
    except (FetchError, ReadError) as error:
        if fetcher.stop.is_set():  # digest is stopping: nothing failed
            return FeedResult(subscription, record, 0)
        record = _failed(record, error, name, now)
        _save(config, record)
        return FeedResult(subscription, record, 0, str(error))
    if record.failures:
        log.info("%s: fetched again after %d failed fetch(es)", name, record.failures)
    if response.moved_to and response.moved_to != record.location:
        log.info("%s moved permanently to %s; fetched from there from now on", name,
                 response.moved_to)  # fmt: skip
        record = replace(record, location=response.moved_to)
    record = replace(
        record, etag=response.etag or record.etag, status=str(response.status), last_fetch=now,
        last_modified=response.last_modified or record.last_modified, failures=0, error=None,
        error_logged=None, retry_at=None,
    )  # fmt: skip
    written = _write_new(config, subscription, record, entries, readers, now)
    return FeedResult(subscription, replace(record, entries=record.entries + written), written)


def _write_new(
    config: Config, subscription: Subscription, record: FeedRecord, entries: list[Entry],
    readers: tuple[Fetcher, PageReader], now: datetime,
) -> int:  # fmt: skip
    """Write the entries not taken before into the inbox, then remember them and the feed."""
    with Store.open(config.paths.state) as store:
        taken = store.taken_entries(key for entry in entries for key in entry.keys)
        new = []
        for entry in entries:
            if not taken.intersection(entry.keys):
                new.append(entry)
                taken.update(entry.keys)  # the same entry twice in one feed
        count = 0
        done = []
        stop = readers[0].stop  # the fetch's: digest is stopping
        for entry in new:
            if stop.is_set():  # digest is stopping: the rest are taken next time
                break
            if subscription.full_text and entry.link:
                entry = _with_full_text(entry, readers, subscription.name or subscription.url)
                if stop.is_set():  # its page was not read: not taken either
                    break
            done.append(entry)
            if _words(entry.body) < MIN_WORDS:  # a title and a link: no article to read
                log.debug("%s: %s has no text; skipped", subscription.url, entry.link)
                continue
            _write_entry(config.paths.inbox, subscription, entry)
            count += 1
        with store.transaction():
            for entry in done:
                store.take_entries(subscription.url, entry.keys, now)
            store.save_feed(replace(record, entries=record.entries + count))
    if count:
        log.info("%s: %d new entr%s", subscription.name or subscription.url, count,
                 "y" if count == 1 else "ies")  # fmt: skip
    return count


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


def _save(config: Config, record: FeedRecord) -> None:
    with Store.open(config.paths.state) as store, store.transaction():
        store.save_feed(record)


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


def _with_full_text(entry: Entry, readers: tuple[Fetcher, PageReader], name: str) -> Entry:
    """The entry with its linked page's article text; as it was when the page cannot be fetched
    or holds no article. The page is read in the page reader's process, within the time budget
    of one inbox file."""
    fetcher, pages = readers
    try:
        page = fetcher.get(entry.link or "")
        paragraphs = pages.paragraphs(decode(page.body))  # decoded as the inbox decodes a page
    except (FetchError, ReadError) as error:
        log.info("%s: page %s not read (%s); the feed's summary is kept", name, entry.link, error)
        return entry
    if sum(len(paragraph.split()) for paragraph in paragraphs) < MIN_WORDS:
        log.info("%s: page %s holds no article; the feed's summary is kept", name, entry.link)
        return entry
    return replace(entry, body=_paragraphs(paragraphs))


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
    present = {field: value for field, value in article.items() if value is not None}
    write_atomic(target, json.dumps(present, ensure_ascii=False))
    return target


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
        elif record.error:
            what = f"failed: {record.error}"
        elif record.status == "304":
            what = "not modified"
        else:
            what = f"{result.written} new entr{'y' if result.written == 1 else 'ies'}"
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
