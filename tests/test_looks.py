"""The HTML digest and archive page laid out by a real browser (headless Chromium), at desktop and
phone widths: nothing sticks out sideways and every story is there to read.

Each page is loaded into an iframe of the width under test (Chromium will not make a headless
window narrower than 500 px), and a small script writes the measurements into the DOM, which
`--dump-dom` prints.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest import pipeline
from digest.models import Brief, BriefSentence, Digest
from digest.render import render

from .conftest import NOW, ROOT, make_article, make_config, make_inbox
from .test_pipeline import RAIL_A, RAIL_B, STORM

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs headless Chromium at /usr/bin/chromium (as root: sh tests/install-chromium)",
)
WIDTHS = {"desktop": 1280, "phone": 375}

MEASURE = """
<script>
window.addEventListener("load", function () {
  var frame = document.getElementById("page").contentWindow, doc = frame.document;
  var width = frame.innerWidth, sticking_out = [];
  doc.querySelectorAll("body *").forEach(function (element) {
    var box = element.getBoundingClientRect();
    if (box.width > 0 && (box.left < -0.5 || box.right > width + 0.5)) {
      sticking_out.push(element.tagName + ": " + element.textContent.trim().slice(0, 60));
    }
  });
  var stories = Array.prototype.map.call(doc.querySelectorAll("article, li[id^=digest-]"),
    function (story) {
      var box = story.getBoundingClientRect(), style = frame.getComputedStyle(story);
      var heading = story.querySelector("h2");
      return {id: story.id, width: box.width, height: box.height, left: box.left,
              right: box.right, shown: style.display !== "none" && style.visibility !== "hidden",
              heading: heading.textContent.trim(),
              heading_clipped: heading.scrollWidth > heading.clientWidth + 1};
    });
  var sentence = doc.querySelector("article p.digest-sentence") || doc.body;
  document.getElementById("layout").textContent = JSON.stringify({
    viewport: width,
    scroll_width: doc.documentElement.scrollWidth,
    sticking_out: sticking_out,
    stories: stories,
    sentence_font_px: parseFloat(frame.getComputedStyle(sentence).fontSize),
  });
});
</script>
"""


def layout(page: str, width: int, tmp_path: Path) -> dict:
    """Measurements of `page` laid out `width` CSS pixels wide by headless Chromium."""
    style = f"width:{width}px;height:900px;border:0"
    frame = f'<iframe id="page" style="{style}" srcdoc="{html.escape(page)}"></iframe>'
    harness = tmp_path / f"harness-{width}.html"
    harness.write_text(
        f'<!DOCTYPE html><body style="margin:0">{frame}<pre id="layout"></pre>{MEASURE}'
    )
    dom = chromium(tmp_path, "--window-size=1400,1000", "--dump-dom", harness.as_uri())
    found = re.search(r'<pre id="layout">(.*?)</pre>', dom, re.DOTALL)
    assert found and found.group(1), f"no measurements in Chromium's output:\n{dom[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def chromium(tmp_path: Path, *arguments: str) -> str:
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'chromium'}",
        *arguments,
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def demanding_digest() -> Digest:
    """Five stories with what breaks layouts: long words, long links, many citations."""
    long_word = "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung"
    outlets = [f"Outlet {n}" for n in range(1, 30)] + ["The Extraordinarily Long-Named Gazette"]
    articles = tuple(
        make_article(
            f"Body of article {n} with enough words to be a body.",
            title=f"Report {n}: https://news.example/{'very-long-path-segment-' * 6}{n}",
            source=source,
            url=f"https://news.example/{'very-long-path-segment-' * 8}{n}?a=1&b=2",
            published=datetime(2026, 11, 20, tzinfo=UTC),
        )
        for n, source in enumerate(outlets, start=1)
    )
    ids = tuple(a.id for a in articles)
    briefs = [
        Brief(
            "s-long",
            f"{long_word} ends after {long_word}",
            articles,
            (
                BriefSentence(f"A sentence carried by every outlet about {long_word}.", ids, 1.0),
                BriefSentence("https://example.org/" + "x" * 120 + " was quoted.", ids[:2], 0.5),
            ),
        )
    ]
    for n in range(4):
        brief_articles = articles[n : n + 2]
        sentences = tuple(
            BriefSentence(
                f"Story {n} sentence {k}: officials said the measure would take effect on "
                "Monday, and residents were asked to check the notices posted in town.",
                tuple(a.id for a in brief_articles[: 1 + k % 2]),
                1.0 / (k + 1),
            )
            for k in range(4)
        )
        briefs.append(
            Brief(f"s{n}", f"Headline of story {n} in plain words", brief_articles, sentences)
        )
    return Digest("Morning digest", datetime(2026, 11, 21, 7, tzinfo=UTC), tuple(briefs))


def check(measured: dict, width: int, stories: int) -> None:
    assert measured["viewport"] == width
    assert measured["scroll_width"] <= width, "the page scrolls sideways"
    assert measured["sticking_out"] == [], "elements stick out of the page"
    assert len(measured["stories"]) == stories
    for story in measured["stories"]:
        assert story["shown"] and story["height"] > 40, story
        assert story["left"] >= 0 and story["right"] <= width, story
        assert not story["heading_clipped"], story


@pytest.mark.parametrize("device", WIDTHS)
def test_digest_fits_desktop_and_phone_widths(tmp_path, device):
    width = WIDTHS[device]
    page = render(demanding_digest(), ROOT / "templates", ["html"], "**Good morning.**")["html"]
    measured = layout(page, width, tmp_path)
    check(measured, width, stories=5)
    assert measured["sentence_font_px"] >= 16  # readable without zooming
    widths = [story["width"] for story in measured["stories"]]
    if device == "phone":
        assert min(widths) >= width - 40  # the stories use the narrow screen
    else:
        assert max(widths) <= 700  # a comfortable column, not a wall of text


@pytest.mark.parametrize("device", WIDTHS)
def test_archive_page_fits_desktop_and_phone_widths(tmp_path, device):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A, "c.txt": STORM})
    pipeline.build(config, now=NOW)
    make_inbox(config.paths.inbox, {"b.txt": RAIL_B})
    pipeline.build(config, now=NOW + timedelta(days=1))
    page = (config.paths.outbox / "index.html").read_text()
    check(layout(page, WIDTHS[device], tmp_path), WIDTHS[device], stories=2)
