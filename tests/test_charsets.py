"""Pages read in the encoding they declare: a BOM first, then their <meta> charset, then UTF-8
or Windows-1252."""

from __future__ import annotations

import logging

import pytest

from digest.decode import decode, decode_page
from digest.readers import read_file

from .conftest import make_inbox

LIMIT = 1_000_000
RUSSIAN = (
    "Мост закрыт на ремонт до весны. Инженеры нашли гнилые сваи под водой у старого причала. "
    "Паромы будут причаливать у рыбного рынка, пока идут работы."
)
EURO = (
    "The harbour board says the repairs will cost €4 million. Engineers found two rotten "
    "piles under the old pier, and commuters will use a temporary landing stage meanwhile."
)


def page(head: str, body: str) -> str:
    head = f"<!DOCTYPE html><html><head>{head}<title>Pier</title></head>"
    return f"{head}<body><p>{body}</p></body></html>"


def read_page(tmp_path, data: bytes):
    make_inbox(tmp_path, {"a.html": data})
    [article] = read_file(tmp_path / "a.html", max_bytes=LIMIT)
    return article


@pytest.mark.parametrize(
    ("head", "text", "encoding"),
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', RUSSIAN,
         "cp1251"),
        ('<meta charset="iso-8859-15">', EURO, "iso8859-15"),
        ("<META CHARSET=koi8-r>", RUSSIAN, "koi8-r"),
        ("<meta content='text/html;charset=\"Shift_JIS\"' http-equiv=content-type>",
         "港 の 古い 桟橋 は 修理 の ため 来春 閉鎖 される。" * 2, "cp932"),
    ],
)  # fmt: skip
def test_a_page_is_read_in_the_charset_it_declares(tmp_path, head, text, encoding):
    article = read_page(tmp_path, page(head, text).encode(encoding))
    assert text.split()[0] in article.text
    assert article.text.split() == text.split()


def test_a_bom_comes_before_the_declared_charset(tmp_path):
    data = page('<meta charset="windows-1251">', EURO).encode("utf-8-sig")
    assert "€4 million" in read_page(tmp_path, data).text


def test_a_latin_1_declaration_reads_as_windows_1252_as_browsers_do(tmp_path):
    data = page('<meta charset="iso-8859-1">', EURO).encode("cp1252")
    assert "€4 million" in read_page(tmp_path, data).text


def test_a_page_saved_as_utf_8_under_an_older_declaration_stays_utf_8(tmp_path):
    data = page('<meta charset="windows-1251">', RUSSIAN).encode("utf-8")
    assert read_page(tmp_path, data).text.split() == RUSSIAN.split()


def test_a_utf_8_page_with_a_stray_byte_under_an_older_declaration_stays_utf_8(tmp_path):
    text = EURO.replace("repairs", "repairs at the Café Zürich")
    data = page('<meta charset="iso-8859-1">', text).encode("utf-8").replace(b"says", b"say\x92s")
    assert read_page(tmp_path, data).text.split() == text.replace("says", "say’s").split()


def test_a_windows_1252_page_is_not_taken_for_utf_8_with_stray_bytes(tmp_path):
    text = EURO.replace("repairs", "repairs at the Café Zürich, the “Â©” kiosk")
    data = page('<meta charset="iso-8859-1">', text).encode("cp1252")
    assert read_page(tmp_path, data).text.split() == text.split()


def test_a_declaration_commented_out_or_too_far_down_is_not_read():
    hidden = page("<!-- <meta charset=windows-1251> -->", RUSSIAN).encode("cp1251")
    assert decode_page(hidden).text == decode(hidden)
    far = page(" " * 10_000 + "<meta charset=windows-1251>", EURO).encode("cp1252")
    assert "€4" in decode_page(far).text  # read as windows-1251, it would say "Ђ4"


def test_an_unknown_charset_falls_back_with_a_warning_naming_the_file(tmp_path, caplog):
    data = page('<meta charset="x-klingon">', EURO).encode("cp1252")
    with caplog.at_level(logging.WARNING):
        article = read_page(tmp_path, data)
    assert "€4 million" in article.text
    assert "a.html" in caplog.text and "'x-klingon'" in caplog.text


def test_a_byte_the_declared_charset_leaves_undefined_is_kept():
    data = page("<meta charset=windows-1251>", RUSSIAN).encode("cp1251") + b"\x98"
    assert decode_page(data).text.endswith("\x98")


def test_a_mail_s_html_part_without_a_charset_is_read_in_the_one_it_declares(tmp_path):
    html = page('<meta charset="windows-1251">', RUSSIAN).encode("cp1251")
    mail = b"From: a@b.example\nSubject: Pier\nContent-Type: text/html\n\n" + html
    make_inbox(tmp_path, {"a.eml": mail})
    [article] = read_file(tmp_path / "a.eml", max_bytes=LIMIT)
    assert article.text.split() == RUSSIAN.split()


def test_a_mail_s_html_part_in_an_unknown_charset_is_named_in_a_warning(tmp_path, caplog):
    html = page('<meta charset="x-klingon">', EURO).encode("cp1252")
    mail = b"From: a@b.example\nSubject: Pier\nContent-Type: text/html\n\n" + html
    make_inbox(tmp_path, {"a.eml": mail})
    with caplog.at_level(logging.WARNING):
        [article] = read_file(tmp_path / "a.eml", max_bytes=LIMIT)
    assert "€4 million" in article.text
    assert "a.eml" in caplog.text and "'x-klingon'" in caplog.text
    # Two HTML parts in that charset are told once.
    caplog.clear()
    part = b"Content-Type: text/html\n\n" + html
    split = (
        b'From: a@b.example\nSubject: Pier\nContent-Type: multipart/mixed; boundary="XX"\n\n'
        b"--XX\n" + part + b"\n--XX\n" + part + b"\n--XX--\n"
    )
    make_inbox(tmp_path, {"b.eml": split})
    with caplog.at_level(logging.WARNING):
        read_file(tmp_path / "b.eml", max_bytes=LIMIT)
    assert caplog.text.count("'x-klingon'") == 1
