"""End to end: an inbox written for the test becomes stories, briefs and digest files."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import timedelta

import pytest

from digest import oneshot, pipeline, queries
from digest.errors import DigestError
from digest.explain import explain_story
from digest.inbox import PROCESSED, REJECTED
from digest.render import outlets
from digest.sentences import sentence_spans
from digest.store import Store

from .conftest import NOW, make_config, make_inbox, txt

RAIL_A = txt(
    "Council approves harbour tram line",
    "The city council of Lowmarsh voted eight to three on Tuesday to build a harbour tram line "
    'costing 900 million crowns. "This is a great day for the harbour district," said Mayor '
    "Ines Calder. The line will have nine stops and open in 2030. Construction starts next "
    "spring along Quay Road, the council said.",
    source="Lowmarsh Post",
    date="2026-11-17",
    url="https://post.example/tram",
)
RAIL_B = txt(
    "Lowmarsh backs tram plan in 8-3 vote",
    "Lowmarsh councillors approved the harbour tram line by eight votes to three on Tuesday, "
    'agreeing to spend 900 million crowns on the project. "This is a great day for the harbour '
    'district," said Mayor Ines Calder. Nine stops are planned and trams should run by 2030. '
    "Opponents said the council had not explained how it would pay for overruns.",
    source="Coast Courier",
    date="2026-11-18",
)
STORM = txt(
    "Storm knocks out power to 20,000 homes",
    "A winter storm with gusts of 130 kilometres an hour cut electricity to about 20,000 homes in "
    "the northern hills on Wednesday night. Repair crews worked through the night to restore "
    "lines brought down by falling trees. The utility said most customers would have power back "
    "by Friday. Schools in three villages stayed closed on Thursday.",
    source="Hill Gazette",
    date="2026-11-18",
)


def inbox_of(config, files):
    return make_inbox(config.paths.inbox, files)


def test_build_groups_summarizes_and_writes_every_format(tmp_path):
    config = make_config(tmp_path)
    inbox_of(config, {"tram-a.txt": RAIL_A, "tram-b.txt": RAIL_B, "storm.txt": STORM})
    result = pipeline.build(config, now=NOW)

    briefs = {b.headline: b for b in result.digest.briefs}
    assert len(briefs) == 2
    tram = next(b for b in briefs.values() if "tram" in b.headline.lower())
    assert {a.file for a in tram.articles} == {"tram-a.txt", "tram-b.txt"}
    article_ids = {a.id for a in tram.articles}
    for sentence in tram.sentences:
        assert sentence.sources and set(sentence.sources) <= article_ids
    quote = [s for s in tram.sentences if "great day" in s.text]
    assert quote and set(quote[0].sources) == article_ids  # carried by both outlets

    names = sorted(p.name for p in config.paths.outbox.iterdir() if not p.name.startswith("."))
    assert names == [
        "digest-2026-11-21.html", "digest-2026-11-21.json", "digest-2026-11-21.md",
        "feed.xml", "index.html",
        "latest.html", "latest.json", "latest.md",
    ]  # fmt: skip
    data = json.loads((config.paths.outbox / "latest.json").read_text())
    assert {s["headline"] for s in data["stories"]} == set(briefs)
    story = next(s for s in data["stories"] if s["id"] == tram.story_id)
    assert {a["file"] for a in story["articles"]} == {"tram-a.txt", "tram-b.txt"}
    assert all(s["sources"] for s in story["sentences"])
    html = (config.paths.outbox / "latest.html").read_text()
    assert "Lowmarsh Post" in html and 'href="https://post.example/tram"' in html


def test_read_files_move_to_processed_and_bad_ones_to_rejected(tmp_path):
    config = make_config(tmp_path)
    inbox = inbox_of(config, {"storm.txt": STORM, "broken.json": "{oops", "pic.png": b"\x89PNG"})
    result = pipeline.build(config, now=NOW)
    assert [r.file for r in result.update.rejected] == ["broken.json", "pic.png"]
    assert (inbox / PROCESSED / "2026-11-21" / "storm.txt").read_text() == STORM
    assert (inbox / REJECTED / "broken.json").read_text() == "{oops"
    reason = (inbox / REJECTED / "broken.json.error").read_text()
    assert "broken.json" in reason and "not valid JSON" in reason
    assert "unsupported file type" in (inbox / REJECTED / "pic.png.error").read_text()
    assert not [p for p in inbox.iterdir() if p.is_file()]


def test_same_content_twice_is_stored_once(tmp_path, caplog):
    config = make_config(tmp_path)
    inbox_of(config, {"storm.txt": STORM, "storm copy.txt": STORM})
    first = pipeline.update(config, now=NOW)
    assert len(first.stored) == 1 and first.duplicates == 1
    inbox_of(config, {"storm-again.txt": STORM})
    caplog.clear()
    with caplog.at_level(logging.INFO):
        again = pipeline.update(config, now=NOW)
    assert again.stored == () and again.duplicates == 1
    assert "storm-again.txt: the same title and text as an article stored already" in caplog.text
    assert "read 1 file(s): 0 new article(s), 1 duplicate(s)" in caplog.text
    assert queries.status(config).articles == 1
    assert len(list((config.paths.inbox / PROCESSED).rglob("*.txt"))) == 3


FERRY = (
    "Harbour ferry returns after storm repairs",
    "The harbour ferry between Lowmarsh and Eel Point carried passengers again on Monday after "
    "three weeks of repairs to its landing stage. The operator said the timetable is back to "
    "twelve crossings a day, with an extra evening boat on Fridays until the end of the year.",
)


def wire_copies() -> dict[str, str]:
    """One wire story as three outlets ran it: the same title and text, their own header."""
    return {
        f"{name}.txt": txt(*FERRY, source=source, date=date, url=f"https://{name}.example/ferry")
        for name, source, date in (
            ("b-bay", "Bay Wire", "2026-11-16"),
            ("a-coast", "Coast Herald", "2026-11-15"),
            ("c-eel", "Eel Point News", "2026-11-17"),
        )
    }


def test_of_copies_in_one_pass_the_first_file_read_is_stored_and_the_others_logged(
    tmp_path, caplog
):
    config = make_config(tmp_path)
    inbox = inbox_of(config, wire_copies())
    for path in inbox.iterdir():  # one moment: the inbox reads them by name
        os.utime(path, (1_700_000_000, 1_700_000_000))
    with caplog.at_level(logging.INFO):
        result = pipeline.update(config, now=NOW)
    assert len(result.stored) == 1 and result.duplicates == 2
    with Store.open(config.paths.state) as store:
        [kept] = store.articles_by_id(result.stored).values()
    assert (kept.file, kept.source, kept.url) == (
        "a-coast.txt", "Coast Herald", "https://a-coast.example/ferry"
    )  # fmt: skip
    named = [
        r.getMessage().split(":")[0] for r in caplog.records if "not stored again" in r.message
    ]
    assert named == ["b-bay.txt", "c-eel.txt"]


def test_a_brief_of_copies_cites_the_first_file_given(tmp_path):
    folder = make_inbox(tmp_path / "news", wire_copies())
    config = make_config(tmp_path)
    paths = [folder / "c-eel.txt", folder / "a-coast.txt", folder / "b-bay.txt"]
    [brief] = oneshot.brief_stories(paths, config)
    assert [(a.file, a.source) for a in brief.articles] == [("c-eel.txt", "Eel Point News")]
    [brief] = oneshot.brief_stories([folder], config)  # a folder's files: by name
    assert [a.source for a in brief.articles] == ["Coast Herald"]


def test_digest_holds_only_stories_with_news_and_never_overwrites(tmp_path):
    config = make_config(tmp_path)
    inbox_of(config, {"tram-a.txt": RAIL_A, "storm.txt": STORM})
    first = pipeline.build(config, now=NOW)
    assert len(first.digest.briefs) == 2

    nothing = pipeline.build(config, now=NOW + timedelta(hours=1))
    assert nothing.digest.briefs == () and nothing.written == ()

    inbox_of(config, {"tram-b.txt": RAIL_B})
    second = pipeline.build(config, now=NOW + timedelta(hours=2))
    assert [len(b.articles) for b in second.digest.briefs] == [2]
    assert (config.paths.outbox / "digest-2026-11-21-2.html").exists()
    assert (config.paths.outbox / "digest-2026-11-21.html").exists()

    # Every story was shown whole: --all finds nothing the reader has not seen...
    everything = pipeline.build(config, now=NOW + timedelta(hours=3), all_stories=True)
    assert everything.digest.briefs == ()
    # ...and briefs every story whole again when updates are off.
    whole = make_config(tmp_path, **{"brief.updates": False})
    everything = pipeline.build(whole, now=NOW + timedelta(hours=3), all_stories=True)
    assert len(everything.digest.briefs) == 2


def test_max_stories_keeps_the_most_reported_and_says_what_it_left_out(tmp_path, caplog):
    config = make_config(tmp_path, **{"digest.max_stories": 1})
    inbox_of(config, {"tram-a.txt": RAIL_A, "tram-b.txt": RAIL_B, "storm.txt": STORM})
    first = pipeline.build(config, now=NOW)
    assert [len(b.articles) for b in first.digest.briefs] == [2]  # two outlets beat one
    assert "left out 1 less-reported story(ies) of 2 (digest.max_stories = 1)" in caplog.text
    # The storm was left out, not kept back: it returns once it has news.
    assert pipeline.build(config, now=NOW + timedelta(hours=1)).digest.briefs == ()
    inbox_of(config, {"storm-2.txt": STORM.replace("Schools in three", "Shops in two")})
    later = pipeline.build(config, now=NOW + timedelta(hours=2))
    assert [b.headline for b in later.digest.briefs] == ["Storm knocks out power to 20,000 homes"]


def test_stories_name_outlets_as_the_digest_does(tmp_path):
    config = make_config(tmp_path)
    comma = RAIL_A.replace("Source: Lowmarsh Post", "Source: Wire, Press & Co")
    no_source = RAIL_B.replace("Source: Coast Courier\n", "URL: https://News.Example.org/t\n")
    inbox_of(config, {"a.txt": comma, "b.txt": no_source})
    [brief] = pipeline.build(config, now=NOW).digest.briefs
    [info] = queries.story_infos(config)
    assert info.sources == ("Wire, Press & Co", "news.example.org")  # not split at the comma
    assert sorted(info.sources) == sorted(outlets(brief))
    assert info.title == brief.headline  # the headline the digest gives it


@pytest.mark.parametrize("key", ["inbox", "outbox"])
def test_an_inbox_or_outbox_that_is_a_file_is_a_clean_error(tmp_path, key):
    config = make_config(tmp_path)
    inbox_of(config, {"storm.txt": STORM})
    path = getattr(config.paths, key)
    if key == "inbox":
        (tmp_path / "moved").mkdir()
        path.rename(tmp_path / "moved" / "inbox")
    path.write_text("not a folder")
    with pytest.raises(DigestError, match=f"paths.{key}: {path} is a file, not a folder"):
        pipeline.build(config, now=NOW)
    assert not config.paths.state.exists() or queries.status(config).articles == 0


def test_a_missing_inbox_is_said_and_nothing_is_written(tmp_path, caplog):
    config = make_config(tmp_path)
    assert pipeline.build(config, now=NOW).written == ()
    assert f"the inbox {config.paths.inbox} does not exist: nothing to read" in caplog.text


def test_stories_keep_their_ids_across_builds(tmp_path):
    config = make_config(tmp_path)
    inbox_of(config, {"tram-a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    story_id = queries.story_infos(config)[0].id
    inbox_of(config, {"tram-b.txt": RAIL_B})
    later = pipeline.build(config, now=NOW + timedelta(days=1))
    assert [b.story_id for b in later.digest.briefs] == [story_id]


def test_dry_run_changes_nothing(tmp_path):
    config = make_config(tmp_path)
    inbox = inbox_of(config, {"storm.txt": STORM, "bad.json": "[1"})
    result = pipeline.build(config, now=NOW, dry_run=True)
    assert len(result.digest.briefs) == 1 and result.written == ()
    assert sorted(p.name for p in inbox.iterdir()) == ["bad.json", "storm.txt"]
    assert not config.paths.outbox.exists() or not any(config.paths.outbox.glob("*.html"))
    assert queries.status(config).articles == 0
    assert queries.story_infos(config) == []
    assert not config.paths.state.parent.exists()  # no state was there, and none was made


def test_asking_about_a_fresh_folder_creates_no_state(tmp_path):
    config = make_config(tmp_path)
    inbox_of(config, {"storm.txt": STORM})
    state = queries.status(config)
    assert (state.articles, state.stories, state.pending) == (0, 0, ("storm.txt",))
    assert queries.story_infos(config) == []
    with pytest.raises(DigestError, match="no story is stored yet"):
        explain_story(config, "s123")
    assert not config.paths.state.parent.exists()


def test_status_reports_counts_pending_rejected_and_last_digest(tmp_path):
    config = make_config(tmp_path)
    inbox_of(config, {"storm.txt": STORM, "bad.json": "[1"})
    pipeline.build(config, now=NOW)
    inbox_of(config, {"tram-a.txt": RAIL_A})
    state = queries.status(config)
    assert (state.articles, state.stories) == (1, 1)
    assert state.pending == ("tram-a.txt",)
    assert state.rejected == ("bad.json",)
    assert state.last_digest == "digest-2026-11-21"


def test_repeated_source_boilerplate_is_dropped(tmp_path):
    config = make_config(tmp_path)
    footer = "Lowmarsh Post is owned by the Harbour Media Group of companies since 1990."
    files = {
        f"post-{n}.txt": txt(
            f"Story number {n}",
            f"This is the distinct news paragraph number {n} about topic {n * 7} today.\n\n"
            f"Officials in district {n} confirmed the figures on Monday afternoon.\n\n{footer}",
            source="Lowmarsh Post",
            date=f"2026-11-{10 + n}",
        )
        for n in range(1, 6)
    }
    import sqlite3

    def footers(config):
        texts = [r[0] for r in sqlite3.connect(config.paths.state).execute(
            "SELECT text FROM articles ORDER BY file")]  # fmt: skip
        return [footer in t for t in texts]

    inbox_of(config, files)
    pipeline.update(config, now=NOW)
    assert footers(config) == [False] * 5  # one batch: counted over the batch first
    # Where the sentences of the shortened text lie is found for it, not for the file's text.
    stored = sqlite3.connect(config.paths.state).execute("SELECT text, spans FROM articles")
    assert all(spans == sentence_spans(text) for text, spans in stored)
    streamed = make_config(tmp_path / "stream")
    for name, text in files.items():  # one build per article: the first two are stored as read
        inbox_of(streamed, {name: text})
        pipeline.update(streamed, now=NOW)
    assert footers(streamed) == [True, True, False, False, False]


def test_brief_of_files_does_not_touch_inbox_or_store(tmp_path):
    config = make_config(tmp_path)
    folder = make_inbox(tmp_path / "elsewhere", {"a.txt": RAIL_A, "b.txt": RAIL_B})
    brief = oneshot.brief_paths([folder], config, sentences=2)
    assert len(brief.sentences) == 2
    assert {a.file for a in brief.articles} == {"a.txt", "b.txt"}
    assert not config.paths.state.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt", "b.txt"]
    with pytest.raises(DigestError, match="nothing to summarize"):
        oneshot.brief_paths([make_inbox(tmp_path / "bad", {"x.json": "{"})], config)
    with pytest.raises(DigestError, match="no such file"):
        oneshot.brief_paths([tmp_path / "missing.txt"], config)


def test_processes_opening_a_new_store_at_once_all_get_in(tmp_path):
    # The daemon creating its store while `digest status` opens it: SQLite may refuse at once
    # ("database is locked") while the write-ahead log is turned on; opening waits instead.
    for attempt in range(30):
        path = tmp_path / f"state-{attempt}" / "state.sqlite3"
        start, errors = threading.Barrier(8), []

        def open_store(path=path, start=start, errors=errors):
            start.wait()
            try:
                with Store.open(path) as store:
                    store.counts()
            except Exception as error:  # every failure is the finding
                errors.append(error)

        threads = [threading.Thread(target=open_store, daemon=True) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert errors == []


def test_a_digest_that_cannot_be_written_whole_leaves_nothing_behind(tmp_path, monkeypatch):
    import errno

    from digest import render

    config = make_config(tmp_path)
    inbox_of(config, {"storm.txt": STORM})
    real = render.write_atomic

    def disk_fills_up(path, text):
        if path.name.endswith(".md"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, text)

    monkeypatch.setattr(render, "write_atomic", disk_fills_up)
    with pytest.raises(DigestError, match=r"cannot write .*digest-2026-11-21\.md: No space left"):
        pipeline.build(config, now=NOW)
    assert not list(config.paths.outbox.glob("digest-*"))  # no half digest to list or mail
    assert (config.paths.inbox / "storm.txt").exists()  # and nothing read is lost
    assert queries.status(config).last_digest is None
    monkeypatch.setattr(render, "write_atomic", real)
    assert pipeline.build(config, now=NOW).written[0].name == "digest-2026-11-21.html"
