"""Readers: every supported format, metadata, encodings and cleaning."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from digest.errors import ReadError
from digest.readers import read_file

from .conftest import make_inbox

BODY = (
    "The harbor authority said on Monday that the new ferry terminal would open in March. "
    "Officials expect about 4,000 passengers a day once the service runs at full strength.\n\n"
    "Construction began two years ago and ran slightly over budget, the authority said."
)
LIMIT = 20_000_000


def read(tmp_path: Path, name: str, content: str | bytes):
    make_inbox(tmp_path, {name: content})
    return read_file(tmp_path / name, max_bytes=LIMIT)


def test_text_with_header_block(tmp_path):
    text = "Title: Ferry terminal to open\nSource: Bay Times\nURL: https://bay.example/f\n"
    text += "Date: 2026-03-02\n\n" + BODY
    [article] = read(tmp_path, "a.txt", text)
    assert article.title == "Ferry terminal to open"
    assert article.source == "Bay Times"
    assert article.url == "https://bay.example/f"
    assert article.published.date().isoformat() == "2026-03-02"
    assert article.text.startswith("The harbor authority said on Monday")
    assert article.text.count("\n\n") == 1


def test_a_text_header_the_body_follows_without_a_blank_line_is_still_the_header(tmp_path):
    text = "Title: Ferry terminal to open\nSource: Bay Times\nDate: 2026-03-02\n" + BODY
    [article] = read(tmp_path, "a.txt", text)
    assert (article.title, article.source) == ("Ferry terminal to open", "Bay Times")
    assert article.published.date().isoformat() == "2026-03-02"
    assert article.text.startswith("The harbor authority said on Monday")
    # A body that opens on a label of its own is body.
    [update] = read(tmp_path, "b.txt", "Update: " + BODY)
    assert update.title is None and update.text.startswith("Update: The harbor authority")
    [quote] = read(
        tmp_path, "c.txt", "Source: a senior official said the talks had failed.\n" + BODY
    )
    assert quote.source is None and quote.text.startswith("Source: a senior official")


def test_text_headline_as_first_line(tmp_path):
    [article] = read(tmp_path, "a.txt", "Ferry terminal to open in March\n\n" + BODY)
    assert article.title == "Ferry terminal to open in March"
    assert "Ferry terminal to open" not in article.text


def test_text_without_title(tmp_path):
    [article] = read(tmp_path, "a.txt", BODY)
    assert article.title is None
    assert article.text.startswith("The harbor authority")


def test_markdown_yaml_front_matter_reduced_to_plain_text(tmp_path):
    md = (
        '---\ntitle: "Ferry terminal to open"\nsource: Bay Times\ndate: 2026-03-02\n---\n'
        "## Background\n\nThe *harbor* authority said the [new terminal](https://x.example) "
        "would open in **March** after two years of works.\n\n- Officials expect about 4,000 "
        "passengers a day at full strength.\n"
    )
    [article] = read(tmp_path, "a.md", md)
    assert article.title == "Ferry terminal to open"
    assert article.source == "Bay Times"
    assert "Background" not in article.text
    for syntax in ("#", "*", "](", "https://"):
        assert syntax not in article.text
    assert "The harbor authority said the new terminal would open in March" in article.text


def test_markdown_toml_front_matter(tmp_path):
    md = '+++\ntitle = "Ferry terminal"\nsource = "Bay Times"\ndate = 2026-03-02\n+++\n' + BODY
    [article] = read(tmp_path, "a.md", md)
    assert (article.title, article.source) == ("Ferry terminal", "Bay Times")
    assert article.published.year == 2026


def test_markdown_broken_front_matter_is_rejected_with_reason(tmp_path):
    with pytest.raises(ReadError, match="front matter"):
        read(tmp_path, "a.md", "---\ntitle: x\n" + BODY)


def test_html_main_text_without_navigation_comments_or_widgets(tmp_path):
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY.split("\n\n"))
    html = (
        "<html><head><title>Ferry | Bay Times</title>"
        '<meta property="og:site_name" content="Bay Times">'
        '<link rel="canonical" href="https://bay.example/ferry">'
        '<meta property="article:published_time" content="2026-03-02T08:00:00Z">'
        "</head><body><nav><a href='/'>Home</a><a href='/world'>World news</a></nav>"
        f"<article><h1>Ferry terminal to open</h1>{paragraphs}"
        "<div class='share'>Share on Facebook</div></article>"
        "<section id='comments'><h3>Leave a Reply</h3><p>Your email address will not be "
        "published. Required fields are marked *</p></section>"
        "<footer>Copyright 2026 Bay Times. All rights reserved.</footer></body></html>"
    )
    [article] = read(tmp_path, "a.html", html)
    assert article.title == "Ferry terminal to open"
    assert article.source == "Bay Times"
    assert article.url == "https://bay.example/ferry"
    assert article.published.date().isoformat() == "2026-03-02"
    assert article.text.startswith("The harbor authority")
    for junk in ("Home", "World news", "Share on", "Leave a Reply", "email address", "Copyright"):
        assert junk not in article.text


def test_json_object_and_list(tmp_path):
    item = {"title": "Ferry", "content": BODY, "url": "https://b.example/1",
            "source": "Bay Times", "published": "2026-03-02T10:00:00+01:00"}  # fmt: skip
    other = {**item, "title": "Other", "body": BODY + " It will have two piers.", "content": None}
    [one] = read(tmp_path, "one.json", json.dumps(item))
    assert one.title == "Ferry" and one.published.utcoffset().total_seconds() == 3600
    articles = read(tmp_path, "two.json", json.dumps([item, other]))
    assert [a.title for a in articles] == ["Ferry", "Other"]
    assert articles[1].text.endswith("two piers.")


def test_items_of_a_json_list_that_are_no_articles_are_named_with_their_file(tmp_path, caplog):
    item = {"title": "Ferry", "content": BODY, "source": "Bay Times"}
    short = {"title": "Stray item", "text": "Two words."}
    with caplog.at_level(logging.INFO):
        [article] = read(tmp_path, "mixed.json", json.dumps([item, short, 42]))
    assert article.title == "Ferry"
    assert "mixed.json: item 3 is not an object with article fields; the file's other" in (
        caplog.text
    )
    assert "mixed.json: 1 of its 3 items left out, under" in caplog.text
    with pytest.raises(ReadError, match=r"sentences\); item 2 is not an object .*; item 3 has no"):
        read(tmp_path, "none.json", json.dumps([short, 42, {"title": "x"}]))
    with pytest.raises(ReadError, match=r"item 4 is not .*; and 997 more$"):
        read(tmp_path, "many.json", json.dumps([short, *[42] * 1000]))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.json", "{not json", "not valid JSON"),
        ("a.json", '{"title": "no text"}', "no 'text'"),
        ("a.txt", "", "empty"),
        ("a.txt", "   \n\n  ", "empty"),
        ("a.pdf", "%PDF-1.4", "unsupported file type"),
        ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "PNG image"),
        ("a.txt", b"abc\x00def" * 10, "binary"),
        ("a.txt", "Too short.", "no article text"),
        ("a.html", "<html><body><div></div></body></html>", "no article text"),
    ],
)
def test_unreadable_files_raise_a_reason(tmp_path, name, content, reason):
    with pytest.raises(ReadError, match=reason):
        read(tmp_path, name, content)


def test_size_limit_checked_before_reading(tmp_path):
    make_inbox(tmp_path, {"big.txt": BODY * 100})
    with pytest.raises(ReadError, match="above the"):
        read_file(tmp_path / "big.txt", max_bytes=1000)


def test_a_file_that_grew_after_its_size_was_checked_is_read_to_the_limit(tmp_path, monkeypatch):
    make_inbox(tmp_path, {"a.txt": "Title: Ferry terminal to open\n\n" + BODY})
    real_fstat = os.fstat

    def fstat_before_it_grew(handle: int) -> os.stat_result:
        found = real_fstat(handle)
        return os.stat_result((*found[:6], 10, *found[7:10]))  # 10 bytes when checked

    monkeypatch.setattr(os, "fstat", fstat_before_it_grew)
    [article] = read_file(tmp_path / "a.txt", max_bytes=LIMIT)
    assert article.title == "Ferry terminal to open"
    assert article.text.endswith("ran slightly over budget, the authority said.")
    with pytest.raises(ReadError, match="above the"):
        read_file(tmp_path / "a.txt", max_bytes=100)


def test_legacy_and_mixed_encodings_are_decoded(tmp_path):
    cp1252 = "Title: Café owners protest\n\n" + BODY + " “It is unfair,” said one owner."
    [article] = read(tmp_path, "a.txt", cp1252.encode("cp1252"))
    assert article.title == "Café owners protest"
    assert "“It is unfair,”" in article.text
    mixed = ("Title: Naïve plan\n\n" + BODY).encode("utf-8") + " Caf\xe9 ".encode("latin-1")
    [article] = read(tmp_path, "b.txt", mixed + b"closed early.")
    assert article.title == "Naïve plan" and "Café closed early." in article.text


def test_utf8_bom_and_utf16(tmp_path):
    [a] = read(tmp_path, "a.txt", b"\xef\xbb\xbfTitle: Bom\n\n" + BODY.encode())
    assert a.title == "Bom"
    [b] = read(tmp_path, "b.txt", ("Title: Sixteen\n\n" + BODY).encode("utf-16"))
    assert b.title == "Sixteen"


def test_boilerplate_lines_and_dateline_are_removed(tmp_path):
    body = (
        "View this email in your browser\n\n"
        "PORT ELLIS (Bay Times) -- " + BODY + "\n\nSubscribe to our newsletter for more news."
        "\n\nThe post Ferry terminal appeared first on Bay Times.\n\nLeave a Reply\n\n"
        "You are receiving this email because you signed up at bay.example. Unsubscribe here."
    )
    [article] = read(tmp_path, "a.txt", "Title: Ferry\n\n" + body)
    assert article.text.startswith("The harbor authority said")
    for junk in ("PORT ELLIS", "Subscribe", "appeared first on", "Leave a Reply", "browser",
                 "receiving this email"):  # fmt: skip
        assert junk not in article.text


@pytest.mark.parametrize(
    "opening",
    [
        "I - like many people here - never thought the ferry would close",
        "A: the ferry is closed",
        "I'M - as the song goes - still standing",
        "A. - the first option on the ballot",
        "OK: the ferry is closed",
        "UN - the agency - sent",
        "USA: the team that won",
    ],
)
def test_a_sentence_that_only_looks_like_a_dateline_is_kept(tmp_path, opening):
    [article] = read(tmp_path, "a.txt", f"Title: Ferry\n\n{opening}, the harbor master said.")
    assert article.text.startswith(opening)


def test_same_content_gets_the_same_id(tmp_path):
    [a] = read(tmp_path, "a.txt", "Title: Ferry\n\n" + BODY)
    [b] = read(tmp_path, "copy of a.txt", "Title: Ferry\n\n" + BODY + "\n")
    [c] = read(tmp_path, "c.txt", "Title: Ferry\n\n" + BODY + " One more sentence here.")
    assert a.id == b.id != c.id


def test_language_is_detected(tmp_path):
    french = (
        "Le conseil municipal a approuvé mardi la nouvelle ligne de tramway. Les travaux "
        "commenceront au printemps et la ligne sera ouverte dans quatre ans, selon la mairie."
    )
    [article] = read(tmp_path, "fr.txt", french)
    assert article.language == "fr"


def test_soft_hyphens_do_not_split_words(tmp_path):
    # German sites hyphenate long words with &shy;: the word must stay one word, and the
    # article the same article (same id) as a copy without them.
    body = "<p>Der Ver&shy;kehrs&shy;minister sprach am Montag in Berlin &uuml;ber die Bahn.</p>"
    plain = "<p>Der Verkehrsminister sprach am Montag in Berlin &uuml;ber die Bahn.</p>"
    [first] = read(tmp_path, "a.html", f"<html><body>{body}</body></html>")
    [second] = read(tmp_path, "b.html", f"<html><body>{plain}</body></html>")
    assert "Verkehrsminister" in first.text and "\xad" not in first.text
    assert first.id == second.id


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("2026-03-08", "2026-03-08T00:00:00+00:00"),
        ("Sun, 08 Mar 2026 10:00:00 +0100", "2026-03-08T10:00:00+01:00"),
        ("Sept. 8, 2026", "2026-09-08T00:00:00+00:00"),
        ("Sunday, March 8, 2026", "2026-03-08T00:00:00+00:00"),
        ("March 8th, 2026", "2026-03-08T00:00:00+00:00"),
        ("08.03.2026", "2026-03-08T00:00:00+00:00"),
        ("1772964000", "2026-03-08T10:00:00+00:00"),
        ("Mon, 01 Jan 0001 00:00:00 +0000", None),  # not 2001: a generator's "no date"
        ("next Tuesday", None),
    ],
)
def test_dates_in_the_ways_sites_write_them(written, meant):
    from digest.dates import parse_date

    parsed = parse_date(written)
    assert (parsed.isoformat() if parsed else None) == meant


def test_an_impossible_date_is_read_as_undated_with_a_warning(tmp_path, caplog):
    from digest import pipeline

    from .conftest import NOW, make_config

    config = make_config(tmp_path)
    zero = {"title": "Zero", "published": "0001-01-01T00:00:00Z", "text": BODY}
    far = f"Title: Far\nDate: 9999-12-31T23:00:00-05:00\n\n{BODY} The ferry sails again."
    odd = f"Title: Odd\nDate: the day after the storm\n\n{BODY} The pier opens again."
    make_inbox(
        config.paths.inbox, {"zero.json": json.dumps([zero]), "far.txt": far, "odd.txt": odd}
    )
    result = pipeline.build(config, now=NOW)  # did not store or place: it crashed on them
    assert sorted(a.file for b in result.digest.briefs for a in b.articles) == [
        "far.txt", "odd.txt", "zero.json"
    ]  # fmt: skip
    assert all(a.published is None for b in result.digest.briefs for a in b.articles)
    assert (
        "zero.json: date 0001-01-01 is before 1901, a placeholder; read as undated" in caplog.text
    )
    assert "far.txt: date 9999-12-31 is in the future; read as undated" in caplog.text
    assert "odd.txt: date 'the day after the storm' not understood; read as undated" in caplog.text


def test_html_blocks_inside_blocks_are_read_once(tmp_path):
    page = (
        "<html><head><title>Mayor answers critics</title></head><body><article>"
        "<p>The mayor of Brelle answered critics of the bus lanes at a meeting on Thursday.</p>"
        "<blockquote><p>“We did not take this decision lightly.”</p>"
        "<p>“The river road will be safer for children.”</p></blockquote>"
        "<p>Shop owners said they would keep campaigning against the loss of parking spaces.</p>"
        "<ul><li><p>The lanes open in June between the bridge and the station.</p></li></ul>"
        "</article></body></html>"
    )
    [article] = read(tmp_path, "a.html", page)
    paragraphs = article.text.split("\n\n")
    for quoted in ("“We did not take", "“The river road", "The lanes open in June"):
        assert sum(quoted in p for p in paragraphs) == 1, (quoted, paragraphs)
    assert "lightly.”“The" not in article.text  # two paragraphs never glued into one


def test_a_page_laid_out_in_table_cells_is_read(tmp_path):
    cells = [
        "The harbour of Gullport will get a new crane in July, the port authority said on Monday.",
        "The crane will lift containers of up to forty tonnes and will be built in Vossberg.",
        "Dock workers said the old crane had broken down eleven times since last year.",
    ]
    rows = "".join(f"<tr><td>{cell}</td></tr>" for cell in cells)
    page = f"<html><head><title>Crane</title></head><body><table>{rows}</table></body></html>"
    [article] = read(tmp_path, "a.html", page)
    assert article.text.split("\n\n") == cells


def test_a_text_header_with_keys_of_its_own_keeps_ours(tmp_path):
    head = "Title: Ferry\nSource: Bay Times\nDate: 2026-03-08\nTags: harbour, ferry\n"
    [article] = read(tmp_path, "a.txt", head + "URL: https://bay.example/f\n\n" + BODY)
    assert (article.title, article.source, article.url) == ("Ferry", "Bay Times",
                                                            "https://bay.example/f")  # fmt: skip
    assert article.published.date().isoformat() == "2026-03-08"
    assert article.text.startswith("The harbor authority said")  # no header line in the text


def test_a_byline_is_not_taken_for_a_headline(tmp_path):
    [article] = read(tmp_path, "a.txt", "By Jane Doe\n\n" + BODY)
    assert article.title is None


@pytest.mark.parametrize(
    "dateline",
    [
        "SÃO PAULO (Reuters) - ",
        "MÜNCHEN — ",
        "ZÜRICH, Switzerland (AP) — ",
        "LOS ANGELES/NEW YORK (Reuters) - ",
        "PARIS, 3 mars (AFP) - ",
        "BERLIN, 3. März (dpa) - ",
    ],
)
def test_datelines_of_places_with_accents_slashes_or_day_first_dates_are_removed(
    tmp_path, dateline
):
    [article] = read(tmp_path, "a.txt", "Title: Ferry\n\n" + dateline + BODY)
    assert article.text.startswith("The harbor authority said")
