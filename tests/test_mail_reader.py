"""Mail as clients write it: a covering note over a forwarded message, text split around images."""

from __future__ import annotations

import base64

import pytest

from digest.errors import ReadError
from digest.readers import read_file

from .conftest import make_inbox

LIMIT = 1_000_000
FIRST = (
    "The harbour board voted on Monday to close the old ferry pier for repairs next spring. "
    "Engineers found that two of the pier's timber piles had rotted through below the waterline."
)
SECOND = (
    "Commuters will use a temporary landing stage beside the fish market while the work goes on. "
    "The board expects the repairs to cost about four million euros and to last six months."
)
HEADERS = (
    "From: Ann Lee <ann@harbour.example>\nSubject: Fwd: Pier to close\n"
    "Date: Mon, 09 Mar 2026 09:00:00 +0000\nMIME-Version: 1.0\n"
)
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(64)).decode()


def read_mail(tmp_path, mail: str):
    make_inbox(tmp_path, {"a.eml": mail})
    [article] = read_file(tmp_path / "a.eml", max_bytes=LIMIT)
    return article


def forward(note_part: str) -> str:
    return (
        f'{HEADERS}Content-Type: multipart/mixed; boundary="XX"\n\n--XX\n{note_part}\n--XX\n'
        'Content-Type: message/rfc822\nContent-Disposition: attachment; filename="pier.eml"\n\n'
        "From: Harbour Board <board@harbour.example>\nSubject: Pier to close\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{FIRST}\n\n{SECOND}\n--XX--\n"
    )


@pytest.mark.parametrize(
    "note_part",
    [
        "Content-Type: text/plain\n\nSent from my iPhone\n",
        "Content-Type: text/plain\n\nsee attached\n\n-- \nAnn\n",
        "Content-Type: text/html\n\n<html><body><div>FYI, see attached</div></body></html>\n",
    ],
)
def test_a_message_forwarded_under_a_covering_note_is_read(tmp_path, note_part):
    article = read_mail(tmp_path, forward(note_part))
    assert article.text.split("\n\n") == [FIRST, SECOND]
    assert (article.title, article.source) == ("Fwd: Pier to close", "Ann Lee")


def test_a_message_with_an_article_of_its_own_is_read_not_its_attached_one(tmp_path):
    own = (
        "Ferry services on the north shore will run every twenty minutes from next week. "
        "The operator says new boats arrived earlier than it had planned last year."
    )
    article = read_mail(tmp_path, forward(f"Content-Type: text/plain\n\n{own}\n"))
    assert article.text == own


def mixed(*parts: str) -> str:
    body = "".join(f"--XX\n{part}\n" for part in parts)
    return f'{HEADERS}Content-Type: multipart/mixed; boundary="XX"\n\n{body}--XX--\n'


IMAGE = (
    "Content-Type: image/png\nContent-Disposition: inline; filename=pier.png\n"
    f"Content-Transfer-Encoding: base64\n\n{PNG}"
)


def test_text_split_around_an_inline_image_is_read_whole_in_order(tmp_path):
    mail = mixed(
        f"Content-Type: text/plain; charset=utf-8\n\n{FIRST}",
        IMAGE,
        f"Content-Type: text/plain; charset=utf-8\nContent-Disposition: inline\n\n{SECOND}",
    )
    assert read_mail(tmp_path, mail).text.split("\n\n") == [FIRST, SECOND]


def test_html_split_around_an_inline_image_is_read_whole_in_order(tmp_path):
    alternative = (
        'Content-Type: multipart/alternative; boundary="YY"\n\n--YY\n'
        f"Content-Type: text/plain\n\n{FIRST}\n\n{SECOND}\n--YY\n"
        'Content-Type: multipart/mixed; boundary="ZZ"\n\n--ZZ\n'
        f"Content-Type: text/html\n\n<html><body><p>{FIRST}</p></body></html>\n--ZZ\n{IMAGE}\n"
        f"--ZZ\nContent-Type: text/html\n\n<html><body><p>{SECOND}</p></body></html>\n"
        "--ZZ--\n--YY--"
    )
    assert read_mail(tmp_path, mixed(alternative)).text.split("\n\n") == [FIRST, SECOND]


def test_a_text_file_attached_to_a_mail_is_not_read_as_its_text(tmp_path):
    mail = mixed(
        f"Content-Type: text/plain\n\n{FIRST}",
        "Content-Type: text/plain\nContent-Disposition: attachment; filename=log.txt\n\n" + SECOND,
    )
    assert read_mail(tmp_path, mail).text == FIRST


@pytest.mark.parametrize(
    "attachment",
    [
        "Content-Type: text/plain\nContent-Disposition: inline; filename=notes.txt\n\n" + SECOND,
        'Content-Type: text/plain; name="notes.txt"\n\n' + SECOND,
        "Content-Type: text/html\nContent-Disposition: inline; filename=minutes.html\n\n"
        f"<html><body><p>{SECOND}</p></body></html>",
    ],
)
def test_a_file_attached_inline_is_not_read_as_the_mail_s_text(tmp_path, attachment):
    # Apple Mail attaches files inline, with a file name; the text parts it splits have none.
    mail = mixed(f"Content-Type: text/plain\n\n{FIRST}", attachment)
    assert read_mail(tmp_path, mail).text == FIRST


@pytest.mark.parametrize(
    "only_part",
    [
        "Content-Type: text/plain\nContent-Disposition: inline; filename=pier.txt\n\n"
        f"{FIRST}\n\n{SECOND}",
        'Content-Type: text/plain; name="pier.txt"\n\n' + f"{FIRST}\n\n{SECOND}",
    ],
)
def test_a_mail_whose_only_text_is_a_named_inline_part_is_read(tmp_path, only_part):
    # A newsletter tool may send its article as a named inline file and nothing else.
    mail = f'{HEADERS}Content-Type: multipart/mixed; boundary="XX"\n\n--XX\n{only_part}\n--XX--\n'
    assert read_mail(tmp_path, mail).text == f"{FIRST}\n\n{SECOND}"


@pytest.mark.parametrize(
    "footer",
    [
        "_______________________________________________\nHarbour mailing list\n"
        "Harbour@lists.harbour.example\nhttps://lists.harbour.example/mailman/listinfo/harbour\n",
        "_______________________________________________\n"
        "Harbour mailing list -- harbour@lists.harbour.example\n"
        "To unsubscribe send an email to harbour-leave@lists.harbour.example\n",
    ],
)
def test_a_mailing_list_s_footer_part_is_not_read_as_the_mail_s_text(tmp_path, footer):
    footer_part = (
        f"Content-Type: text/plain; charset=us-ascii\nContent-Disposition: inline\n\n{footer}"
    )
    mail = mixed(f"Content-Type: text/plain\n\n{FIRST}", footer_part)
    assert read_mail(tmp_path, mail).text == FIRST


def test_a_last_part_that_only_mentions_a_mailing_list_is_read(tmp_path):
    last = (
        f"Content-Type: text/plain\nContent-Disposition: inline\n\nThe mailing list said: {SECOND}"
    )
    mail = mixed(f"Content-Type: text/plain\n\n{FIRST}", IMAGE, last)
    assert read_mail(tmp_path, mail).text.split("\n\n") == [
        FIRST,
        f"The mailing list said: {SECOND}",
    ]


def test_a_covering_note_over_nothing_is_still_rejected(tmp_path):
    make_inbox(tmp_path, {"a.eml": f"{HEADERS}\nSent from my iPhone\n"})
    with pytest.raises(ReadError, match="no article text"):
        read_file(tmp_path / "a.eml", max_bytes=LIMIT)
