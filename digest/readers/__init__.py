"""Readers turn one inbox file into article drafts; they are registered by file extension."""

from __future__ import annotations

import codecs
import errno
import json as json_module  # not .json, the reader of that name
import logging
import os
import re
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from digest import limits
from digest.clean import clean_body, content_id, normalize_text
from digest.dates import implausible, parse_date
from digest.decode import decode, decode_page
from digest.errors import ReadError
from digest.inbox import non_file_kind, printable_name
from digest.language import detect_language
from digest.models import Article
from digest.readers.draft import Draft
from digest.readers.email import mail_drafts, read_email
from digest.readers.feed import read_feed
from digest.readers.html import read_html
from digest.readers.json import json_items, read_json
from digest.readers.markdown import read_markdown
from digest.readers.text import read_text

log = logging.getLogger(__name__)

Reader = Callable[[str], list[Draft]]
BytesReader = Callable[[bytes], list[Draft]]

READERS: dict[str, Reader | BytesReader] = {
    ".txt": read_text,
    ".text": read_text,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".json": read_json,
    ".eml": read_email,
    ".rss": read_feed,
    ".atom": read_feed,
    ".xml": read_feed,
}
# Readers handed the file's bytes: e-mail and XML declare their own encodings inside the file.
READS_BYTES: frozenset[BytesReader] = frozenset({read_email, read_feed})
MIN_WORDS = 8  # fewer words than this is no article


def is_supported(path: Path) -> bool:
    """True when a reader is registered for the file's extension."""
    return path.suffix.lower() in READERS


def read_file(path: Path, *, max_bytes: int, language: str = "auto") -> list[Article]:
    """The cleaned articles of one file; raises ReadError saying why it cannot be read."""
    _refuse_non_files(path)  # first: a pipe is told as a pipe, whatever its name
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise ReadError(f"unsupported file type {path.suffix or '(none)'!r}; digest reads {known}")
    data = _whole_characters(_read_bytes(path, max_bytes), path)
    if not data.strip():
        raise ReadError("the file is empty")
    with limits.time_budget():
        text = _decoded(reader, data, path)
        if not text.strip():
            raise ReadError("the file holds only whitespace")
        if (held := _held_markup(text, path)) is not None:
            reader, text = held, _decoded(held, data, path)
        drafts, problems = _drafts(reader, data, text, path)
    articles = [_article(d, _printable_name(path), language) for d in drafts]
    kept = [a for a in articles if a is not None]
    if not kept:  # and why the items that are no articles are none
        reasons = "".join(f"; {problem}" for problem in problems[:3])
        reasons += f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise ReadError(f"no article text found (nothing that reads as sentences){reasons}")
    for problem in problems:
        log.warning("%s: %s; the file's other items are read", _printable_name(path), problem)
    if len(kept) < len(articles):
        short = [
            d.title or "(untitled)" for d, a in zip(drafts, articles, strict=True) if a is None
        ]
        log.info(
            "%s: %d of its %d items left out, under %d words of text: %s",
            _printable_name(path), len(short), len(articles) + len(problems), MIN_WORDS,
            "; ".join(repr(" ".join(title.split())[:60]) for title in short[:5])
            + ("; …" if len(short) > 5 else ""),
        )  # fmt: skip
    return kept


# Plain-text files that may hold a web page or a feed (a page saved "as text", a download
# renamed); how such a file starts says which: a doctype or <html>, an <rss> or <feed> root.
_PLAIN_TEXT = frozenset({".txt", ".text", ".md", ".markdown"})
# Each comment is matched atomically: ended at its first "-->", it is never retried as a longer
# one, so a run of comments before prose costs one pass, not one try per way of grouping them.
_MARKUP_START = re.compile(
    r"\s*(?:<\?xml[^>]*\?>\s*)?(?><!--.*?-->\s*)*<(!doctype\s+html|html|rss|feed|rdf:rdf)\b",
    re.IGNORECASE | re.DOTALL,
)
_SNIFFED_CHARS = 4096


def _held_markup(text: str, path: Path) -> Reader | BytesReader | None:
    """The reader of the web page or feed a plain-text file holds (with a line saying so in the
    log), or None when it holds text."""
    if path.suffix.lower() not in _PLAIN_TEXT:
        return None
    found = _MARKUP_START.match(text[:_SNIFFED_CHARS].lstrip("\ufeff"))
    if found is None:
        return None
    page = found.group(1).lower().endswith("html")
    log.info("%s: holds %s, not plain text; read as %s", _printable_name(path),
             "a web page" if page else "a feed", "HTML" if page else "a feed")  # fmt: skip
    return read_html if page else read_feed


def _decoded(reader: Reader | BytesReader, data: bytes, path: Path) -> str:
    """The file's text; a page is read in the charset it declares (see `decode_page`)."""
    if reader is not read_html:
        return decode(data)
    text, warning = decode_page(data)
    if warning:
        log.warning("%s: %s", _printable_name(path), warning)
    return text


def _drafts(
    reader: Reader | BytesReader, data: bytes, text: str, path: Path
) -> tuple[list[Draft], list[str]]:
    """The reader's drafts, once the file passed the screens for costly input, and why each
    item of a JSON list that is no article was left out. What a mail's reader should be told
    about how its parts were decoded is logged, naming the file."""
    if reader is read_feed:
        limits.check_entities(data)
    if reader is not read_text:
        limits.check_markup(text)
    try:
        if reader is read_json:
            return json_items(_big_integers_as_text(text))
        if reader is read_email:
            drafts, warnings = mail_drafts(data)
            for warning in warnings:
                log.warning("%s: %s", _printable_name(path), warning)
            return drafts, []
        return reader(data if reader in READS_BYTES else text), []  # type: ignore[arg-type]
    except RecursionError:
        raise ReadError("the file's markup or structure is nested too deeply to read") from None


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def _whole_characters(data: bytes, path: Path) -> bytes:
    """UTF-16 or UTF-32 bytes without a last character cut short (a transfer cut off one byte
    early); the rest of the text is read."""
    unit = 4 if data.startswith(_UTF32_BOMS) else 2 if data.startswith(_UTF16_BOMS) else 1
    extra = len(data) % unit
    if not extra:
        return data
    log.warning("%s: its last character is cut short; read without it", _printable_name(path))
    return data[:-extra]


_MAX_DIGITS = 4300  # Python converts no longer digit string to an integer (a guard of its own)
_LONG_INTEGER = re.compile(f"\\d{{{_MAX_DIGITS + 1}}}")


def _big_integers_as_text(text: str) -> str:
    """JSON whose integers are too long for Python to convert (over 4,300 digits) with those
    integers as strings, so that the article around them is still read."""
    if not _LONG_INTEGER.search(text):
        return text
    try:
        data = json_module.loads(text, parse_int=_integer_or_text)
    except (ValueError, RecursionError):
        return text  # the reader says what is wrong with it
    return json_module.dumps(data)


def _integer_or_text(digits: str) -> int | str:
    return int(digits) if len(digits.lstrip("-")) <= _MAX_DIGITS else digits


_SYMLINK = "a symbolic link: digest reads only files, not what links point to"
_BROKEN_SYMLINK = "a broken symbolic link: digest reads only files, not what links point to"
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _refuse_non_files(path: Path) -> None:
    """A ReadError naming what `path` is when it is no regular file: a link (broken or not;
    never followed), a pipe, a socket, a device or a folder. Nothing is opened."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise ReadError("the file vanished before it could be read") from None
    except OSError as error:
        raise ReadError(f"cannot read the file: {error.strerror or error}") from None
    if stat.S_ISLNK(mode):
        broken = not os.path.exists(path)  # its target looked up, never opened
        raise ReadError(_BROKEN_SYMLINK if broken else _SYMLINK)
    if kind := non_file_kind(mode):
        raise ReadError(f"{kind}, not a regular file: digest reads only files")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; links, non-regular files and files above the limit are never read.

    The size is checked on the opened file, before reading, and O_NOFOLLOW refuses a file that
    was swapped for a link after `_refuse_non_files` looked at it.
    """
    try:
        handle = os.open(path, _OPEN_FLAGS | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ReadError("the file vanished before it could be read") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ReadError(_SYMLINK) from None
        raise ReadError(f"cannot read the file: {error.strerror or error}") from None
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("not a regular file (a folder, pipe or device)")
        if info.st_size > max_bytes:
            raise ReadError(_too_big(info.st_size, max_bytes))
        try:
            # What the file holds and a byte more, then on to the limit only if it grew: a
            # buffer of the limit's size (20 MB), taken and given back for every file, cost
            # more than the reading.
            data = file.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += file.read(max_bytes + 1 - len(data))
        except OSError as error:
            raise ReadError(f"cannot read the file: {error.strerror or error}") from None
    if len(data) > max_bytes:  # it grew after the size check
        raise ReadError(_too_big(len(data), max_bytes))
    return data


def _too_big(size: int, max_bytes: int) -> str:
    shown = f"{size / 1e6:,.1f} MB" if size >= 1_000_000 else f"{size:,} bytes"
    return f"file is {shown}, above the {max_bytes / 1e6:g} MB limit"


def _printable_name(path: Path) -> str:
    """The file name as text on one line (bytes that are not UTF-8 become U+FFFD, control
    characters such as a newline are shown escaped)."""
    return printable_name(path.name)


_SURROGATES = re.compile("[\ud800-\udfff]")
# Characters a URL may not hold unescaped; escaped, a URL cannot break out of a link's markup.
_URL_UNSAFE = re.compile(r'[\x00-\x20<>"`{}|\\^\x7f]')


def _article(draft: Draft, file_name: str, language: str) -> Article | None:
    text = clean_body(_SURROGATES.sub("", draft.text))
    if len(text.split()) < MIN_WORDS:
        return None
    title = _one_line(draft.title)
    return Article(
        id=content_id(title, text),
        file=file_name,
        title=title,
        source=_one_line(draft.source),
        url=_url(draft.url),
        published=_published(draft.published, file_name),
        text=text,
        language=detect_language(text) if language == "auto" else language,
    )


def _published(value: object, file_name: str) -> datetime | None:
    """The publication date, or None (with a warning) for one no article can have."""
    published = parse_date(value)
    if published is None:
        if value is not None and str(value).strip():
            shown = " ".join(str(value).split())[:40]
            log.warning("%s: date %r not understood; read as undated", file_name, shown)
        return None
    why = implausible(published, datetime.now(UTC))
    if why is None:
        return published
    log.warning("%s: date %s is %s; read as undated", file_name, published.date(), why)
    return None


def _one_line(value: object) -> str | None:
    if value is None:
        return None
    text = normalize_text(_SURROGATES.sub("", str(value))).replace("\n", " ").strip()
    return text[:500] or None


def _url(value: object) -> str | None:
    url = _one_line(value)
    return _URL_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", url) if url else None
