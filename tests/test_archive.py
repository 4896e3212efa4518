"""The archive page and the Atom feed of every digest in the outbox."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from digest import archive, pipeline, queries
from digest.archive import RECORD_HEADLINES, find_issue, make_archive, render_archive
from digest.config import load_config
from digest.errors import ConfigError, DigestError
from digest.render import to_json
from digest.store import Store

from .conftest import NOW, ROOT, make_article, make_config, make_inbox
from .test_pipeline import RAIL_A, RAIL_B, STORM
from .test_render import HOSTILE, hostile_digest

ATOM = "{http://www.w3.org/2005/Atom}"

# A new fact for the storm story: a later article that tells the reader something new.
STORM_NEWS = "Two hikers missing since the storm were found alive near Kell Ridge on Saturday."


def feed_of(config) -> ET.Element:
    return ET.fromstring((config.paths.outbox / "feed.xml").read_bytes())


def two_digests(tmp_path, **overrides):
    config = make_config(tmp_path, **overrides)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A, "c.txt": STORM})
    pipeline.build(config, now=NOW)
    make_inbox(config.paths.inbox, {"b.txt": RAIL_B})
    pipeline.build(config, now=NOW + timedelta(days=1))
    return config


def test_each_build_refreshes_the_index_page_and_the_feed(tmp_path):
    config = two_digests(tmp_path)
    index = (config.paths.outbox / "index.html").read_text()
    newer, older = (
        index.index('href="digest-2026-11-22.html"'),
        index.index("digest-2026-11-21.html"),
    )
    assert newer < older  # newest first
    assert "Sunday 22 November 2026" in index and "Storm knocks out power" in index
    assert 'type="application/atom+xml"' in index and 'href="feed.xml"' in index

    feed = feed_of(config)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    entries = feed.findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links == ["digest-2026-11-22.html", "digest-2026-11-21.html"]
    assert all((config.paths.outbox / link).is_file() for link in links)
    updated = [datetime.fromisoformat(e.findtext(f"{ATOM}updated")) for e in entries]
    assert updated[0] > updated[1] and all(u.tzinfo for u in updated)
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 2 and all(i.startswith("urn:uuid:") for i in ids)
    assert "Daily digest" in entries[0].findtext(f"{ATOM}title")
    assert "tram plan" in entries[0].findtext(f"{ATOM}summary")  # the newest article's title

    make_inbox(
        config.paths.inbox,
        {"c2.txt": STORM.replace("Schools in three", STORM_NEWS + " Schools in three")},
    )
    pipeline.build(config, now=NOW + timedelta(days=2))
    later = [e.findtext(f"{ATOM}id") for e in feed_of(config).findall(f"{ATOM}entry")]
    assert later[1:] == ids  # an entry keeps its id: feed readers show each digest once
    assert not list(config.paths.outbox.glob(".*tmp"))


def test_the_feed_stays_well_formed_whatever_the_titles_hold(tmp_path):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    digest = hostile_digest()
    data = to_json(replace(digest, title=digest.title + " \x0b & ]]> \r\nBcc: x"))
    data["stories"][0]["sentences"][0]["text"] += " \x0c\x1f ]]> ends here."  # in the content
    (outbox / "digest-2026-11-21.json").write_text(json.dumps(data))
    (outbox / "digest-2026-11-21.html").write_text("<p>the digest</p>")
    archive = make_archive(outbox, [], f"Feed {HOSTILE} & co")
    pages = render_archive(archive, ROOT / "templates")

    feed = ET.fromstring(pages["feed.xml"])
    assert feed.findtext(f"{ATOM}title") == f"Feed {HOSTILE} & co"
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title").startswith(f"Digest {HOSTILE} & ]]> Bcc: x · ")
    assert f"Headline {HOSTILE}" in entry.findtext(f"{ATOM}summary")
    xhtml = entry.find(f"{ATOM}content/{{http://www.w3.org/1999/xhtml}}div")
    assert xhtml is not None and not xhtml.findall(".//{http://www.w3.org/1999/xhtml}script")
    assert " ]]> ends here." in "".join(xhtml.itertext())
    for page in pages.values():
        assert "<script>" not in page and "<img" not in page


def test_a_digest_without_json_is_listed_from_the_stores_record(tmp_path):
    config = make_config(tmp_path, **{"digest.formats": ["md"]})
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A, "c.txt": STORM})
    pipeline.build(config, now=NOW)
    index = (config.paths.outbox / "index.html").read_text()
    assert 'href="digest-2026-11-21.md"' in index and "2 stories" in index
    [entry] = feed_of(config).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}updated") == "2026-11-21T07:00:00+00:00"


def test_no_archive_is_written_by_a_dry_run_or_a_build_without_news(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"c.txt": STORM})
    pipeline.build(config, now=NOW, dry_run=True)
    assert not (config.paths.outbox / "index.html").exists()
    pipeline.build(config, now=NOW)
    before = (config.paths.outbox / "feed.xml").stat().st_mtime_ns
    pipeline.build(config, now=NOW + timedelta(hours=1))  # nothing new: nothing written
    assert (config.paths.outbox / "feed.xml").stat().st_mtime_ns == before


def test_a_broken_archive_template_is_logged_and_the_digest_still_written(tmp_path, caplog):
    templates = tmp_path / "templates"
    templates.mkdir()
    for name in ("digest.html.j2", "digest.md.j2"):
        shutil.copy(ROOT / "templates" / name, templates / name)
    (templates / "index.html.j2").write_text("{% for issue in archive.issues %}\n")  # no endfor
    config = make_config(tmp_path)
    config = replace(config, paths=replace(config.paths, templates=templates))
    make_inbox(config.paths.inbox, {"c.txt": STORM})
    result = pipeline.build(config, now=NOW)
    assert result.written and (config.paths.outbox / "digest-2026-11-21.html").exists()
    assert "index.html.j2" in caplog.text and not (config.paths.outbox / "index.html").exists()
    assert queries.status(config).last_digest == "digest-2026-11-21"


def test_a_file_that_only_looks_like_a_digest_is_not_listed(tmp_path, caplog):
    config = make_config(tmp_path)
    config.paths.outbox.mkdir(parents=True)
    (config.paths.outbox / "digest-2026-02-30.md").write_text("not ours: no such day\n")
    make_inbox(config.paths.inbox, {"c.txt": STORM})
    assert pipeline.build(config, now=NOW).written
    index = (config.paths.outbox / "index.html").read_text()
    assert "digest-2026-11-21.html" in index and "2026-02-30" not in index
    assert find_issue(config).name == "digest-2026-11-21"
    with pytest.raises(DigestError, match="no digest named 'digest-2026-02-30'"):
        find_issue(config, "digest-2026-02-30")


def test_find_issue_by_name_path_or_latest(tmp_path):
    config = two_digests(tmp_path)
    assert find_issue(config).name == "digest-2026-11-22"
    assert find_issue(config, "latest").name == "digest-2026-11-22"
    assert find_issue(config, "digest-2026-11-21").headlines
    path = config.paths.outbox / "digest-2026-11-21.html"
    assert find_issue(config, str(path)).permalink == "digest-2026-11-21.html"
    with pytest.raises(DigestError, match="the latest is digest-2026-11-22"):
        find_issue(config, "digest-2020-01-01")
    with pytest.raises(DigestError, match="no digest in"):
        find_issue(make_config(tmp_path / "empty"))


def test_find_issue_by_name_reads_only_that_digest(tmp_path, caplog):
    config = two_digests(tmp_path)
    (config.paths.outbox / "digest-2026-11-22.json").write_text("{not json")
    caplog.clear()  # the builds' own log lines name the digests they wrote
    issue = find_issue(config, "digest-2026-11-21")
    assert issue.name == "digest-2026-11-21" and issue.headlines
    assert "digest-2026-11-22" not in caplog.text  # the other digest's broken JSON went unread
    latest = find_issue(config)  # the records describe every digest: no JSON is read
    assert latest.name == "digest-2026-11-22" and latest.headlines
    assert "cannot be read" not in caplog.text


def test_the_archive_lists_recorded_digests_without_reading_their_files(tmp_path):
    config = two_digests(tmp_path)
    for path in config.paths.outbox.glob("digest-*.json"):
        path.write_text("{not json")
    with Store.open(config.paths.state) as store:
        archive = make_archive(config.paths.outbox, store.digests(), "Daily digest")
    assert [i.name for i in archive.issues] == ["digest-2026-11-22", "digest-2026-11-21"]
    assert all(i.headlines and i.stories == len(i.headlines) for i in archive.issues)
    assert {i.title for i in archive.issues} == {"Daily digest"}


XHTML = "{http://www.w3.org/1999/xhtml}"


def test_feed_entries_carry_the_briefs_and_link_to_each_story(tmp_path):
    config = two_digests(tmp_path)
    data = json.loads((config.paths.outbox / "digest-2026-11-21.json").read_text())
    entry = feed_of(config).findall(f"{ATOM}entry")[1]
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "xhtml"
    text = "".join(content.itertext())
    for story in data["stories"]:
        for sentence in story["sentences"]:
            assert sentence["text"] in text  # the brief itself, not only its headline
    heads = content.findall(f".//{XHTML}h2/{XHTML}a")
    assert [a.text for a in heads] == [story["headline"] for story in data["stories"]]
    assert [a.get("href") for a in heads] == [
        f"digest-2026-11-21.html#story-{story['id']}" for story in data["stories"]
    ]
    page = (config.paths.outbox / "digest-2026-11-21.html").read_text()
    assert all(f'id="story-{story["id"]}"' in page for story in data["stories"])


def test_archive_headlines_link_to_their_story_in_the_digest(tmp_path):
    config = two_digests(tmp_path)
    index = (config.paths.outbox / "index.html").read_text()
    data = json.loads((config.paths.outbox / "digest-2026-11-22.json").read_text())
    for story in data["stories"]:
        assert f'<a href="digest-2026-11-22.html#story-{story["id"]}"' in index
    without_html = two_digests(tmp_path / "no-html", **{"digest.formats": ["md", "json"]})
    index = (without_html.paths.outbox / "index.html").read_text()
    assert "#story-" not in index  # a Markdown digest has no anchors to link to


def test_base_url_makes_the_feeds_links_absolute(tmp_path):
    config = two_digests(tmp_path, **{"digest.base_url": "https://example.org/news"})
    assert config.digest.base_url == "https://example.org/news/"
    feed = feed_of(config)
    hrefs = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    hrefs += [a.get("href") for a in feed.iter(f"{XHTML}a")]
    ours = [href for href in hrefs if "example.org/" in href and ".example/" not in href]
    assert "https://example.org/news/feed.xml" in ours
    assert "https://example.org/news/digest-2026-11-22.html" in ours
    assert all(href.startswith("https://example.org/news/") for href in ours)
    assert not [h for h in hrefs if not h.startswith(("https://", "http://"))]  # none relative
    index = (config.paths.outbox / "index.html").read_text()
    assert 'href="digest-2026-11-22.html"' in index  # the page beside them stays relative


@pytest.mark.parametrize(
    "value", ["ftp://example.org/", "example.org/news", "https://example.org/?a=1", 3]
)
def test_base_url_must_be_a_web_address(tmp_path, value):
    path = tmp_path / "config.toml"
    path.write_text(f"[digest]\nbase_url = {json.dumps(value)}\n")
    with pytest.raises(ConfigError, match=r"digest\.base_url"):
        load_config(path)


def test_digests_of_one_day_have_feed_titles_of_their_own(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    make_inbox(config.paths.inbox, {"c.txt": STORM})
    pipeline.build(config, now=NOW.replace(hour=18, minute=5))
    titles = [e.find(f"{ATOM}title").text for e in feed_of(config).findall(f"{ATOM}entry")]
    later, first = titles
    assert first.startswith("Daily digest · Saturday 21 November 2026 · ")
    assert later.startswith("Daily digest · Saturday 21 November 2026, 18:05 (no. 2) · ")
    assert first != later and "Storm" in later


def test_older_feed_entries_list_their_linked_headlines(tmp_path, monkeypatch):
    from digest import archive

    monkeypatch.setattr(archive, "FEED_BRIEFS", 1)
    config = two_digests(tmp_path)
    newer, older = feed_of(config).findall(f"{ATOM}entry")
    assert newer.findall(f".//{XHTML}h2") and not older.findall(f".//{XHTML}h2")
    data = json.loads((config.paths.outbox / "digest-2026-11-21.json").read_text())
    items = older.findall(f".//{XHTML}li/{XHTML}a")
    assert [a.text for a in items] == [story["headline"] for story in data["stories"]]
    assert [a.get("href") for a in items] == [
        f"digest-2026-11-21.html#story-{story['id']}" for story in data["stories"]
    ]


def test_a_digest_of_many_stories_carries_its_first_briefs_and_links_the_rest(
    tmp_path, monkeypatch
):
    from digest import archive

    monkeypatch.setattr(archive, "FEED_STORIES", 1)
    config = two_digests(tmp_path)
    data = json.loads((config.paths.outbox / "digest-2026-11-21.json").read_text())
    assert len(data["stories"]) > 1
    entry = feed_of(config).findall(f"{ATOM}entry")[1]
    heads = entry.findall(f".//{XHTML}h2/{XHTML}a")
    assert [a.text for a in heads] == [data["stories"][0]["headline"]]  # the first, in full
    more = len(data["stories"]) - 1
    last = entry.findall(f".//{XHTML}p/{XHTML}a")[-1]
    assert last.text == f"Read the digest: {more} more {'story' if more == 1 else 'stories'}"
    assert last.get("href") == "digest-2026-11-21.html"


def test_a_feed_entry_stays_short_however_many_stories_and_reports_a_digest_has(tmp_path):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    digest = hostile_digest()
    [brief] = digest.briefs
    uncited = tuple(
        make_article(f"Report number {n} of the story, told again.", source=f"Outlet {n}")
        for n in range(3)
    )
    untitled = [
        replace(brief, story_id=f"s{n}", headline=f"Story {n} " + "went on at length " * 10)
        for n in range(30)
    ]
    untitled[0] = replace(untitled[0], articles=brief.articles + uncited)
    data = to_json(replace(digest, briefs=tuple(untitled)))
    (outbox / "digest-2026-11-21.json").write_text(json.dumps(data))
    (outbox / "digest-2026-11-21.html").write_text("<p>the digest</p>")
    feed = ET.fromstring(
        render_archive(make_archive(outbox, [], "Feed"), ROOT / "templates")["feed.xml"]
    )

    [entry] = feed.findall(f"{ATOM}entry")
    summary = entry.findtext(f"{ATOM}summary")
    assert summary.startswith("30 stories: Story 0 went on") and summary.endswith(" and 20 more")
    assert "Story 9 " in summary and "Story 10 " not in summary
    assert all(len(part) <= 90 for part in summary.split(": ", 1)[1].split(" · ")[:-1])
    xhtml = "".join(entry.find(f"{ATOM}content").itertext())
    # Only the cited articles are listed (numbered as in the digest); the others are counted.
    assert "Outlet 0:" not in xhtml and "3 other reports of this story in the digest." in xhtml
    assert "[2] Good Outlet: Plain *title*" in xhtml  # numbered in the text: readers drop value=
    assert "Read the digest: 5 more stories" in xhtml  # 25 briefs in the entry


def test_a_digests_record_gives_its_first_headlines_and_how_many_it_has(tmp_path):
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    [brief] = hostile_digest().briefs
    briefs = [replace(brief, story_id=f"s{n}", headline=f"Headline {n}") for n in range(40)]
    with Store.open(tmp_path / "state.sqlite3") as store, store.transaction():
        store.record_digest(NOW, "digest-2026-11-21", briefs, "Daily")
        [record] = store.digests(headlines=RECORD_HEADLINES)
        assert store.digests()[0].headlines[-1] == "Headline 39"  # all of them, unless asked
    assert record.stories == 40 and len(record.headlines) == RECORD_HEADLINES == 25
    (outbox / "digest-2026-11-21.html").write_text("<p>the digest</p>")
    pages = render_archive(make_archive(outbox, [record], "Daily"), ROOT / "templates")

    assert "Headline 5<" in pages["index.html"] and "Headline 6<" not in pages["index.html"]
    assert "and 34 more" in pages["index.html"]
    [entry] = ET.fromstring(pages["feed.xml"]).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title").endswith("Headline 0 and 39 more")
    assert entry.findtext(f"{ATOM}summary").endswith("Headline 9 and 30 more")
    listed = "".join(entry.find(f"{ATOM}content").itertext())
    assert "Headline 24" in listed and "Headline 25" not in listed
    assert "Read the digest: 15 more stories" in listed


def test_the_feed_reads_a_short_copy_of_each_digest_until_the_digest_changes(tmp_path, monkeypatch):
    config = two_digests(tmp_path)
    copies = config.paths.state.parent / archive.FEED_COPIES
    assert sorted(p.name for p in copies.iterdir()) == [
        "digest-2026-11-21.json", "digest-2026-11-22.json"
    ]  # fmt: skip
    read = []
    real = archive._read_json
    monkeypatch.setattr(archive, "_read_json", lambda path: read.append(path.name) or real(path))
    first = (config.paths.outbox / "feed.xml").read_text()
    pipeline.rebuild_archive(config)
    assert read == [] and (config.paths.outbox / "feed.xml").read_text() == first
    newer = config.paths.outbox / "digest-2026-11-21.json"
    data = json.loads(newer.read_text())
    data["stories"][0]["headline"] = "A headline set right"
    newer.write_text(json.dumps(data))
    pipeline.rebuild_archive(config)
    assert read == ["digest-2026-11-21.json"]  # the changed digest only
    assert "A headline set right" in (config.paths.outbox / "feed.xml").read_text()
    monkeypatch.setattr(archive, "FEED_BRIEFS", 1)  # only the newest keeps briefs, and a copy
    pipeline.rebuild_archive(config)
    assert [p.name for p in copies.iterdir()] == ["digest-2026-11-22.json"]
