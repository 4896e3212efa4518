"""Inputs as real sites, mail clients and feed generators write them: only the article is kept."""

from __future__ import annotations

from pathlib import Path

import lxml.etree

from digest.readers import html as html_reader
from digest.readers import read_file

from .conftest import make_inbox

LIMIT = 1_000_000
ARTICLE = [
    "The harbour board voted on Monday to close the old ferry pier for repairs next spring.",
    "Engineers found that two of the pier's timber piles had rotted through below the waterline.",
    "Commuters will use a temporary landing stage beside the fish market while the work goes on.",
    "The board expects the repairs to cost about four million euros and to last six months.",
]


def read_one(tmp_path: Path, name: str, content: str | bytes):
    make_inbox(tmp_path, {name: content})
    [article] = read_file(tmp_path / name, max_bytes=LIMIT)
    return article


def page(body: str, title: str = "Pier to close") -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a>"
        f"<a href='/news'>News</a></nav><article><h1>{title}</h1>{body}</article></body></html>"
    )


def test_text_after_a_heading_and_in_a_div_is_kept(tmp_path):
    body = f"<h2>Repairs</h2>{ARTICLE[0]} {ARTICLE[1]}<div>{ARTICLE[2]}</div><p>{ARTICLE[3]}</p>"
    text = read_one(tmp_path, "a.html", page(body)).text
    for sentence in ARTICLE:
        assert sentence in text
    assert "Home" not in text


class _Document:
    """Stands for trafilatura's document: a body and the metadata read_html uses."""

    def __init__(self, body: str) -> None:
        self.body = lxml.etree.fromstring(f"<body>{body}</body>")
        self.title, self.sitename, self.url, self.date = "Pier to close", None, None, None


def test_a_scrap_from_precision_mode_gives_way_to_the_default_mode_s_prose(monkeypatch):
    whole = "".join(f"<p>{s} {s}</p>" for s in ARTICLE)
    found = {True: _Document("<p>Published 8 March 2026</p>"), False: _Document(whole)}
    monkeypatch.setattr(html_reader, "_extract", lambda _t, _x, *, precise: found[precise])
    monkeypatch.setattr("trafilatura.settings.Document", _Document)
    [draft] = html_reader.read_html(page("<p>x</p>"))
    assert ARTICLE[3] in draft.text and "Published" not in draft.text


def test_a_wider_text_of_links_does_not_replace_precision_mode_s(monkeypatch):
    links = "".join(f"<p>Read more about item {n}</p>" for n in range(80))
    kept = f"<p>{ARTICLE[0]}</p>"
    found = {True: _Document(kept), False: _Document(kept + links)}
    monkeypatch.setattr(html_reader, "_extract", lambda _t, _x, *, precise: found[precise])
    monkeypatch.setattr("trafilatura.settings.Document", _Document)
    [draft] = html_reader.read_html(page("<p>x</p>"))
    assert draft.text == ARTICLE[0]


def test_a_page_of_preformatted_text_only_is_read(tmp_path):
    body = "<pre>" + "\n".join(ARTICLE) + "</pre>"
    text = read_one(tmp_path, "a.html", page(body)).text
    assert ARTICLE[1] in text
