"""Markdown articles with optional YAML-style (`---`) or TOML (`+++`) front matter.

Footnotes (`[^1]` and their `[^1]: ...` definitions) and struck-out text (`~~...~~`, words the
author withdrew) are left out before the body is rendered: neither is the article's prose.
"""

from __future__ import annotations

import re

import markdown as markdown_lib

from digest.clean import unify_line_ends
from digest.readers.blocks import fragment_text
from digest.readers.draft import Draft, draft_from_meta
from digest.readers.front_matter import split_front_matter

# A footnote's definition, with the indented lines that carry it on; a reference to one; text
# struck out on one line; each with the spaces before it (from the run's start, so a long indent
# is scanned once, not once per space).
_FOOTNOTE = re.compile(
    r"^ {0,3}\[\^[^\]\s]{1,100}\]:.*(?:\n(?:[ \t]*\n)?(?: {4}|\t).*)*", re.MULTILINE
)
_FOOTNOTE_MARK = re.compile(r"(?<![ \t])[ \t]*\[\^[^\]\s]{1,100}\]")
_STRUCK = re.compile(r"(?<![ \t])[ \t]*~~(?=[^\s~])[^\n~]{0,2000}(?<=\S)~~")
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
    meta, text = split_front_matter(unify_line_ends(text).lstrip("\ufeff"))
    text = _STRUCK.sub("", _FOOTNOTE_MARK.sub("", _FOOTNOTE.sub("", text)))
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
