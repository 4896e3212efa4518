"""An article is named after one rule everywhere: its source, else its web site, else unknown."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.models import Brief, BriefSentence, Digest
from digest.outlets import UNKNOWN, credit, outlet, outlets_of
from digest.render import render

from .conftest import ROOT, make_article


def test_one_name_per_article():
    by_site = make_article("Text.", url="https://user:pw@WWW.Example.org:8443/a")
    named = make_article("Other.", source="Coast Courier", url="https://cc.example/b")
    nameless = make_article("Third.", url="javascript:alert(1)")
    assert credit(by_site) == outlet(None, by_site.url) == "www.example.org"
    assert credit(named) == "Coast Courier" and credit(nameless) == UNKNOWN
    assert outlets_of([by_site, named, nameless, by_site]) == ["www.example.org", "Coast Courier"]


def test_the_outlet_count_and_the_sources_list_agree():
    article = make_article(
        "The ferry service resumed on Monday after a week of repairs to the pier.",
        title="Ferry resumes",
        url="https://www.example.org/ferry",
    )
    sentence = BriefSentence(article.text, (article.id,))
    brief = Brief("s1", "Ferry resumes", (article,), (sentence,))
    digest = Digest("Test", datetime(2026, 11, 21, 7, tzinfo=UTC), (brief,))
    pages = render(digest, ROOT / "templates", ["md", "html"])
    assert "Reported by 1 outlet: www.example.org" in pages["md"]
    assert "1. www.example.org: [Ferry resumes]" in pages["md"]
    assert "<strong>www.example.org</strong>" in pages["html"]
    assert UNKNOWN not in pages["md"] + pages["html"]
