"""Bounds on the work one inbox file may cause, whatever its sender put in it.

Each file is read within a time budget (`READ_SECONDS`); markup whose cost grows faster than its
size in the parsers' own code, out of reach of that budget, is refused before parsing (a tag with
more than `MAX_ATTRIBUTES` attributes, an XML entity declaration in any encoding, an e-mail
header above `MAX_HEADER_BYTES`). A file over a bound is rejected with the bound it broke.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from digest.errors import ReadError

READ_SECONDS = 30.0  # time one file may take to read, from its bytes to its articles
MAX_ATTRIBUTES = 1000  # attributes in one tag (real pages have a few dozen at most)
MAX_HEADER_BYTES = 16_000  # one e-mail header field, folded lines included

# A tag long enough to hold MAX_ATTRIBUTES attributes; [^<>] keeps the scan linear.
_LONG_TAG = re.compile(f"<[A-Za-z][^<>]{{{2 * MAX_ATTRIBUTES},}}")
_ENTITY = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]+)"|([^;\s"]+))', re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
# Markup escaped inside JSON strings and XML text still reaches a parser once unescaped.
_ESCAPED_LT = re.compile(r"&lt;|&#0*60;|&#x0*3c;|\\u003c", re.IGNORECASE)
_ESCAPED_GT = re.compile(r"&gt;|&#0*62;|&#x0*3e;|\\u003e", re.IGNORECASE)
_ESCAPED_QUOTE = re.compile(r"&quot;|\\\"", re.IGNORECASE)


class _OverBudget(BaseException):
    """Raised by the timer; a BaseException so that no reader's `except Exception` keeps it."""


def check_markup(text: str) -> None:
    """ReadError when a tag (even one escaped in JSON or XML) has too many attributes.

    Parsers check each attribute against all the others before it, so a tag of 100,000
    attributes takes minutes in code no time budget can interrupt.
    """
    if "<" in text or "&" in text or "\\u" in text:
        text = _ESCAPED_QUOTE.sub('"', _ESCAPED_GT.sub(">", _ESCAPED_LT.sub("<", text)))
    for match in _LONG_TAG.finditer(text):
        attributes = len(_QUOTED.sub('""', match.group()).split()) - 1
        if attributes > MAX_ATTRIBUTES:
            raise ReadError(
                f"a tag holds {attributes:,} attributes, above the limit of {MAX_ATTRIBUTES:,}"
                " (markup this costly to parse is not read)"
            )


def check_entities(xml: bytes) -> None:
    """ReadError when an XML document declares entities, in whatever encoding it is written.

    The document is first converted to UTF-8 as the feed parser converts it (from a byte-order
    mark, the XML declaration, UTF-32, EBCDIC, ...), so no encoding hides a declaration.
    """
    from feedparser.encodings import convert_to_utf8

    try:
        converted = convert_to_utf8({}, xml, {})
    except Exception:  # its own lenient reading fails too: then it expands nothing
        converted = b""
    # Without its NUL bytes, UTF-16 or UTF-32 text shows its ASCII markup as one-byte text.
    if any(_ENTITY.search(text.replace(b"\x00", b"")) for text in (xml, converted)):
        raise ReadError(
            "the feed declares XML entities (<!ENTITY ...>); digest does not read them, since "
            "they can expand into huge text or pull in other files"
        )


def check_headers(message: bytes) -> None:
    """ReadError when a header field of the message, or of any part of it, is longer than
    MAX_HEADER_BYTES.

    The standard library's header parser takes memory and time quadratic in the encoded words
    of one field: 400 KB of Subject took gigabytes, 100 KB of a part's Content-Type seconds.
    """
    boundaries = {b"--" + (m.group(1) or m.group(2)) for m in _BOUNDARY.finditer(message)}
    in_headers, name, size = True, b"", 0
    for line in message.splitlines():
        if not in_headers:
            if line.rstrip() in boundaries:  # a part begins: its header block follows
                in_headers, name, size = True, b"", 0
            continue
        if not line.strip():
            in_headers = False
            continue
        if line[:1] in (b" ", b"\t"):
            size += len(line)
        else:
            name, size = line.partition(b":")[0], len(line)
        if size > MAX_HEADER_BYTES:
            shown = name.decode("ascii", "replace")[:40] or "first"
            raise ReadError(
                f"the {shown} header is over {MAX_HEADER_BYTES:,} bytes long, above the limit"
                " for one header (a header this long is costly to parse)"
            )


@contextmanager
def time_budget(seconds: float = 0.0) -> Iterator[None]:
    """Raise ReadError when the block runs longer than `seconds` (READ_SECONDS by default).

    The budget is kept by a timer signal, so it applies on a process's main thread (the CLI, the
    daemon's loop, each worker of a parallel read); elsewhere the block runs unbounded.
    """
    seconds = seconds or READ_SECONDS
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield  # not on the main thread, or a budget is already running
        return

    def over_budget(_signum: int, _frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGALRM, over_budget)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OverBudget:
        raise ReadError(
            f"reading it took longer than {seconds:g} s, the limit for one file"
            " (its markup is too costly to read)"
        ) from None
    finally:
        signal.signal(signal.SIGALRM, previous)
