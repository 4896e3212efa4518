"""Requests against a server that keeps its connections open (HTTP/1.1), as most servers do:
every answer is read or discarded before the next request, one request at a time per host,
and a request's timeout runs from connecting to its last byte."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import subprocess
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


BODY_LATE = "the answer's body did not arrive whole within the request timeout of 1 s (timed out)"


@pytest.mark.timeout(60)
def test_the_request_timeout_covers_a_body_sent_a_byte_at_a_time():
    fetcher = Fetcher(Limits(timeout=1, deadline=30))
    with Dripping(STALLED_BODY) as server:
        started = time.monotonic()
        with pytest.raises(FetchError) as late:
            fetcher.get(server.url("/feed.xml"))
        assert time.monotonic() - started < 3  # not the 30 s of the fetch's deadline
    assert str(late.value) == BODY_LATE and late.value.transient
    fetcher.close()


@pytest.mark.timeout(60)
def test_a_feed_whose_body_comes_too_slowly_is_logged_with_its_address_and_the_late_body(
    tmp_path, caplog
):
    with Dripping(STALLED_BODY) as server:
        url = server.url("/feed.xml")
        config = feed_config(tmp_path, url, timeout_seconds=1, deadline_seconds=8)
        with caplog.at_level(logging.WARNING):
            [result] = fetch(config)
    assert result.error == BODY_LATE
    assert f"{url}: {BODY_LATE}" in caplog.text


def test_a_read_after_the_request_timeout_fails_as_the_cutoff_tells_it():
    limits = Limits(timeout=1, deadline=30)
    cutoff = fetch_module._Cutoff(1)  # never entered: no timer
    cutoff.answered, cutoff.ends = True, time.monotonic() - 0.1
    with pytest.raises(FetchError) as late:
        fetch_module._wait_at_most(None, cutoff, limits)
    assert str(late.value) == BODY_LATE and late.value.transient
    cutoff.answered = False  # the headers were late too
    with pytest.raises(FetchError, match=r"^no whole answer within the request timeout of 1 s"):
        fetch_module._wait_at_most(None, cutoff, limits)


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
    with Dripping(opening) as server:
        _times_out(Fetcher(Limits(timeout=1, deadline=30)), server, within=3)


def _times_out(fetcher: Fetcher, server, within: float) -> None:
    """The fetch of `server`'s feed fails on its request timeout of 1 s, as one that may be
    asked again, within `within` seconds (not the fetch's longer deadline)."""
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"request timeout of 1 s") as late:
        fetcher.get(server.url("/feed.xml"))
    assert time.monotonic() - started < within
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


def test_a_refused_connection_may_be_a_server_restarting(monkeypatch):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now: the connection is refused
    fetcher = Fetcher(Limits(timeout=5, deadline=WAIT))
    try:
        with pytest.raises(FetchError, match=r"^connection refused$") as refused:
            fetcher.get(f"http://127.0.0.1:{port}/feed.xml")
        assert refused.value.transient
    finally:
        fetcher.close()


def _unresolved(code: int, said: str) -> urllib3.exceptions.NameResolutionError:
    return urllib3.exceptions.NameResolutionError(
        "news.example.org", None, socket.gaierror(code, said)
    )


def _tls_failed(reason: ssl.SSLError) -> urllib3.exceptions.SSLError:
    try:
        raise urllib3.exceptions.SSLError(reason) from reason
    except urllib3.exceptions.SSLError as error:
        return error


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (_unresolved(socket.EAI_NONAME, "Name or service not known"), False),
        (_unresolved(socket.EAI_AGAIN, "Temporary failure in name resolution"), True),
        (urllib3.exceptions.SSLError("[SSL: X] certificate verify failed"), False),
        (_tls_failed(ssl.SSLCertVerificationError(1, "certificate verify failed")), False),
        (_tls_failed(ssl.SSLEOFError(8, "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF")), True),
        (urllib3.exceptions.ProtocolError("Connection aborted."), True),
        (_tls_failed(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")), False),
    ],
    ids=["name-not-known", "name-lookup-failed-for-now", "certificate-refused",
         "certificate-refused-by-ssl", "tls-cut-off", "connection-dropped", "https-to-plain"],
)  # fmt: skip
def test_only_an_unknown_host_or_a_refused_certificate_is_no_failure_for_now(error, transient):
    failure = fetch_module._connection_error(error)
    assert failure.transient is transient
    if "wrong version number" in str(failure):
        assert "http://" in str(failure)  # says what to do


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


def _slow_name_lookups(monkeypatch, seconds: float) -> None:
    look_up = socket.getaddrinfo

    def slowly(*args, **kwargs):
        time.sleep(seconds)
        return look_up(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slowly)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True, timeout=WAIT,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        pytest.skip("no openssl to make a certificate with")
    return cert, key


class DrippingTLS(Dripping):
    """A `Dripping` server over TLS that takes `handshake_pause` seconds to begin its handshake."""

    def __init__(self, opening: bytes, certificate, handshake_pause: float) -> None:
        super().__init__(opening)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(*certificate)
        self.handshake_pause = handshake_pause

    def url(self, path: str) -> str:
        return super().url(path).replace("http:", "https:", 1)

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                connection, _ = self.listener.accept()
                time.sleep(self.handshake_pause)
                connection = self.context.wrap_socket(connection, server_side=True)
                connection.sendall(self.opening)
            except OSError:  # no connection yet, or one the client gave up on
                continue
            self.held.append(connection)
            self.accepted.set()


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("scheme", "lookup_seconds", "handshake_pause"),
    [("http", 2.0, 0.0), ("https", 2.0, 0.0), ("https", 0.5, 0.8)],
    ids=["http-slow-name-lookup", "https-slow-name-lookup", "https-slow-handshake"],
)
def test_the_request_timeout_holds_when_it_runs_out_before_the_request_is_sent(
    monkeypatch, certificate, scheme, lookup_seconds, handshake_pause
):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    _slow_name_lookups(monkeypatch, lookup_seconds)
    fetcher = Fetcher(Limits(timeout=1, deadline=10))
    server = (
        Dripping(DRIPPED_HEADERS) if scheme == "http"
        else DrippingTLS(DRIPPED_HEADERS, certificate, handshake_pause)
    )  # fmt: skip
    with server:
        _times_out(fetcher, server, within=4)  # not the 10 s of the fetch's deadline


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock


def test_a_timer_that_goes_off_after_its_request_ended_leaves_the_connection_alone():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        with fetch_module._Cutoff(60) as cutoff:
            cutoff.connection = _Connection(ours)  # back to the pool once the request ends
        cutoff._cut()  # as a timer that had already decided to go off would
        ours.sendall(b"next request")  # the next request on the connection is not cut
        assert theirs.recv(100) == b"next request"
        assert not cutoff.fired


def test_a_timer_going_off_during_a_request_shuts_its_connection():
    ours, theirs = socket.socketpair()
    with ours, theirs, fetch_module._Cutoff(60) as cutoff:
        cutoff.connection = _Connection(ours)
        cutoff._cut()
        assert cutoff.fired
        assert ours.recv(100) == b""  # a read waiting on the server wakes
