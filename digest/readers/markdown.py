"""Markdown articles with optional YAML-style (`---`) or TOML (`+++`) front matter."""

from __future__ import annotations

import re
import tomllib

import markdown as markdown_lib

from digest.errors import ReadError
from digest.readers.blocks import fragment_text
from digest.readers.draft import Draft, draft_from_meta

_FRONT = re.compile(r"\A(---|\+\+\+)[ \t]*\n(.*?)\n\1[ \t]*(?:\n|\Z)", re.DOTALL)
_YAML_LINE = re.compile(r"^([\w-]+)\s*:\s*(.*)$")
# Python-Markdown takes quadratic time (or recurses until it fails) on deeply nested blocks, on
# runs of unclosed brackets or tags and on long paragraphs full of markup; articles need none of
# these, so nesting, lone brackets and angle brackets, and paragraph length are bounded first.
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_MAX_BLOCK = 4000  # characters
_DEEP_PREFIX = re.compile(r"^(?:[ \t>]|[-*+][ \t]|\d{1,9}[.)][ \t]){16,}", re.MULTILINE)
_MAX_PREFIX = 32
_LONE_BRACKET = re.compile(r"(?<!\\)\[(?![^\[\]\n]{0,300}\])")
_LONE_ANGLE = re.compile(r"<(?![^<>]{0,2000}>)")


def read_markdown(text: str) -> list[Draft]:
    """One article from a .md file; the body is reduced to plain text."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    meta: dict[str, object] = {}
    match = _FRONT.match(text)
    if match:
        meta = _toml(match.group(2)) if match.group(1) == "+++" else _yaml(match.group(2))
        text = text[match.end() :]
    elif text.startswith(("---\n", "+++\n")):
        raise ReadError("front matter is not closed (no matching --- or +++ line)")
    html = markdown_lib.markdown(_bounded(text), output_format="html")
    title, body = fragment_text(html)
    draft = draft_from_meta(meta, body)
    if draft.title is None and title:
        draft = Draft(body, title, draft.source, draft.url, draft.published)
    return [draft]


def _bounded(text: str) -> str:
    """The text with nesting capped, lone brackets escaped and over-long paragraphs split."""
    text = _DEEP_PREFIX.sub(lambda m: m.group().replace("\t", "    ")[-_MAX_PREFIX:], text)
    text = _LONE_BRACKET.sub(r"\\[", _LONE_ANGLE.sub("&lt;", text))
    return "\n\n".join(part for block in _BLANK_LINE.split(text) for part in _split(block))


def _split(block: str) -> list[str]:
    """A block cut at line or sentence ends (else spaces) into pieces of _MAX_BLOCK or less."""
    parts = []
    while len(block) > _MAX_BLOCK:
        cut = max(block.rfind("\n", 0, _MAX_BLOCK), block.rfind(". ", 0, _MAX_BLOCK - 1) + 1)
        cut = cut if cut > 0 else block.rfind(" ", 0, _MAX_BLOCK)
        cut = cut if cut > 0 else _MAX_BLOCK
        parts.append(block[:cut])
        block = block[cut:].lstrip()
    parts.append(block)
    return parts


def _toml(block: str) -> dict[str, object]:
    try:
        return tomllib.loads(block)
    except tomllib.TOMLDecodeError as error:
        raise ReadError(f"front matter is not valid TOML: {error}") from None


def _yaml(block: str) -> dict[str, object]:
    """Flat `key: value` front matter (the subset articles use), quotes removed."""
    meta: dict[str, object] = {}
    for line in block.split("\n"):
        if not line.strip() or line.lstrip().startswith("#") or line.startswith((" ", "-")):
            continue
        match = _YAML_LINE.match(line)
        if not match:
            raise ReadError(f"front matter line is not 'key: value': {line[:60]!r}")
        value = match.group(2).strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        meta[match.group(1)] = value
    return meta
