"""Inputs as real sites, mail clients and feed generators write them: only the article is kept."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import lxml.etree
import pytest

from digest.dates import parse_date
from digest.errors import ReadError
from digest.prose import is_whole_prose
from digest.readers import html as html_reader
from digest.readers import read_file
from digest.sentences import split_sentences

from .conftest import make_inbox

LIMIT = 1_000_000
ARTICLE = [
    "The harbour board voted on Monday to close the old ferry pier for repairs next spring.",
    "Engineers found that two of the pier's timber piles had rotted through below the waterline.",
    "Commuters will use a temporary landing stage beside the fish market while the work goes on.",
    "The board expects the repairs to cost about four million euros and to last six months.",
]


def read_one(tmp_path: Path, name: str, content: str | bytes):
    make_inbox(tmp_path, {name: content})
    [article] = read_file(tmp_path / name, max_bytes=LIMIT)
    return article


def page(body: str, title: str = "Pier to close") -> str:
    return (
        f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a>"
        f"<a href='/news'>News</a></nav><article><h1>{title}</h1>{body}</article></body></html>"
    )


def test_text_after_a_heading_and_in_a_div_is_kept(tmp_path):
    body = f"<h2>Repairs</h2>{ARTICLE[0]} {ARTICLE[1]}<div>{ARTICLE[2]}</div><p>{ARTICLE[3]}</p>"
    text = read_one(tmp_path, "a.html", page(body)).text
    for sentence in ARTICLE:
        assert sentence in text
    assert "Home" not in text


class _Document:
    """Stands for trafilatura's document: a body and the metadata read_html uses."""

    def __init__(self, body: str) -> None:
        self.body = lxml.etree.fromstring(f"<body>{body}</body>")
        self.title, self.sitename, self.url, self.date = "Pier to close", None, None, None


def _modes(monkeypatch, precise: str, wider: str) -> None:
    found = {True: _Document(precise), False: _Document(wider)}
    monkeypatch.setattr(html_reader, "_extract", lambda _t, _x, *, precise: found[precise])
    monkeypatch.setattr("trafilatura.settings.Document", _Document)


def test_a_scrap_from_precision_mode_gives_way_to_the_default_mode_s_prose(monkeypatch):
    whole = "".join(f"<p>{s}</p>" for s in ARTICLE)
    _modes(monkeypatch, "<p>Published 8 March 2026</p>", f"<p>Published 8 March 2026</p>{whole}")
    [draft] = html_reader.read_html(page("<p>x</p>"))
    assert draft.text.split("\n\n") == ["Published 8 March 2026", *ARTICLE]


def test_prose_precision_mode_left_out_of_a_long_article_is_read_where_it_stands(monkeypatch):
    first = [f"{s} {s}" for s in ARTICLE]  # precision mode keeps a long article's first part
    second = ["Ferry services will resume from the old pier once the last pile is replaced."]
    kept = "".join(f"<p>{p}</p>" for p in first)
    _modes(monkeypatch, kept, f"{kept}<head>After the repairs</head><p>{second[0]}</p>")
    [draft] = html_reader.read_html(page("<p>x</p>"))
    assert draft.text.split("\n\n") == [*first, *second]  # a label is not prose


def test_the_second_try_keeps_page_order_and_every_paragraph_of_precision_mode():
    kept = ["Pier to close", "Only precision mode read this line", ARTICLE[1], ARTICLE[1]]
    wider = ["Pier to close", ARTICLE[0], ARTICLE[1], "Read more", ARTICLE[2], ARTICLE[1]]
    merged = html_reader.second_try(kept, wider)
    assert merged == [kept[0], ARTICLE[0], kept[1], ARTICLE[1], ARTICLE[2], ARTICLE[1]]


@pytest.mark.parametrize(
    "furniture",
    [
        "".join(f"<p>Read more about item {n}</p>" for n in range(80)),  # a list of links
        "<p>Share this article</p><p>Sign up for our free newsletter for daily updates.</p>",
        "<p>Photo: Harbour Board</p><p>Tags: pier, ferry, harbour, repairs, spring</p>",
        "<head>Related stories</head>",
    ],
)
def test_what_only_the_default_mode_finds_is_not_read_unless_it_is_prose(monkeypatch, furniture):
    kept = f"<p>{ARTICLE[0]}</p>"
    _modes(monkeypatch, kept, kept + furniture)
    [draft] = html_reader.read_html(page("<p>x</p>"))
    assert draft.text == ARTICLE[0]


def test_headings_above_the_first_paragraph_are_not_read_unless_they_are_prose(monkeypatch):
    standfirst = "The harbour's oldest pier will close for six months from next spring."
    body = f"<head>News</head><head>Pier to close</head><head>{standfirst}</head>"
    _modes(monkeypatch, f"{body}<p>{ARTICLE[0]}</p>", "")
    [draft] = html_reader.read_html(page("<p>x</p>"))
    assert draft.text.split("\n\n") == [standfirst, ARTICLE[0]]


def test_a_page_of_preformatted_text_only_is_read(tmp_path):
    body = "<pre>" + "\n".join(ARTICLE) + "</pre>"
    text = read_one(tmp_path, "a.html", page(body)).text
    assert ARTICLE[1] in text


NEWSLETTER_FOOTER = [
    "You are receiving this email as a subscriber to the Harbour Weekly list.",
    "Want to change how you receive these emails?",
    "You can update your preferences or unsubscribe from this list.",
]


def test_a_newsletter_s_footer_is_not_stored(tmp_path):
    body = "\n\n".join([*ARTICLE, *NEWSLETTER_FOOTER])
    mail = (
        "From: Harbour Weekly <news@harbour.example>\nSubject: Pier to close\n"
        "Date: Sun, 08 Mar 2026 09:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{body}\n"
    )
    text = read_one(tmp_path, "a.eml", mail).text
    assert ARTICLE[3] in text
    assert not any(line.split()[0] in text for line in ("Want", "You"))


def test_notices_around_a_page_s_article_are_not_stored(tmp_path):
    notices = [
        "Keep it civil and stay on topic.",
        "This copy is for your personal, non-commercial use only.",
        "Subscribe today: 12 issues for £11.99 delivered to your door.",
    ]
    body = "".join(f"<p>{s}</p>" for s in [*ARTICLE, *notices])
    text = read_one(tmp_path, "a.html", page(body)).text
    assert ARTICLE[0] in text
    assert not any(notice in text for notice in notices)


def test_a_saved_error_page_is_no_article(tmp_path):
    body = "<p>HTTP Error 403.</p><p>The request URL is forbidden.</p>"
    make_inbox(tmp_path, {"a.html": page(body, title="Forbidden")})
    with pytest.raises(ReadError):
        read_file(tmp_path / "a.html", max_bytes=LIMIT)


GERMAN = [
    "Der Stadtrat hat am Montag beschlossen, die alte Fähranlegestelle im Frühjahr zu sanieren.",
    "Ingenieure hatten festgestellt, dass mehrere Holzpfähle unter der Wasserlinie verrottet sind.",
    "Pendler sollen während der Arbeiten einen provisorischen Anleger am Fischmarkt nutzen.",
]


@pytest.mark.parametrize(
    "notice",
    [
        "Diese Website verwendet Cookies, um Ihnen das beste Nutzererlebnis zu bieten.",
        "Jetzt kostenlos zum Newsletter anmelden und keine Nachricht mehr verpassen.",
        "Ce site utilise des cookies pour améliorer votre expérience de navigation.",
        "Abonnez-vous à notre newsletter pour recevoir les dernières nouvelles du port.",
        "Este sitio web utiliza cookies para mejorar la experiencia de los usuarios.",
        "Suscríbete a nuestro boletín y recibe las noticias del puerto cada mañana.",
        "Damit die Seite funktioniert, verwenden wir Cookies und ähnliche Techniken.",
        "Alle Meldungen vom Hafen lesen Sie im kostenlosen Morgen-Newsletter.",
    ],
)
def test_notices_in_french_german_and_spanish_are_neither_stored_nor_briefed(tmp_path, notice):
    body = "".join(f"<p>{s}</p>" for s in [*GERMAN, notice])
    text = read_one(tmp_path, "a.html", page(body, title="Anleger wird saniert")).text
    assert GERMAN[0] in text and notice not in text
    assert not is_whole_prose(notice) and is_whole_prose(GERMAN[1])


@pytest.mark.parametrize(
    "sentence",
    [
        "The council said the new cookie rules would cost bakeries little.",
        "Readers of the newsletter were asked to keep it short at the meeting.",
        "Er wollte das Auto noch vor dem Winter bei der Behörde abmelden.",
        "El ministro dijo que el partido utiliza encuestas para decidir sus listas.",
        "In ihrem Newsletter warf die Reporterin dem Konzern vor, die Krise auszunutzen.",
        "The court said the consent agreement on book prices expired in December.",
    ],
)
def test_prose_that_mentions_such_things_is_kept(sentence):
    assert is_whole_prose(sentence)


@pytest.mark.parametrize("version", ["1", "1.1"])
def test_a_json_feed_is_read_item_by_item(tmp_path, version):
    feed = {
        "version": f"https://jsonfeed.org/version/{version}",
        "title": "Harbour Weekly",
        "items": [
            {
                "id": "1",
                "url": "https://harbour.example/pier",
                "title": "Pier to close",
                "content_html": "".join(f"<p>{s}</p>" for s in ARTICLE),
                "date_published": "2026-03-08T09:00:00+01:00",
            },
            {"id": "2", "title": "Landing stage", "content_text": " ".join(ARTICLE[2:])},
            {"id": "3", "title": "A picture only", "image": "https://harbour.example/a.jpg"},
        ],
    }
    make_inbox(tmp_path, {"feed.json": json.dumps(feed)})
    first, second = read_file(tmp_path / "feed.json", max_bytes=LIMIT)
    assert (first.title, first.source, first.url) == (
        "Pier to close",
        "Harbour Weekly",
        "https://harbour.example/pier",
    )
    assert first.published == datetime(2026, 3, 8, 8, tzinfo=UTC)
    assert first.text.split("\n\n") == ARTICLE
    assert second.text == " ".join(ARTICLE[2:])


def test_one_bad_item_of_a_json_list_is_left_out_with_a_warning(tmp_path, caplog):
    items = [{"title": "Pier", "text": " ".join(ARTICLE)}, {"title": "No body"}, "a string"]
    make_inbox(tmp_path, {"a.json": json.dumps(items)})
    with caplog.at_level(logging.WARNING):
        [article] = read_file(tmp_path / "a.json", max_bytes=LIMIT)
    assert article.title == "Pier"
    assert "item 2 has no 'text'" in caplog.text and "item 3 is not an object" in caplog.text


def test_feed_entries_too_short_to_store_are_named_in_the_log(tmp_path, caplog):
    entries = "".join(
        f"<item><title>{title}</title><description>{text}</description></item>"
        for title, text in [("Pier to close", " ".join(ARTICLE)), ("Photo of the day", "Gulls.")]
    )
    rss = f'<rss version="2.0"><channel><title>Harbour</title>{entries}</channel></rss>'
    make_inbox(tmp_path, {"a.rss": rss})
    with caplog.at_level(logging.INFO):
        [article] = read_file(tmp_path / "a.rss", max_bytes=LIMIT)
    assert article.title == "Pier to close"
    assert "1 of its 2 items left out" in caplog.text and "Photo of the day" in caplog.text


def test_a_message_forwarded_as_an_attachment_is_read(tmp_path):
    body = "\n\n".join(ARTICLE)
    mail = (
        "From: Ann Lee <ann@harbour.example>\nSubject: Fwd: Pier to close\n"
        "Date: Mon, 09 Mar 2026 09:00:00 +0000\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="XX"\n\n--XX\n'
        "Content-Type: message/rfc822\n\nFrom: Harbour Board <board@harbour.example>\n"
        "Subject: Pier to close\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{body}\n--XX--\n"
    )
    article = read_one(tmp_path, "a.eml", mail)
    assert (article.title, article.source) == ("Fwd: Pier to close", "Ann Lee")
    assert article.text.split("\n\n") == ARTICLE


def test_a_subject_written_in_latin_1_reads_as_written(tmp_path):
    mail = (
        "From: José Ruiz <jose@harbour.example>\nSubject: Café de la gare à vendre\n"
        "Date: Mon, 09 Mar 2026 09:00:00 +0000\n\n" + " ".join(ARTICLE) + "\n"
    ).encode("latin-1")
    article = read_one(tmp_path, "a.eml", mail)
    assert (article.title, article.source) == ("Café de la gare à vendre", "José Ruiz")


@pytest.mark.parametrize(
    "written",
    [
        "8 mars 2026",
        "dimanche 8 mars 2026",
        "8. März 2026",
        "Sonntag, 8. März 2026",
        "8 de marzo de 2026",
        "domingo, 8 de marzo de 2026",
        "Sunday, March 8th, 2026",
    ],
)
def test_a_date_written_in_words_in_a_supported_language_is_read(tmp_path, written):
    text = f"Title: Pier to close\nDate: {written}\n\n" + " ".join(ARTICLE)
    assert read_one(tmp_path, "a.txt", text).published == datetime(2026, 3, 8, tzinfo=UTC)


@pytest.mark.parametrize("written", ["hier", "gestern", "la semana pasada", "8 mars", "März 2026"])
def test_a_date_without_day_month_and_year_is_read_as_undated(tmp_path, written):
    text = f"Title: Pier to close\nDate: {written}\n\n" + " ".join(ARTICLE)
    assert read_one(tmp_path, "a.txt", text).published is None


def test_a_written_zone_is_honoured_and_a_future_date_is_still_refused(tmp_path):
    assert parse_date("8. März 2026, 10:00 Uhr +0100") == datetime(2026, 3, 8, 9, tzinfo=UTC)
    text = "Title: Pier to close\nDate: 8 mars 2999\n\n" + " ".join(ARTICLE)
    assert read_one(tmp_path, "a.txt", text).published is None


def test_a_page_of_links_gets_no_brief_and_the_log_says_why(tmp_path, caplog):
    from digest import pipeline

    from .conftest import NOW, make_config, txt

    links = "\n\n".join(f"Harbour news item number {n} of the week" for n in range(12))
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {
        "links.txt": txt("Harbour links", links, source="Harbour Links", date="2026-11-20"),
        "pier.txt": txt("Pier to close", "\n\n".join(ARTICLE), source="Courier",
                        date="2026-11-20"),
    })  # fmt: skip
    with caplog.at_level(logging.WARNING):
        built = pipeline.build(config, now=NOW)
    assert [b.headline for b in built.digest.briefs] == ["Pier to close"]
    assert "left out 'Harbour links': no sentence of its 1 article(s) can be quoted" in caplog.text
    assert "links, labels, captions and a page's notices or widgets are not" in caplog.text


def follow_widget(name: str) -> str:
    """A "follow this author" widget, saved as a page's whole text (written for the test)."""
    return (
        f"Close get email notifications on {name} daily! Your notification has been saved. There"
        f" was a problem saving your notification. Whenever {name} posts new content, you'll get"
        " an email delivered to your inbox with a link. Email notifications are only sent once a"
        " day, and only if there are new matching items."
    )


def test_pages_of_a_follow_widget_get_no_brief_and_the_log_says_why(tmp_path, caplog):
    """Pages saved with a widget for their text are alike but for a name: they made a story
    briefed from the widget, each name cited to every page."""
    from digest import pipeline

    from .conftest import NOW, make_config, txt

    config = make_config(tmp_path)
    names = ["Dana Whitfield", "Marcus Oyelaran", "Petra Sandoval"]
    pages = {
        f"column-{n}.txt": f"Title: Column by {name}\nDate: 2026-11-20\n\n{follow_widget(name)}"
        for n, name in enumerate(names)  # saved without a source, as such pages often are
    }
    pier = txt("Pier to close", "\n\n".join(ARTICLE), source="Courier", date="2026-11-20")
    make_inbox(config.paths.inbox, {**pages, "pier.txt": pier})
    with caplog.at_level(logging.WARNING):
        built = pipeline.build(config, now=NOW)
    assert [b.headline for b in built.digest.briefs] == ["Pier to close"]
    assert "can be quoted in a brief" in caplog.text and "Column by" in caplog.text
    assert not any("notification" in s.text for b in built.digest.briefs for s in b.sentences)
    # News about notifications is prose still.
    assert is_whole_prose(
        "Residents can now get email notifications on road closures from the county's website."
    )


RELEASE = [
    "PORT ELLIS, 3 March 2026 - Harbour Ferries today opened a new route between Port Ellis and"
    " the island of Carrow, with six crossings a day.",
    "The route uses two electric boats built at the Carrow yard, each carrying 120 passengers.",
    "Fares start at four euros, and season tickets will be sold from April.",
]


@pytest.mark.parametrize(
    "closing",
    [
        ["About Harbour Ferries",
         "Harbour Ferries is a leading operator of passenger boats on the northern coast, with a"
         " fleet of 14 vessels.",
         "Media contact:", "Jo Marsh", "press@harbourferries.example"],
        ["About Harbour Ferries Ltd.: Founded in 1998, Harbour Ferries runs 14 vessels and is the"
         " region's largest operator."],
        ["Forward-looking statements", "This release holds statements about future routes that"
         " involve risks and uncertainties."],
        ["Über Harbour Ferries", "Harbour Ferries ist der größte Fährbetrieb der Nordküste.",
         "Pressekontakt:", "Jo Marsh"],
        ["###"],
    ],
)  # fmt: skip
def test_a_press_release_s_closing_matter_is_not_stored(tmp_path, closing):
    body = "".join(f"<p>{p}</p>" for p in [*RELEASE, *closing])
    text = read_one(tmp_path, "a.html", page(body, title="New ferry route")).text
    assert text.split("\n\n")[1:] == RELEASE[1:]


def test_a_contact_line_above_a_release_is_left_out_alone(tmp_path):
    lines = ["Media contact: Jo Marsh, press@harbourferries.example", *RELEASE]
    text = read_one(tmp_path, "a.txt", "New ferry route\n\n" + "\n\n".join(lines)).text
    assert text.split("\n\n")[1:] == RELEASE[1:] and "Jo Marsh" not in text


def test_a_contact_line_in_a_newsletter_ends_nothing(tmp_path):
    items = [*RELEASE, *ARTICLE[:3], "Contact: Jo Marsh, 555 0100", ARTICLE[3]]
    text = read_one(tmp_path, "a.txt", "Harbour weekly\n\n" + "\n\n".join(items)).text
    assert text.endswith("\n\n".join(ARTICLE)) and "Jo Marsh" not in text


@pytest.mark.parametrize(
    "paragraph",
    [
        "About 30 ships and 21 aircraft joined the search for the ferry on Tuesday morning.",
        "About the route: the council had asked for it since 2019, its minutes show.",
        "About Face, the theatre group, will perform on the first crossing of the new ferry.",
        "Über 1.500 Passagiere fuhren am ersten Tag mit der neuen Fähre nach Carrow.",
    ],
)
def test_a_paragraph_that_opens_with_about_is_the_article_s(tmp_path, paragraph):
    body = "".join(f"<p>{p}</p>" for p in [*RELEASE, paragraph, RELEASE[2]])
    text = read_one(tmp_path, "a.html", page(body, title="New ferry route")).text
    assert paragraph in text and text.endswith(RELEASE[2])


SYNDICATED = "This article first appeared on Harbour Review and is republished under licence."
UNRELATED_REPORTS = {
    "Courier": ("Pier to close", "\n\n".join(ARTICLE)),
    "Gazette": ("Rovers win the cup", "Carrow Rovers beat Port Ellis United two goals to one in"
                " the county cup final on Saturday afternoon.\n\nThe winning goal came from a"
                " header by the captain in the last minute of extra time."),
    "Herald": ("Bakery opens on Quay Street", "A family bakery opened on Quay Street this week,"
               " selling rye loaves and cardamom buns from six in the morning.\n\nThe owners"
               " moved to the town from the north coast and hired four apprentices."),
}  # fmt: skip


def stored_texts(config) -> dict[str, str]:
    from digest.store import Store

    with Store.open(config.paths.state) as store:
        stories = store.stories(store.story_ids_with_news(0))
    return {a.source: a.text for story in stories for a in story.articles}


def test_a_paragraph_unrelated_articles_of_several_sources_carry_is_furniture(tmp_path):
    from digest import pipeline

    from .conftest import NOW, make_config, txt

    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {
        f"{source}.txt": txt(title, f"{body}\n\n{SYNDICATED}", source=source, date="2026-11-20")
        for source, (title, body) in UNRELATED_REPORTS.items()
    })  # fmt: skip
    built = pipeline.build(config, now=NOW)
    texts = stored_texts(config)
    assert len(texts) == 3 and not any(SYNDICATED in text for text in texts.values())
    assert texts["Courier"] == "\n\n".join(ARTICLE)
    assert not any("Harbour Review" in s.text for b in built.digest.briefs for s in b.sentences)


def test_a_wire_paragraph_several_outlets_carry_about_one_event_is_news(tmp_path):
    from digest import pipeline

    from .conftest import NOW, make_config, txt

    wire = ARTICLE[0]
    own = {
        "Courier": "Commuters said the temporary landing stage by the fish market was too small.",
        "Gazette": "The ferry company said the pier's repairs would not change its timetable.",
        "Herald": "The harbour board's chair said the old pier had served the town for a century.",
    }
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {
        f"{source}.txt": txt("Pier to close", f"{wire}\n\n{line}\n\n{ARTICLE[1]}", source=source,
                             date="2026-11-20")
        for source, line in own.items()
    })  # fmt: skip
    built = pipeline.build(config, now=NOW)
    assert all(text.startswith(wire) for text in stored_texts(config).values())
    [brief] = built.digest.briefs
    assert [len(s.sources) for s in brief.sentences if s.text == wire] == [3]


def test_notices_are_caught_in_any_case_and_only_from_the_start_of_a_word():
    from digest.prose import NOT_ARTICLE, not_article

    for rules in NOT_ARTICLE.values():  # searched in lower-cased text, from a word's start
        for rule in rules:
            letters = re.sub(r"\\[A-Za-z]", "", rule)  # escapes such as \d are no letters
            assert letters == letters.lower(), rule
            assert rule[0].isalnum() or rule[0] in "(\\", rule
    assert not_article("KEEP IT CIVIL and stay on topic.")
    assert not_article("Wir verwenden Cookies, um unsere Website zu verbessern.")
    assert not_article("Pour en savoir plus, suivez-nous sur les réseaux.")
    assert not not_article("Ihr Newsletter-Abo bleibt.")  # no rule's words
    assert not_article("Den Wochennewsletter abbestellen: hier.")  # inside a German compound
    assert not not_article("The Tex12 issues for £5 were sold.")  # elsewhere, from a word's start
    assert all(map(not_article, split_sentences(follow_widget("Ann Lee"))))
    assert not is_whole_prose("Keep it civil and stay on topic, readers, as the rules say.")
