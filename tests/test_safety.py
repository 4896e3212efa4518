"""Output safety: hostile article text stays text, links are http(s) only, files stay in place."""

from __future__ import annotations

import json
import os
import re

import lxml.html
import markdown
import pytest

from digest import inbox, pipeline
from digest.inbox import PROCESSED, REJECTED

from .conftest import NOW, make_config, make_inbox, txt

SCRIPT = '<script>alert("x")</script>'
STORM = (
    "A winter storm with gusts of 130 kilometres an hour cut electricity to about 20,000 homes "
    f"in the northern hills on Wednesday night {SCRIPT}. Repair crews worked through the night "
    "to restore lines brought down by falling trees <img src=x onerror=alert(1)>. The utility "
    "said most customers would have power back by Friday."
)
TRAM = (
    "The city council of Lowmarsh voted eight to three on Tuesday to build a harbour tram line "
    "costing 900 million crowns [click](javascript:alert(2)). The line will have nine stops "
    "and open in 2030, and construction starts next spring along Quay Road, the council said."
)
FERRY = (
    "The harbour authority said on Monday that the new ferry terminal would open in March. "
    "Officials expect about 4,000 passengers a day once the service runs at full strength."
)
HOSTILE_INBOX = {
    "storm.txt": txt(
        f"Storm {SCRIPT} cuts power",
        STORM,
        source='Hill "Gazette"><img src=x onerror=alert(3)>',
        date="2026-11-18",
        url="javascript:alert(4)",
    ),
    "tram.txt": txt(
        "Council approves tram | [link](javascript:alert(5)) # heading",
        TRAM,
        source="Post <b>bold</b> *stars* _under_",
        date="2026-11-17",
        url='https://post.example/tram?a=1&b="><script>alert(6)</script>',
    ),
    "ferry.json": json.dumps(
        {
            "title": "Ferry </title><script>alert(7)</script>",
            "text": FERRY,
            "url": "data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==",
            "source": "Bay\nTimes\r\n<iframe src=//evil.example>",
            "file": "../../../outside.txt",
        }
    ),
    '<img src=x onerror=alert(9)> "quoted" name.txt': txt(
        "Bridge repairs start on Monday",
        "Engineers will close the old river bridge for six weeks of repairs starting on Monday, "
        "the roads department said, and buses will take a detour through the market square.",
        source="River Herald",
        date="2026-11-19",
        url="  JAVASCRIPT:alert(10)",
    ),
}


@pytest.fixture
def built(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, HOSTILE_INBOX)
    result = pipeline.build(config, now=NOW, all_stories=True)
    assert result.written and not result.update.rejected
    # Five articles, and the storm and ferry reports share "script" and "alert" in their titles.
    assert len(result.digest.briefs) >= 3
    return config


def read_outbox(config, name: str) -> str:
    return (config.paths.outbox / name).read_text(encoding="utf-8")


def assert_inert(html: str) -> None:
    """No element or attribute that runs code; every link is in-page or http(s)."""
    document = lxml.html.document_fromstring(html)
    assert not document.xpath("//script | //img | //iframe | //b | //*[@onerror]")
    for link in document.xpath("//a/@href"):
        assert link.startswith(("#", "http://", "https://")), link


def test_html_digest_escapes_every_piece_of_article_text_and_metadata(built):
    html = read_outbox(built, "latest.html")
    assert_inert(html)
    text = lxml.html.document_fromstring(html).text_content()
    for shown in (f"Storm {SCRIPT} cuts power", 'Hill "Gazette"><img src=x onerror=alert(3)>'):
        assert shown in text  # shown as text, not swallowed
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|data):""", html, re.I)


def test_only_http_links_in_html_and_unsafe_characters_escaped(built):
    document = lxml.html.document_fromstring(read_outbox(built, "latest.html"))
    external = [h for h in document.xpath("//a/@href") if not h.startswith("#")]
    assert external == ["https://post.example/tram?a=1&b=%22%3E%3Cscript%3Ealert(6)%3C/script%3E"]


def test_markdown_digest_is_inert_when_rendered(built):
    text = read_outbox(built, "latest.md")
    assert "](<javascript" not in text.lower() and "](<data:" not in text
    assert not re.search(r"(?<!\\)<(script|img|iframe|b)\b", text)  # escaped as \<script
    assert "(<https://post.example/tram?a=1&b=%22%3E%3Cscript%3Ealert(6)%3C/script%3E>)" in text
    assert_inert(markdown.markdown(text))  # Python-Markdown passes raw HTML through


def test_json_digest_keeps_values_as_data(built):
    data = json.loads(read_outbox(built, "latest.json"))
    articles = [a for story in data["stories"] for a in story["articles"]]
    ferry = next(a for a in articles if a["title"].startswith("Ferry"))
    assert ferry["title"] == "Ferry </title><script>alert(7)</script>"
    assert ferry["file"] == "ferry.json"  # the file's own name, never a path from its content
    assert ferry["source"] == "Bay Times <iframe src=//evil.example>"


def test_nothing_is_written_outside_the_outbox_inbox_folders_and_state(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, HOSTILE_INBOX)
    before = set(tmp_path.rglob("*"))
    pipeline.build(config, now=NOW)
    allowed = (
        config.paths.outbox,
        config.paths.state.parent,
        config.paths.inbox / PROCESSED,
        config.paths.inbox / REJECTED,
    )
    created = set(tmp_path.rglob("*")) - before
    assert created
    for path in created:
        assert path in allowed or any(parent in allowed for parent in path.parents), path
    outbox_names = [p.name for p in config.paths.outbox.iterdir()]
    for name in outbox_names:
        assert not any(word in name.lower() for word in ("storm", "ferry", "tram", "img", "..")), (
            name
        )
    assert not (tmp_path.parent / "outside.txt").exists()


@pytest.mark.parametrize(
    "name", ["..", ".", "a/b.txt", "../../escape.txt", "..\\win.txt", "x" * 300 + ".txt", "-rf.txt"]
)
def test_names_in_processed_and_rejected_cannot_leave_their_folder(tmp_path, name):
    folder = tmp_path / "rejected"
    folder.mkdir()
    target = inbox._free_name(folder, name)
    assert target.parent == folder and target.name not in (".", "..")
    assert "/" not in target.name and "\\" not in target.name
    assert len(os.fsencode(target.name + "-99.error")) <= 255


def test_very_long_name_is_rejected_with_its_note(tmp_path):
    config = make_config(tmp_path)
    name = "é" * 120 + ".txt"  # 244 bytes: room for neither "-2" nor ".error" as it is
    make_inbox(config.paths.inbox, {name: "Too short.", "é" * 121 + ".md": "Short."})
    result = pipeline.update(config, now=NOW)
    assert len(result.rejected) == 2
    notes = list((config.paths.inbox / REJECTED).glob("*.error"))
    assert len(notes) == 2 and all("no article text" in n.read_text() for n in notes)
    assert not [p for p in config.paths.inbox.iterdir() if p.is_file()]


def test_file_or_link_named_like_an_inbox_folder_cannot_redirect_files(tmp_path, caplog):
    config = make_config(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    make_inbox(config.paths.inbox, {"storm.txt": txt("Storm", STORM, source="A", date="2026")})
    (config.paths.inbox / PROCESSED).symlink_to(elsewhere, target_is_directory=True)
    (config.paths.inbox / REJECTED).write_text("a file, not a folder", encoding="utf-8")
    pipeline.build(config, now=NOW)  # no crash
    assert not list(elsewhere.iterdir())
    assert (config.paths.inbox / "storm.txt").exists()  # left in place, not lost
    assert "not a folder digest made" in caplog.text
