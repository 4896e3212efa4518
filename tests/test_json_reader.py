"""JSON articles: which field holds the text and the date, JSON Feeds, and what a file that
holds no article is told."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from digest.errors import ReadError
from digest.readers import read_file

from .conftest import make_inbox

BODY = (
    "The county council agreed on Wednesday to keep the mobile library running for two more "
    "years. Volunteers had collected 3,000 signatures against plans to withdraw the van.\n\n"
    "The service visits eleven villages that have no library of their own, the council said."
)


def read(tmp_path, data: object, name: str = "a.json"):
    make_inbox(tmp_path, {name: data if isinstance(data, str) else json.dumps(data)})
    return read_file(tmp_path / name, max_bytes=1_000_000)


@pytest.mark.parametrize(
    "item",
    [
        {"title": "Library van saved", "text": "", "content": BODY},
        {"title": "Library van saved", "text": "   ", "body": BODY},
        {"title": "Library van saved", "text": "Read more", "body": BODY},
        {"title": "Library van saved", "content": "<p>Read more…</p>", "body": BODY},
    ],
)
def test_the_fullest_text_field_is_read(tmp_path, item):
    [article] = read(tmp_path, [item])
    assert article.text.startswith("The county council agreed") and "Read more" not in article.text


@pytest.mark.parametrize(
    "dates",
    [
        {"date": "n/a", "published": "2026-03-08"},
        {"date": "", "published": "2026-03-08"},
        {"published": "1970-01-01T00:00:00Z", "date": "2026-03-08"},
    ],
)
def test_the_first_readable_date_field_is_read(tmp_path, dates):
    [article] = read(tmp_path, {"title": "Library van saved", "text": BODY, **dates})
    assert article.published == datetime(2026, 3, 8, tzinfo=UTC)


def test_an_unreadable_date_with_no_other_is_named_in_the_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        [article] = read(tmp_path, {"title": "Library", "text": BODY, "date": "n/a"})
    assert article.published is None
    assert "a.json: date 'n/a' not understood; read as undated" in caplog.text


@pytest.mark.parametrize(
    "version", ["http://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1"]
)
def test_a_json_feed_is_recognised_by_either_scheme(tmp_path, version):
    feed = {
        "version": version,
        "title": "County News",
        "items": [{"id": "1", "title": "Library van saved", "content_text": BODY,
                   "date_published": "2026-03-08T10:00:00Z"}],
    }  # fmt: skip
    [article] = read(tmp_path, feed)
    assert (article.title, article.source) == ("Library van saved", "County News")
    assert article.published == datetime(2026, 3, 8, 10, tzinfo=UTC)


def test_an_object_that_is_no_article_says_what_was_expected_and_found(tmp_path):
    with pytest.raises(ReadError) as error:
        read(tmp_path, {"articles": [{"title": "Library van saved", "text": BODY}]})
    message = str(error.value)
    assert "item 0" not in message
    assert "expected an article" in message and "JSON Feed" in message
    assert "'articles'" in message  # what the object holds


@pytest.mark.parametrize(("content", "found"), [("null", "null"), ("42", "a number")])
def test_a_file_holding_no_object_says_it_holds_no_article(tmp_path, content, found):
    with pytest.raises(ReadError, match=f"holds no article object.*{found}"):
        read(tmp_path, content)


def test_items_are_numbered_from_one(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        [article] = read(tmp_path, [{"title": "Library", "text": BODY}, 42, {"title": "x"}])
    assert article.title == "Library"
    assert "item 2 is not an object" in caplog.text and "item 3 has no 'text'" in caplog.text
