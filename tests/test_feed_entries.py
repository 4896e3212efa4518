"""Nothing twice, nothing lost: what a fetch writes and remembers when it is stopped, when the
inbox cannot be written, when two feeds share an entry and when a full-text page fails."""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
import threading
import time
from dataclasses import replace

import pytest
from click.testing import CliRunner

from digest import subscriptions
from digest.cli import main
from digest.config import Subscription
from digest.errors import DigestError
from digest.files import write_atomic
from digest.store import Store, state_fault
from digest.subscriptions import fetch

from .test_feeds import (
    Reply,
    entry,
    feed_config,
    record_of,
    rss,
    serving,
    write_config,
    written,
)


@pytest.fixture
def site():
    with serving("HTTP/1.1") as site:
        yield site


def short(n: int, link: str) -> tuple:
    """An entry whose summary is too short to be an article: its page has to give the text."""
    return (f"tag:gazette,{n}", link, f"Ferry timetable change number {n}", "Read more")


PAGE = (
    "<html><body><article>"
    + "<p>The harbour board says the new ferry timetable starts in December.</p>" * 6
    + "</article></body></html>"
).encode()


@pytest.mark.timeout(60)
def test_a_fetch_stopped_midway_keeps_the_old_validators_so_the_next_one_gets_the_rest(
    tmp_path, site, monkeypatch
):
    site.feed("/feed.xml", rss([entry(1), entry(2), entry(3)]), etag='"v1"')
    config = feed_config(tmp_path, site.url("/feed.xml"))
    stop = threading.Event()
    real_write = subscriptions._write_entry

    def write_then_stop(*args):  # Ctrl-C arrives once the first entry is written
        stop.set()
        return real_write(*args)

    monkeypatch.setattr(subscriptions, "_write_entry", write_then_stop)
    fetch(config, stop=stop)
    assert len(written(config)) == 1
    record = record_of(config, site.url("/feed.xml"))
    assert (record.etag, record.entries) == (None, 1)
    monkeypatch.undo()
    [again] = fetch(config)
    assert (again.record.status, again.written) == ("200", 2)  # not a 304: the rest came
    assert len(written(config)) == 3 and again.record.etag == '"v1"'
    assert fetch(config)[0].record.status == "304"


@pytest.mark.timeout(60)
def test_a_full_disk_is_a_clean_error_and_loses_no_entry(tmp_path, site, monkeypatch):
    site.feed("/feed.xml", rss([entry(1), entry(2), entry(3)]), etag='"v1"')
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), name="Gazette"))
    calls = []

    def filling_up(path, text):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        write_atomic(path, text)

    monkeypatch.setattr(subscriptions, "write_atomic", filling_up)
    result = CliRunner().invoke(main, ["fetch", "--config", str(write_config(config))])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{calls[1]}: cannot write the entry (No space left on device)" in result.output
    assert len(written(config)) == 1
    assert record_of(config, site.url("/feed.xml")).etag is None
    monkeypatch.undo()
    [again] = fetch(config)
    assert again.written == 2 and again.error is None
    assert len(written(config)) == 3


@pytest.mark.parametrize("kind", ["file", "parent-file"])
def test_an_inbox_that_cannot_be_made_is_a_clean_error_naming_it(tmp_path, kind):
    config = feed_config(tmp_path, "http://127.0.0.1:9/feed.xml")
    if kind == "file":
        config.paths.inbox.write_text("not a folder")
        expected = f"{config.paths.inbox}: the inbox is a file, not a folder"
    else:
        (tmp_path / "blocked").write_text("a file")
        inbox = tmp_path / "blocked" / "inbox"
        config = replace(config, paths=replace(config.paths, inbox=inbox))
        expected = f"{inbox}: cannot create the inbox (Not a directory)"
    with pytest.raises(DigestError) as error:
        fetch(config)
    assert str(error.value) == expected
    result = CliRunner().invoke(main, ["fetch", "--config", str(write_config(config))])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert expected in result.output


@pytest.mark.timeout(60)
def test_an_entry_two_feeds_share_is_written_once_in_one_fetch(tmp_path, site, monkeypatch):
    shared = entry(1, link="http://127.0.0.1/shared-story")
    site.feed("/a.xml", rss([shared], title="Harbour Gazette"))
    site.feed("/b.xml", rss([(f"urn:b:{shared[0]}", *shared[1:])], title="Island Post"))
    real_write = subscriptions._write_entry

    def slow_write(*args):  # writing takes a while: the other feed is fetched meanwhile
        time.sleep(0.3)
        return real_write(*args)

    monkeypatch.setattr(subscriptions, "_write_entry", slow_write)
    config = feed_config(tmp_path, site.url("/a.xml"), site.url("/b.xml"))
    results = fetch(config)
    assert sum(result.written for result in results) == 1
    assert len(written(config)) == 1
    assert sum(result.written for result in fetch(config)) == 0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("failure", [Reply(503, b"busy"), Reply(500, b"oops")])
def test_a_page_that_fails_for_now_leaves_its_entry_for_the_next_fetch(
    tmp_path, site, caplog, failure
):
    site.routes["/page-1"] = lambda _: failure
    site.feed("/feed.xml", rss([short(1, site.url("/page-1"))]), etag='"v1"')
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), full_text=True))
    with caplog.at_level(logging.INFO):
        [first] = fetch(config)
    assert first.written == 0 and first.error is None
    assert f"{site.url('/page-1')} skipped for now" in caplog.text
    assert f"HTTP {failure.status}" in caplog.text
    assert record_of(config, site.url("/feed.xml")).etag is None  # asked again in full
    site.routes["/page-1"] = lambda _: Reply(200, PAGE, {"Content-Type": "text/html"})
    [second] = fetch(config)
    assert second.written == 1
    assert "new ferry timetable starts in December" in written(config)[0].read_text()


@pytest.mark.timeout(60)
def test_a_page_that_is_gone_for_good_is_remembered_and_the_log_says_why(tmp_path, site, caplog):
    site.routes["/page-1"] = lambda _: Reply(404, b"not here")
    site.feed("/feed.xml", rss([short(1, site.url("/page-1"))]))
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), full_text=True))
    with caplog.at_level(logging.INFO):
        [first] = fetch(config)
    assert first.written == 0 and first.note == "1 without text, skipped"
    assert "skipped: no text to read (its page was not read: HTTP 404" in caplog.text
    site.routes["/page-1"] = lambda _: Reply(200, PAGE)
    assert fetch(config)[0].written == 0  # remembered: not asked again
    assert site.paths().count("/page-1") == 1


def test_an_entry_without_text_is_named_in_the_log_and_the_summary(tmp_path, site, caplog):
    bare = ("tag:gazette,bare", "http://127.0.0.1/bare", "A headline and nothing else", "")
    site.feed("/feed.xml", rss([bare, entry(1)]))
    config = feed_config(tmp_path, site.url("/feed.xml"))
    with caplog.at_level(logging.INFO):
        result = CliRunner().invoke(main, ["fetch", "--config", str(write_config(config))])
    assert "1 new entry (1 without text, skipped)" in result.output
    assert "http://127.0.0.1/bare skipped: no text to read (under 8 words)" in caplog.text
    assert "fetched 1 of 1 feed(s)" in caplog.text


@pytest.mark.timeout(60)
@pytest.mark.parametrize("failure", [Reply(503, b"busy"), Reply(404, b"not here")])
def test_an_entry_one_feed_cannot_write_is_written_by_another_feed_sharing_its_link(
    tmp_path, site, monkeypatch, failure
):
    monkeypatch.setattr(subscriptions, "WORKERS", 1)  # in order: the feed without text first
    site.routes["/story"] = lambda _: failure  # for now (503) or for good (404)
    link = site.url("/story")
    site.feed("/a.xml", rss([short(1, link)], title="Harbour Gazette"))
    site.feed("/b.xml", rss([entry(1, guid="urn:b:1", link=link)], title="Island Post"))
    config = feed_config(
        tmp_path, Subscription(site.url("/a.xml"), full_text=True), site.url("/b.xml")
    )
    first, second = fetch(config)
    assert (first.written, second.written) == (0, 1)
    [article] = written(config)
    assert '"source": "Island Post"' in article.read_text()
    assert sum(result.written for result in fetch(config)) == 0  # the link is known now


@pytest.mark.timeout(60)
def test_a_link_remembered_without_text_does_not_stop_another_feeds_copy(tmp_path, site):
    site.routes["/story"] = lambda _: Reply(404, b"not here")
    link = site.url("/story")
    site.feed("/a.xml", rss([short(1, link)], title="Harbour Gazette"))
    site.feed("/b.xml", rss([entry(1, guid="urn:b:1", link=link)], title="Island Post"))
    a = Subscription(site.url("/a.xml"), full_text=True)
    [alone] = fetch(feed_config(tmp_path, a))
    assert alone.note == "1 without text, skipped"
    config = feed_config(tmp_path, a, site.url("/b.xml"))
    assert [result.written for result in fetch(config)] == [0, 1]
    assert len(written(config)) == 1


@pytest.mark.timeout(60)
def test_a_page_that_keeps_failing_for_now_is_given_up_after_a_few_fetches(
    tmp_path, site, monkeypatch, caplog
):
    monkeypatch.setattr(subscriptions, "PAGE_TRIES", 3)
    site.routes["/page-1"] = lambda _: Reply(503, b"busy")
    site.feed("/feed.xml", rss([short(1, site.url("/page-1"))]), etag='"v1"')
    config = feed_config(tmp_path, Subscription(site.url("/feed.xml"), full_text=True))
    for _ in range(2):
        [result] = fetch(config)
        assert result.note == "the rest left for the next fetch"
    with caplog.at_level(logging.INFO):
        [last] = fetch(config)
    assert last.note == "1 without text, skipped"
    assert "its page was not read in 3 fetches: HTTP 503" in caplog.text
    assert record_of(config, site.url("/feed.xml")).etag == '"v1"'
    assert fetch(config)[0].record.status == "304"
    assert site.paths().count("/page-1") == 3 and written(config) == []


def disk_full_error() -> sqlite3.OperationalError:
    """What SQLite raises when its disk is full (a database that may not grow stands in)."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (x)")
    db.execute("PRAGMA max_page_count = 2")
    try:
        db.execute("INSERT INTO t VALUES (?)", ("x" * 100_000,))
    except sqlite3.OperationalError as error:
        return error
    finally:
        db.close()
    raise AssertionError("the database grew")


@pytest.mark.timeout(60)
def test_a_state_on_a_full_disk_fails_its_feed_plainly_and_keeps_the_others(
    tmp_path, site, monkeypatch
):
    site.feed("/a.xml", rss([entry(1)], title="Harbour Gazette"))
    site.feed("/b.xml", rss([entry(2)], title="Island Post"))
    config = feed_config(tmp_path, site.url("/a.xml"), site.url("/b.xml"))
    real_save = Store.save_feed

    def full_for_a(store, record):
        if record.url.endswith("/a.xml"):
            raise disk_full_error()
        real_save(store, record)

    monkeypatch.setattr(Store, "save_feed", full_for_a)
    result = CliRunner().invoke(main, ["fetch", "--config", str(write_config(config))])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "disk is full: free some space" in result.output
    assert "damaged" not in result.output and "aside" not in result.output
    assert record_of(config, site.url("/b.xml")).entries == 1
    assert len(written(config)) == 2  # a's entry too: written again, under its name, next time


def test_a_disk_io_error_on_a_full_disk_is_told_as_a_full_disk(tmp_path, monkeypatch):
    state = tmp_path / "state.db"
    full = shutil._ntuple_diskusage(total=10**9, used=10**9, free=0)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: full)
    told = str(state_fault(sqlite3.OperationalError("disk I/O error"), state))
    assert "disk I/O error (the disk is full): free some space" in told
    told = str(state_fault(disk_full_error(), state))
    assert "disk is full: free some space" in told
    monkeypatch.undo()
    assert "damaged" in str(state_fault(sqlite3.DatabaseError("file is not a database"), state))


@pytest.mark.timeout(60)
def test_a_failed_inbox_write_is_recorded_as_a_failure(tmp_path, site, monkeypatch):
    site.feed("/feed.xml", rss([entry(1)]))
    config = feed_config(tmp_path, site.url("/feed.xml"))

    def no_room(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(subscriptions, "write_atomic", no_room)
    fetch(config)
    record = record_of(config, site.url("/feed.xml"))
    assert record.failures == 1 and "No space left on device" in record.error
