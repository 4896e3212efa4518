"""Saved web pages: the main article text, without navigation, comments and widgets.

Trafilatura finds the main text and the page's metadata, in two modes. Its precision mode leaves
out most furniture but also, on many pages, part of the article (a paragraph after a photo, the
second half of a long piece, or all but a date line); its default mode reads more of the article
and more furniture. Precision mode's text is read, and each paragraph only the default mode found
is added where it stands in the page when it reads as prose: most of its words in whole
sentences, not a link, a label or a notice. When neither finds an article we fall back to the
page's paragraphs, and only a page with no paragraphs at all is rejected.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from itertools import zip_longest

import lxml.etree
import lxml.html

from digest.errors import ReadError
from digest.prose import is_boilerplate, is_whole_prose
from digest.readers.blocks import HEADINGS, Block, blocks, parse_page
from digest.readers.draft import Draft
from digest.readers.page_date import page_published
from digest.sentences import split_sentences

log = logging.getLogger(__name__)
_NOISE_TAGS = ("script", "style", "nav", "footer", "header", "aside", "form", "noscript")
_FIGURE_TAGS = ("figure", "figcaption")
# Class or id words of the containers a page puts around what is not its article: captions,
# teasers of other articles, promotions, banners, sharing buttons, sidebars.
_FURNITURE_NAMES = re.compile(
    r"(?i)(?<![a-z])(caption|credit|related|teaser|promo|newsletter|signup|subscri|banner"
    r"|most-?read|popular|trending|recommend|advert|ads?|sponsor|share|social|sidebar|outbrain"
    r"|taboola|more-stories|read-more|also-read|breaking)(?![a-z])"
)
PROSE_SHARE = 0.7  # a paragraph reads as prose when this share of its words is in whole sentences
MIN_PROSE_WORDS = 8  # ... and at least this many
MIN_ARTICLE_WORDS = 8  # fewer words is no article: the page's own paragraphs are read instead


def read_html(text: str) -> list[Draft]:
    """One article from a saved web page."""
    if "<" not in text:
        raise ReadError("not HTML: the file has no markup")
    import trafilatura  # imported on first use: it is slow to import
    from trafilatura.settings import Document

    found = [_extract(trafilatura, text, precise=precise) for precise in (True, False)]
    precise, wider = (d if isinstance(d, Document) else None for d in found)
    meta = precise or wider
    paragraphs = second_try(*(_paragraphs(getattr(d, "body", None)) for d in (precise, wider)))
    root = parse_page(text)
    published = page_published(root, getattr(meta, "date", None))  # before root is cut down
    paragraphs = with_page_prose(
        paragraphs, root, getattr(meta, "description", None), getattr(meta, "title", None)
    )
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
            published=published,
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


def second_try(kept: list[str], wider: list[str]) -> list[str]:
    """Precision mode's paragraphs (`kept`), and each paragraph only the default mode found
    (`wider`) that reads as prose, in the page's order.

    Both modes read the page in its order, so the default mode's paragraphs are walked once: a
    paragraph both found brings along those only precision mode found before it.
    """
    if _words(wider) <= _words(kept):
        return kept
    places: dict[str, list[int]] = {}
    for place, paragraph in enumerate(kept):
        places.setdefault(paragraph, []).append(place)
    merged: list[str] = []
    done = 0  # kept[:done] are in merged
    for paragraph in wider:
        if paragraph not in places:
            if reads_as_prose(paragraph):
                merged.append(paragraph)
            continue
        found = places[paragraph]
        at = bisect_left(found, done)
        if at < len(found):  # else a repeat of one taken already
            merged.extend(kept[done : found[at] + 1])
            done = found[at] + 1
    merged.extend(kept[done:])
    added = _words(merged) - _words(kept)
    if added:
        log.debug("the default mode added %d words of prose to precision mode's text", added)
    return merged


def with_page_prose(
    paragraphs: list[str],
    page: str | lxml.html.HtmlElement | None,
    description: str | None = None,
    title: str | None = None,
) -> list[str]:
    """The article's paragraphs and the page's prose paragraphs (`<p>`, outside figures and
    navigation) that neither mode kept but that stand among them: alone between two of them,
    or right before the first (an opening paragraph set apart, a standfirst); not one the page
    repeats. And the standfirst the page declares (`standfirst`), first. `page` is the page's
    markup, or the page parsed (`parse_page`), which this cuts down."""
    if len(paragraphs) < 2:
        return paragraphs
    root = parse_page(page) if isinstance(page, str) else page
    if root is None:
        return paragraphs
    opening = standfirst(root, paragraphs, description, title)
    for noise in root.xpath("|".join(f"//{tag}" for tag in (*_NOISE_TAGS, *_FIGURE_TAGS))):
        noise.drop_tree()
    among = _among_paragraphs(root, paragraphs)
    if opening:  # the standfirst opens the article: no other block set apart before it
        among = among[among.index(paragraphs[0]) :]
    return opening + among


def standfirst(
    root: lxml.etree._Element, paragraphs: list[str], description: str | None, title: str | None
) -> list[str]:
    """The page's standfirst when the article's paragraphs lack it: a block of the page whose
    text is the description the page declares of itself (its `description` meta tag), standing
    before the article's first paragraph and after its headline (`_headline_place`; a site's tagline
    in its masthead stands above it), and prose (a sentence or more, not a label). Read before
    navigation, figures and containers named as furniture are dropped: pages set the headline
    and standfirst in a `header`, and name a standfirst a "teaser"."""
    folded = _folded(description or "")
    if not folded or f" {folded} " in f" {_folded(' '.join(paragraphs))} ":
        return []
    page = blocks(root)
    places = {_folded(block.text): place for place, block in reversed(list(enumerate(page)))}
    located = [places[f] for p in paragraphs if (f := _folded(p)) in places]
    shown = places.get(folded)
    if not located or shown is None or shown >= min(located):
        return []
    if shown <= _headline_place(page[: min(located)], title):
        return []
    if not reads_as_prose(page[shown].text):
        return []
    log.debug("the page's standfirst added before the article's paragraphs")
    return [page[shown].text]


def _headline_place(page: list[Block], title: str | None) -> int:
    """Where the article's headline stands among the page's blocks: the last heading whose
    words are most of the title's (or hold them all), not the site's name; -1 when none is."""
    words = _folded(title or "")
    found = -1
    for place, block in enumerate(page):
        heading = _folded(block.text) if block.tag in HEADINGS else ""
        if not heading or not words:
            continue
        most = f" {heading} " in f" {words} " and 2 * len(heading.split()) > len(words.split())
        if most or f" {words} " in f" {heading} ":
            found = place
    return found


def _folded(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _among_paragraphs(root: lxml.etree._Element, paragraphs: list[str]) -> list[str]:
    """`with_page_prose` without the standfirst: the page's prose paragraphs among the
    article's."""
    for marked in root.xpath("//*[@class or @id]"):  # a container a page names as furniture
        if marked.getparent() is not None and _FURNITURE_NAMES.search(
            f"{marked.get('class', '')} {marked.get('id', '')}"
        ):
            marked.drop_tree()
    page = blocks(root)
    located = _places(page, paragraphs)
    if len(located) < 2:
        return paragraphs
    known = set(paragraphs)
    taken = set(located.values())
    seen = Counter(block.text for block in page)

    def missed(place: int) -> bool:  # a paragraph the page repeats is its furniture
        block = page[place]
        return (
            block.tag == "p" and block.text not in known and seen[block.text] == 1
            and reads_as_prose(block.text)
        )  # fmt: skip

    first = min(taken)
    added = [first - 1] if first > 0 and missed(first - 1) else []
    added += [
        place for place in range(first + 1, max(taken))
        if place not in taken and {place - 1, place + 1} <= taken and missed(place)
    ]  # fmt: skip
    if not added:
        return paragraphs
    log.debug("%d prose paragraph(s) of the page added among the article's", len(added))
    merged: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        while added and index in located and added[0] < located[index]:
            merged.append(page[added.pop(0)].text)
        merged.append(paragraph)
    return merged


def _places(page: list[Block], paragraphs: list[str]) -> dict[int, int]:
    """Where the article's paragraphs stand among the page's blocks (by the paragraph's
    index), each after the one before; a paragraph the page does not hold as one block after
    it has none."""
    places: dict[str, list[int]] = {}
    for place, block in enumerate(page):
        places.setdefault(block.text, []).append(place)
    located: dict[int, int] = {}
    after = -1
    for index, paragraph in enumerate(paragraphs):
        found = places.get(paragraph, [])
        at = bisect_right(found, after)
        if at < len(found):
            located[index] = after = found[at]
    return located


def reads_as_prose(paragraph: str) -> bool:
    """True when most of a paragraph's words are in whole prose sentences (`is_whole_prose`):
    not a link, a label, a caption or a notice."""
    if is_boilerplate(paragraph):
        return False
    words = len(paragraph.split())
    in_sentences = sum(len(s.split()) for s in split_sentences(paragraph) if is_whole_prose(s))
    return in_sentences >= max(MIN_PROSE_WORDS, PROSE_SHARE * words)


def _paragraphs(body: lxml.etree._Element | None) -> list[str]:
    """The article's blocks, each once, text outside trafilatura's blocks too (text after a
    heading, in a div); a body of preformatted text only is read as it is."""
    if body is None:
        return []
    found = blocks(body)
    return _article_text(found) or [block.text for block in found if block.tag == "pre"]


def _article_text(found: list[Block]) -> list[str]:
    """Paragraphs, and the subheadings that open a paragraph of the article; a heading above
    its first paragraph (the title, a section's name, a kicker) only when it reads as prose (a
    standfirst), and none that ends it (a "Related stories" label)."""
    text: list[str] = []
    started = False
    shown = [block for block in found if block.tag != "pre"]
    for block, following in zip_longest(shown, shown[1:]):
        if block.tag in HEADINGS:
            opens = started and following is not None and following.tag not in HEADINGS
            if not (opens or reads_as_prose(block.text)):
                continue
        else:
            started = True
        text.append(block.text)
    return text


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
