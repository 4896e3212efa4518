"""A story that goes on for months: a day's work follows its news, not its length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from digest.cluster import features
from digest.config import BriefSettings
from digest.explain import sentence_carriers
from digest.models import Article, BriefSentence, Coverage, History, Story
from digest.store import Store
from digest.summarize import summarize
from digest.summarizers.concepts import concept_matrix, concept_weights
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
    shown = ()
    if shown_from is not None:
        shown = (BriefSentence(shown_from.text.split(". ")[0] + ".", (shown_from.id,)),)
    coverages = (Coverage("digest-2026-02-13", START + timedelta(days=39), "Canal", shown),)
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


def test_a_brief_after_files_the_reader_read_tells_none_of_them_again_however_many():
    restated = report(
        41,
        "The canal trust said on Monday that the whole restoration would cost 84 million crowns"
        " over nine years. Boats will be diverted through the Elsby arm from next week.",
    )
    daily = long_story(restated)
    after = Story(daily.id, daily.articles, History(seen=daily.history.seen))  # brief --after
    read = {a.id for a in after.articles}
    text = StoryText(after)
    assert {text.articles[i].id for i in set(text.article_of.tolist())} == read
    brief = summarize(after, BriefSettings())
    assert brief.sentences
    assert all("84 million" not in s.text for s in brief.sentences)  # the oldest file told it


def test_a_repeat_too_short_to_tell_is_no_proof_that_nothing_is_new():
    short = "They said that it would not be so again."  # no content word: a coincidence
    gate = "Crews replaced the upper gate at Calder lock on a cold Tuesday morning."
    seen = report(1, f"{gate} {short}")
    new = report(2, f"{gate} {short}", title="Calder lock")
    shown = (Coverage("digest-2026-01-02", START + timedelta(days=1), "Canal", ()),)
    text = StoryText(Story("s-calder", (seen, new), History(shown, frozenset({seen.id}))))
    eligible = {text.texts[i] for i in range(len(text)) if text.eligible[i]}
    assert eligible == {short}  # the long repeat is told; the short one is no repeat


def test_an_update_reads_an_old_seen_article_whose_title_a_new_one_repeats():
    news = report(41, "Engineers found a crack in the aqueduct at Farrow on Monday morning.",
                  "Canal restoration to cost 84 million crowns")  # fmt: skip
    text = StoryText(long_story(news))
    oldest = text.articles[0]
    assert oldest.title == news.title
    assert oldest.id in {text.articles[i].id for i in set(text.article_of.tolist())}


def test_explaining_a_whole_brief_finds_every_carrier_of_its_sentences():
    story = long_story()  # nothing new: the story's whole brief is explained
    brief = summarize(story, BriefSettings(updates=False))
    carriers = sentence_carriers(story, brief, "auto", updates=False)
    for sentence, found in zip(brief.sentences, carriers, strict=True):
        carrying = {a.id for a in story.articles if sentence.text in a.text}
        assert carrying and carrying <= {carrier.article.id for carrier in found}


def test_articles_passed_over_do_not_crowd_what_the_reader_read_out_of_an_update():
    fact = "Engineers found that the Wexley aqueduct needs new bearings costing 3 million crowns."
    read = [filler(day) for day in range(10)]
    read.append(report(10, f"{fact} Boats keep to the winter timetable until March."))
    read += [filler(day) for day in range(11, 25)]
    passed = [filler(day) for day in range(25, 46)]  # more re-runs left out than the window
    new = report(50, f"{fact} A crane will lift the old deck next month.", title="Aqueduct")
    shown = (Coverage("digest-2026-01-30", START + timedelta(days=24), "Canal", ()),)
    history = History(shown, frozenset(a.id for a in read), frozenset(a.id for a in passed))
    brief = summarize(Story("s-canal", (*read, *passed, new), history), BriefSettings())
    assert [s.text for s in brief.sentences] == ["A crane will lift the old deck next month."]


def test_a_concept_shown_weighs_as_much_as_one_of_the_articles_seen():
    """Showing a sentence changes no concept's weight: its words are mostly the story's own
    subject (here "harbour wall", "Port Edda"), which weighed nothing and drew updates towards
    the story's margins. Repeats of it are kept out by sentence (`_told_before`)."""
    seen = report(1, "The harbour wall at Port Edda collapsed in the storm on Friday night. "
                     "Fishing boats were moved to the outer basin of the harbour.")  # fmt: skip
    new = report(2, "Engineers began to rebuild the harbour wall at Port Edda on Monday. "
                    "Fishing boats stay in the outer basin until the work is done.")  # fmt: skip
    when = START + timedelta(days=1)
    shown = (BriefSentence(seen.text.split(". ")[0] + ".", (seen.id,)),)
    weights = []
    for sentences in (shown, ()):
        history = History((Coverage("digest-2026-01-06", when, "Wall", sentences),), {seen.id})
        text = StoryText(Story("s-wall", (seen, new), history))
        assert text.shown.any() == bool(sentences)
        matrix, single_words = concept_matrix(text)
        weights.append(concept_weights(text, matrix, single_words))
    with_shown, without = weights
    in_shown = np.bincount(matrix.columns[text.read[matrix.rows]], minlength=len(without)) > 0
    assert (without[in_shown] > 0).any()  # the shown sentence's concepts the new article carries
    assert np.array_equal(with_shown, without)
