"""Saved web pages: the main article text, without navigation, comments and widgets.

Trafilatura finds the main text and the page's metadata. Its precision mode leaves out most
furniture but on some pages keeps only a scrap (a date line, a few words) of an article its
default mode reads whole: when precision keeps little, the default mode's text is taken if it is
much longer and reads as prose. When neither finds an article we fall back to the page's
paragraphs, and only a page with no paragraphs at all is rejected.
"""

from __future__ import annotations

import logging

import lxml.etree

from digest.errors import ReadError
from digest.readers.blocks import blocks, parse_page, prose
from digest.readers.draft import Draft

log = logging.getLogger(__name__)
_NOISE_TAGS = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript")
SCRAP_WORDS = 150  # precision mode's text below this may be a scrap of the article: try wider
WIDER_FACTOR = 2  # the default mode's text is taken when it is this many times longer ...
PROSE_SHARE = 0.6  # ... and this share of its words is in sentence-like paragraphs
MIN_ARTICLE_WORDS = 8  # fewer words is no article: the page's own paragraphs are read instead
_CLOSERS = "\"'”’)]»"
_ENDERS = ".!?…:。！？"


def read_html(text: str) -> list[Draft]:
    """One article from a saved web page."""
    if "<" not in text:
        raise ReadError("not HTML: the file has no markup")
    import trafilatura  # imported on first use: it is slow to import
    from trafilatura.settings import Document

    document = _extract(trafilatura, text, precise=True)
    meta = document if isinstance(document, Document) else None
    paragraphs = _paragraphs(document.body) if meta is not None else []
    if _words(paragraphs) < SCRAP_WORDS:
        wider = _extract(trafilatura, text, precise=False)
        if isinstance(wider, Document):
            more = _paragraphs(wider.body)
            if _words(more) >= WIDER_FACTOR * max(_words(paragraphs), 1) and reads_as_prose(more):
                log.debug(
                    "precision mode kept %d words; the default mode's text is read instead",
                    _words(paragraphs),
                )
                paragraphs = more
            meta = meta or wider
    if _words(paragraphs) < MIN_ARTICLE_WORDS:
        paragraphs = _fallback_paragraphs(text) or paragraphs
    if _words(paragraphs) < MIN_ARTICLE_WORDS:  # a scrap, a label: no article
        raise ReadError("no article text found in the page")
    return [
        Draft(
            text="\n\n".join(paragraphs),
            title=getattr(meta, "title", None) or _page_title(text),
            source=getattr(meta, "sitename", None),
            url=getattr(meta, "url", None),
            published=getattr(meta, "date", None),
        )
    ]


def _extract(trafilatura: object, text: str, *, precise: bool) -> object:
    """Trafilatura's document for the page (None when it fails on it)."""
    try:
        return trafilatura.bare_extraction(  # type: ignore[attr-defined]
            text, with_metadata=True, include_comments=False, favor_precision=precise
        )
    except (ValueError, lxml.etree.LxmlError, RecursionError) as error:
        log.debug("trafilatura failed: %s", error)
        return None


def _words(paragraphs: list[str]) -> int:
    return sum(len(paragraph.split()) for paragraph in paragraphs)


def reads_as_prose(paragraphs: list[str]) -> bool:
    """True when most of the words are in paragraphs that end as sentences do and are longer
    than a link or a label (a list of links or a menu does not)."""
    total = _words(paragraphs)
    in_sentences = sum(
        len(p.split())
        for p in paragraphs
        if len(p.split()) >= 8 and p.rstrip(_CLOSERS)[-1:] in _ENDERS
    )
    return total > 0 and in_sentences >= PROSE_SHARE * total


def _paragraphs(body: lxml.etree._Element | None) -> list[str]:
    """Each block's own text once, text outside trafilatura's blocks too (text after a heading,
    in a div); a body of preformatted text only is read as it is."""
    if body is None:
        return []
    found = blocks(body)
    return prose(found) or [block.text for block in found if block.tag == "pre"]


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
