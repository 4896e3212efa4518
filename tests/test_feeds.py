"""Subscriptions against a real HTTP server on 127.0.0.1, serving feeds written for the tests."""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest import pipeline, queries
from digest.cli import main
from digest.config import FeedSettings, Subscription, load_config
from digest.errors import ConfigError, LockedError, ReadError
from digest.fetch import Fetcher, FetchError, Limits
from digest.lock import state_lock
from digest.readers import read_file
from digest.store import Store
from digest.subscriptions import fetch, subscriptions

from .conftest import make_config
from .test_daemon import Running, article, wait_for

WAIT = 10.0  # seconds any handler of the test server may be held back, at most


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    pause: float = 0.0  # seconds between the headers and the body


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class Site:
    """A threaded HTTP server on 127.0.0.1; `routes` maps a path to a function of the request.
    With "HTTP/1.1" it keeps each connection open for the next request, as most servers do."""

    def __init__(self, protocol: str = "HTTP/1.0") -> None:
        self.routes: dict[str, Callable[[Request], Reply]] = {}
        self.requests: list[Request] = []
        self.release = threading.Event()  # lets held-back handlers go
        self.most_at_once = 0  # the most requests it was answering at one time
        active = [0]
        guard = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            timeout = WAIT  # a client that sends nothing is dropped
            protocol_version = protocol

            def do_GET(self) -> None:
                with guard:
                    active[0] += 1
                    site.most_at_once = max(site.most_at_once, active[0])
                try:
                    self.answer()
                finally:
                    with guard:
                        active[0] -= 1

            def answer(self) -> None:
                request = Request(self.path, dict(self.headers))
                site.requests.append(request)
                route = site.routes.get(self.path)
                reply = route(request) if route else Reply(404, b"not here")
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.pause:
                    self.wfile.flush()
                    time.sleep(reply.pause)
                if reply.status != 304:
                    self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def feed(self, path: str, document: str, *, etag: str | None = None) -> None:
        """Serve a feed, answering 304 to a request that names its current ETag."""

        def reply(request: Request) -> Reply:
            if etag and request.headers.get("If-None-Match") == etag:
                return Reply(304)
            return Reply(200, document.encode(), {"ETag": etag} if etag else {})

        self.routes[path] = reply


@contextlib.contextmanager
def serving(protocol: str = "HTTP/1.0") -> Iterator[Site]:
    site = Site(protocol)
    site.thread.start()
    try:
        yield site
    finally:
        site.release.set()
        site.server.shutdown()
        site.server.server_close()
        site.thread.join(timeout=WAIT)


@pytest.fixture
def site():
    with serving() as site:
        yield site


def rss(entries: list[tuple[str, str, str, str]], title: str = "Harbour Gazette") -> str:
    """An RSS 2.0 feed of (guid, link, title, summary) entries, all dated 20 November 2026."""
    items = "".join(
        f"<item><guid>{guid}</guid><link>{link}</link><title>{headline}</title>"
        f"<description>{summary}</description>"
        "<pubDate>Fri, 20 Nov 2026 09:00:00 +0000</pubDate></item>"
        for guid, link, headline, summary in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://127.0.0.1/</link>{items}</channel></rss>"
    )


def entry(n: int, *, guid: str | None = None, link: str | None = None) -> tuple:
    return (
        guid or f"tag:gazette,{n}",
        link or f"http://127.0.0.1/story-{n}",
        f"Ferry timetable change number {n}",
        f"The harbour board announced timetable change {n} for the island ferry on Friday, "
        f"moving the first crossing {n * 5} minutes earlier from next month.",
    )


def feed_config(tmp_path: Path, *subscribed: Subscription | str, **settings: object):
    config = make_config(tmp_path)
    listed = tuple(s if isinstance(s, Subscription) else Subscription(s) for s in subscribed)
    feeds = FeedSettings(subscriptions=listed, opml=tmp_path / "subscriptions.opml")
    return replace(config, feeds=replace(feeds, **settings))


def written(config) -> list[Path]:
    return sorted(config.paths.inbox.glob("*.json"))


def record_of(config, url: str):
    with Store.open(config.paths.state) as store:
        return store.feed_records()[url]


def test_a_fetch_removes_the_temporary_files_a_stopped_fetch_left_and_keeps_a_fresh_one(
    tmp_path, site
):
    site.feed("/feed.xml", rss([entry(1)]))
    config = feed_config(tmp_path, site.url("/feed.xml"))
    config.paths.inbox.mkdir(parents=True, exist_ok=True)
    stale = config.paths.inbox / ".harbour-gazette-0123456789ab.json.a1b2c3d4e5f6.tmp"
    older = config.paths.inbox / ".harbour-gazette-ba9876543210.json.tmp"  # an older version's
    fresh = config.paths.inbox / ".harbour-gazette-00112233aabb.json.0f0f0f0f0f0f.tmp"
    mine = config.paths.inbox / ".my-notes.txt.tmp"  # not a fetch's: never touched
    for path in (stale, older, fresh, mine):
        path.write_text("{}")
    hour_ago = time.time() - 3600
    for path in (stale, older, mine):
        os.utime(path, (hour_ago, hour_ago))
    [result] = fetch(config)
    assert result.written == 1
    assert not stale.exists() and not older.exists()
    assert fresh.exists() and mine.exists()


def test_new_entries_become_inbox_articles_and_a_second_fetch_is_a_304(tmp_path, site):
    site.feed("/feed.xml", rss([entry(1), entry(2), entry(3)]), etag='"v1"')
    config = feed_config(tmp_path, site.url("/feed.xml"))
    [result] = fetch(config)
    assert result.written == 3
    files = written(config)
    assert len(files) == 3
    articles = [read_file(path, max_bytes=10**6)[0] for path in files]
    titles = sorted(a.title for a in articles)
    assert titles == [f"Ferry timetable change number {n}" for n in (1, 2, 3)]
    first = next(a for a in articles if a.title.endswith("1"))
    assert first.url == "http://127.0.0.1/story-1"
    assert first.source == "Harbour Gazette"
    assert first.published == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert "first crossing 5 minutes earlier" in first.text
    assert not list(config.paths.inbox.glob(".*"))  # no temporary file left
    request = site.requests[0]
    assert request.headers["User-Agent"].startswith("digest/0.1.0")
    assert "gzip" in request.headers["Accept-Encoding"]

    [again] = fetch(config)
    assert (again.written, again.record.status) == (0, "304")
    assert site.requests[1].headers["If-None-Match"] == '"v1"'
    assert len(written(config)) == 3
    assert len(pipeline.update(config).stored) == 3  # the pipeline reads them as any inbox file


def test_an_entry_is_written_once_even_when_its_feed_changes_its_ids(tmp_path, site):
    site.feed("/feed.xml", rss([entry(1), entry(2)]))  # no validators: the whole feed each time
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), name="Gazette"))
    assert fetch(config)[0].written == 2
    renumbered = [entry(1, guid="urn:new:1"), entry(2, guid="urn:new:2"), entry(3)]
    site.feed("/feed.xml", rss(renumbered))
    [result] = fetch(config)
    assert result.written == 1  # only entry 3: entries 1 and 2 are known by their links
    assert result.record.entries == 3
    names = [path.name for path in written(config)]
    assert len(names) == 3 and all(name.startswith("gazette-") for name in names)
    assert json.loads(written(config)[0].read_text())["source"] == "Gazette"  # the name given


def test_a_moved_feed_is_fetched_from_its_new_address(tmp_path, site, caplog):
    site.routes["/old.xml"] = lambda _: Reply(301, headers={"Location": "/new.xml"})
    site.feed("/new.xml", rss([entry(1)]))
    config = feed_config(tmp_path, site.url("/old.xml"))
    with caplog.at_level(logging.INFO):
        assert fetch(config)[0].written == 1
    assert "moved permanently" in caplog.text
    assert record_of(config, site.url("/old.xml")).location == site.url("/new.xml")
    fetch(config)
    assert site.paths() == ["/old.xml", "/new.xml", "/new.xml"]


def test_a_gone_feed_stops_being_fetched(tmp_path, site, caplog):
    site.routes["/gone.xml"] = lambda _: Reply(410, b"gone")
    config = feed_config(tmp_path, site.url("/gone.xml"))
    with caplog.at_level(logging.WARNING):
        fetch(config)
    assert "gone (HTTP 410)" in caplog.text
    fetch(config)
    assert site.paths() == ["/gone.xml"]
    listing = CliRunner().invoke(main, ["feeds", "list", "--config", str(write_config(config))])
    assert "gone since" in listing.output


def test_429_is_honoured_until_its_retry_after(tmp_path, site, caplog):
    site.routes["/busy.xml"] = lambda _: Reply(429, b"slow down", {"Retry-After": "120"})
    config = feed_config(tmp_path, site.url("/busy.xml"))
    now = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    with caplog.at_level(logging.WARNING):
        fetch(config, now=now)
    record = record_of(config, site.url("/busy.xml"))
    assert record.retry_at == now + timedelta(seconds=120)
    assert "asked again after" in caplog.text
    fetch(config, now=now + timedelta(seconds=60))
    assert site.paths() == ["/busy.xml"]  # not asked before its time
    site.feed("/busy.xml", rss([entry(1)]))
    assert fetch(config, now=now + timedelta(seconds=121))[0].written == 1


def test_a_host_that_answers_503_is_not_asked_again_in_the_same_fetch_before_its_time(site):
    site.routes["/a.xml"] = lambda _: Reply(503, b"busy", {"Retry-After": "3600"})
    site.feed("/b.xml", rss([entry(1)]))
    fetcher = Fetcher(Limits(deadline=30))
    with pytest.raises(FetchError) as refused:
        fetcher.get(site.url("/a.xml"))
    assert (refused.value.status, refused.value.retry_after) == (503, 3600)
    with pytest.raises(FetchError, match="asked digest to wait"):
        fetcher.get(site.url("/b.xml"))  # its wait ends after this fetch's deadline
    assert site.paths() == ["/a.xml"]


def test_one_request_at_a_time_per_host(tmp_path, site):
    active, most = [0], [0]
    guard = threading.Lock()

    def counted(_: Request) -> Reply:
        with guard:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.2)  # long enough for a second request to overlap, were one sent
        with guard:
            active[0] -= 1
        return Reply(200, rss([entry(1)]).encode())

    for name in ("a", "b", "c"):
        site.routes[f"/{name}.xml"] = counted
    config = feed_config(tmp_path, *(site.url(f"/{name}.xml") for name in "abc"))
    fetch(config)
    assert len(site.requests) == 3 and most[0] == 1


def test_failures_are_logged_once_a_day(tmp_path, site, caplog):
    config = feed_config(tmp_path, site.url("/missing.xml"))
    now = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    with caplog.at_level(logging.WARNING):
        for minutes in (0, 30, 60, 90):
            fetch(config, now=now + timedelta(minutes=minutes))
        assert caplog.text.count("HTTP 404") == 1
        fetch(config, now=now + timedelta(days=1, minutes=1))
        assert caplog.text.count("HTTP 404") == 2
    assert record_of(config, site.url("/missing.xml")).failures == 5


def test_gzip_is_accepted_and_decompressed(tmp_path, site):
    body = gzip.compress(rss([entry(1), entry(2)]).encode())
    site.routes["/feed.xml"] = lambda _: Reply(200, body, {"Content-Encoding": "gzip"})
    config = feed_config(tmp_path, site.url("/feed.xml"))
    assert fetch(config)[0].written == 2


def test_a_body_over_the_limit_is_refused_compressed_or_not(tmp_path, site):
    big = rss([entry(n) for n in range(4000)]).encode()  # about 1.2 MB
    bomb = gzip.compress(b" " * 5_000_000, compresslevel=1)  # 5 MB of spaces, about 20 KB
    site.routes["/big.xml"] = lambda _: Reply(200, big)
    site.routes["/bomb.xml"] = lambda _: Reply(200, bomb, {"Content-Encoding": "gzip"})
    config = feed_config(tmp_path, site.url("/big.xml"), site.url("/bomb.xml"), max_mb=1)
    for result in fetch(config):
        assert "larger than the limit of 1 MB" in result.record.error
        assert result.written == 0
    assert written(config) == []


def test_a_redirect_loop_ends_after_max_redirects(tmp_path, site):
    site.routes["/loop.xml"] = lambda _: Reply(302, headers={"Location": "/loop.xml"})
    config = feed_config(tmp_path, site.url("/loop.xml"), max_redirects=3)
    [result] = fetch(config)
    assert "more than 3 redirects" in result.record.error
    assert len(site.requests) == 4


def test_only_http_and_https_are_fetched(tmp_path, site):
    site.routes["/sly.xml"] = lambda _: Reply(302, headers={"Location": "file:///etc/passwd"})
    config = feed_config(tmp_path, site.url("/sly.xml"))
    [result] = fetch(config)
    assert "only http and https" in result.record.error
    toml = tmp_path / "bad.toml"
    toml.write_text('[feeds]\nsubscriptions = [{url = "file:///etc/passwd"}, "ftp://x/y"]\n')
    with pytest.raises(ConfigError, match=r"subscription 1: url: only http.*subscription 2"):
        load_config(toml)


def test_a_slow_server_is_given_up_on_within_the_timeout(tmp_path, site):
    site.routes["/slow.xml"] = lambda _: (site.release.wait(WAIT), Reply(200, b""))[1]
    config = feed_config(tmp_path, site.url("/slow.xml"), timeout_seconds=0.5)
    started = time.monotonic()
    [result] = fetch(config)
    assert time.monotonic() - started < WAIT / 2
    assert "timed out" in result.record.error


def test_full_text_replaces_the_summary_when_the_page_can_be_read(tmp_path, site):
    page = (
        "<html><head><title>Ferry</title></head><body><nav>Home | News</nav><article>"
        + "".join(
            f"<p>Paragraph {n} of the full report says the new ferry timetable starts in "
            "December and the harbour board will publish the winter crossings soon.</p>"
            for n in range(6)
        )
        + "</article></body></html>"
    )
    site.routes["/page-1"] = lambda _: Reply(200, page.encode(), {"Content-Type": "text/html"})
    site.routes["/page-3"] = lambda _: Reply(200, b"<html><body><nav>Home</nav></body></html>")
    entries = [entry(n, link=site.url(f"/page-{n}")) for n in (1, 2, 3)]  # page-2: a 404
    site.feed("/feed.xml", rss(entries))
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), full_text=True))
    assert fetch(config)[0].written == 3
    texts = {(a := read_file(path, max_bytes=10**6)[0]).url: a.text for path in written(config)}
    assert "Paragraph 5 of the full report" in texts[site.url("/page-1")]
    assert "Home | News" not in texts[site.url("/page-1")]
    for n in (2, 3):  # cannot be fetched, holds no article: the summary is kept
        assert f"timetable change {n} for the island ferry" in texts[site.url(f"/page-{n}")]


def test_opml_import_adds_new_feeds_and_lists_them(tmp_path, site):
    site.feed("/a.xml", rss([entry(1)]))
    exported = tmp_path / "export.opml"
    exported.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        f'<outline text="Local"><outline text="Alpha" xmlUrl="{site.url("/a.xml")}"/>'
        '<outline text="Beta" type="rss" xmlUrl="https://beta.example/rss"/></outline>'
        '<outline text="Sly" xmlUrl="file:///etc/passwd"/></body></opml>'
    )
    config = feed_config(tmp_path)
    config_file = write_config(config)
    runner = CliRunner()
    result = runner.invoke(main, ["feeds", "import", str(exported), "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert "Added 2 feed(s)" in result.output
    again = runner.invoke(main, ["feeds", "import", str(exported), "--config", str(config_file)])
    assert "Added 0 feed(s)" in again.output and "2 already subscribed" in again.output
    listed = subscriptions(load_config(config_file).feeds)
    assert [(s.name, s.url) for s in listed] == [
        ("Alpha", site.url("/a.xml")),
        ("Beta", "https://beta.example/rss"),
    ]
    listing = runner.invoke(main, ["feeds", "list", "--config", str(config_file)])
    assert "Alpha" in listing.output and "never fetched" in listing.output


def test_digest_fetch_command_and_no_subscriptions(tmp_path, site):
    site.feed("/feed.xml", rss([entry(1)]))
    config_file = write_config(feed_config(tmp_path, site.url("/feed.xml")))
    result = CliRunner().invoke(main, ["fetch", "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 new entry into the inbox." in result.output
    empty = write_config(feed_config(tmp_path / "empty"))
    result = CliRunner().invoke(main, ["fetch", "--config", str(empty)])
    assert result.exit_code == 1 and "no subscriptions" in result.output


def test_a_fetch_killed_midway_leaves_nothing_half_written_or_twice(tmp_path, site):
    held = threading.Event()

    def slow_page(_: Request) -> Reply:
        held.set()
        site.release.wait(WAIT)
        return Reply(404)

    site.routes["/page-2"] = slow_page
    entries = [entry(n, link=site.url(f"/page-{n}")) for n in (1, 2, 3)]
    site.feed("/feed.xml", rss(entries))
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), full_text=True))
    config_file = write_config(config)
    process = subprocess.Popen(
        [sys.executable, "-m", "digest", "fetch", "--config", str(config_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert held.wait(60)  # entry 1 is written; entry 2's page is being fetched
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=WAIT)
    assert len(written(config)) == 1
    site.routes["/page-2"] = lambda _: Reply(404)
    assert fetch(config)[0].written == 3  # nothing was remembered: all three, entry 1 again
    assert len(written(config)) == 3  # over the same file, not beside it
    assert not list(config.paths.inbox.glob(".*"))
    assert fetch(config)[0].written == 0


def test_the_daemons_fetch_never_delays_the_inbox_or_a_build(tmp_path, site):
    held = threading.Event()

    def hanging(_: Request) -> Reply:
        held.set()
        site.release.wait(WAIT)
        return Reply(200, rss([entry(1)]).encode())

    site.routes["/feed.xml"] = hanging
    config = feed_config(tmp_path, site.url("/feed.xml"), interval=60, timeout_seconds=WAIT)
    config.paths.inbox.mkdir(parents=True)
    config = replace(config, watch=replace(config.watch, settle_seconds=0.2))
    with Running(config) as daemon:
        assert held.wait(30)  # the fetch is waiting on the server
        (config.paths.inbox / "local.txt").write_text(article(1))
        assert wait_for(lambda: queries.status(config).articles == 1, timeout=15)
        daemon.build_due.set()
        assert wait_for(lambda: daemon.builds == 1, timeout=15)
        assert daemon.fetches == 0  # still waiting on the server all along
        site.release.set()
        assert wait_for(lambda: daemon.fetches == 1, timeout=15)
        assert wait_for(lambda: queries.status(config).articles == 2, timeout=15)  # the entry


def write_config(config) -> Path:
    """A config file for the CLI with `config`'s folders and feeds."""
    path = config.root / "config.toml"
    config.root.mkdir(parents=True, exist_ok=True)
    lines = [
        "[paths]",
        f'inbox = "{config.paths.inbox}"',
        f'state = "{config.paths.state}"',
        f'outbox = "{config.paths.outbox}"',
        "[feeds]",
        f'opml = "{config.feeds.opml}"',
        f"timeout_seconds = {config.feeds.timeout_seconds}",
        "subscriptions = [",
        *(f'  {{url = "{s.url}", full_text = {str(s.full_text).lower()}}},'
          for s in config.feeds.subscriptions),
        "]",
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")
    return path


def test_feeds_config_is_validated_all_at_once_and_its_opml_path_is_relative(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(
        '[feeds]\nopml = "lists/feeds.opml"\ninterval = 15\n'
        '[[feeds.subscriptions]]\nurl = "https://example.org/rss"\nname = " Example  News "\n'
    )
    feeds = load_config(good).feeds
    assert feeds.opml == tmp_path / "lists" / "feeds.opml"
    assert feeds.subscriptions == (Subscription("https://example.org/rss", "Example News"),)
    assert load_config(None).feeds.opml.is_absolute()
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[feeds]\ninterval = -1\nmax_mb = 0\ntimout_seconds = 3\n"
        'subscriptions = [{url = "https://x.example/", fulltext = true}]\n'
    )
    with pytest.raises(ConfigError) as error:
        load_config(bad)
    message = str(error.value)
    assert "4 error(s)" in message
    assert "feeds.interval: must not be negative" in message
    assert "feeds.max_mb: must be above 0" in message
    assert "did you mean 'timeout_seconds'" in message
    assert "did you mean 'full_text'" in message


def test_one_fetch_at_a_time_per_state(tmp_path, site):
    config = feed_config(tmp_path, site.url("/feed.xml"))
    state = config.paths.state
    with state_lock(state.with_name(state.name + ".fetch")), pytest.raises(LockedError):
        fetch(config)
    assert site.requests == []


def test_an_entry_without_text_is_skipped_and_an_empty_answer_is_an_error(tmp_path, site):
    bare = ("tag:gazette,bare", "http://127.0.0.1/bare", "A headline and nothing else", "")
    site.feed("/feed.xml", rss([bare, entry(1)]))
    site.routes["/empty.xml"] = lambda _: Reply(200, b"")
    config = feed_config(tmp_path, site.url("/feed.xml"), site.url("/empty.xml"))
    full, empty = fetch(config)
    assert full.written == 1 and len(written(config)) == 1
    assert "not an RSS or Atom feed" in empty.record.error
    assert fetch(config)[0].written == 0  # the bare entry was remembered too


def test_digest_fetch_fails_naming_the_feeds_that_failed_and_keeps_what_the_others_gave(
    tmp_path, site
):
    site.feed("/good.xml", rss([entry(1), entry(2)]))
    site.routes["/broken.xml"] = lambda _: Reply(500, b"oops")
    config = feed_config(tmp_path, site.url("/good.xml"), site.url("/broken.xml"))
    result = CliRunner().invoke(main, ["fetch", "--config", str(write_config(config))])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Wrote 2 new entries into the inbox." in result.output
    assert (
        f"digest: error: 1 of 2 feed(s) failed ({site.url('/broken.xml')}: HTTP 500"
        in result.output
    )
    assert len(written(config)) == 2
    site.routes["/broken.xml"] = lambda _: Reply(200, rss([entry(3)]).encode())
    again = CliRunner().invoke(main, ["fetch", "--config", str(write_config(config))])
    assert again.exit_code == 0 and len(written(config)) == 3


def test_full_text_pages_are_read_within_the_time_budget_off_the_main_thread(
    tmp_path, site, monkeypatch, caplog
):
    from digest import limits

    page = "<html><body><article>" + "<p>The ferry timetable changes in December.</p>" * 200
    site.routes["/page-1"] = lambda _: Reply(200, (page + "</article></body></html>").encode())
    site.feed("/feed.xml", rss([entry(1, link=site.url("/page-1"))]))
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), full_text=True))
    monkeypatch.setattr(limits, "READ_SECONDS", 0.0001)  # no page can be read this fast
    results = []
    worker = threading.Thread(target=lambda: results.append(fetch(config)))
    with caplog.at_level(logging.INFO):
        worker.start()  # as the daemon fetches: on a thread of its own
        worker.join(timeout=60)
    assert not worker.is_alive() and results[0][0].written == 1
    assert "took longer than 0.0001 s" in caplog.text and "summary is kept" in caplog.text
    monkeypatch.undo()
    [path] = written(config)
    assert "timetable change 1 for the island ferry" in read_file(path, max_bytes=10**6)[0].text


def test_a_page_read_that_outlives_its_budget_ends_with_its_worker(monkeypatch):
    from digest import pages

    started = []

    def stuck_worker(self):  # a worker caught in code no timer signal interrupts
        if self._worker is None:
            self._worker = subprocess.Popen(
                [sys.executable, "-c", "import time; time.sleep(60)"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )  # fmt: skip
            started.append(self._worker)
        return self._worker

    monkeypatch.setattr(pages.PageReader, "_start", stuck_worker)
    monkeypatch.setattr(pages, "GRACE_SECONDS", 0.2)
    reader = pages.PageReader(seconds=0.3)
    began = time.monotonic()
    with pytest.raises(ReadError, match=r"took longer than 0\.3 s"):
        reader.paragraphs("<p>a page</p>")
    assert time.monotonic() - began < 5
    assert started[0].poll() is not None and reader._worker is None  # killed, to start afresh
    reader.close()


def test_the_page_worker_is_out_of_reach_of_the_terminals_ctrl_c():
    from digest import pages

    reader = pages.PageReader()
    try:
        assert reader.paragraphs("<html><body><p>" + "The ferry sails at nine. " * 20 + "</p>")
        worker = reader._worker
        assert os.getpgid(worker.pid) != os.getpgid(0)  # Ctrl-C goes to digest's group only
    finally:
        reader.close()
    assert worker.poll() is not None  # and digest ends it itself


def test_a_stopping_fetch_starts_no_worker_and_takes_no_entry_it_did_not_read(tmp_path, site):
    from digest import pages

    stop = threading.Event()
    stop.set()
    reader = pages.PageReader(stop)
    with pytest.raises(ReadError, match="stopped"):
        reader.paragraphs("<p>a page</p>")
    assert reader._worker is None
    stop.clear()
    page = "<html><body><article>" + "<p>The ferry timetable changes in December.</p>" * 20

    def stopping(_request):  # digest is told to stop while this page is on its way
        stop.set()
        return Reply(200, (page + "</article></body></html>").encode())

    site.routes["/story-1"] = stopping
    site.feed("/feed.xml", rss([entry(1, link=site.url("/story-1")), entry(2)]))
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), full_text=True))
    fetch(config, stop=stop)
    assert not written(config)  # neither entry was read whole: neither is written or taken
    site.routes["/story-1"] = lambda _request: Reply(200, (page + "</article>").encode())
    [again] = fetch(config)
    assert again.written == 2


def fetch_in_a_process(config) -> subprocess.Popen:
    """`digest fetch` in a process of its own that Ctrl-C stops, as at a terminal."""
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "fetch", "--config", str(write_config(config))],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


@pytest.mark.timeout(60)
def test_ctrl_c_stops_a_fetch_at_the_feed_in_hand(tmp_path, site):
    held = threading.Event()

    def slow_feed(n):
        def reply(_request):
            held.set()
            time.sleep(0.5)  # one host: its feeds are asked one at a time
            return Reply(200, rss([entry(n)]).encode())

        return reply

    for n in range(8):
        site.routes[f"/feed-{n}.xml"] = slow_feed(n)
    config = feed_config(tmp_path, *(site.url(f"/feed-{n}.xml") for n in range(8)))
    process = fetch_in_a_process(config)
    try:
        assert held.wait(30)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=WAIT)
    finally:
        process.kill()
        process.wait(timeout=WAIT)
    asked = [path for path in site.paths() if path.startswith("/feed-")]
    assert process.returncode != 0 and len(asked) < 4  # not every feed after the Ctrl-C
    assert b"Traceback" not in process.stderr.read()
    process.stderr.close()


class Stalled:
    """A server on 127.0.0.1 that accepts each connection, sends it `opening` and then stalls,
    holding it open and saying nothing more, until the `with` block ends."""

    def __init__(self, opening: bytes = b"") -> None:
        self.opening = opening
        self.accepted = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)  # to see `closed`: a blocked accept() never would
        self.closed = threading.Event()
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}{path}"

    def __enter__(self) -> Stalled:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed.set()
        self.thread.join(timeout=WAIT)
        for connection in [*self.held, self.listener]:  # a request left waiting ends now
            connection.close()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            connection.sendall(self.opening)
            self.held.append(connection)
            self.accepted.set()


STALLED_BODY = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<?xml version="


def stop_once_held(server: Stalled, stop: threading.Event) -> list[float]:
    """Set `stop` once a request waits on `server`; the list gets the moment it was set."""
    stopped_at: list[float] = []

    def stop_it() -> None:
        if server.accepted.wait(WAIT):
            time.sleep(0.2)  # the request is now waiting for the server to say more
            stopped_at.append(time.monotonic())
            stop.set()

    threading.Thread(target=stop_it, daemon=True).start()
    return stopped_at


class Dripping(Stalled):
    """A `Stalled` server that, after its opening, sends a byte every 0.3 s: each read comes in
    time, the response never ends."""

    def __enter__(self) -> Dripping:
        super().__enter__()
        threading.Thread(target=self._drip, daemon=True).start()
        return self

    def _drip(self) -> None:
        while not self.closed.wait(0.3):
            for connection in list(self.held):
                with contextlib.suppress(OSError):
                    connection.sendall(b" ")


@pytest.mark.timeout(60)
def test_the_fetch_deadline_holds_against_a_server_that_sends_a_byte_at_a_time():
    fetcher = Fetcher(Limits(timeout=30, deadline=3))
    with Dripping(STALLED_BODY) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"deadline of 3 s has passed|timed out"):
            fetcher.get(server.url("/feed.xml"))
        assert time.monotonic() - started < 6  # it had taken a minute
    fetcher.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("opening", [b"", STALLED_BODY], ids=["no-headers", "half-a-body"])
def test_a_stop_ends_a_request_a_stalled_server_holds_long_before_its_timeout(opening):
    fetcher = Fetcher(Limits(timeout=3 * WAIT))
    with Stalled(opening) as server:
        stopped_at = stop_once_held(server, fetcher.stop)
        with pytest.raises(FetchError, match=r"^stopped$"):
            fetcher.get(server.url("/feed.xml"))
        assert time.monotonic() - stopped_at[0] < 2  # not the 30 s of the timeout
    fetcher.close()


@pytest.mark.timeout(60)
def test_ctrl_c_ends_a_fetch_at_once_while_a_server_holds_a_request(tmp_path):
    with Stalled() as server:
        config = feed_config(tmp_path, server.url("/feed.xml"), timeout_seconds=6 * WAIT)
        process = fetch_in_a_process(config)
        try:
            assert server.accepted.wait(30)
            time.sleep(0.2)  # the request is now waiting for the server's answer
            interrupted = time.monotonic()
            process.send_signal(signal.SIGINT)
            process.wait(timeout=WAIT)
            assert time.monotonic() - interrupted < 5  # not the 60 s of the timeout
        finally:
            process.kill()
            process.wait(timeout=WAIT)
    assert process.returncode != 0
    assert b"Traceback" not in process.stderr.read()
    process.stderr.close()


@pytest.mark.timeout(60)
def test_the_daemon_stops_at_once_while_a_server_holds_its_fetch(tmp_path):
    def fetching() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name.startswith("digest-f")]

    with Stalled() as server:
        config = feed_config(tmp_path, server.url("/feed.xml"), interval=60,
                             timeout_seconds=6 * WAIT)  # fmt: skip
        config.paths.inbox.mkdir(parents=True)
        with Running(config):
            assert server.accepted.wait(30)
            time.sleep(0.2)  # the fetch is now waiting for the server's answer
            stopping = time.monotonic()
        assert time.monotonic() - stopping < 3  # not the 5 s the daemon waits for its fetch
        assert not fetching()  # its fetch thread and the fetch's workers have ended
