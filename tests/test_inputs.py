"""More inputs: saved e-mail, RSS and Atom feeds, pages without an article, four languages."""

from __future__ import annotations

import base64
import socket
import urllib.request
from pathlib import Path

import pytest

from digest import oneshot, pipeline
from digest.errors import ReadError
from digest.readers import READERS, read_file

from .conftest import make_config, make_inbox, txt

LIMIT = 20_000_000
FERRY = (
    "The harbour authority said on Monday that the new ferry terminal would open in March. "
    "Officials expect about 4,000 passengers a day once the service runs at full strength."
)
FERRY_MORE = "Construction began two years ago and ran slightly over budget, the authority said."


def read(tmp_path: Path, name: str, content: str | bytes):
    make_inbox(tmp_path, {name: content})
    return read_file(tmp_path / name, max_bytes=LIMIT)


# --- e-mail -------------------------------------------------------------------------------------

NEWSLETTER_HTML = (
    "<html><head><title>Bay Weekly</title></head><body>"
    "<div class='preheader'><a href='https://bay.example/view'>View in browser</a></div>"
    "<nav><a href='/'>Home</a> | <a href='/archive'>Archive of past issues</a></nav>"
    f"<article><h1>Ferry terminal to open</h1><p>{FERRY}</p><p>{FERRY_MORE}</p></article>"
    "<footer><p>You are receiving this because you subscribed. Unsubscribe at any time from "
    "the link in this footer.</p></footer></body></html>"
)


def eml(headers: str, body: str) -> bytes:
    return (headers.strip() + "\n\n" + body).replace("\n", "\r\n").encode("utf-8")


def test_email_html_part_preferred_with_headers_as_metadata(tmp_path):
    message = eml(
        """
From: =?utf-8?q?Bay_Times_Caf=C3=A9?= <news@bay.example>
To: reader@example.org
Subject: =?utf-8?b?RmVycnkgdGVybWluYWwgdG8gb3BlbiDigJMgd2Vla2x5?=
Date: Tue, 17 Nov 2026 08:30:00 +0100
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XYZ"
""",
        "--XYZ\nContent-Type: text/plain; charset=utf-8\n\n"
        "Plain version: read it in your browser.\n"
        "--XYZ\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(NEWSLETTER_HTML.encode()).decode()
        + "--XYZ--\n",
    )
    [article] = read(tmp_path, "newsletter.eml", message)
    assert article.title == "Ferry terminal to open – weekly"
    assert article.source == "Bay Times Café"
    assert article.published.isoformat() == "2026-11-17T08:30:00+01:00"
    assert article.text.startswith("The harbour authority said on Monday")
    assert "slightly over budget" in article.text
    for junk in ("View in browser", "Archive of past issues", "Plain version"):
        assert junk not in article.text


def test_email_plain_text_only(tmp_path):
    message = eml(
        """
From: Coast Courier <desk@courier.example>
Subject: Ferry news
Date: Wed, 18 Nov 2026 10:00:00 +0000
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable
""",
        "The harbour caf=E9 said the new ferry terminal would open in March, and that about\n"
        "4,000 passengers a day were expected once the service ran at full strength.\n",
    )
    [article] = read(tmp_path, "courier.eml", message)
    assert (article.title, article.source) == ("Ferry news", "Coast Courier")
    assert article.text.startswith("The harbour café said the new ferry terminal")
    assert "about 4,000 passengers" in article.text  # hard-wrapped lines joined


def test_email_html_without_article_falls_back_to_plain_part(tmp_path):
    message = eml(
        """
From: news@bay.example
Subject: Ferry
Content-Type: multipart/alternative; boundary="B"
""",
        f"--B\nContent-Type: text/plain\n\n{FERRY}\n"
        "--B\nContent-Type: text/html\n\n<html><body><nav>Home</nav></body></html>\n"
        "--B--\n",
    )
    [article] = read(tmp_path, "a.eml", message)
    assert article.source == "news@bay.example"  # no display name: the address
    assert article.text == FERRY


def test_email_raw_utf8_headers_and_unknown_charset(tmp_path):
    raw = (
        "From: Bäckerei Zeitung <z@example.de>\r\nSubject: Fähre öffnet\r\n"
        "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n" + FERRY
    ).encode("utf-8")
    [article] = read(tmp_path, "a.eml", raw)
    assert (article.title, article.source) == ("Fähre öffnet", "Bäckerei Zeitung")
    assert article.text == FERRY


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (FERRY, "not an e-mail message"),
        (
            "Subject: x\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\niVBORw0K\n",
            "no text or HTML part",
        ),
        (
            "Subject: x\nContent-Type: text/html\n\n<html><body><nav>Home</nav></body></html>",
            "no article text found",
        ),
        ('From: <<<>>>@@@ ,,, "\nSubject: x\n\nToo short.', "no article text"),
    ],
)
def test_unreadable_email_gives_a_reason(tmp_path, content, reason):
    with pytest.raises(ReadError, match=reason):
        read(tmp_path, "a.eml", content)


def test_email_reader_module_does_not_shadow_the_standard_library():
    import email as stdlib_email

    import digest.readers.email as reader_module

    assert stdlib_email.__file__ != reader_module.__file__
    assert hasattr(stdlib_email, "message_from_bytes")


# --- feeds --------------------------------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="iso-8859-1"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Bay Times &amp; Caf\xe9</title><link>https://bay.example/</link>
<item><title>Ferry terminal to open</title><link>https://bay.example/ferry</link>
<pubDate>Tue, 17 Nov 2026 08:00:00 +0100</pubDate>
<description>A short teaser that is not the whole story of the ferry.</description>
<content:encoded><![CDATA[<p>{FERRY}</p><script>alert(1)</script><p>{FERRY_MORE}</p>]]>
</content:encoded></item>
<item><title>Storm cuts power</title><link>https://bay.example/storm</link>
<description>&lt;p&gt;A winter storm cut electricity to about 20,000 homes in the northern hills
on Wednesday night, the utility said.&lt;/p&gt;</description></item>
</channel></rss>
"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title type="html">Coast &lt;b&gt;Courier&lt;/b&gt;</title>
<id>urn:courier</id><updated>2026-11-18T10:00:00Z</updated>
<entry><title>Ferry opens in March</title><id>urn:1</id>
<link rel="alternate" href="https://courier.example/ferry"/>
<updated>2026-11-18T10:00:00+02:00</updated>
<summary>Teaser only.</summary>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{FERRY}</p></div></content>
</entry>
<entry><title>Plain entry</title><id>urn:2</id><updated>2026-11-18T11:00:00Z</updated>
<content type="text">{FERRY_MORE} Engineers said the piers were already finished.</content></entry>
</feed>
"""


def test_rss_entries_become_articles_with_full_content(tmp_path):
    ferry, storm = read(tmp_path, "bay.rss", RSS.encode("iso-8859-1"))
    assert ferry.source == storm.source == "Bay Times & Café"
    assert (ferry.title, ferry.url) == ("Ferry terminal to open", "https://bay.example/ferry")
    assert ferry.published.isoformat() == "2026-11-17T08:00:00+01:00"
    assert ferry.text == FERRY + "\n\n" + FERRY_MORE  # content:encoded, not the teaser
    assert "alert" not in ferry.text
    assert storm.text.startswith("A winter storm cut electricity") and "<p>" not in storm.text
    assert storm.published is None


def test_atom_entries_and_html_feed_title(tmp_path):
    ferry, plain = read(tmp_path, "courier.atom", ATOM)
    assert ferry.source == "Coast Courier"
    assert ferry.url == "https://courier.example/ferry"
    assert ferry.text == FERRY
    assert ferry.published.isoformat() == "2026-11-18T10:00:00+02:00"
    assert plain.text.startswith(FERRY_MORE)


def test_xml_file_holding_a_feed_is_read_and_other_xml_is_rejected(tmp_path):
    assert len(read(tmp_path, "feed.xml", ATOM)) == 2
    note = f'<?xml version="1.0"?><note><to>Ann</to><body>{FERRY}</body></note>'
    with pytest.raises(ReadError, match="not an RSS or Atom feed"):
        read(tmp_path, "note.xml", note)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('<rss version="2.0"><channel><title>Empty</title></channel></rss>', "no entries"),
        ("<html><body><p>" + FERRY + "</p></body></html>", "not an RSS or Atom feed"),
        ("http://feeds.example/rss", "not an RSS or Atom feed"),
        ("/etc/passwd", "not an RSS or Atom feed"),
        (
            '<rss version="2.0"><channel><item><title>x</title></item></channel></rss>',
            "no article text",
        ),
    ],
)
def test_unreadable_feeds_give_a_reason(tmp_path, content, reason):
    with pytest.raises(ReadError, match=reason):
        read(tmp_path, "a.rss", content)


def test_reading_a_feed_never_touches_the_network_or_other_files(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("digest tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    secret = tmp_path / "secret.rss"
    secret.write_text(RSS.replace("Ferry terminal", "SECRET"), encoding="iso-8859-1")
    linked = RSS.replace("https://bay.example/ferry", "http://feeds.example/other.rss")
    assert len(read(tmp_path, "a.rss", linked.encode("iso-8859-1"))) == 2
    for pointer in ("http://feeds.example/rss", str(secret), f"file://{secret}"):
        with pytest.raises(ReadError, match="not an RSS or Atom feed"):
            read(tmp_path, "b.rss", pointer)


def test_new_kinds_are_registered():
    for extension in (".eml", ".rss", ".atom", ".xml"):
        assert extension in READERS


# --- pages without an article -------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><nav><ul>"
        + "".join(f"<li><a href='/s{i}'>Section {i} of the world news</a></li>" for i in range(40))
        + "</ul></nav></body></html>",
        "<html><body><header><a href='/'>Home</a></header><div class='menu'>"
        + " | ".join(f"<a href='/t{i}'>Topic {i}</a>" for i in range(30))
        + "</div><footer>Copyright 2026</footer></body></html>",
        "<html><head><title>Only a title</title></head><body></body></html>",
    ],
)
def test_page_with_only_navigation_is_rejected(tmp_path, page):
    with pytest.raises(ReadError, match="no article text found"):
        read(tmp_path, "nav.html", page)


# --- languages ----------------------------------------------------------------------------------

FRENCH = txt(
    "Le tramway du port approuvé",
    "Le conseil municipal de Lowmarsh a approuvé mardi la nouvelle ligne de tramway du port, "
    "pour un coût de 900 millions de couronnes. « C'est un grand jour pour le quartier du port », "
    "a déclaré la maire Ines Calder. La ligne comptera neuf arrêts et ouvrira en 2030. Les travaux "
    "commenceront au printemps le long de la rue du Quai, selon le conseil.",
    source="Le Courrier",
    date="2026-11-17",
)
GERMAN = txt(
    "Hafen-Straßenbahn beschlossen",
    "Der Stadtrat von Lowmarsh hat am Dienstag die neue Straßenbahnlinie zum Hafen beschlossen, "
    "die 900 Millionen Kronen kosten soll. „Das ist ein großer Tag für das Hafenviertel“, sagte "
    "Bürgermeisterin Ines Calder. Die Linie wird neun Haltestellen haben und 2030 eröffnet. Die "
    "Bauarbeiten beginnen im Frühjahr entlang der Kaistraße, wie der Rat mitteilte.",
    source="Hafenblatt",
    date="2026-11-17",
)
ENGLISH = txt(
    "Council approves harbour tram line",
    "The city council of Lowmarsh voted on Tuesday to build a harbour tram line costing 900 "
    'million crowns. "This is a great day for the harbour district," said Mayor Ines Calder. '
    "The line will have nine stops and open in 2030. Construction starts next spring along Quay "
    "Road, the council said.",
    source="Lowmarsh Post",
    date="2026-11-17",
)
SPANISH = txt(
    "Aprobado el tranvía del puerto",
    "El ayuntamiento de Lowmarsh aprobó el martes la nueva línea de tranvía del puerto, que "
    "costará 900 millones de coronas. Las obras comenzarán en primavera y la línea tendrá nueve "
    "paradas, según informó el consejo municipal en un comunicado.",
    source="El Diario",
    date="2026-11-17",
)


def test_each_language_is_detected(tmp_path):
    files = {"fr.txt": FRENCH, "de.txt": GERMAN, "en.txt": ENGLISH, "es.txt": SPANISH}
    make_inbox(tmp_path, files)
    found = {n: read_file(tmp_path / n, max_bytes=LIMIT)[0].language for n in files}
    assert found == {"fr.txt": "fr", "de.txt": "de", "en.txt": "en", "es.txt": "es"}


def test_configured_language_reaches_the_reader(tmp_path):
    config = make_config(tmp_path, **{"brief.language": "de"})
    make_inbox(config.paths.inbox, {"fr.txt": FRENCH})
    item = pipeline.read_one(config.paths.inbox / "fr.txt", config)
    assert item.error is None and item.articles[0].language == "de"
    detected = pipeline.read_one(config.paths.inbox / "fr.txt", make_config(tmp_path))
    assert detected.articles[0].language == "fr"


def test_a_story_may_mix_languages(tmp_path):
    config = make_config(tmp_path)
    folder = make_inbox(tmp_path / "mixed", {"fr.txt": FRENCH, "de.txt": GERMAN, "en.txt": ENGLISH})
    brief = oneshot.brief_paths([folder], config, sentences=3)
    assert {a.language for a in brief.articles} == {"fr", "de", "en"}
    assert brief.sentences and all(s.sources for s in brief.sentences)
    ids = {a.id for a in brief.articles}
    assert all(set(s.sources) <= ids for s in brief.sentences)
