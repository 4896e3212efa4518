"""What keeps a build's cost to the day's news as the store grows: stored term frequencies, the
index by which new articles find the stories they may join, and where the work runs."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import timedelta

import pytest

from digest import cluster
from digest.config import StorySettings
from digest.models import Frequencies, Placed
from digest.parallel import MIN_PARALLEL, parallel_map
from digest.store import Store
from tests.test_cluster import (
    FOOTBALL,
    MARCH,
    QUAKE_A,
    QUAKE_B,
    QUAKE_FOLLOW_UP,
    article,
    day_of_news,  # noqa: F401 (a fixture)
    placed,
)


def frequencies_of(stored: list[Placed]) -> Frequencies:
    return Frequencies(len(stored), cluster.document_frequencies(p.features for p in stored))


def test_stored_frequencies_place_articles_as_the_articles_at_hand_do(day_of_news):  # noqa: F811
    first, later = day_of_news[:4], day_of_news[4:]
    story_of = cluster.assign([placed(a) for a in first], [], StorySettings())
    stored = [placed(a, story_of[a.id]) for a in first]
    new = [placed(a) for a in later]
    at_hand = cluster.assign(new, stored, StorySettings())
    given = cluster.assign(new, stored, StorySettings(), frequencies_of(stored))
    assert given == at_hand
    assert given[day_of_news[-1].id] == story_of[day_of_news[0].id]  # the quake's follow-up


def test_index_terms_are_an_articles_rarest_frequent_words():
    quake = article(QUAKE_A)
    [terms] = cluster.index_terms([placed(quake)], Frequencies(0, {})).values()
    assert len(terms) == cluster.INDEX_TERMS
    chile = int(cluster.terms_of("Chile", "en")[0])
    assert chile in terms  # in the title and the body
    common = Frequencies(100, {chile: 100})  # a word every stored article holds
    assert chile not in cluster.index_terms([placed(quake)], common)[quake.id]


def test_a_new_article_finds_the_stories_sharing_its_distinctive_terms(tmp_path):
    quake, football = article(QUAKE_A), article(FOOTBALL, days=1)
    with Store.open(tmp_path / "state.sqlite3") as store, store.transaction():
        store.add_articles([(a, placed(a).features) for a in (quake, football)], MARCH)
        store.place({quake.id: "s-quake", football.id: "s-cup"})
        store.describe_stories(["s-quake", "s-cup"])
        indexed = cluster.index_terms([placed(a) for a in (quake, football)], Frequencies(0, {}))
        store.index_placed(
            indexed, cluster.document_frequencies(placed(a).features for a in (quake, football))
        )
        follow_up = placed(article(QUAKE_FOLLOW_UP, days=2))
        frequencies = store.frequencies(cluster.document_frequencies([follow_up.features]))
        assert frequencies.documents == 2
        wanted = cluster.index_terms([follow_up], frequencies)
        pairs = store.stories_indexed(wanted[follow_up.article_id], MARCH - timedelta(days=30), 5)
        assert {story for _, story in pairs} == {"s-quake"}
        assert cluster.candidate_stories(wanted, pairs, frequencies) == {"s-quake"}
        assert {p.story_id for p in store.placements_of({"s-quake"})} == {"s-quake"}
        # A story whose newest article is older than the window is not a candidate.
        later = MARCH + timedelta(days=1)
        assert store.stories_indexed(wanted[follow_up.article_id], later, 5) == []


def test_a_term_leads_to_the_stories_of_its_newest_articles(tmp_path):
    items = [article(QUAKE_A), article(QUAKE_B, days=0.1), article(FOOTBALL, days=1)]
    with Store.open(tmp_path / "state.sqlite3") as store, store.transaction():
        store.add_articles([(a, placed(a).features) for a in items], MARCH)
        stories = {items[0].id: "s-old", items[1].id: "s-new", items[2].id: "s-cup"}
        store.place(stories)
        store.describe_stories(stories.values())
        shared = 7  # one term all three were indexed under, in the order they were stored
        store.index_placed({a.id: [shared] for a in items}, {shared: 3})
        since = MARCH - timedelta(days=30)
        assert [s for _, s in store.stories_indexed([shared], since, 3)] == [
            "s-cup",
            "s-new",
            "s-old",
        ]
        assert [s for _, s in store.stories_indexed([shared], since, 2)] == ["s-cup", "s-new"]


def test_each_new_article_is_scored_against_the_stories_sharing_most_of_its_terms(monkeypatch):
    monkeypatch.setattr(cluster, "CANDIDATES", 2)
    rare, common, other = 1, 2, 3
    frequencies = Frequencies(1000, {rare: 2, common: 500, other: 2})
    pairs = [(rare, "s-a"), (common, "s-a"), (common, "s-b"), (common, "s-c"), (other, "s-d")]
    # s-a shares both terms with the first article, s-b and s-c only the common one (a tie the
    # lower id breaks); the second article's only term leads to s-d.
    found = cluster.candidate_stories({"x": [rare, common], "y": [other]}, pairs, frequencies)
    assert found == {"s-a", "s-b", "s-d"}
    assert cluster.candidate_stories({"x": [rare]}, [], frequencies) == set()


def test_opening_an_older_store_indexes_its_articles(tmp_path):
    path = tmp_path / "state.sqlite3"
    items = [article(QUAKE_A), article(QUAKE_B, days=0.1), article(FOOTBALL, days=1)]
    with Store.open(path) as store, store.transaction():
        store.add_articles([(a, placed(a).features) for a in items], MARCH)
        store.place({items[0].id: "s-quake", items[1].id: "s-quake", items[2].id: "s-cup"})
    with sqlite3.connect(path) as db:  # as a store written before the index was
        db.execute("DROP TABLE term_articles")
        db.execute("DROP TABLE term_frequencies")
        db.execute("DROP TABLE stories")
        db.execute("ALTER TABLE articles DROP COLUMN spans")
        db.execute("DROP INDEX boilerplate_paragraph")  # and what migration 10 adds
        db.execute("ALTER TABLE boilerplate DROP COLUMN carriers")
        db.execute("PRAGMA user_version = 5")  # before migrations 6 to 11 (11 only adds a table)
    with Store.open(path) as store:
        expected = cluster.document_frequencies(placed(a).features for a in items)
        stored = store.frequencies(expected)
        assert stored == Frequencies(3, expected)
        rows = store.db.execute("SELECT count(*), count(DISTINCT seq) FROM term_articles")
        assert rows.fetchone() == (3 * cluster.INDEX_TERMS, 3)
        for item in items:  # each chosen as a build would: the article counted once
            others = [placed(a).features for a in items if a is not item]
            frequencies = Frequencies(2, cluster.document_frequencies(others))
            [wanted] = cluster.index_terms([placed(item)], frequencies).values()
            got = store.db.execute(
                "SELECT t.term FROM term_articles t JOIN articles a ON a.seq = t.seq"
                " WHERE a.id = ? ORDER BY t.term",
                (item.id,),
            )
            assert [term for (term,) in got] == wanted
        infos = {info.id: info for info in store.story_infos()}
        assert {story: info.articles for story, info in infos.items()} == {"s-quake": 2, "s-cup": 1}
        assert infos["s-quake"].sources == ("Wire",)
        assert infos["s-quake"].title == QUAKE_A[0] or infos["s-quake"].title == QUAKE_B[0]


def test_builds_place_a_follow_up_in_the_story_of_an_article_of_an_earlier_build(config):
    from digest.pipeline import update
    from tests.conftest import make_inbox, txt

    def write(name: str, story: tuple[str, str], date: str) -> None:
        make_inbox(config.paths.inbox, {name: txt(*story, source="Wire", date=date)})

    write("quake.txt", QUAKE_A, "2024-03-04")
    write("cup.txt", FOOTBALL, "2024-03-04")
    update(config, now=MARCH)
    write("follow.txt", QUAKE_FOLLOW_UP, "2024-03-06")
    update(config, now=MARCH + timedelta(days=2))
    with Store.open(config.paths.state) as store:
        story_of = store.assignments()
        assert story_of["follow.txt"] == story_of["quake.txt"] != story_of["cup.txt"]
        assert store.frequencies([]).documents == 3


def test_in_process_maps_in_this_process():
    items = list(range(MIN_PARALLEL))
    assert set(parallel_map(_pid, items, in_process=True)) == {os.getpid()}


@pytest.mark.timeout(60)
def test_with_other_threads_running_work_stays_in_this_process():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert set(parallel_map(_pid, list(range(MIN_PARALLEL)))) == {os.getpid()}
    finally:
        stop.set()
        other.join()


def _pid(_: int) -> int:
    return os.getpid()
