"""Continuing stories: each digest tells what is new since the last one that showed a story."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from digest import pipeline, sentences
from digest.cli import main
from digest.cluster import features
from digest.migrations import MIGRATIONS
from digest.preview import preview
from digest.schema import from_json, to_json
from digest.sentences import sentence_spans
from digest.store import Store

from .conftest import NOW, ROOT, make_config, make_inbox, txt

DAY_1 = txt(
    "Storm Arlo makes landfall near Port Edda",
    "Storm Arlo made landfall near Port Edda on Friday morning with winds of 140 kilometres an "
    "hour. About 60,000 homes lost power across the coastal counties as lines came down. "
    "Officials opened twelve shelters in school gyms for families forced from low-lying streets. "
    "The weather service said the storm would weaken as it moved inland on Saturday.",
    source="Coast Courier",
    date="2026-11-20",
)
DAY_2 = txt(
    "Two dead as Storm Arlo clean-up begins",
    "Storm Arlo made landfall near Port Edda on Friday with winds of 140 kilometres an hour. "
    "Two people died when a tree fell on their car near Brackwater, police said on Saturday. "
    "Power has been restored to most of the 60,000 homes that lost it, the utility said. "
    "The county estimates the clean-up will cost 45 million crowns and take three weeks.",
    source="Hill Gazette",
    date="2026-11-21",
)
DAY_3 = txt(
    "Port Edda asks for national disaster funds after Storm Arlo",
    "Port Edda's council voted on Sunday to ask the government for national disaster funds to "
    "rebuild the harbour wall. Two people died in the storm near Brackwater on Saturday, police "
    "said. Insurers said early claims from Storm Arlo already exceed 30 million crowns across "
    "the region. The harbour will stay closed to fishing boats until the wall is inspected.",
    source="Edda Herald",
    date="2026-11-22",
)
# The wire copy of day 2 again under another outlet's name: nothing new for a reader.
RERUN = txt(
    "Storm Arlo clean-up begins, two dead",
    "Two people died when a tree fell on their car near Brackwater, police said on Saturday. "
    "Power has been restored to most of the 60,000 homes that lost it, the utility said. "
    "The county estimates the clean-up will cost 45 million crowns and take three weeks.",
    source="Valley Times",
    date="2026-11-21",
)


def three_days(tmp_path, **overrides):
    """A project that built one digest a day from DAY_1, DAY_2 and DAY_3; the three builds."""
    config = make_config(tmp_path, **overrides)
    builds = []
    for day, article in enumerate((DAY_1, DAY_2, DAY_3)):
        make_inbox(config.paths.inbox, {f"day-{day + 1}.txt": article})
        builds.append(pipeline.build(config, now=NOW + timedelta(days=day)))
    return config, builds


def sentences_of(build):
    [brief] = build.digest.briefs
    return [s.text for s in brief.sentences]


def test_a_continuing_story_tells_only_what_is_new_each_day(tmp_path):
    _, (first, second, third) = three_days(tmp_path)
    [one], [two], [three] = first.digest.briefs, second.digest.briefs, third.digest.briefs
    assert one.story_id == two.story_id == three.story_id
    assert one.status == "new" and two.status == three.status == "updated"

    day_1, day_2, day_3 = sentences_of(first), sentences_of(second), sentences_of(third)
    assert day_1[0].startswith("Storm Arlo made landfall")
    # Day 2 leads with its new facts and repeats nothing shown on day 1.
    assert day_2[0].startswith("Two people died")
    assert (
        "Power has been restored to most of the 60,000 homes that lost it, the utility said."
        in day_2
    )
    assert not set(day_2) & set(day_1)
    assert not any("landfall" in s for s in day_2)
    # Day 3 repeats neither day: the deaths were told on day 2, in other words.
    assert not set(day_3) & (set(day_1) | set(day_2))
    assert not any("died" in s for s in day_3)
    assert any("disaster funds" in s for s in day_3)

    # The headline follows the latest development; each new sentence cites the new article.
    assert one.headline == "Storm Arlo makes landfall near Port Edda"
    assert two.headline == "Two dead as Storm Arlo clean-up begins"
    assert three.headline.startswith("Port Edda asks for national disaster funds")
    newest = {a.id for a in three.articles if a.source == "Edda Herald"}
    assert all(newest <= set(s.sources) for s in three.sentences)

    # History: first reported on day 1's article date (not when a digest first showed it),
    # previously in day 2's digest, which opened with the deaths.
    assert three.first_seen == datetime(2026, 11, 20, tzinfo=UTC) < NOW
    assert three.previous.digest == "digest-2026-11-22"
    assert three.previously == day_2[0]


def test_updated_stories_link_the_previous_digest_in_html_and_markdown(tmp_path):
    config, _ = three_days(tmp_path)
    outbox = config.paths.outbox
    html = (outbox / "digest-2026-11-23.html").read_text()
    assert re.search(r">Updated</span> · first reported 20 Nov · previously in", html)
    [link] = re.findall(r'<a href="(digest-[^"]+)"[^>]*>the digest of 22 Nov</a>', html)
    assert (outbox / link).is_file() and link == "digest-2026-11-22.html"
    assert "Previously: Two people died" in html

    markdown = (outbox / "digest-2026-11-23.md").read_text()
    assert "*Updated · first reported 20 Nov · previously in [the digest of 22 Nov]" in markdown
    [target] = re.findall(r"\]\(<(digest-[^>]+)>\)", markdown)
    assert (outbox / target).is_file() and target == "digest-2026-11-22.md"
    assert "> Previously: Two people died" in markdown

    first = (outbox / "digest-2026-11-21.md").read_text()
    assert "*New*" in first and "Previously" not in first


def previous_links(outbox, name):
    """The links "previously in" of digest `name`: (HTML targets, Markdown targets)."""
    html = (outbox / f"{name}.html").read_text()
    markdown = (outbox / f"{name}.md").read_text()
    return (
        re.findall(r'previously in <a href="([^"]+)"', html),
        re.findall(r"previously in \[the digest of [^\]]+\]\(<([^>]+)>\)", markdown),
    )


def test_a_recorded_name_is_never_given_again_when_its_files_were_removed(tmp_path):
    config = make_config(tmp_path)
    outbox = config.paths.outbox
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1})
    pipeline.build(config, now=NOW)
    for path in outbox.glob("digest-2026-11-21.*"):
        path.unlink()  # removed by hand; the state still records it
    ferry = txt(
        "Ferry line to Skarholm resumes after repairs",
        "The ferry line between Kessel and Skarholm resumed on Saturday after six weeks of hull "
        "repairs in the Kessel yard. The operator said two crossings a day would run until "
        "March, when the summer timetable of five crossings begins.",
        source="Island Weekly",
        date="2026-11-21",
    )
    make_inbox(config.paths.inbox, {"ferry.txt": ferry})
    later = NOW + timedelta(hours=3)
    shown = preview(config, now=later)
    assert [f.stem for f in shown.files][:1] == ["digest-2026-11-21-2"]
    assert pipeline.build(config, now=later).name == "digest-2026-11-21-2"

    make_inbox(config.paths.inbox, {"day-2.txt": DAY_2})
    [brief] = pipeline.build(config, now=NOW + timedelta(days=1)).digest.briefs
    assert brief.previous.digest == "digest-2026-11-21"
    assert previous_links(outbox, "digest-2026-11-22") == ([], [])  # not the ferry's digest
    with Store.open(config.paths.state) as store:
        names = [d.name for d in store.digests()]
    assert names == ["digest-2026-11-21", "digest-2026-11-21-2", "digest-2026-11-22"]


def test_the_previous_digest_is_linked_in_a_format_it_was_written_in(tmp_path):
    # Day 1 is written as Markdown alone; then the config asks for every format.
    config = make_config(tmp_path, **{"digest.formats": ["md"]})
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1})
    pipeline.build(config, now=NOW)
    config = make_config(tmp_path, **{"digest.formats": ["html", "md", "json"]})
    make_inbox(config.paths.inbox, {"day-2.txt": DAY_2})
    [brief] = pipeline.build(config, now=NOW + timedelta(days=1)).digest.briefs
    assert brief.previous.digest == "digest-2026-11-21"

    outbox = config.paths.outbox
    assert sorted(p.name for p in outbox.glob("digest-2026-11-21.*")) == ["digest-2026-11-21.md"]
    html_links, markdown_links = previous_links(outbox, "digest-2026-11-22")
    assert html_links == markdown_links == ["digest-2026-11-21.md"]
    latest = (outbox / "latest.html").read_text()
    assert 'previously in <a href="digest-2026-11-21.md"' in latest
    # The archive names the same file: one permalink for a digest, wherever it is linked.
    index = (outbox / "index.html").read_text()
    assert 'href="digest-2026-11-21.md"' in index and 'href="digest-2026-11-21.html"' not in index
    # The JSON names the digest, not a file: the same whatever formats it was written in.
    [story] = json.loads((outbox / "digest-2026-11-22.json").read_text())["stories"]
    assert story["previous_digest"]["name"] == "digest-2026-11-21"


def test_the_markdown_links_the_previous_markdown_and_the_page_the_previous_page(tmp_path):
    # Day 1 as a page and JSON; day 2 also in Markdown: its Markdown links day 1's page.
    config = make_config(tmp_path, **{"digest.formats": ["html", "json"]})
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1})
    pipeline.build(config, now=NOW)
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"day-2.txt": DAY_2})
    pipeline.build(config, now=NOW + timedelta(days=1))
    html_links, markdown_links = previous_links(config.paths.outbox, "digest-2026-11-22")
    assert html_links == markdown_links == ["digest-2026-11-21.html"]
    # Day 3: day 2 was written in every format, so each links its own kind.
    make_inbox(config.paths.inbox, {"day-3.txt": DAY_3})
    pipeline.build(config, now=NOW + timedelta(days=2))
    html_links, markdown_links = previous_links(config.paths.outbox, "digest-2026-11-23")
    assert (html_links, markdown_links) == (["digest-2026-11-22.html"], ["digest-2026-11-22.md"])


def test_a_previous_digest_whose_files_are_gone_is_named_without_a_link(tmp_path):
    config = make_config(tmp_path)
    outbox = config.paths.outbox
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1})
    pipeline.build(config, now=NOW)
    for path in outbox.glob("digest-2026-11-21.*"):
        path.unlink()
    make_inbox(config.paths.inbox, {"day-2.txt": DAY_2})
    [brief] = pipeline.build(config, now=NOW + timedelta(days=1)).digest.briefs
    assert brief.previous.digest == "digest-2026-11-21"  # the story still continues

    assert previous_links(outbox, "digest-2026-11-22") == ([], [])
    html = (outbox / "digest-2026-11-22.html").read_text()
    assert "previously in the digest of 21 Nov" in html and "digest-2026-11-21" not in html
    markdown = (outbox / "digest-2026-11-22.md").read_text()
    assert "previously in the digest of 21 Nov*" in markdown
    assert "digest-2026-11-21" not in markdown


def test_an_update_lists_its_new_articles_and_the_earlier_ones_it_cites_as_sources(tmp_path):
    """A story followed for weeks does not list every report of it in each day's issue: an
    update's sources are its new articles and the earlier articles its sentences cite."""
    config, (first, second, third) = three_days(tmp_path)
    [one], [two], [three] = first.digest.briefs, second.digest.briefs, third.digest.briefs
    assert [a.file for a in one.articles] == ["day-1.txt"]  # a new story: all of it
    assert [a.file for a in three.articles] == ["day-3.txt"]  # cites no earlier article
    cited = {source for s in two.sentences for source in s.sources}
    listed = {a.file for a in two.articles}
    assert "day-2.txt" in listed
    assert {a.id for a in two.articles} == cited | {
        a.id for a in two.articles if a.file == "day-2.txt"
    }
    data = json.loads((config.paths.outbox / "digest-2026-11-23.json").read_text())
    [story] = data["stories"]
    assert [a["file"] for a in story["articles"]] == ["day-3.txt"]
    assert story["outlets"] == ["Edda Herald"]
    markdown = (config.paths.outbox / "digest-2026-11-23.md").read_text()
    html = (config.paths.outbox / "digest-2026-11-23.html").read_text()
    for text in (markdown, html):
        assert "Edda Herald" in text and "Coast Courier" not in text and "Hill Gazette" not in text


def test_json_gives_status_first_seen_and_previous_digest_and_reads_back(tmp_path):
    config, (first, _, third) = three_days(tmp_path)
    data = json.loads((config.paths.outbox / "digest-2026-11-23.json").read_text())
    [story] = data["stories"]
    assert story["status"] == "updated"
    assert story["first_seen"] == "2026-11-20T00:00:00+00:00"  # day 1's article
    assert story["previous_digest"] == {
        "name": "digest-2026-11-22",
        "generated_at": "2026-11-22T07:00:00+00:00",
        "headline": "Two dead as Storm Arlo clean-up begins",
    }
    assert story["previously"].startswith("Two people died")
    [new] = to_json(first.digest)["stories"]
    assert (new["status"], new["previous_digest"], new["previously"]) == ("new", None, None)
    assert new["first_seen"] == "2026-11-20T00:00:00+00:00"

    again = from_json(data)  # the mailer's reading of it
    [brief] = again.briefs
    assert brief.status == "updated" and brief.previous.digest == "digest-2026-11-22"
    assert (
        brief.previously == story["previously"]
        and brief.first_seen == third.digest.briefs[0].first_seen
    )


def test_a_rerun_of_wire_copy_leaves_the_story_out_and_says_so(tmp_path, caplog):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1, "day-2.txt": DAY_2})
    pipeline.build(config, now=NOW)
    make_inbox(config.paths.inbox, {"rerun.txt": RERUN})
    with caplog.at_level(logging.INFO):
        rerun = pipeline.build(config, now=NOW + timedelta(days=1))
    assert rerun.update.stored and rerun.update.stories == 1  # stored, in the story
    assert rerun.digest.briefs == () and rerun.written == ()
    assert "left out 'Storm Arlo clean-up begins, two dead': its new articles add nothing" in (
        caplog.text
    )


def test_articles_that_added_nothing_are_read_as_seen_from_then_on(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1, "day-2.txt": DAY_2})
    pipeline.build(config, now=NOW)
    make_inbox(config.paths.inbox, {"rerun.txt": RERUN})
    pipeline.build(config, now=NOW + timedelta(days=1), dry_run=True)
    with Store.open(config.paths.state) as store:
        [story] = store.all_story_ids()
        assert store.db.execute("SELECT count(*) FROM passed_over").fetchone()[0] == 0
        seen_before = store.histories([story])[story].seen
    rerun = pipeline.build(config, now=NOW + timedelta(days=1))
    with Store.open(config.paths.state) as store:
        history = store.histories([story])[story]
    assert history.seen == seen_before  # the reader read no more of it
    assert history.passed == set(rerun.update.stored)  # the rerun: passed over, not news
    make_inbox(config.paths.inbox, {"day-3.txt": DAY_3})
    third = pipeline.build(config, now=NOW + timedelta(days=2))
    [brief] = third.digest.briefs
    assert brief.headline == "Port Edda asks for national disaster funds after Storm Arlo"
    assert sentences_of(third)[0].startswith("Port Edda's council voted")


CHESS = [
    txt(
        "Teenager wins the Varnholm chess open",
        "Fifteen-year-old Mira Ostrand won the Varnholm chess open on Sunday, beating the top seed "
        f"in the final round. Ostrand finished with seven points from nine games. {last}",
        source=source,
        date="2026-11-22",
    )
    for source, last in (
        ("Board Weekly", "Organisers said a record 412 players took part this year."),
        ("Chess Herald", "She will play in the national championship in the spring."),
    )
]


def test_articles_passed_over_are_no_news_for_the_ranking_the_preview_or_a_later_build(
    tmp_path, caplog
):
    config = make_config(tmp_path, **{"digest.max_stories": 1})
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1, "day-2.txt": DAY_2})
    pipeline.build(config, now=NOW)
    reruns = {f"rerun-{n}.txt": RERUN.replace("Valley Times", outlet)
              for n, outlet in enumerate(["Valley Times", "Metro Wire"])}  # fmt: skip
    make_inbox(config.paths.inbox, reruns)
    assert not pipeline.build(config, now=NOW + timedelta(days=1)).digest.briefs  # passed over
    caplog.clear()
    with caplog.at_level(logging.INFO):
        again = pipeline.build(config, now=NOW + timedelta(days=1, hours=1))
    assert again.digest.briefs == () and "left out" not in caplog.text  # not briefed again
    # One new report of the storm (one outlet) against a new story told by two outlets: the
    # re-runs passed over do not make the storm the more reported.
    make_inbox(config.paths.inbox, {"day-3.txt": DAY_3, "chess-1.txt": CHESS[0],
                                    "chess-2.txt": CHESS[1]})  # fmt: skip
    every = replace(config, digest=replace(config.digest, max_stories=0))
    shown = preview(every, now=NOW + timedelta(days=2))
    assert [s.new_articles for s in shown.stories] == [2, 1]  # the chess story first
    [kept] = pipeline.build(config, now=NOW + timedelta(days=2)).digest.briefs
    assert kept.headline == "Teenager wins the Varnholm chess open"


def build_day_by_day(config, days: list[tuple[str, str, str]]) -> list:
    """One article a day, (title, source, body), each day's digest built."""
    built = []
    for day, (title, source, body) in enumerate(days):
        date = (NOW + timedelta(days=day)).date().isoformat()
        article = txt(title, body, source=source, date=date)
        make_inbox(config.paths.inbox, {f"day-{day}.txt": article})
        built.append(pipeline.build(config, now=NOW + timedelta(days=day)))
    return built


def test_a_new_count_of_what_was_shown_is_news(tmp_path):
    """Day 2 says how many homes are still without power: the words of day 1's count, another
    number."""
    config = make_config(tmp_path)
    places = "Pellmouth, Orrin Bay and Stavely"
    days = [
        ("Storm cuts power across the bay", "Bay Gazette",
         f"Around 12,000 homes across {places} were left without electricity after the 2026"
         " storm. "
         "Engineers from Solent Lines worked through the night to repair the damaged lines."),
        ("Thousands still without power", "Coast Herald",
         f"Around 3,000 homes across {places} were still without electricity after the 2026"
         " storm."),
    ]  # fmt: skip
    built = build_day_by_day(config, days)
    assert "12,000 homes" in sentences_of(built[0])[0]
    assert sentences_of(built[1]) == [days[1][2]]


def test_a_denial_of_what_was_shown_is_news(tmp_path):
    """Day 2 says the bridge will not reopen: every content word of day 1's sentence, and its
    opposite."""
    config = make_config(tmp_path)
    days = [
        ("Harbour bridge to reopen", "Bay Gazette",
         "The council said the Harbour Street bridge will reopen to traffic on Friday morning "
         "after three weeks of repairs. Engineers replaced the damaged deck panels on Wednesday."),
        ("Harbour bridge stays shut", "Coast Herald",
         "The council said the Harbour Street bridge will not reopen to traffic on Friday morning "
         "after three weeks of repairs."),
    ]  # fmt: skip
    built = build_day_by_day(config, days)
    assert "will reopen" in sentences_of(built[0])[0]
    assert sentences_of(built[1]) == [days[1][2]]


def test_someone_else_named_in_the_words_of_what_was_shown_is_news(tmp_path):
    """Day 2 reports a second arrest in day 1's words: another name, the news."""
    config = make_config(tmp_path)
    days = [
        ("Arrest after warehouse fire", "Bay Gazette",
         "Police arrested John Smith on Friday in Boston after the warehouse fire on the harbor "
         "front. The fire destroyed three buildings and injured four firefighters."),
        ("Second arrest after warehouse fire", "Coast Herald",
         "Police arrested Mark Jones on Friday in Boston after the warehouse fire on the harbor "
         "front."),
    ]  # fmt: skip
    built = build_day_by_day(config, days)
    assert "John Smith" in sentences_of(built[0])[0]
    assert sentences_of(built[1]) == [days[1][2]]


def test_a_rising_toll_beside_a_count_that_stays_is_news(tmp_path):
    """ "killed 7 … injured 40" after "killed 3 … injured 40": one count in common, one new."""
    config = make_config(tmp_path)
    days = [
        ("Storm hits Lenn Valley", "Bay Gazette",
         "The storm killed 3 people and injured 40 others across the Lenn Valley on Monday "
         "night. Crews worked through the night to clear fallen trees from the roads."),
        ("Lenn Valley storm toll rises", "Coast Herald",
         "The storm killed 7 people and injured 40 others across the Lenn Valley on Monday "
         "night."),
    ]  # fmt: skip
    built = build_day_by_day(config, days)
    assert "killed 3" in sentences_of(built[0])[0]
    assert sentences_of(built[1]) == [days[1][2]]


def test_a_copy_that_adds_a_place_to_what_was_shown_together_is_told(tmp_path):
    """Names are news when a sentence shown names someone else in the same words, not because
    the sentences shown name people the copy does not."""
    config = make_config(tmp_path)
    days = [
        ("Bypass budget approved", "Bay Gazette",
         "The council approved the budget for the bypass on Thursday after a long debate. "
         "Mayor Elena Varga said construction of the bypass would start in May."),
        ("Bypass approved", "Coast Herald",
         "The Quarry Lane council approved the bypass budget, and construction will start in "
         "May."),
    ]  # fmt: skip
    built = build_day_by_day(config, days)
    assert len(sentences_of(built[0])) == 2
    assert not built[1].digest.briefs


def test_what_was_passed_over_does_not_make_later_news_count_as_told(tmp_path):
    """Each re-run is left out for repeating most of what was shown; what counts as told stays
    what the reader read, so a third report's change is news, not a repeat of the second's."""
    config = make_config(tmp_path)
    commuters = "Commuters must use the ferry crossing at Denby while the work goes on."
    days = [
        ("Harlow river bridge closed after inspection", "Harlow Post",
         "Engineers closed the Harlow river bridge on Monday after inspectors found cracked steel"
         f" beams. {commuters} The county council said repairs could take several months."),
        ("Bridge at Harlow shut", "Valley Wire",
         "Engineers closed the Harlow river bridge on Monday after inspectors found corroded steel"
         f" cables. {commuters}"),
        ("Harlow bridge open again", "Denby News",
         "Engineers reopened the Harlow river bridge on Friday after inspectors found corroded"
         f" steel cables. {commuters}"),
    ]  # fmt: skip
    built = build_day_by_day(config, days)
    assert not built[1].digest.briefs  # the re-run adds nothing: left out
    [third] = built[2].digest.briefs
    assert "reopened" in third.sentences[0].text


def test_updates_off_briefs_the_whole_story_again(tmp_path):
    _, (_, second, _) = three_days(tmp_path, **{"brief.updates": False})
    assert "made landfall" in sentences_of(second)[0]  # day 1's lead again
    [brief] = second.digest.briefs
    assert brief.status == "updated"  # still told apart from a new story


def test_dry_runs_and_previews_record_nothing(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1})
    pipeline.build(config, now=NOW)
    make_inbox(config.paths.inbox, {"day-2.txt": DAY_2})
    dry = pipeline.build(config, now=NOW + timedelta(days=1), dry_run=True)
    shown = preview(config, now=NOW + timedelta(days=1))
    assert sentences_of(dry) == [s.text for s in shown.digest.briefs[0].sentences]
    assert sentences_of(dry)[0].startswith("Two people died")
    with Store.open(config.paths.state) as store:
        rows = store.db.execute("SELECT count(*) FROM digest_stories").fetchone()[0]
    assert rows == 1  # day 1's digest only
    # The real build then tells day 2's news once.
    real = pipeline.build(config, now=NOW + timedelta(days=1))
    assert sentences_of(real) == sentences_of(dry)


def write_version_1_state(path, *, title="T", source="S", text="Body.", story="s1"):
    """A state as digest's first schema wrote it: one article in one story, one digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    old = sqlite3.connect(path)
    old.execute("PRAGMA journal_mode=WAL")
    for statement in MIGRATIONS[0]:
        old.execute(statement)
    old.execute(
        "INSERT INTO articles (id, file, title, source, url, published, ingested, placed_at,"
        " text, language, features, story_id) VALUES ('a1', 'a.txt', ?, ?, NULL, NULL,"
        " '2026-11-20T07:00:00+00:00', '2026-11-20T07:00:00+00:00', ?, 'en', x'00', ?)",
        (title, source, text, story),
    )
    old.execute(
        "INSERT INTO digests (generated_at, name, last_article_seq, stories)"
        " VALUES ('2026-11-20T07:00:00+00:00', 'digest-2026-11-20', 1, 1)"
    )
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()


def test_a_state_of_the_previous_schema_upgrades_and_loses_nothing(tmp_path):
    path = tmp_path / "state.sqlite3"
    write_version_1_state(path)

    with Store.open(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 13
        assert store.counts() == {"articles": 1, "stories": 1}
        assert [d.name for d in store.digests()] == ["digest-2026-11-20"]
        assert store.histories(["s1"]) == {}  # shown before the upgrade: not recorded
        [story] = store.stories(["s1"])
        assert story.articles[0].text == "Body."
        # The clustering features are computed again from the stored article; nothing else moves.
        [(blob, story_id)] = store.db.execute("SELECT features, story_id FROM articles").fetchall()
        assert story_id == "s1" and blob == features(story.articles[0]) != b"\x00"
        assert story.articles[0].spans is None  # split when briefed, as before


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_brief_after_takes_files_and_folders(tmp_path):
    earlier = make_inbox(tmp_path / "earlier", {"day-1.txt": DAY_1})
    make_inbox(tmp_path / "later", {"day-2.txt": DAY_2, "day-3.txt": DAY_3})
    config = tmp_path / "config.toml"
    config.write_text(f'[paths]\ntemplates = "{ROOT / "templates"}"\n')
    common = ["--config", str(config), "--format", "text"]

    by_folder = run(
        "brief", str(tmp_path / "later" / "day-2.txt"), "--after", str(earlier), *common
    )
    lines = by_folder.output.splitlines()
    assert by_folder.exit_code == 0 and lines[0].startswith("Two people died")
    assert not any("landfall" in line for line in lines)

    by_files = run(
        "brief", str(tmp_path / "later" / "day-3.txt"),
        "--after", str(earlier / "day-1.txt"), "--after", str(tmp_path / "later" / "day-2.txt"),
        *common,
    )  # fmt: skip
    assert by_files.exit_code == 0
    assert not any("died" in line for line in by_files.output.splitlines())
    assert "disaster funds" in by_files.output

    as_json = json.loads(
        run("brief", str(tmp_path / "later" / "day-2.txt"), "--after", str(earlier),
            "--config", str(config), "--format", "json").output
    )  # fmt: skip
    assert as_json["headline"] == "Two dead as Storm Arlo clean-up begins"

    missing = CliRunner().invoke(main, ["brief", str(earlier), "--after", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "no such file or folder" in missing.output


def test_brief_after_with_nothing_new_says_so(tmp_path, caplog):
    make_inbox(tmp_path / "a", {"day-2.txt": DAY_2})
    make_inbox(tmp_path / "b", {"rerun.txt": RERUN})
    result = CliRunner().invoke(
        main, ["brief", str(tmp_path / "b"), "--after", str(tmp_path / "a"), "--format", "text"]
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert "Nothing new:" in result.stderr
    assert "adds nothing to the --after files" in caplog.text


def test_stories_story_id_lists_every_digest_that_covered_it(tmp_path):
    config, builds = three_days(tmp_path)
    toml = tmp_path / "config.toml"
    toml.write_text(
        f'[paths]\ninbox = "{config.paths.inbox}"\noutbox = "{config.paths.outbox}"\n'
        f'state = "{config.paths.state}"\ntemplates = "{ROOT / "templates"}"\n'
    )
    story_id = builds[0].digest.briefs[0].story_id
    text = run("stories", story_id[:4], "--config", str(toml)).output
    assert text.count("digest-2026-11-2") == 3
    assert "2026-11-22 07:00  digest-2026-11-22  Two dead as Storm Arlo clean-up begins" in text
    assert f"    - {sentences_of(builds[1])[0]}" in text

    data = json.loads(run("stories", story_id, "--json", "--config", str(toml)).output)
    assert data["id"] == story_id and data["articles"] == 3
    assert [d["name"] for d in data["digests"]] == [
        "digest-2026-11-21", "digest-2026-11-22", "digest-2026-11-23",
    ]  # fmt: skip
    assert [s["text"] for s in data["digests"][1]["sentences"]] == sentences_of(builds[1])

    unknown = CliRunner().invoke(main, ["stories", "zzz", "--config", str(toml)])
    assert unknown.exit_code == 1 and "no story 'zzz'" in unknown.output


def test_clustering_features_are_computed_once_per_article(tmp_path, monkeypatch):
    from digest import cluster

    calls = []
    features = cluster.features
    monkeypatch.setattr(cluster, "features", lambda a: calls.append(a.id) or features(a))
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1, "day-2.txt": DAY_2, "day-3.txt": DAY_3})
    stored = pipeline.update(config, now=NOW).stored
    assert len(stored) == 3 and sorted(calls) == sorted(stored)


def test_explain_shows_the_next_update_brief_or_the_whole_story(tmp_path):
    from digest.explain import describe, explain_story

    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1})
    story_id = pipeline.build(config, now=NOW).digest.briefs[0].story_id
    make_inbox(config.paths.inbox, {"day-2.txt": DAY_2})
    pipeline.update(config, now=NOW + timedelta(days=1))  # stored, not yet in a digest

    update = explain_story(config, story_id)
    assert update.update and update.brief.sentences[0].text.startswith("Two people died")
    assert "an update brief (what is new since digest-2026-11-21)" in describe(update)

    pipeline.build(config, now=NOW + timedelta(days=1))  # now every article was shown
    whole = explain_story(config, story_id)
    assert not whole.update and any("landfall" in s.text for s in whole.brief.sentences)
    assert "; a brief by the 'digest' method" in describe(whole)


def test_explain_of_an_update_tells_how_every_article_of_the_story_fits(tmp_path):
    from digest.explain import explain_story

    config = make_config(tmp_path)
    for day, article in enumerate((DAY_1, DAY_2)):
        make_inbox(config.paths.inbox, {f"day-{day + 1}.txt": article})
        story_id = pipeline.build(config, now=NOW + timedelta(days=day)).digest.briefs[0].story_id
    make_inbox(config.paths.inbox, {"day-3.txt": DAY_3})
    pipeline.update(config, now=NOW + timedelta(days=2))  # stored, not yet in a digest

    update = explain_story(config, story_id)
    assert update.update  # whose digest brief lists day 3 alone (it cites no earlier article)
    # Numbered as the digest cites them: day 3, the one it lists, first; then the others.
    assert [fit.article.file for fit in update.articles] == ["day-3.txt", "day-1.txt", "day-2.txt"]
    built = pipeline.build(config, now=NOW + timedelta(days=2)).digest.briefs[0]
    assert [a.file for a in built.articles] == ["day-3.txt"]
    assert all(n == 1 for s in update.sentences for n in (c.number for c in s.carriers))


def test_a_brief_never_runs_past_its_budget_whatever_the_input(tmp_path, caplog):
    transcript = " ".join(f"word{n % 97} and then" for n in range(20_000))  # no punctuation
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"transcript.txt": txt("Transcript", transcript, source="Radio",
                                                          date="2026-11-20"),
                                    "day-1.txt": DAY_1})  # fmt: skip
    with caplog.at_level(logging.WARNING):
        built = pipeline.build(config, now=NOW)
    assert [b.headline for b in built.digest.briefs] == ["Storm Arlo makes landfall near Port Edda"]
    assert "left out 'Transcript': no sentence of its 1 article(s) can be quoted" in caplog.text
    words = sum(len(s.text.split()) for b in built.digest.briefs for s in b.sentences)
    assert words <= config.brief.words + config.brief.words // 10


def test_dates_read_back_from_the_state_keep_the_schedules_time_zone(tmp_path):
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    config = make_config(tmp_path, **{"schedule.timezone": "Asia/Tokyo"})
    first = NOW.replace(hour=7, tzinfo=tokyo)  # 22:00 UTC the day before
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1})
    pipeline.build(config, now=first)
    make_inbox(config.paths.inbox, {"day-2.txt": DAY_2})
    [brief] = pipeline.build(config, now=first + timedelta(days=1)).digest.briefs
    assert brief.previous.generated_at == first and brief.previous.generated_at.day == 21
    markdown = (config.paths.outbox / "digest-2026-11-22.md").read_text()
    assert "first reported 20 Nov · previously in [the digest of 21 Nov]" in markdown


def test_first_reported_is_the_earliest_article_date_or_the_first_digest_without_dates(tmp_path):
    config = make_config(tmp_path)
    undated = [re.sub(r"Date: .*\n", "", day) for day in (DAY_1, DAY_2)]
    make_inbox(config.paths.inbox, {"day-1.txt": undated[0]})
    [new] = pipeline.build(config, now=NOW).digest.briefs
    assert new.first_seen is None  # in the JSON: the digest's own time
    make_inbox(config.paths.inbox, {"day-2.txt": undated[1]})
    [updated] = pipeline.build(config, now=NOW + timedelta(days=1)).digest.briefs
    assert updated.status == "updated" and updated.first_seen == NOW

    # An article dated after the first digest does not move the day the story was reported.
    make_inbox(config.paths.inbox, {"day-3.txt": DAY_3})
    [dated] = pipeline.build(config, now=NOW + timedelta(days=2)).digest.briefs
    assert dated.first_seen == NOW < datetime(2026, 11, 22, tzinfo=UTC)


def test_first_reported_never_moves_once_a_digest_showed_it(tmp_path):
    """A date after the article was stored (a clock or a feed ahead) is no day of first report,
    and a later article dated earlier (a typo for the 22nd) does not move the day shown."""
    config = make_config(tmp_path)
    ahead = DAY_1.replace("Date: 2026-11-20", "Date: 2026-11-23")  # stored on the 21st
    misdated = DAY_3.replace("Date: 2026-11-22", "Date: 2026-11-02")
    for day, article in enumerate((ahead, DAY_2, misdated)):
        make_inbox(config.paths.inbox, {f"day-{day + 1}.txt": article})
        pipeline.build(config, now=NOW + timedelta(days=day))
    shown = [
        json.loads((config.paths.outbox / f"digest-2026-11-{day}.json").read_text())["stories"]
        for day in (21, 22, 23)
    ]
    assert [story["first_seen"] for [story] in shown] == [NOW.isoformat()] * 3
    page = (config.paths.outbox / "digest-2026-11-23.md").read_text()
    assert "*Updated · first reported 21 Nov · previously in" in page


def test_build_all_does_not_call_stories_without_new_articles_ones_that_add_nothing(
    tmp_path, caplog
):
    config, _ = three_days(tmp_path)  # every article of the storm was shown
    make_inbox(config.paths.inbox, {"chess.txt": CHESS[0]})
    with caplog.at_level(logging.INFO):
        shown = preview(config, now=NOW + timedelta(days=3), all_stories=True)
        built = pipeline.build(config, now=NOW + timedelta(days=3), all_stories=True)
    assert [b.headline for b in shown.digest.briefs] == ["Teenager wins the Varnholm chess open"]
    assert [b.headline for b in built.digest.briefs] == [b.headline for b in shown.digest.briefs]
    assert "add nothing" not in caplog.text
    no_article = "left out 'Port Edda asks for national disaster funds after Storm Arlo': no new"
    assert caplog.text.count(f"{no_article} article since digest-2026-11-23 showed it") == 2
    caplog.clear()
    with caplog.at_level(logging.INFO):
        again = pipeline.build(config, now=NOW + timedelta(days=4), all_stories=True)
    assert again.digest.briefs == () and "add nothing" not in caplog.text
    # A re-run passed over as adding nothing: new articles, and they add nothing.
    make_inbox(config.paths.inbox, {"rerun.txt": RERUN})
    pipeline.build(config, now=NOW + timedelta(days=5))
    caplog.clear()
    with caplog.at_level(logging.INFO):
        pipeline.build(config, now=NOW + timedelta(days=6), all_stories=True)
    assert "its new articles add nothing to what digest-2026-11-23 showed" in caplog.text
    assert "no new article since digest-2026-11-24 showed it" in caplog.text  # the chess story


def test_a_stored_articles_sentences_are_not_split_again_when_its_story_is_briefed(
    tmp_path, monkeypatch
):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"day-1.txt": DAY_1})
    pipeline.build(config, now=NOW)
    with Store.open(config.paths.state) as store:
        [(text, spans)] = store.db.execute("SELECT text, spans FROM articles").fetchall()
    assert spans is not None and spans == sentence_spans(text)  # found as it was read

    split = []
    real = sentences._split_folded  # what every split of the module comes down to
    monkeypatch.setattr(sentences, "_split_folded", lambda p: split.append(p) or real(p))
    make_inbox(config.paths.inbox, {"day-2.txt": DAY_2})
    result = pipeline.build(config, now=NOW + timedelta(days=1), in_process=True)
    [brief] = result.digest.briefs
    assert len(brief.articles) == 2  # the story of day 1, briefed with its day-1 article
    day_1 = [p for p in split if p in text]
    assert split and not day_1  # only the new article was split (when it was read)
