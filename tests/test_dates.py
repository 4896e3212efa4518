"""Publication dates: the forms sites write, and the placeholders that stand for no date."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest

from digest.dates import implausible, parse_date
from digest.readers import read_file

from .conftest import make_inbox

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
BODY = (
    "The river authority said on Monday that the footbridge at Marlow Lock would reopen in May. "
    "Inspectors found cracks in two of its steel beams during a routine survey last autumn.\n\n"
    "Repairs cost about 400,000 pounds and were paid for by the county, the authority said."
)


def read_as_undated(value: object) -> bool:
    """True when `value` leaves an article undated (unreadable, or no date an article has)."""
    parsed = parse_date(value)
    return parsed is None or implausible(parsed, NOW) is not None


@pytest.mark.parametrize(
    "placeholder",
    [
        0,
        0.0,
        -1,  # 1969-12-31T23:59:59 when read as seconds
        -86_400,
        "1970-01-01",
        "1970-01-01T00:00:00",
        "1970-01-01T00:00:00Z",
        "1970-01-01T00:00:00.000+00:00",
        "1970-01-01T00:00:00+01:00",  # epoch midnight written in a zone
        "1970-01-01T00:00:00-05:00",
        "1969-12-31T19:00:00-05:00",  # the epoch instant shown in New York
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Wed, 31 Dec 1969 19:00:00 -0500",
    ],
)
def test_the_unix_epoch_placeholder_is_no_date(placeholder):
    assert read_as_undated(placeholder)


@pytest.mark.parametrize(
    "genuine", ["1970-01-02", "1970-01-01T09:30:00Z", "1970-03-08T10:00:00+01:00", 1]
)
def test_a_genuine_date_of_1970_is_kept(genuine):
    assert not read_as_undated(genuine)


def test_an_epoch_date_leaves_a_json_article_undated_with_a_warning(tmp_path, caplog):
    items = [
        {"title": "Footbridge", "published": 0, "text": BODY},
        {"title": "Lock", "published": "1970-01-01T00:00:00", "text": BODY + " It is open."},
        {"title": "Weir", "published": -1, "text": BODY + " The weir is shut."},
    ]
    make_inbox(tmp_path, {"a.json": json.dumps(items)})
    with caplog.at_level(logging.WARNING):
        articles = read_file(tmp_path / "a.json", max_bytes=1_000_000)
    assert [a.published for a in articles] == [None, None, None]
    assert caplog.text.count("read as undated") == 3
    assert "a.json: date 1970-01-01 is the Unix epoch, a placeholder" in caplog.text


def test_an_epoch_date_in_a_feed_leaves_its_entry_undated(tmp_path):
    feed = (
        '<rss version="2.0"><channel><title>River News</title><item><title>Footbridge</title>'
        f"<pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate><description>{BODY}</description>"
        "</item></channel></rss>"
    )
    make_inbox(tmp_path, {"a.rss": feed})
    [article] = read_file(tmp_path / "a.rss", max_bytes=1_000_000)
    assert article.published is None


def test_a_page_that_declares_the_epoch_is_undated(tmp_path):
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
    page = (
        '<html><head><title>Footbridge</title><meta property="article:published_time" '
        f'content="1970-01-01T00:00:00Z"></head><body><article>{paragraphs}</article></body></html>'
    )
    make_inbox(tmp_path, {"a.html": page})
    [article] = read_file(tmp_path / "a.html", max_bytes=1_000_000)
    assert article.published is None


def test_a_page_whose_day_is_the_epoch_takes_the_time_it_declares_elsewhere():
    from digest.readers.blocks import parse_page
    from digest.readers.page_date import page_published

    linked = {"@type": "NewsArticle", "datePublished": "2026-03-08T09:15:00+01:00"}
    root = parse_page(
        '<html><head><script type="application/ld+json">'
        f"{json.dumps(linked)}</script></head><body><p>{BODY}</p></body></html>"
    )
    assert page_published(root, "1970-01-01") == datetime(2026, 3, 8, 8, 15, tzinfo=UTC)


def test_a_report_dated_at_the_epoch_joins_its_story(tmp_path):
    from digest import pipeline

    from .conftest import NOW as BUILD_TIME
    from .conftest import make_config, txt

    config = make_config(tmp_path)
    second = BODY.replace("on Monday", "on Tuesday") + " Cyclists welcomed the news."
    make_inbox(
        config.paths.inbox,
        {
            "first.json": json.dumps({"title": "Footbridge to reopen", "source": "River News",
                                      "published": 0, "text": BODY}),
            "second.txt": txt("Marlow footbridge reopens in May", second, source="Lock Times",
                              date="2026-11-20T10:00:00Z"),
        },
    )  # fmt: skip
    result = pipeline.build(config, now=BUILD_TIME)
    [brief] = result.digest.briefs
    assert sorted(a.file for a in brief.articles) == ["first.json", "second.txt"]
    assert "1970" not in json.dumps([str(a.published) for a in brief.articles])


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("Sun, 08 Mar 26 10:00:00 +0000", "2026-03-08T10:00:00+00:00"),
        ("Sun, 08 Mar 26 10:00:00 -0500", "2026-03-08T10:00:00-05:00"),
        ("Sun, 08 Mar 26 10:00:00 GMT", "2026-03-08T10:00:00+00:00"),
        ("Mon, 01 Jan 0001 00:00:00 +0000", None),  # a generator's "no date", not 2001
        # JavaScript's Date.toString(): the offset after GMT is the zone, the name a comment
        (
            "Sun Mar 08 2026 23:30:00 GMT-0500 (Eastern Standard Time)",
            "2026-03-08T23:30:00-05:00",
        ),
        (
            "Sun Mar 08 2026 10:00:00 GMT+0100 (Central European Standard Time)",
            "2026-03-08T10:00:00+01:00",
        ),
        ("Sun Mar 08 2026 10:00:00 GMT+0000", "2026-03-08T10:00:00+00:00"),
    ],
)
def test_mail_and_javascript_dates_keep_their_year_and_zone(written, meant):
    parsed = parse_date(written)
    assert (parsed.isoformat() if parsed else None) == meant


def test_a_javascript_date_is_stored_as_the_instant_it_names(tmp_path):
    item = {"title": "Footbridge", "text": BODY,
            "date": "Sun Mar 08 2026 23:30:00 GMT-0500 (Eastern Standard Time)"}  # fmt: skip
    make_inbox(tmp_path, {"a.json": json.dumps(item)})
    [article] = read_file(tmp_path / "a.json", max_bytes=1_000_000)
    assert article.published.astimezone(UTC) == datetime(2026, 3, 9, 4, 30, tzinfo=UTC)


def test_a_feed_entry_published_at_the_epoch_takes_its_update_time(tmp_path):
    feed = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>River News</title><entry>'
        "<title>Footbridge</title><published>1970-01-01T00:00:00Z</published>"
        f"<updated>2026-03-08T10:00:00Z</updated><content>{BODY}</content></entry></feed>"
    )
    make_inbox(tmp_path, {"a.atom": feed})
    [article] = read_file(tmp_path / "a.atom", max_bytes=1_000_000)
    assert article.published == datetime(2026, 3, 8, 10, tzinfo=UTC)


def test_a_json_feed_item_takes_its_first_readable_date(tmp_path):
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "River News",
        "items": [{"title": "Footbridge", "content_text": BODY, "date_published": "n/a",
                   "date_modified": "2026-03-08T10:00:00Z"}],
    }  # fmt: skip
    make_inbox(tmp_path, {"a.json": json.dumps(feed)})
    [article] = read_file(tmp_path / "a.json", max_bytes=1_000_000)
    assert article.published == datetime(2026, 3, 8, 10, tzinfo=UTC)
