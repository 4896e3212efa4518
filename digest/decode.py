"""Turning the bytes of an inbox file into text, whatever its encoding."""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

from digest.errors import ReadError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive (or an office document)",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"\x7fELF": "a program",
    b"SQLite format 3": "an SQLite database",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an old Microsoft Office document",
    b"{\\rtf": "an RTF document",
    b"%!PS": "a PostScript document",
    b"\xfd7zXZ\x00": "an xz archive",
    b"(\xb5/\xfd": "a zstd archive",
    b"BZh": "a bzip2 archive",
    b"OggS": "an Ogg audio or video file",
    b"fLaC": "a FLAC audio file",
    b"wOFF": "a web font",
    b"wOF2": "a web font",
}
# C0 control bytes that never appear in text (tab, line ends, form feed and escape are allowed).
_CONTROL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_MAX_CONTROL_SHARE = 0.05


def _legacy_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode a byte that is not UTF-8 as Windows-1252 (Latin-1 where cp1252 has a hole)."""
    byte = error.object[error.start : error.start + 1]
    try:
        return byte.decode("cp1252"), error.start + 1
    except UnicodeDecodeError:
        return byte.decode("latin-1"), error.start + 1


codecs.register_error("digest-legacy", _legacy_byte)


def _latin_1_byte(error: UnicodeDecodeError) -> tuple[str, int]:
    """Keep a byte the declared charset leaves undefined as the character of that number."""
    return error.object[error.start : error.start + 1].decode("latin-1"), error.start + 1


codecs.register_error("digest-latin-1", _latin_1_byte)


def decode(data: bytes) -> str:
    """Text of a file: BOMs honoured, UTF-8 preferred, stray legacy bytes kept as cp1252.

    Raises ReadError for empty or binary content.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ReadError(f"broken {encoding} text ({error.reason})") from None
    _refuse_binary(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="digest-legacy")


def _refuse_binary(data: bytes) -> None:
    """A ReadError naming what the data is when it is no text (a PDF, an image, ...)."""
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"binary file: looks like {kind}, not an article")
    if b"\x00" in data[:8192]:
        raise ReadError("binary file: contains NUL bytes, not text")
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > len(sample) * _MAX_CONTROL_SHARE:
        raise ReadError("binary file: too many control bytes to be text")


class Decoded(NamedTuple):
    """A file's text, and what its reader should be told about how it was decoded (or None)."""

    text: str
    warning: str | None = None


# How far into a page its charset declaration is looked for (the HTML standard's prescan looks
# at 1,024 bytes; saved pages often carry a long head of styles and scripts before it).
_PRESCAN_BYTES = 4096
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)
_META = re.compile(rb"<meta[\s/]([^>]*)", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb"""([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")
_CONTENT_CHARSET = re.compile(rb"""charset\s*=\s*["']?([^\s;"']+)""", re.IGNORECASE)
# Labels browsers know that Python spells otherwise, and the encodings browsers read in place of
# a legacy one (a page labelled Latin-1 is Windows-1252 to every browser), by Python's name.
_LABELS = {
    "windows-874": "cp874", "x-mac-cyrillic": "mac-cyrillic", "iso-8859-8-i": "iso8859-8",
    "x-user-defined": "cp1252", "x-sjis": "cp932",
}  # fmt: skip
_SUPERSETS = {
    "ascii": "cp1252", "iso8859-1": "cp1252", "iso8859-9": "cp1254", "iso8859-11": "cp874",
    "tis-620": "cp874", "gb2312": "gbk", "euc_kr": "cp949", "shift_jis": "cp932",
    "big5": "big5hkscs", "utf-16": "utf-8", "utf-16-le": "utf-8", "utf-16-be": "utf-8",
}  # fmt: skip
# The encodings of the web (the WHATWG Encoding standard), by Python's name.
_PAGE_ENCODINGS = frozenset(
    {"utf-8", "cp866", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874", "gbk", "gb18030",
     "big5hkscs", "euc_jp", "iso2022_jp", "cp932", "cp949"}
    | {f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)}
    | {f"cp{n}" for n in range(1250, 1259)}
)  # fmt: skip


def decode_page(data: bytes) -> Decoded:
    """Text of a web page: a BOM first, then the charset its `<meta>` declares near its start,
    then as `decode`. A page whose bytes are UTF-8 is read as UTF-8 whatever it declares (a page
    saved again as UTF-8 keeps its old declaration), even with a few stray bytes (each read on
    its own, as `decode` reads it); an unknown charset is told in `warning`.
    """
    label = None if data.startswith(tuple(bom for bom, _ in _BOMS)) else declared_charset(data)
    if label is None:
        return Decoded(decode(data))
    encoding = page_encoding(label)
    if encoding is None:
        why = f"declares the charset {label[:40]!r}, which digest does not know; read as UTF-8"
        return Decoded(decode(data), why + " (or Windows-1252)")
    if encoding == "utf-8" or _is_mostly_utf_8(data):
        return Decoded(decode(data))
    _refuse_binary(data)
    return Decoded(data.decode(encoding, errors="digest-latin-1"))


def declared_charset(data: bytes) -> str | None:
    """The charset label the first `<meta charset>` (or `<meta http-equiv="Content-Type"
    content="...; charset=...">`) near the page's start declares, outside comments."""
    start = _COMMENT.sub(b"", data[:_PRESCAN_BYTES])
    for meta in _META.finditer(start):
        attributes: dict[bytes, bytes] = {}
        for name, *values in _ATTRIBUTE.findall(meta.group(1)):
            attributes.setdefault(name.lower(), b"".join(values))
        label = attributes.get(b"charset")
        if label is None and attributes.get(b"http-equiv", b"").lower() == b"content-type":
            found = _CONTENT_CHARSET.search(attributes.get(b"content", b""))
            label = found.group(1) if found else None
        if label and label.strip():
            return label.strip().decode("latin-1")
    return None


def page_encoding(label: str) -> str | None:
    """The Python codec a browser reads a page labelled `label` with; None for no web encoding."""
    label = label.lower()
    try:
        name = _LABELS.get(label) or codecs.lookup(label).name
    except LookupError:
        return None
    name = _SUPERSETS.get(name, name)
    return name if name in _PAGE_ENCODINGS else None


def _is_mostly_utf_8(data: bytes) -> bool:
    """True when `data` holds characters beyond ASCII and is UTF-8 but for a few stray bytes:
    more multibyte characters than bytes that are not UTF-8. Text in a single-byte charset such
    as Windows-1252 has next to no valid multibyte sequences (an accented capital followed by a
    symbol), and a byte that is not UTF-8 for each accented letter."""
    if data.isascii():
        return False
    text = data.decode("utf-8", errors="surrogateescape")  # a stray byte: one lone surrogate
    stray = len(data) - len(text.encode("utf-8", errors="ignore"))
    multibyte = len(text) - len(text.encode("ascii", errors="ignore")) - stray
    return multibyte > stray
