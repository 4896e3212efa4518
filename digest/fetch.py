"""Polite HTTP GETs for feeds and the pages they link to.

Rules every request follows: only http and https (a redirect elsewhere is refused), a
User-Agent naming digest and its version, gzip, conditional GET when validators are known, a
per-request timeout (connecting to the last byte) and a deadline for the whole fetch, a size
limit on the decompressed body, at most `max_redirects` redirects, one request at a time per host
(its whole answer read or discarded before the next is sent, so a kept-alive connection is
always left clean), and a host that answered 429 or 503 is not asked again before its
Retry-After (within this fetch; the caller keeps it for later ones).

A stop ends a fetch at once: each request runs on a thread of its own, and the thread that asked
stops waiting for it as soon as `stop` is set (a socket waiting on a slow server cannot be woken,
so the request is left to end at its timeout on a daemon thread, which keeps no process alive).
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from digest import __version__
from digest.config import url_problem
from digest.errors import DigestError

USER_AGENT = f"digest/{__version__} (news digest; feed fetcher)"
MAX_RETRY_AFTER = 86400.0  # seconds: a longer wait asked for is taken as a day
_REDIRECTS = (301, 302, 303, 307, 308)
_PERMANENT = (301, 308)
_CHUNK = 64 * 1024
_DISCARD_BYTES = 64 * 1024  # an unwanted body up to this size is read to keep its connection
_SSL_NOISE = re.compile(r"^\[SSL: [A-Z_]+\] | \(_ssl\.c:\d+\)$")
# Name lookups that answered "no such name": asking again soon will not help.
_NAME_NOT_KNOWN = {
    code for name in ("EAI_NONAME", "EAI_NODATA") if (code := getattr(socket, name, None))
}
STOP_POLL_SECONDS = 0.1  # how often a thread waiting for a request checks whether to stop


class FetchError(DigestError):
    """A request that brought no usable answer; `status` is the HTTP status when there was one,
    `retry_after` the seconds the server asked us to wait (429, 503), `transient` whether asking
    again later may well succeed (a timeout, a lost connection, a 5xx, a 429, a stop)."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None,
        *, transient: bool = False,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.transient = transient


class HostBusy(FetchError):
    """Not asked: its host asked digest to wait past this fetch's deadline (no failure)."""


@dataclass(frozen=True, slots=True)
class Response:
    """A 200 (with its body) or a 304 (without)."""

    status: int
    url: str  # where the body came from, after redirects
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # where a permanent redirect (301, 308) pointed


@dataclass(frozen=True, slots=True)
class Limits:
    timeout: float = 20.0  # seconds for one request, connecting to last byte
    deadline: float = 300.0  # seconds for the whole fetch
    max_bytes: int = 10_000_000
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class _Answer:
    """One request's answer, read whole (the body of a 200) or discarded."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class Fetcher:
    """One fetch's worth of requests, shareable between threads; `stop` ends it early."""

    limits: Limits = field(default_factory=Limits)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._ends = time.monotonic() + self.limits.deadline
        # One connection per host is in use at a time (its lock is held until the answer is
        # read), so one kept per host is enough: a pool never overflows.
        self._pool = urllib3.PoolManager(num_pools=20, maxsize=1, retries=False)
        self._pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        self._hosts: dict[str, threading.Lock] = {}
        self._not_before: dict[str, float] = {}  # host → monotonic time it may be asked again
        self._guard = threading.Lock()

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Response:
        """GET `url`, following redirects; a Response for 200 and 304, else FetchError (also
        as soon as `stop` is set, whatever the request is waiting for; HostBusy when its host
        asked to wait longer than this fetch may)."""
        return self._until_stopped(lambda: self._get(url, etag, last_modified))

    def _get(self, url: str, etag: str | None, last_modified: str | None) -> Response:
        moved_to: str | None = None
        permanent = True
        for _hop in range(self.limits.max_redirects + 1):
            if problem := url_problem(url):
                raise FetchError(problem.removeprefix("url: "))
            answer = self._exchange(url, etag, last_modified)
            if answer.status not in _REDIRECTS:
                return self._response(answer, url, moved_to)
            location = answer.headers.get("Location")
            if not location:
                raise FetchError(f"HTTP {answer.status} without a Location", answer.status)
            permanent = permanent and answer.status in _PERMANENT
            url = urljoin(url, location.strip())
            moved_to = url if permanent else moved_to
        raise FetchError(f"more than {self.limits.max_redirects} redirects (a redirect loop?)")

    def _until_stopped(self, request: Callable[[], Response]) -> Response:
        """What `request()` gives, run on a thread of its own; FetchError once `stop` is set or
        the fetch's deadline has passed.

        A thread, because a request waiting on a slow server (to connect, for the TLS handshake,
        the headers or the body) blocks in a socket call that nothing ends before its timeout:
        urllib3 cannot read on after a shorter timeout, and closing the pool closes only the
        connections not in use.
        """
        if self.stop.is_set():
            raise _stopped()
        answer: Future[Response] = Future()
        threading.Thread(
            target=_run, args=(request, answer), name="digest-request", daemon=True
        ).start()
        while not wait([answer], timeout=STOP_POLL_SECONDS).done:
            if self.stop.is_set():
                raise _stopped()
            if time.monotonic() > self._ends:  # a server sending a byte at a time, each in time
                raise _past_deadline(self.limits)
        return answer.result()

    def _response(self, answer: _Answer, url: str, moved_to: str | None) -> Response:
        status = answer.status
        if status not in (200, 304):
            wait = retry_after(answer.headers.get("Retry-After"))
            if status in (429, 503):
                self._back_off(url, wait)
            raise FetchError(
                f"HTTP {status} {answer.reason}".strip(), status, wait,
                transient=status in (408, 429) or status >= 500,
            )  # fmt: skip
        return Response(
            status, url, answer.body, answer.headers.get("ETag"),
            answer.headers.get("Last-Modified"), moved_to,
        )  # fmt: skip

    def _exchange(self, url: str, etag: str | None, last_modified: str | None) -> _Answer:
        """One request and its answer, with the host to itself from the request to the answer's
        last byte: the body of a 200 is read, any other is discarded (a small one read to the
        end, so the connection can be used again, a larger one closed with its connection)."""
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        host = (urlsplit(url).hostname or "").lower()
        with self._host_lock(host):
            self._wait_for(host)
            with _Cutoff(self._timeout()) as cutoff:
                timeout = urllib3.Timeout(connect=cutoff.seconds, read=cutoff.seconds)
                try:
                    response = self._pool.request(
                        "GET", url, headers=headers, redirect=False, preload_content=False,
                        timeout=timeout,
                    )  # fmt: skip
                    answer = self._answer(response, cutoff)
                except Exception as error:
                    if late := cutoff.error(self.limits):  # the socket was shut: time is up
                        raise late from None
                    if isinstance(error, urllib3.exceptions.HTTPError):
                        raise _connection_error(error) from None
                    raise
            if cutoff.fired:  # a shut socket can look like the end of a chunked body
                raise cutoff.error(self.limits)
            return answer

    def _answer(self, response, cutoff: _Cutoff) -> _Answer:
        """The answer with the body of a 200 read, any other discarded."""
        cutoff.answered = True
        try:
            if response.status == 200:
                body = self._read(response, cutoff, self.limits.max_bytes, decode=True)
            else:
                body = b""
                self._discard(response, cutoff)
        except BaseException:
            response.close()  # half read: its connection cannot carry another request
            raise
        finally:
            cutoff.end()  # before its connection may carry another request
            response.release_conn()
        return _Answer(response.status, response.reason or "", response.headers, body)

    def _discard(self, response, cutoff: _Cutoff) -> None:
        """Read an unwanted body to its end when it is small, else close its connection (also
        at once when the body ends only with the connection: no length, not chunked)."""
        declared = response.headers.get("Content-Length", "")
        chunked = "chunked" in response.headers.get("Transfer-Encoding", "").lower()
        bodiless = response.status in (204, 304) or response.status < 200
        if (declared.isdigit() and int(declared) > _DISCARD_BYTES) or not (
            declared.isdigit() or chunked or bodiless
        ):
            response.close()
            return
        try:
            self._read(response, cutoff, _DISCARD_BYTES, decode=False)
        except FetchError:
            response.close()

    def _read(self, response, cutoff: _Cutoff, limit: int, *, decode: bool) -> bytes:
        """The body (decompressed when `decode`) within `limit` bytes, read as it arrives and
        whole by the cutoff's end: no read waits past it, however slowly the server sends."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:  # compressed, it only grows
            raise FetchError(_too_big(limit))
        parts, size = [], 0
        try:
            while True:
                _wait_at_most(response, cutoff, self.limits)
                chunk = response.read1(_CHUNK, decode_content=decode)
                if not chunk:
                    return b"".join(parts)
                size += len(chunk)
                if size > limit:
                    raise FetchError(_too_big(limit))
                if self.stop.is_set():
                    raise _stopped()
                parts.append(chunk)
        except urllib3.exceptions.HTTPError as error:
            raise FetchError(_reason(error), transient=True) from None

    def close(self) -> None:
        """Close the connections kept open for reuse."""
        self._pool.clear()

    def _timeout(self) -> float:
        if self.stop.is_set():
            raise _stopped()
        left = self._ends - time.monotonic()
        if left <= 0:
            raise _past_deadline(self.limits)
        return min(self.limits.timeout, left)

    def _host_lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._hosts.setdefault(host, threading.Lock())

    def _back_off(self, url: str, wait: float | None) -> None:
        host = (urlsplit(url).hostname or "").lower()
        with self._guard:
            self._not_before[host] = time.monotonic() + (wait or 0.0)

    def _wait_for(self, host: str) -> None:
        """Sleep until a host that asked us to wait may be asked again; HostBusy when that is
        after the fetch's deadline (or digest is stopping)."""
        with self._guard:
            until = self._not_before.get(host, 0.0)
        pause = until - time.monotonic()
        if pause <= 0 or (until < self._ends and not self.stop.wait(pause)):
            return
        if self.stop.is_set():
            raise _stopped()
        raise HostBusy(
            f"{host} asked digest to wait; not asked again in this fetch", transient=True
        )


def _wait_at_most(response, cutoff: _Cutoff, limits: Limits) -> None:
    """Make the response's next read wait no longer than the cutoff's time left (its error
    when none is left): the request's timeout counts from connecting to the last byte, not per
    read."""
    seconds = cutoff.ends - time.monotonic()
    if seconds <= 0:
        raise cutoff.late(limits)
    sock = getattr(response.connection, "sock", None)
    if sock is not None:
        sock.settimeout(seconds)


_requests = threading.local()  # the cutoff of the request a thread is making


class _Cutoff:
    """Ends a request once its time is up, whatever it is waiting for (a name lookup, to
    connect, the TLS handshake, a status line or headers sent a byte at a time, chunk framing,
    the body): a timer shuts down the socket of the connection the request uses, which wakes
    the read; a request whose time ran out before it had a socket is ended as soon as it has.

    Once the request has ended (its connection may be back in the pool, carrying the next
    request to its host), a timer going off late does nothing: its lock orders the two."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.connection: HTTPConnection | None = None  # set by the connection, once chosen
        self.answered = False  # the status line and headers came: what is late is the body
        self.fired = False
        self._connecting: socket.socket | None = None  # a duplicate of a new connection's socket
        self._ended = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> _Cutoff:
        _requests.cutoff = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()
        self._timer.cancel()
        _requests.cutoff = None

    def end(self) -> None:
        """The request is over: its connection is no longer this cutoff's to shut."""
        with self._lock:
            self._ended = True
            self.connection = None
            if self._connecting is not None:
                self._connecting.close()
                self._connecting = None

    def connected(self, connection: HTTPConnection, sock: socket.socket) -> None:
        """A connection was made for the request: end it at once when time is already up."""
        with self._lock:
            if not (self.fired or self._ended):
                self.connection = connection
                # A duplicate stays usable while TLS takes the socket over for its handshake.
                self._connecting = sock.dup()
                return
        sock.close()
        raise urllib3.exceptions.ConnectTimeoutError(connection, "timed out while connecting")

    def sending(self, connection: HTTPConnection) -> None:
        """The request is about to be sent on `connection` (a new one or one kept open)."""
        with self._lock:
            if not (self.fired or self._ended):
                self.connection = connection
                return
        raise urllib3.exceptions.ConnectTimeoutError(connection, "timed out before sending")

    def _cut(self) -> None:
        with self._lock:
            if self._ended:
                return
            self.fired = True
            for sock in (getattr(self.connection, "sock", None), self._connecting):
                if sock is not None:
                    with contextlib.suppress(OSError):  # the plain socket's, also under TLS
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def error(self, limits: Limits) -> FetchError | None:
        """Why the request failed when its time ran out (None when it had not)."""
        if not self.fired and time.monotonic() < self.ends:
            return None
        return self.late(limits)

    def late(self, limits: Limits) -> FetchError:
        """The error of a request whose time ran out: the fetch's deadline passed, or the
        request timeout, naming the body when the status line and headers came in time."""
        if self.seconds < limits.timeout:  # what was left of the fetch's deadline
            return _past_deadline(limits)
        late = "the answer's body did not arrive whole" if self.answered else "no whole answer"
        return FetchError(
            f"{late} within the request timeout of {limits.timeout:g} s (timed out)",
            transient=True,
        )


class _Tracked:
    """A connection that tells the request using it which it is, so its cutoff can end it."""

    def _new_conn(self):
        sock = super()._new_conn()
        if (cutoff := getattr(_requests, "cutoff", None)) is not None:
            cutoff.connected(self, sock)
        return sock

    def request(self, *args, **kwargs):
        if (cutoff := getattr(_requests, "cutoff", None)) is not None:
            cutoff.sending(self)
        return super().request(*args, **kwargs)


class _HTTPConnection(_Tracked, HTTPConnection):
    pass


class _HTTPSConnection(_Tracked, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def _run(request: Callable[[], Response], answer: Future[Response]) -> None:
    try:
        answer.set_result(request())
    except BaseException as error:  # handed to the waiting thread, if it still waits
        answer.set_exception(error)


def retry_after(value: str | None) -> float | None:
    """The seconds a Retry-After header asks for (a number or an HTTP date), at most a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)


def _too_big(limit: int) -> str:
    return f"the response is larger than the limit of {limit / 1e6:g} MB (feeds.max_mb)"


def _stopped() -> FetchError:
    """A fetch ended by Ctrl-C or a stopping daemon: asked again next time."""
    return FetchError("stopped", transient=True)


def _past_deadline(limits: Limits) -> FetchError:
    """A fetch whose whole time (`deadline_seconds`) has run out: asked again next time."""
    return FetchError(f"the fetch's deadline of {limits.deadline:g} s has passed", transient=True)


def _connection_error(error: urllib3.exceptions.HTTPError) -> FetchError:
    """A FetchError for a request that brought no answer; not transient only when asking again
    will not help soon (a host name not known, a certificate refused, TLS asked of a server that
    speaks plain HTTP), transient otherwise
    (a name lookup that failed for now, a connection refused by a server restarting, a TLS
    handshake cut off)."""
    reason = _reason(error)
    if isinstance(error, urllib3.exceptions.SSLError):
        said = str(error.__context__ or error)  # "[SSL: CODE] what (_ssl.c:1006)"
        refused = isinstance(error.__context__, ssl.SSLCertVerificationError) or (
            "certificate verify failed" in said
        )
        # "wrong version number": an https:// address of a server that speaks plain HTTP there.
        plain = "wrong version number" in said.lower()
        told = f"TLS failed: {_SSL_NOISE.sub('', said)}"
        if plain:
            told += " (the server answers plain HTTP there: subscribe to its http:// address?)"
        return FetchError(told, transient=not (refused or plain))
    if isinstance(error, urllib3.exceptions.NameResolutionError):
        lookup = error.__context__ or getattr(error, "_reason", None)
        unknown = getattr(lookup, "errno", None) in _NAME_NOT_KNOWN
        return FetchError(f"host name not found: {reason}", transient=not unknown)
    return FetchError(reason, transient=True)


def _reason(error: Exception) -> str:
    """What went wrong with a connection, in a few words."""
    reason = getattr(error, "reason", None) or error
    text = str(reason)
    if "timed out" in text.lower():
        return "no answer in time (timed out)"
    if "refused" in text.lower():
        return "connection refused"
    return text.split(": ", 1)[-1][:200] if ": " in text else text[:200]
