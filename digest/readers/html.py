"""Saved web pages: the main article text, without navigation, comments and widgets.

Trafilatura finds the main text and the page's metadata; when it finds no article we fall back to
the page's paragraphs, and only a page with no paragraphs at all is rejected.
"""

from __future__ import annotations

import logging

import lxml.etree

from digest.errors import ReadError
from digest.readers.blocks import blocks, parse_page, prose
from digest.readers.draft import Draft

log = logging.getLogger(__name__)
_NOISE_TAGS = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript")


def read_html(text: str) -> list[Draft]:
    """One article from a saved web page."""
    if "<" not in text:
        raise ReadError("not HTML: the file has no markup")
    import trafilatura  # imported on first use: it is slow to import
    from trafilatura.settings import Document

    try:
        document = trafilatura.bare_extraction(
            text, with_metadata=True, include_comments=False, favor_precision=True
        )
    except (ValueError, lxml.etree.LxmlError, RecursionError) as error:
        log.debug("trafilatura failed: %s", error)
        document = None
    paragraphs = _paragraphs(document.body) if isinstance(document, Document) else []
    if not paragraphs:
        paragraphs = _fallback_paragraphs(text)
    if not paragraphs:
        raise ReadError("no article text found in the page")
    meta = document if isinstance(document, Document) else None
    return [
        Draft(
            text="\n\n".join(paragraphs),
            title=getattr(meta, "title", None) or _page_title(text),
            source=getattr(meta, "sitename", None),
            url=getattr(meta, "url", None),
            published=getattr(meta, "date", None),
        )
    ]


def _paragraphs(body: lxml.etree._Element | None) -> list[str]:
    """Each block's own text once; text of trafilatura's body outside its blocks is not read."""
    return prose(blocks(body, loose=False)) if body is not None else []


def _fallback_paragraphs(text: str) -> list[str]:
    """The page's paragraphs of five words or more, outside navigation, headers and forms."""
    root = parse_page(text)
    if root is None:
        return []
    for noise in root.xpath("|".join(f"//{tag}" for tag in _NOISE_TAGS)):
        noise.drop_tree()
    found = blocks(root)
    return [block.text for block in found if block.tag == "p" and len(block.text.split()) >= 5]


def _page_title(text: str) -> str | None:
    root = parse_page(text)
    if root is None:
        return None
    found = root.xpath("//h1") or root.xpath("//title")
    return " ".join(block.text for block in blocks(found[0])) or None if found else None
