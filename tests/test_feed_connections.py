"""Requests against a server that keeps its connections open (HTTP/1.1), as most servers do:
every answer is read or discarded before the next request, one request at a time per host,
and a request's timeout runs from connecting to its last byte."""

from __future__ import annotations

import contextlib
import logging
import socket
import time

import pytest
import urllib3

from digest import fetch as fetch_module
from digest import subscriptions
from digest.fetch import Fetcher, FetchError, HostBusy, Limits
from digest.store import Store
from digest.subscriptions import describe_fetch, failures, fetch

from .test_feeds import (
    STALLED_BODY,
    WAIT,
    Dripping,
    Reply,
    Stalled,
    entry,
    feed_config,
    rss,
    serving,
    written,
)


@pytest.fixture
def site():
    with serving("HTTP/1.1") as site:
        yield site


@pytest.fixture
def fetcher():
    fetcher = Fetcher(Limits(timeout=5, deadline=30))
    yield fetcher
    fetcher.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_within_a_host_is_followed_on_the_same_connection(site, fetcher, status):
    site.routes["/old.xml"] = lambda _: Reply(status, b"moved", {"Location": "/ok.xml"})
    site.feed("/ok.xml", rss([entry(1)]))
    response = fetcher.get(site.url("/old.xml"))
    assert (response.status, response.url) == (200, site.url("/ok.xml"))
    assert b"Ferry timetable change number 1" in response.body


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "answer",
    [
        Reply(404, b"not here"),
        Reply(410, b"gone"),
        Reply(429, b"slow down", {"Retry-After": "0"}),
        Reply(500, b"oops"),
        Reply(503, b"busy"),
        Reply(404, b"x" * 1_000_000),  # too large to read through: its connection is closed
        Reply(200, b"x" * 1_000_000),  # over the size limit
    ],
    ids=["404", "410", "429", "500", "503", "large-404", "over-size"],
)
def test_an_answer_that_is_refused_leaves_the_next_request_to_its_host_unharmed(site, answer):
    fetcher = Fetcher(Limits(timeout=5, deadline=30, max_bytes=500_000))
    site.routes["/refused"] = lambda _: answer
    site.feed("/ok.xml", rss([entry(1)]))
    try:
        with pytest.raises(FetchError):
            fetcher.get(site.url("/refused"))
        assert fetcher.get(site.url("/ok.xml")).status == 200
        assert fetcher.get(site.url("/ok.xml")).status == 200
    finally:
        fetcher.close()


@pytest.mark.timeout(60)
def test_a_304_leaves_the_connection_for_the_next_request(site, fetcher):
    site.feed("/feed.xml", rss([entry(1)]), etag='"v1"')
    assert fetcher.get(site.url("/feed.xml"), etag='"v1"').status == 304
    assert fetcher.get(site.url("/feed.xml")).status == 200


@pytest.mark.timeout(60)
def test_one_request_at_a_time_per_host_until_its_last_byte(tmp_path, site, caplog):
    for name in "abcd":  # each body follows its headers after a while, as from a slow server
        site.routes[f"/{name}.xml"] = lambda _: Reply(200, rss([entry(1)]).encode(), pause=0.3)
    config = feed_config(tmp_path, *(site.url(f"/{name}.xml") for name in "abcd"))
    with caplog.at_level(logging.WARNING):
        results = fetch(config)
    assert [result.error for result in results] == [None] * 4
    assert len(site.requests) == 4 and site.most_at_once == 1
    assert "Connection pool is full" not in caplog.text


@pytest.mark.timeout(60)
def test_the_request_timeout_covers_a_body_sent_a_byte_at_a_time():
    fetcher = Fetcher(Limits(timeout=1, deadline=30))
    with Dripping(STALLED_BODY) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="timed out"):
            fetcher.get(server.url("/feed.xml"))
        assert time.monotonic() - started < 3  # not the 30 s of the fetch's deadline
    fetcher.close()


@pytest.mark.timeout(60)
def test_a_feed_whose_host_asked_to_wait_is_not_asked_and_has_not_failed(
    tmp_path, site, monkeypatch, caplog
):
    monkeypatch.setattr(subscriptions, "WORKERS", 1)  # in order: the busy feed first
    site.routes["/a.xml"] = lambda _: Reply(503, b"busy", {"Retry-After": "3600"})
    site.feed("/b.xml", rss([entry(1)]))
    config = feed_config(tmp_path, site.url("/a.xml"), site.url("/b.xml"))
    with caplog.at_level(logging.INFO):
        busy, waiting = fetch(config)
    assert busy.error == "HTTP 503 Service Unavailable"
    assert waiting.error is None and waiting.written == 0
    assert f"{site.url('/b.xml')}: not asked in this fetch" in caplog.text
    assert site.paths() == ["/a.xml"]
    assert failures([busy, waiting]).startswith("1 of 2 feed(s) failed")
    assert f"{site.url('/b.xml')}: not asked this time (127.0.0.1 asked" in describe_fetch(
        [busy, waiting]
    )
    with Store.open(config.paths.state) as store:
        assert site.url("/b.xml") not in store.feed_records()  # no failure recorded
    assert written(config) == []


def test_host_busy_is_a_fetch_error_that_asking_later_may_cure(site):
    site.routes["/a.xml"] = lambda _: Reply(429, b"slow", {"Retry-After": "3600"})
    fetcher = Fetcher(Limits(deadline=WAIT))
    try:
        with pytest.raises(FetchError) as refused:
            fetcher.get(site.url("/a.xml"))
        assert refused.value.transient and not isinstance(refused.value, HostBusy)
        with pytest.raises(HostBusy) as busy:
            fetcher.get(site.url("/b.xml"))
        assert busy.value.transient
    finally:
        fetcher.close()


DRIPPED_HEADERS = b"HTTP/1.1 200 OK\r\nX-Slow: "  # then a byte at a time: the headers never end
DRIPPED_CHUNK_SIZE = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"  # the size never ends


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "opening", [DRIPPED_HEADERS, DRIPPED_CHUNK_SIZE], ids=["headers", "chunk-size"]
)
def test_the_request_timeout_covers_headers_and_chunk_framing_sent_a_byte_at_a_time(opening):
    fetcher = Fetcher(Limits(timeout=1, deadline=30))
    with Dripping(opening) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"request timeout of 1 s") as late:
            fetcher.get(server.url("/feed.xml"))
        assert time.monotonic() - started < 3  # not the 30 s of the fetch's deadline
        assert late.value.transient
    fetcher.close()


@pytest.mark.timeout(60)
def test_a_server_dripping_its_headers_does_not_hold_its_host_past_the_request_timeout(
    tmp_path, site
):
    site.feed("/ok.xml", rss([entry(1)]))  # on 127.0.0.1 too: the same host
    with Dripping(DRIPPED_HEADERS) as server:
        config = feed_config(tmp_path, server.url("/slow.xml"), site.url("/ok.xml"),
                             timeout_seconds=1, deadline_seconds=8)  # fmt: skip
        started = time.monotonic()
        slow, ok = fetch(config)
        assert time.monotonic() - started < 5
    assert "request timeout of 1 s" in slow.error
    assert (ok.error, ok.written) == (None, 1)


def test_a_refused_connection_or_an_unknown_host_is_no_failure_for_now(monkeypatch):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now: the connection is refused
    fetcher = Fetcher(Limits(timeout=5, deadline=WAIT))
    try:
        with pytest.raises(FetchError, match=r"^connection refused$") as refused:
            fetcher.get(f"http://127.0.0.1:{port}/feed.xml")
        assert not refused.value.transient
        unknown = urllib3.exceptions.NameResolutionError("nowhere.invalid", None, OSError("no"))
        assert not fetch_module._connection_error(unknown).transient
        refused_tls = urllib3.exceptions.SSLError("[SSL: X] certificate verify failed")
        assert not fetch_module._connection_error(refused_tls).transient
        dropped = urllib3.exceptions.ProtocolError("Connection aborted.")
        assert fetch_module._connection_error(dropped).transient
    finally:
        fetcher.close()


@pytest.mark.timeout(60)
def test_an_unwanted_body_without_a_length_closes_its_connection_at_once(site):
    site.feed("/ok.xml", rss([entry(1)]))
    moved = f"HTTP/1.1 302 Found\r\nLocation: {site.url('/ok.xml')}\r\n\r\nmoved".encode()
    fetcher = Fetcher(Limits(timeout=3, deadline=30))
    with Stalled(moved) as server:  # its body ends when the connection does: never
        started = time.monotonic()
        response = fetcher.get(server.url("/old.xml"))
        assert time.monotonic() - started < 1.5  # not the 3 s of the timeout
    assert (response.status, response.url) == (200, site.url("/ok.xml"))
    fetcher.close()


def test_progress_is_logged_about_ten_times_at_most(caplog):
    progress = subscriptions._Progress(19)
    with caplog.at_level(logging.INFO):
        for _ in range(19):
            progress.one_more()
    told = [r.getMessage() for r in caplog.records if r.getMessage().startswith("fetched")]
    assert len(told) <= 10 and told[-1] == "fetched 19 of 19 feed(s)"


class DrippingZeros(Dripping):
    """Drips "0": a chunk size that, cut off where it stands, reads as the last chunk."""

    def _drip(self) -> None:
        while not self.closed.wait(0.3):
            for connection in list(self.held):
                with contextlib.suppress(OSError):
                    connection.sendall(b"0")


@pytest.mark.timeout(60)
def test_a_chunked_body_cut_off_at_the_timeout_is_no_empty_answer():
    fetcher = Fetcher(Limits(timeout=1, deadline=30))
    with (
        DrippingZeros(DRIPPED_CHUNK_SIZE) as server,
        pytest.raises(FetchError, match=r"request timeout of 1 s"),
    ):
        fetcher.get(server.url("/feed.xml"))
    fetcher.close()
