"""The digest page as a reader sees it: who reported a story, its language, citation marks that
stay on one line, and a dark theme (headless Chromium at 1280 and 390 px, light and dark)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.models import Brief, BriefSentence, Digest
from digest.render import render, reported_by, story_language

from .conftest import ROOT, make_article
from .test_looks import CHROMIUM, chromium

WORDS = "The harbour council met on Monday evening and voted to reopen the ferry terminal"


def cited_digest() -> Digest:
    """Stories whose sentences end on words of every length, each cited by up to four sources."""
    articles = tuple(
        make_article(f"Body {n} of the harbour story.", title=f"Report {n}", source=f"Outlet {n}")
        for n in range(1, 5)
    )
    ids = tuple(a.id for a in articles)
    sentences = tuple(
        BriefSentence(f"{' '.join(WORDS.split()[: 6 + k])} today.", ids[: 1 + k % 4], 1.0)
        for k in range(10)
    )
    french = tuple(replace(a, language="fr") for a in articles[:2])
    briefs = (
        Brief("harbour", "Harbour council votes to reopen the ferry terminal", articles, sentences),
        Brief(
            "port",
            "Le conseil du port rouvre le terminal des ferries",
            french,
            (BriefSentence("Le conseil a voté lundi soir la réouverture du terminal.", ids[:2]),),
        ),
    )
    return Digest("Morning digest", datetime(2026, 11, 21, 7, tzinfo=UTC), briefs)


def test_a_story_without_known_outlets_says_so_and_counts_only_known_ones() -> None:
    unknown = tuple(make_article(f"Body {n}.", title=f"T {n}") for n in range(2))
    assert reported_by(Brief("s", "H", unknown, ())) == "2 articles (source unknown)"
    known = (*unknown, make_article("Other.", title="T", source="Valley Wire"))
    assert (
        reported_by(Brief("s", "H", known, ())) == "Reported by 1 outlet: Valley Wire · 3 articles"
    )
    page = render(
        Digest("D", datetime(2026, 11, 21, tzinfo=UTC), (Brief("s", "H", unknown, ()),)),
        ROOT / "templates",
        ["html", "md"],
    )
    assert "0 outlets" not in page["html"] and "0 outlets" not in page["md"]
    assert "2 articles (source unknown)" in page["html"]


def test_each_story_carries_its_articles_language() -> None:
    digest = cited_digest()
    assert story_language(digest.briefs[1]) == "fr"
    page = render(digest, ROOT / "templates", ["html"])["html"]
    assert re.search(r'<article id="story-port"[^>]* lang="fr" dir="auto"', page)
    assert re.search(r'<article id="story-harbour"[^>]* lang="en" dir="auto"', page)


MEASURE = """
<script>
const frame = document.getElementById('page').contentWindow;
frame.addEventListener('load', () => {
  const doc = frame.document;
  const groups = [...doc.querySelectorAll('.digest-sentence sup')].map(sup => {
    const holder = sup.parentElement;  // the last word and its citation group
    const rects = [...holder.getClientRects()].filter(r => r.width > 0);
    return {lines: new Set(rects.map(r => Math.round(r.top))).size, text: holder.textContent};
  });
  const background = e => frame.getComputedStyle(e).backgroundColor;
  document.getElementById('layout').textContent = JSON.stringify({
    groups, body: background(doc.body), story: background(doc.querySelector('.digest-story')),
  });
});
</script>
"""


def layout(page: str, width: int, tmp_path: Path, dark: bool) -> dict:
    style = f"width:{width}px;height:900px;border:0"
    frame = f'<iframe id="page" style="{style}" srcdoc="{html.escape(page)}"></iframe>'
    harness = tmp_path / f"page-{width}-{dark}.html"
    harness.write_text(
        f'<!DOCTYPE html><body style="margin:0">{frame}<pre id="layout"></pre>{MEASURE}'
    )
    scheme = f"--blink-settings=preferredColorScheme={0 if dark else 1}"
    dom = chromium(tmp_path, "--window-size=1400,1000", scheme, "--dump-dom", harness.as_uri())
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom, re.DOTALL)
    assert found and found.group(1), f"no measurements in Chromium's output:\n{dom[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs headless Chromium at /usr/bin/chromium")
@pytest.mark.parametrize(("width", "dark"), [(1280, False), (390, True)])
def test_citation_groups_stay_on_one_line_and_dark_mode_is_dark(tmp_path, width, dark) -> None:
    page = render(cited_digest(), ROOT / "templates", ["html"])["html"]
    measured = layout(page, width, tmp_path, dark)
    assert len(measured["groups"]) == 11
    assert all(group["lines"] == 1 for group in measured["groups"]), measured["groups"]
    light = ("rgb(244, 241, 234)", "rgb(255, 255, 255)")
    dark_colors = ("rgb(21, 23, 26)", "rgb(31, 34, 38)")
    assert (measured["body"], measured["story"]) == (dark_colors if dark else light)


def test_a_digest_too_long_for_gmail_is_logged_with_a_remedy(caplog) -> None:
    from digest.mail import warn_if_clipped

    assert not warn_if_clipped("<p>short</p>", "digest-2026-11-21")
    assert warn_if_clipped("<p>" + "é" * 60_000 + "</p>", "digest-2026-11-21")  # 120 KB
    assert "max_stories" in caplog.text and "digest-2026-11-21" in caplog.text


def test_a_story_told_in_two_languages_carries_the_language_of_its_brief() -> None:
    english = tuple(
        replace(make_article(f"The port reopened the ferry terminal on day {n}.", title=f"P{n}"),
                language="en")
        for n in range(2)
    )  # fmt: skip
    french = replace(make_article("Le conseil a voté lundi soir la réouverture du terminal.",
                                  title="Le port"), language="fr")  # fmt: skip
    quoted = BriefSentence(french.text, (english[0].id, french.id))  # corroborated in English
    brief = Brief("s-port", "Le port", (*english, french), (quoted,))
    assert story_language(brief) == "fr"  # most articles are English; the brief is French
    assert story_language(Brief("s-port", "Port", (*english, french), ())) == "en"
