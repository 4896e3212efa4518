"""A saved page's publication time: the timestamp its metadata declares, in UTC, not only the
day trafilatura finds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.dates import parse_timestamp
from digest.readers import html as html_reader
from digest.readers import read_file
from digest.readers.blocks import parse_page
from digest.readers.page_date import page_published

from .conftest import make_inbox

ARTICLE = (
    "The harbour board voted on Tuesday to close the old pier for six months of repairs.",
    "Engineers found that many of the wooden piles had rotted through after decades at sea.",
    "Ferry services will move to the new terminal while the work goes on, the board said.",
    "Local traders fear the closure will keep summer visitors away from the waterfront shops.",
)


def page(head: str = "", header: str = "") -> str:
    body = "".join(f"<p>{sentence}</p>" for sentence in ARTICLE)
    return (
        f"<html><head><title>Pier to close</title>{head}</head><body><article>"
        f"<header><h1>Pier to close</h1>{header}</header>{body}</article></body></html>"
    )


def meta(key: str, value: str, attribute: str = "property") -> str:
    return f'<meta {attribute}="{key}" content="{value}">'


def linked_data(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def published(tmp_path, html: str) -> datetime | None:
    make_inbox(tmp_path, {"page.html": html})
    [article] = read_file(tmp_path / "page.html", max_bytes=1_000_000)
    return article.published


def test_a_time_with_an_offset_is_the_instant_it_names_in_utc(tmp_path):
    html = page(meta("article:published_time", "2026-12-02T23:30:00-05:00"))
    make_inbox(tmp_path, {"page.html": html})
    result = CliRunner().invoke(main, ["brief", str(tmp_path / "page.html"), "--format", "json"])
    [article] = json.loads(result.output)["articles"]
    assert article["published"] == "2026-12-03T04:30:00+00:00"  # not 2026-12-02T00:00


@pytest.mark.parametrize(
    "head",
    [
        meta("article:published_time", "2026-12-02T07:00:00Z"),
        meta("og:published_time", "2026-12-02T07:00:00+00:00"),
        meta("datePublished", "2026-12-02T08:00:00+01:00", "itemprop"),
        meta("pubdate", "2026-12-02T07:00:00Z", "name"),
    ],
)
def test_a_time_the_page_declares_is_kept(tmp_path, head):
    assert published(tmp_path, page(head)) == datetime(2026, 12, 2, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    "data",
    [
        {"@context": "https://schema.org", "@type": "NewsArticle",
         "datePublished": "2026-12-02T09:15:00+01:00"},
        {"@context": "https://schema.org", "@graph": [
            {"@type": "WebSite", "name": "Harbour Review"},
            {"@type": ["Article"], "datePublished": "2026-12-02T09:15:00+01:00"},
        ]},
    ],
)  # fmt: skip
def test_json_ld_date_published_of_the_article_is_read(tmp_path, data):
    assert published(tmp_path, page(linked_data(data))) == datetime(2026, 12, 2, 8, 15, tzinfo=UTC)


def test_a_page_that_gives_only_a_day_keeps_the_day(tmp_path):
    html = page(meta("article:published_time", "2026-12-02"))
    assert published(tmp_path, html) == datetime(2026, 12, 2, tzinfo=UTC)


def test_a_time_without_an_offset_is_read_as_utc_as_other_dates_are(tmp_path):
    html = page(meta("article:published_time", "2026-12-02T09:15:00"))
    assert published(tmp_path, html) == datetime(2026, 12, 2, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "stamp",
    [
        "1900-01-01T00:00:00Z",  # a database's zero date
        "0001-01-01T00:00:00Z",
        f"{datetime.now(UTC).year + 5}-06-01T10:00:00Z",
    ],
)
def test_an_implausible_timestamp_is_refused_as_other_dates_are(tmp_path, stamp):
    assert published(tmp_path, page(meta("article:published_time", stamp))) is None


def test_a_declared_time_on_another_day_than_trafilatura_s_gives_way_to_that_day():
    root = parse_page(page(meta("article:published_time", "2026-12-02T07:00:00Z")))
    assert page_published(root, "2026-11-30") == "2026-11-30"


def test_a_time_agrees_with_trafilatura_s_day_in_its_own_offset():
    root = parse_page(page(meta("article:published_time", "2026-12-02T23:30:00-05:00")))
    assert page_published(root, "2026-12-02") == datetime(2026, 12, 3, 4, 30, tzinfo=UTC)
    assert page_published(root, "2026-12-03") == "2026-12-03"  # the day in UTC is not the page's


def test_a_time_element_read_only_when_it_is_clearly_the_publication_time():
    marked = '<time pubdate datetime="2026-12-02T07:00:00Z">2 December</time>'
    alone = '<time datetime="2026-12-02T07:00:00Z">2 December, 07:00</time>'
    updated = f"Updated {alone}"
    both = f'{alone} <time datetime="2026-12-02T18:00:00Z">18:00</time>'
    seven = datetime(2026, 12, 2, 7, tzinfo=UTC)
    assert page_published(parse_page(page() + marked), None) == seven
    assert page_published(parse_page(page(header=alone)), None) == seven
    assert page_published(parse_page(page(header=updated)), None) is None
    assert page_published(parse_page(page(header=both)), None) is None


def test_the_most_explicit_declaration_comes_first():
    head = meta("date", "2026-12-02T05:00:00Z", "name") + linked_data(
        {"@type": "NewsArticle", "datePublished": "2026-12-02T06:00:00Z"}
    )
    first = meta("article:published_time", "2026-12-02T07:00:00Z")
    seven = datetime(2026, 12, 2, 7, tzinfo=UTC)
    assert page_published(parse_page(page(head + first)), "2026-12-02") == seven
    assert page_published(parse_page(page(head)), None) == datetime(2026, 12, 2, 5, tzinfo=UTC)


def test_a_broken_json_ld_script_is_passed_over():
    head = '<script type="application/ld+json">{"@type": "NewsArticle",</script>'
    head += linked_data({"@type": "BlogPosting", "datePublished": "2026-12-02T07:00:00Z"})
    assert page_published(parse_page(page(head)), None) == datetime(2026, 12, 2, 7, tzinfo=UTC)


def test_the_page_is_parsed_once_for_its_date_and_its_prose(monkeypatch):
    parsed = []

    def counted(text):
        parsed.append(text)
        return parse_page(text)

    monkeypatch.setattr(html_reader, "parse_page", counted)
    html = page(meta("article:published_time", "2026-12-02T07:00:00Z"))
    [draft] = html_reader.read_html(html)
    assert draft.published == datetime(2026, 12, 2, 7, tzinfo=UTC)
    assert len(parsed) == 1


def test_a_timestamp_is_a_date_with_its_time_of_day():
    assert parse_timestamp("2026-12-02T23:30:00-05:00") == datetime(2026, 12, 3, 4, 30, tzinfo=UTC)
    rfc_2822 = "Wed, 02 Dec 2026 07:00:00 +0000"
    assert parse_timestamp(rfc_2822) == datetime(2026, 12, 2, 7, tzinfo=UTC)
    assert parse_timestamp("2026-12-02") is None  # a day alone
    assert parse_timestamp("not a date 10:00") is None
