"""Turning the bytes of an inbox file into text, whatever its encoding."""

from __future__ import annotations

import codecs

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
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise ReadError(f"binary file: looks like {kind}, not an article")
    if b"\x00" in data[:8192]:
        raise ReadError("binary file: contains NUL bytes, not text")
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > len(sample) * _MAX_CONTROL_SHARE:
        raise ReadError("binary file: too many control bytes to be text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="digest-legacy")
