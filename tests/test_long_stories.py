"""A story that goes on for months: a day's work follows its news, not its length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.cluster import features
from digest.config import BriefSettings
from digest.models import Article, BriefSentence, Coverage, History, Story
from digest.store import Store
from digest.summarize import summarize
from digest.summarizers.story_text import CONTEXT_NEWEST, StoryText
from tests.conftest import make_article

START = datetime(2026, 1, 5, 8, tzinfo=UTC)
TOWNS = "Arden Brisk Calder Dunmore Elsby Farrow Glenholt Harwick Iverly Jarrow".split()


def report(day: int, text: str, title: str | None = None) -> Article:
    return make_article(
        text, title=title or f"Canal works, day {day}", published=START + timedelta(days=day)
    )


def filler(day: int) -> Article:
    town = TOWNS[day % len(TOWNS)]
    return report(
        day,
        f"Crews at the {town} lock replaced gate number {day} of the old canal on a cold morning. "
        f"The {town} section will reopen to narrow boats after inspectors sign off the repair.",
    )


OLD_WIRE = (
    "The canal trust said the whole restoration would cost 84 million crowns over nine years. "
    "Volunteers from seven villages have cleared silt from the summit pound since the spring."
)


def long_story(*new: Article, shown_from: Article | None = None) -> Story:
    """Forty articles the reader has seen (one of them, the oldest, a wire report), then `new`."""
    seen = [report(0, OLD_WIRE, "Canal restoration to cost 84 million crowns")]
    seen += [filler(day) for day in range(1, 40)]
    coverages = ()
    if shown_from is not None:
        shown = BriefSentence(shown_from.text.split(". ")[0] + ".", (shown_from.id,))
        coverages = (Coverage("digest-2026-02-13", START + timedelta(days=39), "Canal", (shown,)),)
    history = History(coverages, frozenset(a.id for a in seen))
    return Story("s-canal", (*seen, *new), history)


def test_an_update_reads_the_newest_seen_articles_and_not_the_oldest_unrelated_ones():
    news = report(
        41,
        "Engineers found a crack in the aqueduct at Farrow on Monday morning. "
        "Boats will be diverted through the Elsby arm while the crack is studied.",
    )
    text = StoryText(long_story(news))
    read = {text.articles[i].id for i in set(text.article_of.tolist())}
    seen = text.articles[:40]
    assert {a.id for a in seen[-CONTEXT_NEWEST:]} <= read
    assert seen[1].id not in read  # an old report of something else: not read
    assert news.id in read
    assert len(text.articles) == 41  # the brief still lists every article of the story


def test_a_rerun_of_an_old_report_is_told_before_however_old_the_report():
    rerun = report(
        41,
        OLD_WIRE + "\n\nThe trust repeated its figures at a meeting on Monday.",
        "Trust repeats canal figures",
    )
    brief = summarize(long_story(rerun), BriefSettings())
    assert all("84 million" not in s.text for s in brief.sentences)
    assert all("summit pound" not in s.text for s in brief.sentences)


def test_what_digests_showed_is_read_from_its_carriers():
    carrier = filler(2)
    news = report(41, "A new boat lift opened at Calder lock on Monday after two years of work.")
    text = StoryText(long_story(news, shown_from=carrier))
    assert carrier.id in {text.articles[i].id for i in set(text.article_of.tolist())}
    assert text.shown.any()


def test_a_candidate_story_is_read_by_its_newest_articles(tmp_path):
    articles = [filler(day) for day in range(1, 8)]
    with Store.open(tmp_path / "state.sqlite3") as store, store.transaction():
        store.add_articles([(a, features(a)) for a in articles], START)
        store.place({a.id: "s-canal" for a in articles[:6]} | {articles[6].id: "s-other"})
        newest = store.placements_of(["s-canal", "s-other"], newest=4)
        every = store.placements_of(["s-canal"])
    assert sorted(p.article_id for p in newest if p.story_id == "s-canal") == sorted(
        a.id for a in articles[2:6]
    )
    assert [p.article_id for p in newest if p.story_id == "s-other"] == [articles[6].id]
    assert len(every) == 6
