"""Markdown and plain-text articles: line endings, front matter as YAML writes it, and
extension syntax that must not reach a brief."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.errors import ReadError
from digest.readers import read_file

from .conftest import make_inbox

BODY = (
    "The county council agreed on Wednesday to keep the mobile library running for two more "
    "years. Volunteers had collected 3,000 signatures against plans to withdraw the van.\n\n"
    "The service visits eleven villages that have no library of their own, the council said."
)
FRONT = "---\ntitle: Library van saved\nsource: County News\ndate: 2026-03-08\n---\n\n"


def read(tmp_path, name: str, content: str | bytes):
    make_inbox(tmp_path, {name: content})
    return read_file(tmp_path / name, max_bytes=1_000_000)


@pytest.mark.parametrize(
    "ending",
    [
        lambda text: text.replace("\n", "\r"),  # classic Mac OS
        lambda text: text.replace("\n", "\r\n", 2).replace("\n", "\r", 3),  # mixed
        lambda text: text.replace("\n", "\r\n"),
    ],
)
def test_front_matter_is_read_whatever_the_line_endings(tmp_path, ending):
    [article] = read(tmp_path, "a.md", ending(FRONT + BODY).encode())
    assert (article.title, article.source) == ("Library van saved", "County News")
    assert article.published == datetime(2026, 3, 8, tzinfo=UTC)
    assert article.text.startswith("The county council")


@pytest.mark.parametrize("opening", ["   \n\n", " \t\n \n", "\n  \n"])
def test_a_text_header_below_whitespace_only_lines_is_the_header(tmp_path, opening):
    text = f"{opening}Title: Library van saved\nSource: County News\n\n{BODY}"
    [article] = read(tmp_path, "a.txt", text)
    assert (article.title, article.source) == ("Library van saved", "County News")
    assert article.text.startswith("The county council")


@pytest.mark.parametrize(
    ("front", "title"),
    [
        ("title: >\n  Library van saved\n  by volunteers\n", "Library van saved by volunteers"),
        ("title: >-\n  Library van saved\n", "Library van saved"),
        ("title: |\n  Library van saved\n", "Library van saved"),
        ("title: 'It''s saved'\n", "It's saved"),
        ('title: "The \\"people\'s\\" van"\n', 'The "people\'s" van'),
        ("title: Library van\n  saved at last\n", "Library van saved at last"),
        ("title: 'Library van\n  saved'\n", "Library van saved"),
    ],
)
def test_front_matter_values_as_yaml_writes_them(tmp_path, front, title):
    [article] = read(tmp_path, "a.md", f"---\n{front}source: County News\n---\n\n{BODY}")
    assert (article.title, article.source) == (title, "County News")


def test_front_matter_closed_with_dots(tmp_path):
    [article] = read(tmp_path, "a.md", f"---\ntitle: Library van saved\n...\n\n{BODY}")
    assert article.title == "Library van saved"
    assert article.text.startswith("The county council")


@pytest.mark.parametrize(
    "content",
    [
        f"---\n\n{BODY}\n\n---\n\nThe van will get a new engine next year, the council said.",
        f"---\n{BODY}\n\nThe van will get a new engine next year, the council said.",
    ],
)
def test_a_file_opening_with_a_thematic_break_is_markdown_without_front_matter(tmp_path, content):
    [article] = read(tmp_path, "a.md", content)
    assert article.text.startswith("The county council") and "new engine" in article.text


def test_front_matter_that_starts_as_such_and_breaks_says_why(tmp_path):
    with pytest.raises(ReadError, match="not 'key: value'"):
        read(tmp_path, "a.md", f"---\ntitle: Library van\n??? what\n---\n\n{BODY}")


def test_footnotes_and_strikethrough_do_not_reach_the_text(tmp_path):
    content = (
        "The county council agreed on ~~Tuesday~~ Wednesday to keep the mobile library "
        "running.[^1] Volunteers had collected 3,000 signatures.[^note]\n\n"
        "The service visits eleven villages that have no library of their own.\n\n"
        "[^1]: Council minutes, 8 March 2026.\n"
        "[^note]: Figures from the campaign group,\n    checked by the council.\n"
    )
    [article] = read(tmp_path, "a.md", content)
    assert "[^" not in article.text and "~~" not in article.text
    assert "Council minutes" not in article.text and "checked by" not in article.text
    assert "agreed on Wednesday to keep" in article.text
    assert "running. Volunteers had collected 3,000 signatures." in article.text


def test_code_and_undefined_footnote_labels_keep_their_text(tmp_path):
    content = (
        "The council's new search box matches postcodes with `[^0-9]` removed, and the form "
        "now reads `a ~~b~~ c` literally, the clerk said.[^1] A regex such as [^a-z] is shown "
        "as the clerk typed it.\n\n"
        "```\nfilter ~~old~~ [^1] rows\n```\n\n"
        "Volunteers had collected 3,000 signatures against plans to withdraw the van.\n\n"
        "[^1]: Council minutes, 8 March 2026.\n"
    )
    [article] = read(tmp_path, "a.md", content)
    assert "[^0-9]" in article.text and "a ~~b~~ c" in article.text
    assert "[^a-z] is shown" in article.text
    assert "filter ~~old~~ [^1] rows" in article.text
    assert "said. A regex" in article.text and "Council minutes" not in article.text


@pytest.mark.parametrize("fence", ["```", "~~~"])
def test_a_fence_never_closed_does_not_keep_the_rest_as_code(tmp_path, fence):
    content = (
        f"Volunteers had collected 3,000 signatures against the plan.\n\n{fence}\n\n"
        "The council met on ~~Tuesday~~ Wednesday.[^1]\n\n"
        "[^1]: Minutes of the meeting, page 4.\n"
    )
    [article] = read(tmp_path, "a.md", content)
    assert "met on Wednesday." in article.text
    assert "Tuesday" not in article.text and "Minutes" not in article.text


@pytest.mark.parametrize(
    "opening",
    [
        "Breaking news: the county council voted 5-2 on Tuesday to keep the library van.\n\n",
        "The county council voted last night: five to two for the library van.\n\n",
    ],
)
@pytest.mark.parametrize("closed", [False, True])
def test_prose_after_a_thematic_break_is_not_taken_for_front_matter(tmp_path, opening, closed):
    content = f"---\n{opening}{BODY}" + ("\n\n---\n\nMore about the van.\n" if closed else "")
    [article] = read(tmp_path, "a.md", content)
    assert opening.split(":")[0] in article.text and BODY.split(".")[0] in article.text


@pytest.mark.parametrize(
    "front",
    [
        "Publish Date: 2026-03-08\ntitle: Library van saved\n",
        '"title": "Library van saved"\n"source": County News\n',
        "'title': Library van saved\n",
        "  title: Library van saved\n  source: County News\n",
    ],
)
def test_front_matter_whose_first_key_is_not_a_bare_word_is_read(tmp_path, front):
    [article] = read(tmp_path, "a.md", f"---\n{front}---\n\n{BODY}")
    assert article.title == "Library van saved"
    assert article.text.startswith("The county council") and ":" not in article.text


def test_front_matter_with_a_quoted_first_key_that_breaks_says_why(tmp_path):
    with pytest.raises(ReadError, match="not 'key: value'"):
        read(tmp_path, "a.md", f'---\n"title": Library van\n??? what\n---\n\n{BODY}')
