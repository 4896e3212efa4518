"""HTML to text: one block walker reads pages, rendered Markdown, JSON bodies and feeds alike."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.etree
import pytest

from digest.readers import read_file
from digest.readers.blocks import Block, blocks, fragment_blocks, fragment_text
from digest.readers.html import _fallback_paragraphs, _page_title, _paragraphs

from .conftest import make_inbox

LIMIT = 1_000_000
OUTER = "The council met on Tuesday to decide the future of the old harbour bridge"
INNER = "Engineers said the bridge could carry light traffic for another ten years"
LOOSE = "Residents had waited three years for a decision on the crossing's repair"
PARAGRAPH = "The vote was close, and the mayor cast the deciding vote late in the evening"


def read_one(tmp_path: Path, name: str, content: str) -> str:
    make_inbox(tmp_path, {name: content})
    [article] = read_file(tmp_path / name, max_bytes=LIMIT)
    return article.text


def test_a_markdown_list_item_holding_a_sublist_keeps_its_own_text(tmp_path):
    text = read_one(tmp_path, "a.md", f"- {OUTER}.\n    - {INNER}.\n")
    assert text.split("\n\n") == [f"{OUTER}.", f"{INNER}."]


def test_loose_text_beside_a_paragraph_is_read_in_document_order():
    html = f"<div>{LOOSE}. <p>{PARAGRAPH}.</p> {INNER}.</div>"
    assert fragment_text(html) == (None, f"{LOOSE}.\n\n{PARAGRAPH}.\n\n{INNER}.")


def test_each_block_gives_its_own_text_once():
    html = (
        f"<blockquote>{OUTER}.<p>{PARAGRAPH}.</p></blockquote>"
        f"<ul><li><p>{INNER}.</p></li></ul><table><tr><td>{LOOSE}.</td></tr></table>"
    )
    assert fragment_blocks(html) == [
        Block("blockquote", f"{OUTER}."),
        Block("p", f"{PARAGRAPH}."),
        Block("p", f"{INNER}."),
        Block("td", f"{LOOSE}."),
    ]


def test_a_line_break_separates_words_and_lines():
    assert fragment_text("<p>first line<br>second line</p>")[1] == "first line\n\nsecond line"
    assert fragment_text("Text one<br><br>Text two")[1] == "Text one\n\nText two"


def test_inline_markup_joins_its_line_and_hidden_text_is_not_read():
    html = (
        "<p>The <b>mayor</b> <a href='#'>said</a><!-- a note --> yes<script>var x;</script>."
        "<style>p {}</style></p><template><p>never shown</p></template>"
    )
    assert fragment_text(html)[1] == "The mayor said yes."


def test_headings_give_the_title_and_are_not_body_text():
    html = f"<h1>Bridge vote</h1><h2>Background</h2><p>{PARAGRAPH}.</p><pre>a = 1</pre>"
    assert fragment_text(html) == ("Bridge vote", f"{PARAGRAPH}.")


def test_trafilatura_s_blocks_nested_in_blocks_keep_their_own_text():
    body = lxml.etree.fromstring(
        f"<body>stray<list><item>{OUTER}.<list><item>{INNER}.</item></list></item></list>"
        f"<p>{PARAGRAPH}.<lb/>{LOOSE}.</p><head>A heading</head></body>"
    )
    assert _paragraphs(body) == ["stray", f"{OUTER}.", f"{INNER}.", f"{PARAGRAPH}.", f"{LOOSE}."]
    assert Block("body", "stray") not in blocks(body, loose=False)


def test_the_fallback_reads_paragraphs_outside_navigation():
    page = (
        f"<html><body><nav><p>{INNER} in the menu.</p></nav><div>{LOOSE}."
        f"<p>{PARAGRAPH}.<br>{OUTER}.</p><p>Too short.</p></div></body></html>"
    )
    assert _fallback_paragraphs(page) == [f"{PARAGRAPH}.", f"{OUTER}."]


HTML_BODY = (
    f"<div>{LOOSE}.<p>{PARAGRAPH}.</p></div><ul><li>{OUTER}.<ul><li>{INNER}.</li></ul></li></ul>"
)
EXPECTED = [f"{LOOSE}.", f"{PARAGRAPH}.", f"{OUTER}.", f"{INNER}."]


def _feed(body: str) -> str:
    escaped = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour &lt;b&gt;News&lt;/b&gt;'
        "</title><item><title>Bridge vote</title>"
        f"<description>{escaped}</description></item></channel></rss>"
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.md", f"# Bridge vote\n\n{HTML_BODY}\n"),
        ("a.json", json.dumps({"title": "Bridge vote", "text": HTML_BODY})),
        ("a.rss", _feed(HTML_BODY)),
    ],
)
def test_markdown_json_and_feeds_read_the_same_markup_the_same_way(tmp_path, name, content):
    assert read_one(tmp_path, name, content).split("\n\n") == EXPECTED


def test_a_json_body_of_inline_markup_is_read_without_its_tags(tmp_path):
    body = f"{PARAGRAPH} and <b>{INNER.lower()}</b>."
    text = read_one(tmp_path, "a.json", json.dumps({"title": "Bridge", "text": body}))
    assert text == f"{PARAGRAPH} and {INNER.lower()}."


def test_a_feed_title_with_markup_is_read_as_text(tmp_path):
    make_inbox(tmp_path, {"a.rss": _feed(f"<p>{PARAGRAPH}.</p>")})
    [article] = read_file(tmp_path / "a.rss", max_bytes=LIMIT)
    assert article.source == "Harbour News"


def test_a_page_title_split_by_a_line_break_keeps_its_words_apart():
    page = "<html><head><title>Site</title></head><body><h1>Bridge<br>vote <i>tonight</i></h1>"
    assert _page_title(page + "</body></html>") == "Bridge vote tonight"
    assert _page_title("<html><head><title>Site name</title></head><body></body></html>") == (
        "Site name"
    )
