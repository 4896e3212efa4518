"""Saved web pages: the main article text, without navigation, comments and widgets.

Trafilatura finds the main text and the page's metadata; when it finds no article we fall back to
the page's paragraphs, and only a page with no paragraphs at all is rejected.
"""

from __future__ import annotations

import logging

import lxml.etree
import lxml.html

from digest.errors import ReadError
from digest.readers.draft import Draft

log = logging.getLogger(__name__)
_PARAGRAPH_TAGS = {"p", "item", "quote", "blockquote", "li", "cell"}  # trafilatura's blocks
_NOISE_TAGS = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript")
_MAX_DEPTH = 500


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
    """Each block's text once: a block holding other blocks (a quotation of paragraphs, a list
    item wrapping a paragraph, a table cell) gives only the text that is not in them."""
    if body is None:
        return []
    found = []
    for element in body.iter():
        if isinstance(element.tag, str) and element.tag in _PARAGRAPH_TAGS:
            line = " ".join(_own_text(element).split())
            if line:
                found.append(line)
    return found


def _own_text(element: lxml.etree._Element) -> str:
    """The element's text without that of the blocks inside it (read as blocks of their own)."""
    parts = [element.text or ""]
    for child in element:
        if not _holds_block(child):
            parts.extend(child.itertext())
        parts.append(child.tail or "")
    return "".join(parts)


def _holds_block(element: lxml.etree._Element) -> bool:
    return any(isinstance(e.tag, str) and e.tag in _PARAGRAPH_TAGS for e in element.iter())


def _parse(text: str) -> lxml.html.HtmlElement | None:
    parser = lxml.html.HTMLParser(
        recover=True, no_network=True, huge_tree=False, encoding="utf-8"
    )  # the encoding: the text is handed over as UTF-8 bytes, whatever the page once said
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (lxml.etree.LxmlError, ValueError):
        return None


def _fallback_paragraphs(text: str) -> list[str]:
    root = _parse(text)
    if root is None:
        return []
    for noise in root.xpath("|".join(f"//{tag}" for tag in _NOISE_TAGS)):
        noise.drop_tree()
    return [
        line
        for p in root.iter("p")
        if (line := " ".join(p.text_content().split())) and len(line.split()) >= 5
    ]


def _page_title(text: str) -> str | None:
    root = _parse(text)
    if root is None:
        return None
    found = root.xpath("//h1") or root.xpath("//title")
    return " ".join(found[0].text_content().split()) or None if found else None


def html_fragment_text(html: str) -> tuple[str | None, str]:
    """(first h1, paragraphs) of an HTML fragment such as rendered Markdown; headings dropped."""
    wrapper = _fragment(html)
    if wrapper is None:
        return None, ""
    title = None
    paragraphs = []
    for element in wrapper.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "h1" and title is None:
            title = " ".join(element.text_content().split())
        elif element.tag in ("p", "li", "blockquote") and not _has_block_child(element):
            line = " ".join(element.text_content().split())
            if line:
                paragraphs.append(line)
    return title, "\n\n".join(paragraphs)


def _fragment(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    except (lxml.etree.LxmlError, ValueError, AssertionError):  # lxml asserts on a stray <html>
        return _parse(html)


def _has_block_child(element: lxml.html.HtmlElement) -> bool:
    return any(child.tag in ("p", "ul", "ol", "blockquote") for child in element)
