"""Furniture seen across builds: a notice that unrelated articles of several sources carried, on
any day, is dropped from new articles; news that related reports repeat is not."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from digest import pipeline
from digest.clean import (
    EARLIER_EXAMINED,
    edge_key,
    keyed_paragraphs,
    paragraph_key,
    shared_furniture,
)
from digest.sentences import sentence_spans
from digest.store import MIGRATIONS, Store

from .conftest import NOW, make_article, make_config, make_inbox, txt

PROMO = "This report first appeared on Harbour Review and is republished here under licence."
UNRELATED = [  # (source, title, body): three reports about three different things
    ("Courier", "Pier to close", "The harbour board voted on Monday to close the old ferry pier"
     " for repairs next spring.\n\nEngineers found that two of the pier's timber piles had"
     " rotted through below the waterline."),
    ("Gazette", "Rovers win the cup", "Carrow Rovers beat Port Ellis United two goals to one in"
     " the county cup final on Saturday afternoon.\n\nThe winning goal came from a header by the"
     " captain in the last minute of extra time."),
    ("Herald", "Bakery opens on Quay Street", "A family bakery opened on Quay Street this week,"
     " selling rye loaves and cardamom buns from six in the morning.\n\nThe owners moved to the"
     " town from the north coast and hired four apprentices."),
]  # fmt: skip
WIRE = "The harbour board voted on Monday to close the old ferry pier for repairs next spring."
RELATED = [  # one story, told by three outlets on three days, each repeating the wire paragraph
    ("Courier", "Commuters said the temporary landing stage by the fish market was too small for"
     " the morning ferry crowds, and the harbour board promised a second gangway before the pier"
     " repairs begin."),
    ("Gazette", "The ferry company said the pier repairs would not change its timetable, though"
     " the crossing from the temporary landing stage beside the fish market takes longer."),
    ("Herald", "The harbour board chair said the old ferry pier had served the town for a century"
     " and that its rotten timber piles left the board no choice but to close it for repairs."),
]  # fmt: skip


def build_day(config, day: int, source: str, title: str, body: str):
    """One build, on day `day` after NOW, of one article."""
    date = (NOW + timedelta(days=day)).date().isoformat()
    make_inbox(config.paths.inbox, {f"{source}-{day}.txt": txt(title, body, source=source,
                                                               date=date)})  # fmt: skip
    return pipeline.build(config, now=NOW + timedelta(days=day))


def stored_text(config, source: str) -> str:
    with Store.open(config.paths.state) as store:
        select = "SELECT text FROM articles WHERE source = ?"
        [text] = store.db.execute(select, (source,)).fetchone()
    return text


def briefed(built) -> list[str]:
    return [s.text for brief in built.digest.briefs for s in brief.sentences]


def test_a_notice_unrelated_articles_of_other_sources_carried_before_is_dropped(tmp_path):
    config = make_config(tmp_path)
    built = [
        build_day(config, day, source, title, f"{body}\n\n{PROMO}")
        for day, (source, title, body) in enumerate(UNRELATED)
    ]
    # Two carriers are not evidence enough: the first two keep the paragraph.
    assert PROMO in stored_text(config, "Courier") and PROMO in stored_text(config, "Gazette")
    # The third unrelated carrier, on another day, is: only its own paragraphs are stored.
    assert stored_text(config, "Herald") == UNRELATED[2][2]
    assert briefed(built[2]) and PROMO not in briefed(built[2])


def test_a_paragraph_related_reports_repeat_over_days_is_news(tmp_path):
    config = make_config(tmp_path)
    for day, (source, line) in enumerate(RELATED):
        build_day(config, day, source, "Pier to close", f"{WIRE}\n\n{line}")
    for source, line in RELATED:
        assert stored_text(config, source) == f"{WIRE}\n\n{line}"


def test_a_notice_glued_to_prose_is_cut_from_its_paragraph(tmp_path):
    config = make_config(tmp_path)
    (courier, title_c, body_c), (gazette, title_g, body_g), (herald, title_h, body_h) = UNRELATED
    build_day(config, 0, courier, title_c, f"{body_c}\n\n{PROMO}")  # a paragraph of its own
    build_day(config, 1, gazette, title_g, f"{body_g} {PROMO}")  # glued to the last paragraph
    first, second = body_h.split("\n\n")
    build_day(config, 2, herald, title_h, f"{PROMO} {first}\n\n{second}")  # glued to the first
    assert stored_text(config, herald) == f"{first}\n\n{second}"
    assert stored_text(config, gazette) == f"{body_g} {PROMO}"  # too little evidence then


def test_a_line_a_source_glues_to_every_article_is_its_boilerplate(tmp_path):
    config = make_config(tmp_path)
    credit = "Reporting by Anna Berg for the Courier news desk in Carrow."
    for day, (_, title, body) in enumerate(UNRELATED):
        build_day(config, day, "Courier", title, f"{body} {credit}")
    with Store.open(config.paths.state) as store:
        texts = [row[0] for row in store.db.execute("SELECT text FROM articles ORDER BY seq")]
    assert [credit in text for text in texts] == [True, True, False]
    assert texts[2] == UNRELATED[2][2]


def test_a_paragraph_s_first_and_last_sentences_are_keyed_from_its_spans():
    paragraph = (
        "Police said Mr. Smith left the U.S. Embassy at 9 p.m. on Monday. He was found in the"
        " harbour. “We will stay,” she said. Sign up for our daily letter today."
    )
    text = (
        f"{paragraph}\n\nOne sentence only, with 3.5 percent, said Dr. Lee.\n\nToo short. The"
        " rest of it is long enough to key."
    )
    keyed = keyed_paragraphs(text, sentence_spans(text))
    assert [[edge.text for edge in p.edges] for p in keyed] == [
        ["Police said Mr. Smith left the U.S. Embassy at 9 p.m. on Monday.",
         "Sign up for our daily letter today."],
        [],
        ["The rest of it is long enough to key."],
    ]  # fmt: skip
    assert all(p.edges == () for p in keyed_paragraphs(text))  # no spans: whole paragraphs only
    assert all(p.edges == () for p in keyed_paragraphs(text, sentence_spans("Other. Text here.")))
    glued_text = f"The pier will close. It needs new piles. {PROMO}"
    [glued] = keyed_paragraphs(glued_text, sentence_spans(glued_text))
    assert glued.kept({edge_key(PROMO)}) == "The pier will close. It needs new piles."
    assert glued.kept({glued.key}) == ""
    assert glued.kept(set()) == glued.text
    # Both edges named: only the middle stays; a paragraph named only in `cut` stays whole.
    both = {edge.key for edge in glued.edges}
    assert glued.kept(set(), both) == "It needs new piles."
    assert glued.kept(set(), {glued.key}) == glued.text
    # An edge is cut where it stands: a last sentence that also opens the first is not cut there.
    odd_text = "Readers can write to Harbour Media. Readers can write to Harbour Media Inc. today."
    [odd] = keyed_paragraphs(odd_text, sentence_spans(odd_text))
    last = odd.edges[-1]
    assert odd.kept(set(), {last.key}) == odd_text[: last.start].strip()


def test_stored_carriers_are_read_a_source_at_a_time_and_only_a_few():
    new = make_article(f"A new bakery opened on Quay Street.\n\n{PROMO}", source="Herald")
    # One source's carriers first, as the store lists them: read a source at a time anyway.
    earlier = {paragraph_key(PROMO): [(f"S{n // 10}", f"id{n}") for n in range(200)]}
    asked: list[set[str]] = []

    def load(ids):
        asked.append(set(ids))
        return {}  # none found: too little evidence

    assert shared_furniture([(new, keyed_paragraphs(new.text))], earlier, load) == frozenset()
    [ids] = asked
    assert len(ids) == EARLIER_EXAMINED
    assert ids == {f"id{n * 10}" for n in range(EARLIER_EXAMINED)}  # one of each source first


def test_ingest_finds_earlier_carriers_through_an_index(tmp_path):
    with Store.open(tmp_path / "state.sqlite3") as store:
        plan = store.db.execute(
            "EXPLAIN QUERY PLAN SELECT paragraph, source, carriers FROM boilerplate"
            " WHERE paragraph IN (?, ?)",
            ("a", "b"),
        ).fetchall()
    assert any("INDEX boilerplate_paragraph" in row[-1] for row in plan), plan


def test_a_state_of_schema_9_notes_its_stored_carriers_and_loses_nothing(tmp_path):
    config = make_config(tmp_path)
    for day, (source, title, body) in enumerate(UNRELATED[:2]):
        build_day(config, day, source, title, f"{body}\n\n{PROMO}")
    path = config.paths.state
    with sqlite3.connect(path) as db:  # as the previous version left it
        db.execute("DROP INDEX boilerplate_paragraph")
        db.execute("ALTER TABLE boilerplate DROP COLUMN carriers")
        db.execute("PRAGMA user_version = 9")
        before = db.execute("SELECT source, paragraph, seen FROM boilerplate").fetchall()
        articles = db.execute("SELECT id, source, text FROM articles ORDER BY seq").fetchall()
    with Store.open(path, upgrade=False) as copy:  # a reading command: no carriers noted
        assert copy.paragraph_carriers([paragraph_key(PROMO)]) == {paragraph_key(PROMO): []}
        assert copy.db.execute("SELECT source, paragraph, seen FROM boilerplate").fetchall()
    with Store.open(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 11
        rows = store.db.execute("SELECT source, paragraph, seen FROM boilerplate").fetchall()
        assert set(before) <= set(rows)  # every count kept
        assert store.paragraph_carriers([paragraph_key(PROMO)]) == {
            paragraph_key(PROMO): [(source, article_id) for article_id, source, _ in articles]
        }
        now = store.db.execute("SELECT id, source, text FROM articles ORDER BY seq").fetchall()
        assert now == articles
    source, title, body = UNRELATED[2]
    build_day(config, 2, source, title, f"{body}\n\n{PROMO}")
    assert stored_text(config, source) == body


def test_the_lead_a_source_repeats_through_one_story_s_updates_stays(tmp_path):
    config = make_config(tmp_path)
    lead = WIRE
    updates = [f"{lead} {line}" for _, line in RELATED]
    for day, body in enumerate(updates):
        build_day(config, day, "Wire", "Pier to close", body)
    with Store.open(config.paths.state) as store:
        texts = [row[0] for row in store.db.execute("SELECT text FROM articles ORDER BY seq")]
    assert texts == updates
