"""Rendering: escaping, safe links, Markdown and JSON shape, atomic writes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

from digest.models import Brief, BriefSentence, Digest
from digest.render import render, safe_url, to_json, write

from .conftest import ROOT, make_article

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def hostile_digest() -> Digest:
    article = make_article(
        "Some text here for the article body, long enough.",
        title=f"Title {HOSTILE}",
        source=f"Source {HOSTILE}",
        url="javascript:alert(1)",
    )
    safe = make_article(
        "Another body of text for the second article here.",
        title="Plain *title* [x](y)",
        source="Good Outlet",
        url="https://good.example/a?b=1&c=2",
    )
    brief = Brief(
        story_id="s1",
        headline=f"Headline {HOSTILE}",
        articles=(article, safe),
        sentences=(
            BriefSentence(f"Sentence {HOSTILE} # not a heading", (article.id,)),
            BriefSentence("Second sentence cites both.", (article.id, safe.id)),
        ),
    )
    return Digest(f"Digest {HOSTILE}", datetime(2026, 11, 21, 7, tzinfo=UTC), (brief,))


def test_html_escapes_all_article_text_and_drops_unsafe_links():
    html = render(hostile_digest(), ROOT / "templates", ["html"])["html"]
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://good.example/a?b=1&amp;c=2"' in html
    assert html.count('href="#source-s1-1"') == 2 and 'href="#source-s1-2"' in html
    assert "Reported by 2 outlets" in html


def test_markdown_keeps_article_text_as_plain_text():
    md = render(hostile_digest(), ROOT / "templates", ["md"])["md"]
    assert "\\<script\\>" in md and "<script>" not in md
    assert "Plain \\*title\\* \\[x\\](y)" in md
    assert "(<https://good.example/a?b=1&c=2>)" in md
    assert "javascript:" not in md
    assert "Second sentence cites both. [1] [2]" in md


def test_markdown_escapes_strike_through_entities_and_line_breaks():
    from digest.render import md_escape

    assert md_escape("Strike ~~over~~ &amp; Bay &copy; News & Co") == (
        "Strike \\~\\~over\\~\\~ \\&amp; Bay \\&copy; News & Co"
    )
    assert md_escape("Daily\n# digest") == "Daily \\# digest"  # stays one heading line


def test_json_schema():
    data = to_json(hostile_digest())
    assert set(data) == {"title", "generated_at", "stories"}
    story = data["stories"][0]
    assert {"id", "headline", "articles", "sentences"} <= set(story)
    assert set(story["articles"][0]) == {"id", "file", "title", "source", "url", "published"}
    assert story["sentences"][1]["sources"] == [a["id"] for a in story["articles"]]
    assert json.loads(render(hostile_digest(), ROOT / "templates", ["json"])["json"]) == data


def test_safe_url():
    assert safe_url("https://a.example/x") == "https://a.example/x"
    for bad in ("javascript:alert(1)", "data:text/html,x", "ftp://a/b", "//a.example", "", None):
        assert safe_url(bad) is None


def test_intro_is_markdown_with_html_escaped():
    html = render(hostile_digest(), ROOT / "templates", ["html"], intro="**Hi** <b>x</b>")["html"]
    assert "<strong>Hi</strong>" in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_intro_markdown_keeps_its_syntax_and_only_safe_links():
    from digest.render import markdown_html

    html = str(
        markdown_html(
            "> Editor's note.\n\nSee <https://example.org>, `a < b`, [bad](javascript:alert(1)),"
            " [mail](mailto:desk@example.org) and ![x](data:image/png;base64,AA) <script>x</script>"
        )
    )
    assert "<blockquote>" in html  # not escaped before Markdown saw it
    assert '<a href="https://example.org">https://example.org</a>' in html
    assert "<code>a &lt; b</code>" in html  # escaped once, shown as "<"
    assert "<a>bad</a>" in html and "javascript" not in html and "data:" not in html
    assert '<a href="mailto:desk@example.org">mail</a>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_intro_autolinked_address_keeps_its_mailto_target():
    from digest.render import markdown_html

    html = str(markdown_html("Write to <news@desk.example>; [odd](&#106;avascript:alert(1))"))
    [address] = re.findall(r'<a href="([^"]*)">([^<]*)</a>', html)
    assert address[0] == "mailto:news@desk.example"
    assert unescape(address[1]) == "news@desk.example"
    assert "<a>odd</a>" in html  # an entity does not smuggle in another scheme


def test_write_writes_the_digests_own_files_atomically(tmp_path):
    paths = write({"md": "one", "json": "{}"}, tmp_path, "digest-x")
    assert [p.name for p in paths] == ["digest-x.md", "digest-x.json"]  # latest.* come later
    write({"md": "two"}, tmp_path, "digest-y")
    assert (tmp_path / "digest-x.md").read_text() == "one"
    assert (tmp_path / "digest-y.md").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "digest-x.json", "digest-x.md", "digest-y.md"
    ]  # fmt: skip


def test_an_outlet_without_a_source_is_named_by_its_host_alone():
    from digest.render import outlets

    articles = (
        make_article("One.", source="Valley Wire", url="https://valley.example/a"),
        make_article("Two.", url="https://user:secret@News.Example.ORG:8443/story?id=1"),
        make_article("Three.", url="https://news.example.org/other"),
        make_article("Four."),  # neither a source nor an address: not an outlet
    )
    brief = Brief("s1", "Headline", articles, ())
    assert outlets(brief) == ["Valley Wire", "news.example.org"]


def test_templates_a_project_lacks_come_from_the_built_in_ones(tmp_path):
    from digest.render import builtin_templates

    assert sorted(p.name for p in builtin_templates().glob("*.j2")) == sorted(
        p.name for p in (ROOT / "templates").glob("*.j2")
    )
    missing = render(hostile_digest(), tmp_path / "no-such-folder", ["html", "md"])
    assert missing == render(hostile_digest(), ROOT / "templates", ["html", "md"])
    own = tmp_path / "templates"
    own.mkdir()
    (own / "digest.md.j2").write_text("MY DIGEST {{ digest.briefs | length }}\n")
    mixed = render(hostile_digest(), own, ["html", "md"])
    assert mixed["md"] == "MY DIGEST 1\n"  # the project's own first
    assert mixed["html"] == missing["html"]  # the rest built in


def test_the_package_ships_every_module_folder_and_the_templates():
    import tomllib

    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "digest").rglob("__init__.py")
    }
    assert set(setup["packages"]) == folders | {"digest.templates"}
    assert setup["package-dir"] == {"digest.templates": "templates"}
    assert setup["package-data"] == {"digest.templates": ["*.j2", "config.toml"]}


def test_links_to_other_digests_point_to_a_file_that_is_written(tmp_path):
    from digest.render import Links

    for name in ("digest-2026-11-19.md", "digest-2026-11-20.md", "digest-2026-11-20.json"):
        (tmp_path / name).write_text("")
    (tmp_path / "digest-2026-11-18.html").write_text("")
    links = Links(outbox=tmp_path)  # every format configured: the files say which are written
    assert links.digest("digest-2026-11-20") == "digest-2026-11-20.md"  # the permalink
    assert links.digest("digest-2026-11-20", "json") == "digest-2026-11-20.json"
    assert links.digest("digest-2026-11-18", "md") == "digest-2026-11-18.html"
    assert Links(formats=("html",), outbox=tmp_path).digest("digest-2026-11-19") == (
        "digest-2026-11-19.md"  # written before the config named HTML alone
    )
    assert links.digest("digest-2026-11-17") is None  # its files are gone
    assert Links().digest("digest-2026-11-20") is None  # no outbox: nothing known to link
    served = Links("https://example.org/d/", ("html",), mail=True, outbox=tmp_path)
    assert served.digest("digest-2026-11-20") == "https://example.org/d/digest-2026-11-20.md"
    assert Links(mail=True, outbox=tmp_path).digest("digest-2026-11-20") is None  # relative


def test_a_digests_own_address_is_its_written_file_or_a_configured_format(tmp_path):
    from digest.render import Links

    (tmp_path / "digest-2026-11-20.md").write_text("")
    base = "https://example.org/d/"
    # Mailed later under a config that names HTML alone: the address of the file it has.
    old = Links(base, ("html",), mail=True, name="digest-2026-11-20", outbox=tmp_path)
    assert old.web() == "https://example.org/d/digest-2026-11-20.md"
    # Rendered to be written: the format it is being written in.
    new = Links(base, ("md", "json"), mail=True, name="digest-2026-11-21", outbox=tmp_path)
    assert new.web() == "https://example.org/d/digest-2026-11-21.md"
    assert Links(base, ("json",), name="digest-2026-11-21").web() == f"{base}digest-2026-11-21.json"
    assert Links(mail=True, name="digest-2026-11-21", outbox=tmp_path).web() is None


def test_a_render_does_not_depend_on_the_cache_of_compiled_templates(tmp_path, monkeypatch):
    from digest import render as rendering

    folder = tmp_path / "cache"
    folder.mkdir()
    monkeypatch.setattr(
        rendering, "_bytecode_cache", lambda mode: rendering._BytecodeCache(str(folder))
    )
    first = render(hostile_digest(), ROOT / "templates", ["md", "html"])
    assert list(folder.iterdir())  # compiled once, kept
    assert render(hostile_digest(), ROOT / "templates", ["md", "html"]) == first  # loaded
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()  # removed under a running daemon, say: compiled again, not kept
    assert render(hostile_digest(), ROOT / "templates", ["md", "html"]) == first
    assert not folder.exists()


def test_each_previous_digest_is_looked_up_once_per_render(tmp_path, monkeypatch):
    from digest import render as rendering
    from digest.models import Coverage
    from digest.render import Links

    for name in ("digest-2026-11-19.md", "digest-2026-11-20.html", "digest-2026-11-20.json"):
        (tmp_path / name).write_text("")
    shown = BriefSentence("The council met on Tuesday to talk about the rail line.", ("a",))
    earlier = {  # seven updated stories, shown in three earlier digests (one of them gone)
        day: Coverage(f"digest-2026-11-{day}", datetime(2026, 11, day, tzinfo=UTC), "H", (shown,))
        for day in (18, 19, 20)
    }
    briefs = tuple(
        Brief(
            f"s{n}", f"Story {n}", (make_article(f"Story {n} has news today, more than before."),),
            (BriefSentence(f"Story {n} has news today, more than before.", ()),),
            previous=earlier[day],
        )
        for n, day in enumerate((18, 19, 19, 20, 20, 20, 20))
    )  # fmt: skip
    digest = Digest("Daily digest", datetime(2026, 11, 21, 7, tzinfo=UTC), briefs)
    looked_up = []
    real = rendering.digest_files

    def counted(folder, stem, *args):
        looked_up.append(stem)
        return real(folder, stem, *args)

    monkeypatch.setattr(rendering, "digest_files", counted)
    texts = render(digest, ROOT / "templates", ["html", "md"], links=Links(outbox=tmp_path))
    assert sorted(looked_up) == ["digest-2026-11-18", "digest-2026-11-19", "digest-2026-11-20"]
    assert texts["html"].count('href="digest-2026-11-20.html"') == 4
    assert texts["md"].count("(<digest-2026-11-19.md>)") == 2
    assert "digest-2026-11-18." not in texts["html"]  # its files are gone: no link


def test_every_day_a_digest_shows_is_in_its_own_time_zone():
    from zoneinfo import ZoneInfo

    from digest.models import Coverage

    pacific = ZoneInfo("America/Los_Angeles")
    evening = datetime(2026, 11, 11, 1, tzinfo=UTC)  # 10 Nov, 17:00 in Los Angeles
    article = make_article(
        "The harbour ferry resumed service after the storm on Tuesday evening.",
        title="Ferry back",
        source="Bay Wire",
        published=evening,
    )
    earlier = Coverage("digest-2026-11-10", datetime(2026, 11, 11, 3, tzinfo=UTC), "Ferry", ())
    brief = Brief(
        "s1", "Ferry back", (article,),
        (BriefSentence("The harbour ferry resumed service after the storm.", (article.id,)),),
        first_seen=evening, previous=earlier,
    )  # fmt: skip
    built = datetime(2026, 11, 12, 3, tzinfo=UTC).astimezone(pacific)  # 11 Nov, 19:00 there
    texts = render(Digest("Daily", built, (brief,)), ROOT / "templates", ["html", "md", "text"])
    for fmt, text in texts.items():
        assert "Wednesday 11 November 2026" in text, fmt
        assert "(10 Nov 2026)" in text or "· 10 Nov 2026" in text, fmt
        assert "first reported 10 Nov" in text, fmt
        assert "the digest of 10 Nov" in text, fmt
        assert "11 Nov 2026" not in text and "first reported 11 Nov" not in text, fmt
    data = to_json(Digest("Daily", built, (brief,)))
    assert data["stories"][0]["articles"][0]["published"] == "2026-11-11T01:00:00+00:00"
