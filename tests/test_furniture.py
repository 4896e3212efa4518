"""Furniture seen across builds: a notice that unrelated articles of several sources carried, on
any day, is dropped from new articles; news that related reports repeat is not."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from digest import pipeline
from digest.clean import (
    EARLIER_EXAMINED,
    edge_key,
    keyed_paragraphs,
    paragraph_key,
    shared_furniture,
)
from digest.migrations import MIGRATIONS
from digest.prose import names_the_medium
from digest.sentences import sentence_spans
from digest.store import Store

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
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 13
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


NOTICE = "Get our harbour reports in your inbox every morning: sign up at harbourreview.com now."


def glued_inside(body: str) -> str:
    """The article's two paragraphs made one, with the notice between them."""
    first, second = body.split("\n\n")
    return f"{first} {NOTICE} {second}"


def test_a_sentence_inside_a_paragraph_is_keyed_when_it_names_the_medium():
    text = f"The pier will close. {NOTICE} It needs new piles.\n\nThe work starts in May. It ends"
    text += " in the autumn, the board said. The ferry keeps to its timetable."
    keyed = keyed_paragraphs(text, sentence_spans(text))
    assert [[edge.text for edge in p.edges] for p in keyed] == [
        ["The pier will close.", NOTICE, "It needs new piles."],
        ["The work starts in May.", "The ferry keeps to its timetable."],
    ]  # a sentence inside a paragraph that does not name the medium is not keyed
    notice = keyed[0].edges[1]
    assert keyed[0].kept({notice.key}) == "The pier will close. It needs new piles."


def test_a_notice_glued_inside_a_paragraph_is_cut_once_unrelated_articles_carried_it(tmp_path):
    config = make_config(tmp_path)
    for day, (source, title, body) in enumerate(UNRELATED):
        build_day(config, day, source, title, glued_inside(body))
    courier, gazette, herald = UNRELATED
    assert stored_text(config, courier[0]) == glued_inside(courier[2])  # too little evidence
    assert stored_text(config, gazette[0]) == glued_inside(gazette[2])
    assert stored_text(config, herald[0]) == herald[2].replace("\n\n", " ")


def test_a_notice_shaped_sentence_inside_one_sources_reports_is_kept(tmp_path):
    """One source's stock line inside its paragraphs (a police office's "report it at
    www...") may be its news: inside sentences need carriers of two sources."""
    config = make_config(tmp_path)
    for day, (_, title, body) in enumerate(UNRELATED):
        build_day(config, day, "Courier", title, glued_inside(body))
    with Store.open(config.paths.state) as store:
        texts = [row[0] for row in store.db.execute("SELECT text FROM articles")]
    assert sorted(texts) == sorted(glued_inside(body) for _, _, body in UNRELATED)


def test_a_sentence_naming_the_medium_that_related_reports_share_is_news(tmp_path):
    config = make_config(tmp_path)
    shared = "The board published this report on its website on Monday, with photos of the piles."
    for day, (source, line) in enumerate(RELATED):
        build_day(config, day, source, "Pier to close", f"{WIRE} {shared} {line}")
    for source, line in RELATED:
        assert stored_text(config, source) == f"{WIRE} {shared} {line}"
    text = f"{WIRE} {shared} {RELATED[0][1]}"
    [paragraph] = keyed_paragraphs(text, sentence_spans(text))
    assert shared in [edge.text for edge in paragraph.edges]  # keyed, and kept as news


def build_unsourced(config, day: int, title: str, body: str):
    """One build, on day `day` after NOW, of one article that names no source."""
    date = (NOW + timedelta(days=day)).date().isoformat()
    make_inbox(config.paths.inbox, {f"mail-{day}.txt": f"Title: {title}\nDate: {date}\n\n{body}"})
    return pipeline.build(config, now=NOW + timedelta(days=day))


def stored_unsourced(config) -> list[str]:
    with Store.open(config.paths.state) as store:
        select = "SELECT text FROM articles WHERE source IS NULL ORDER BY seq"
        return [row[0] for row in store.db.execute(select)]


STORM = (
    "A storm brought down power lines across the valley on Tuesday night and closed two"
    " schools.\n\nCrews from three counties worked through the night to restore electricity to"
    " farms along the river road."
)


def test_an_article_without_a_source_loses_the_furniture_others_showed(tmp_path):
    config = make_config(tmp_path)
    build_unsourced(config, 0, "Storm", f"{STORM}\n\n{PROMO}")  # before the evidence: kept
    for day, (source, title, body) in enumerate(UNRELATED, start=1):
        build_day(config, day, source, title, f"{body}\n\n{PROMO}")
    build_unsourced(config, 4, "Storm again", f"{STORM} {PROMO}\n\nThe valley is dark.")
    assert stored_unsourced(config) == [
        f"{STORM}\n\n{PROMO}",
        f"{STORM}\n\nThe valley is dark.",  # the notice glued to the first paragraph: cut
    ]


def unsourced_file(title: str, body: str) -> str:
    return f"Title: {title}\nDate: {NOW.date().isoformat()}\n\n{body}"


def glued(body: str) -> str:
    """The article with the promo glued to its last paragraph."""
    return f"{body} {PROMO}"


def test_articles_without_a_source_are_no_evidence_of_furniture(tmp_path):
    config = make_config(tmp_path)
    (source, title, body), *others = UNRELATED
    files = {"sourced.txt": txt(title, glued(body), source=source, date=NOW.date().isoformat())}
    for number, (_, other_title, other_body) in enumerate(others):
        files[f"mail-{number}.txt"] = unsourced_file(other_title, glued(other_body))
    make_inbox(config.paths.inbox, files)  # one sourced carrier: evidence is looked for
    pipeline.build(config, now=NOW)
    assert stored_text(config, source) == glued(body)  # two sourceless carriers count for nothing
    assert all(text.endswith(PROMO) for text in stored_unsourced(config))


def test_a_notice_alone_in_an_article_without_a_source_changes_no_verdict(tmp_path):
    config = make_config(tmp_path)
    date = NOW.date().isoformat()
    files = {
        f"courier-{number}.txt": txt(title, glued(body), source="Courier", date=date)
        for number, (_, title, body) in enumerate(UNRELATED)
    }  # one source glues the notice to three unrelated reports: its furniture
    files["mail.txt"] = unsourced_file("Storm", f"{STORM}\n\n{PROMO}")  # alone, as a paragraph
    make_inbox(config.paths.inbox, files)
    pipeline.build(config, now=NOW)
    with Store.open(config.paths.state) as store:
        select = "SELECT text FROM articles WHERE source = 'Courier'"
        texts = [row[0] for row in store.db.execute(select)]
    assert sorted(texts) == sorted(body for _, _, body in UNRELATED)
    assert stored_unsourced(config) == [STORM]


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("Please purchase a subscription to continue reading.", True),
        ("Whenever Ann Berg posts new content, you will get an email in your inbox.", True),
        ("Visit www.harbourreview.example for the full timetable.", True),
        ("Follow the port authority at @harbourboard for updates.", True),
        ("Cet article est réservé à nos abonnés.", True),
        ("Dieser Artikel erschien zuerst in der Hafenzeitung.", True),
        ("Este artículo fue publicado originalmente en el Diario del Puerto.", True),
        # News: the shape is the page's, the mail's or the reader's, not a subject's.
        ("The harbour board voted on Monday to close the old ferry pier.", False),
        ("Les ingénieurs ont trouvé deux piliers pourris sous la ligne de flottaison.", False),
        ("Die Reparatur soll sechs Monate dauern, sagte die Hafenbehörde.", False),
    ],
)
def test_a_sentence_names_the_medium_when_it_speaks_of_the_page_the_mail_or_the_reader(
    sentence, names
):
    assert names_the_medium(sentence) is names
