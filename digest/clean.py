"""Cleaning article text: stray whitespace and invisible characters, boilerplate lines, a press
release's closing matter and the wire dateline (their rules are in `prose`), and the hashes that
identify articles and paragraphs."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from digest.prose import (
    is_boilerplate,
    is_release_contact,
    release_matter,
    strip_paragraph_dateline,
)

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")
# Control and format characters (but not tab and newline), soft hyphens, zero-width marks, stray
# BOMs.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200c-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    r"\ufff9-\ufffb]"
)


def normalize_text(text: str) -> str:
    """Unicode NFC, unified line ends and spaces, no control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def clean_body(text: str) -> str:
    """Article body as paragraphs separated by blank lines, with boilerplate removed."""
    lines = normalize_text(text).split("\n")
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if not is_boilerplate(line):
            current.append(line)
    paragraphs = paragraphs[: release_matter(paragraphs)]
    paragraphs = [p for p in paragraphs if not is_release_contact(p)]
    if paragraphs:
        paragraphs[0] = strip_paragraph_dateline(paragraphs[0])
    return "\n\n".join(p for p in paragraphs if p.strip())


def paragraph_key(paragraph: str) -> str:
    """A short hash of a paragraph, used to spot lines a source repeats in every article."""
    folded = re.sub(r"\W+", " ", paragraph.casefold()).strip()
    return hashlib.blake2b(folded.encode(), digest_size=8).hexdigest()


def content_id(title: str | None, text: str) -> str:
    """A stable article id derived from its title and cleaned text."""
    folded = re.sub(r"\s+", " ", f"{title or ''}\n{text}".casefold()).strip()
    return hashlib.blake2b(folded.encode(), digest_size=8).hexdigest()
