"""Markdown articles with optional YAML-style (`---`) or TOML (`+++`) front matter.

Footnotes (`[^1]` and their `[^1]: ...` definitions) and struck-out text (`~~...~~`, words the
author withdrew) are left out before the body is rendered: neither is the article's prose. Code
(fenced or inline) keeps them, and a `[^x]` that no definition names is kept.
"""

from __future__ import annotations

import re

import markdown as markdown_lib

from digest.clean import unify_line_ends
from digest.readers.blocks import fragment_text
from digest.readers.draft import Draft, draft_from_meta
from digest.readers.front_matter import split_front_matter

# Code, where footnote and strikethrough syntax is the code's own text: a fenced block, to its
# closing fence (a fence never closed is no code: its lines are prose to the renderer, which
# reads them as paragraphs), and an inline span. (An indented block is not read at all, and
# the lines a list item carries on are indented alike: they are not told apart here.)
_CODE = (
    r"(?P<code>^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[^\n]*(?:\n[\s\S]*?)??"
    r"\n[ \t]{0,3}(?P=fence)[`~]*[ \t]*(?=\n|\Z)"
    r"|(?<!`)(?P<ticks>`+)(?!`).{1,1000}?(?<!`)(?P=ticks)(?!`))"
)
# A footnote's definition, with the indented lines that carry it on; a reference to one; text
# struck out on one line; each with the spaces before it (from the run's start, so a long indent
# is scanned once, not once per space). Matched after code, which keeps them as they are.
_FOOTNOTE = re.compile(
    _CODE + r"|^ {0,3}\[\^(?P<label>[^\]\s]{1,100})\]:.*(?:\n(?:[ \t]*\n)?(?: {4}|\t).*)*",
    re.MULTILINE,
)
_MARK_OR_STRUCK = re.compile(
    _CODE + r"|(?<![ \t])[ \t]*\[\^(?P<label>[^\]\s]{1,100})\]"
    r"|(?<![ \t])[ \t]*~~(?=[^\s~])[^\n~]{0,2000}(?<=\S)~~",
    re.MULTILINE,
)
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
    text = _without_footnotes_and_struck_text(text)
    html = markdown_lib.markdown(_bounded(text), output_format="html")
    title, body = fragment_text(html)
    draft = draft_from_meta(meta, body)
    if draft.title is None and title:
        draft = Draft(body, title, draft.source, draft.url, draft.published)
    return [draft]


def _without_footnotes_and_struck_text(text: str) -> str:
    """The text without footnote definitions, the marks of footnotes defined, and struck-out
    text; code keeps them (`[^0-9]` in a regex), and so does a mark no definition names."""
    labels: set[str] = set()

    def definition(found: re.Match[str]) -> str:
        if found["code"] is not None:
            return found["code"]
        labels.add(found["label"])
        return ""

    def mark_or_struck(found: re.Match[str]) -> str:
        if found["code"] is not None or (found["label"] and found["label"] not in labels):
            return found.group()
        return ""

    return _MARK_OR_STRUCK.sub(mark_or_struck, _FOOTNOTE.sub(definition, text))


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
