"""A plain-text file (.txt, .md) that holds a web page or a feed is read as what it holds."""

from __future__ import annotations

import logging

import pytest

from digest.readers import read_file

from .conftest import make_inbox

LIMIT = 1_000_000
ARTICLE = (
    "The harbour board voted on Monday to close the old ferry pier for repairs next spring. "
    "Engineers found that two of the pier's timber piles had rotted through below the waterline."
)
PAGE = (
    "<html><head><title>Pier to close</title></head><body><nav><a href='/'>Home</a></nav>"
    f"<article><h1>Pier to close</h1><p>{ARTICLE}</p></article></body></html>"
)
RSS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<!-- generated -->\n<rss version="2.0"><channel>'
    "<title>Harbour News</title><item><title>Pier to close</title>"
    f"<description>{ARTICLE}</description></item></channel></rss>"
)
ATOM = (
    '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Harbour News</title>'
    f"<entry><title>Pier to close</title><content>{ARTICLE}</content></entry></feed>"
)


def read_logged(tmp_path, caplog, name: str, content: str | bytes):
    make_inbox(tmp_path, {name: content})
    with caplog.at_level(logging.INFO, logger="digest"):
        return read_file(tmp_path / name, max_bytes=LIMIT)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.txt", "<!DOCTYPE html>\n" + PAGE),
        ("a.txt", "\ufeff  \n" + PAGE),
        ("a.md", "<!doctype HTML>" + PAGE),
        ("a.txt", '<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">' + PAGE),
    ],
)
def test_a_web_page_saved_as_text_is_read_as_a_page(tmp_path, caplog, name, content):
    [article] = read_logged(tmp_path, caplog, name, content)
    assert (article.title, article.text) == ("Pier to close", ARTICLE)
    assert f"{name}: holds a web page, not plain text; read as HTML" in caplog.text


def test_a_page_saved_as_text_is_read_in_the_charset_it_declares(tmp_path, caplog):
    page = PAGE.replace("<head>", '<head><meta charset="windows-1251">')
    page = page.replace("Monday", "Monday (понедельник)")
    [article] = read_logged(tmp_path, caplog, "a.txt", page.encode("cp1251"))
    assert "понедельник" in article.text


@pytest.mark.parametrize("feed", [RSS, ATOM])
def test_a_feed_saved_as_text_is_read_as_a_feed(tmp_path, caplog, feed):
    [article] = read_logged(tmp_path, caplog, "feed.txt", feed)
    assert (article.title, article.source, article.text) == (
        "Pier to close",
        "Harbour News",
        ARTICLE,
    )
    assert "feed.txt: holds a feed, not plain text; read as a feed" in caplog.text


@pytest.mark.parametrize(
    "content",
    [
        f"Pier to close\n\n<html> is how a page starts. {ARTICLE}",
        f"<b>Pier</b> to close. {ARTICLE}",
        f"<?xml version='1.0'?><note>{ARTICLE}</note>",
    ],
)
def test_text_that_only_mentions_markup_stays_text(tmp_path, caplog, content):
    [article] = read_logged(tmp_path, caplog, "a.txt", content)
    assert ARTICLE in article.text
    assert "read as" not in caplog.text


def test_many_comments_before_prose_are_passed_over_quickly(tmp_path, caplog):
    # Each way of grouping the comments was once tried in turn: 2^39 of them for 40 comments.
    [article] = read_logged(tmp_path, caplog, "a.md", "<!---->" * 40 + "\n\n" + ARTICLE)
    assert article.text == ARTICLE
    assert "read as" not in caplog.text
