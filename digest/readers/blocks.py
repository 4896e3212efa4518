"""HTML to text: one block walker for saved pages, rendered Markdown, JSON bodies and feeds.

A block (a paragraph, a list item, a quotation, a table cell, a div ...) gives its own text once,
in document order: the text around a block nested inside it is its own, the nested block's text
is the nested block's. So `<li>Outer<ul><li>inner</li></ul></li>` reads as "Outer" then "inner",
and `<div>Loose text<p>A paragraph</p></div>` as "Loose text" then "A paragraph". A line break
ends a line. Text never shown (scripts, styles, comments) is not read.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.etree
import lxml.html

# HTML's block elements, and the ones of trafilatura's XML (item, quote, list, row, cell, head).
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p "
    "pre section summary table tbody td tfoot th thead tr ul "
    "item quote list row cell head".split()
)
_LINE_BREAKS = frozenset({"br", "lb"})
_NEVER_SHOWN = frozenset({"script", "style", "template", "noscript", "title"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "head"})  # "head": trafilatura's


@dataclass(frozen=True, slots=True)
class Block:
    """One line of a block's own text, whitespace collapsed, and the tag of that block."""

    tag: str
    text: str


def blocks(root: lxml.etree._Element, *, loose: bool = True) -> list[Block]:
    """Every block's own text under `root`, line by line, in document order.

    `root` is a block too; with `loose=False` the text directly in it (outside any block inside)
    is not read.
    """
    found: list[Block] = []
    open_blocks: list[str | None] = []  # None: the root, when its loose text is not read
    pieces: list[str] = []

    def end_line() -> None:
        line = " ".join("".join(pieces).split())
        pieces.clear()
        if line and open_blocks[-1] is not None:
            found.append(Block(open_blocks[-1], line))

    walk = lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, element in walk:
        if event in ("comment", "pi"):  # not shown, but the text after it is
            pieces.append(element.tail or "")
            continue
        tag = _tag(element)
        is_block = tag in _BLOCK_TAGS or element is root
        if event == "start":
            if is_block or tag in _LINE_BREAKS:
                end_line()
            if is_block:
                open_blocks.append(tag if loose or element is not root else None)
            if tag in _NEVER_SHOWN and element is not root:
                walk.skip_subtree()  # its end event still comes, with the text after it
            else:
                pieces.append(element.text or "")
            continue
        if is_block:
            end_line()
            open_blocks.pop()
        if element is not root:
            pieces.append(element.tail or "")
    return found


def _tag(element: lxml.etree._Element) -> str:
    return str(element.tag).rpartition("}")[2].lower()  # without an XML namespace


def fragment_blocks(html: str) -> list[Block]:
    """The blocks of an HTML fragment (rendered Markdown, a feed entry, a JSON body)."""
    wrapper = _fragment(html)
    return blocks(wrapper) if wrapper is not None else []


def fragment_text(html: str) -> tuple[str | None, str]:
    """(first h1, paragraphs) of an HTML fragment; headings and preformatted blocks dropped."""
    found = fragment_blocks(html)
    title = next((block.text for block in found if block.tag == "h1"), None)
    return title, "\n\n".join(prose(found))


def prose(found: list[Block]) -> list[str]:
    """The text of the blocks that are not headings or preformatted text (code, tables of
    figures laid out with spaces)."""
    return [block.text for block in found if block.tag not in HEADINGS and block.tag != "pre"]


def parse_page(text: str) -> lxml.html.HtmlElement | None:
    """A whole page parsed leniently, or None when lxml cannot read it at all."""
    parser = lxml.html.HTMLParser(
        recover=True, no_network=True, huge_tree=False, encoding="utf-8"
    )  # the encoding: the text is handed over as UTF-8 bytes, whatever the page once said
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (lxml.etree.LxmlError, ValueError):
        return None


def _fragment(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    except (lxml.etree.LxmlError, ValueError, AssertionError):  # lxml asserts on a stray <html>
        return parse_page(html)
