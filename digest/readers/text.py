"""Plain-text articles: an optional `Key: value` header block, or a headline as first line."""

from __future__ import annotations

import re

from digest.clean import unify_line_ends
from digest.readers.draft import META_KEYS, Draft, draft_from_meta

_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")  # above the header or headline: even of spaces
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z -]{0,20}):\s*(.*)$")


def read_text(text: str) -> list[Draft]:
    """One article from a .txt file."""
    text = _BLANK_LINES.sub("", unify_line_ends(text))
    head, _, body = text.partition("\n\n")
    meta = _header(head)
    if meta is not None:
        return [draft_from_meta(meta, body)]
    if glued := _glued_header(head):  # no blank line after the header: its lines are ours
        meta, lines = glued
        return [draft_from_meta(meta, "\n".join(lines) + text[len(head) :])]
    first, _, rest = text.partition("\n")
    if _looks_like_headline(first) and rest.startswith("\n"):
        return [Draft(text=rest, title=first.strip())]
    return [Draft(text=text)]


def _header(block: str) -> dict[str, str] | None:
    """The header fields when every line of the block is a `Key: value` line and at least one
    key is ours (others, such as `Tags:`, are passed over)."""
    meta: dict[str, str] = {}
    for line in block.split("\n"):
        match = _HEADER_LINE.match(line.strip())
        if not match:
            return None
        meta[match.group(1).strip()] = match.group(2).strip()
    return meta if any(key.lower() in META_KEYS for key in meta) else None


def _glued_header(block: str) -> tuple[dict[str, str], list[str]] | None:
    """A header block the body follows without a blank line: its leading `Key: value` lines,
    two or more, every key one of ours (a body may open on "Update: ..."), and the block's other
    lines."""
    lines = block.split("\n")
    meta: dict[str, str] = {}
    for count, line in enumerate(lines):
        match = _HEADER_LINE.match(line.strip())
        if not match or match.group(1).strip().lower() not in META_KEYS:
            # Two of our keys at least: one line "Source: a senior official said ..." is prose.
            return (meta, lines[count:]) if len(meta) >= 2 else None
        meta[match.group(1).strip()] = match.group(2).strip()
    return None  # every line is a header line: `_header` read it


def _looks_like_headline(line: str) -> bool:
    line = line.strip()
    if _BYLINE.match(line):
        return False
    return 0 < len(line.split()) <= 20 and len(line) <= 160 and not line.endswith((".", ","))


_BYLINE = re.compile(r"^by\s+\S", re.IGNORECASE)  # "By Jane Doe": who wrote it, not a headline
