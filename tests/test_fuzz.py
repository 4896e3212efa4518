"""Bad input: no file can crash a build, and every rejected file is set aside with its reason."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest import inbox, pipeline, readers
from digest.errors import ReadError
from digest.inbox import PROCESSED, REJECTED
from digest.readers import READERS, read_file

from .conftest import NOW, make_config, make_inbox, txt

LIMIT = 20_000_000
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ARTICLE = txt(
    "Storm knocks out power to 20,000 homes",
    "A winter storm with gusts of 130 kilometres an hour cut electricity to about 20,000 homes in "
    "the northern hills on Wednesday night. Repair crews worked through the night to restore "
    "lines brought down by falling trees. The utility said most customers would have power back "
    "by Friday.",
    source="Hill Gazette",
    date="2026-11-18",
)
SENTENCE = "The council approved the new tram line on Tuesday after a long debate in the chamber."
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n'
        for n in range(1, 10)
    )
    + ']>\n<rss version="2.0"><channel><title>T</title><item><title>&lol9;</title>'
    f"<description>{SENTENCE}</description></item></channel></rss>"
)
TOKENS = [
    "<div>", "</div>", "<p>", "</p>", "<html>", "<body>", "<article>", "<nav>", "<script>", "<!--",
    "-->", "<![CDATA[", "]]>", "<?xml version='1.0'?>", "<!DOCTYPE x [", "<!ENTITY e 'x'>", "]>",
    "&e;", "&amp;", "&#0;", "&#xD800;", "<rss version='2.0'>", "<channel>", "<item>", "<title>",
    "</title>", "<description>", "<feed xmlns='http://www.w3.org/2005/Atom'>", "<entry>",
    "<content type='html'>", "{", "}", "[", "]", '"text": ', '"title": ', ",", ":", "null", "---\n",
    "+++\n", "title: ", "= ", "# ", "> ", "- ", "1. ", "* ", "`", "[a](", "javascript:", ")", "\n",
    "\n\n", "  ", "\t", "\r", "Subject: ", "From: ", "Date: ", "Content-Type: multipart/mixed; ",
    'boundary="b"\n', "--b\n", "Content-Type: text/html\n", "=?utf-8?q?", "?=", "\u202e", "\ufeff",
    "<?xml version='1.0' encoding='punycode'?>", "Content-Type: text/plain; charset=undefined\n",
    "é", "中文", "\U0001f600", "\x0b", SENTENCE, "word ",
]  # fmt: skip
markup = st.lists(st.sampled_from(TOKENS) | st.text(max_size=12), max_size=60).map("".join)
encoded = st.tuples(markup, st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"])).map(
    lambda pair: pair[0].encode(pair[1], errors="replace")
)
any_bytes = st.binary(max_size=2000) | encoded | markup.map(str.encode)


def read_or_reason(path: Path, max_bytes: int = LIMIT):
    """The articles of a file, or the reason it was rejected; anything else fails the test."""
    try:
        return read_file(path, max_bytes=max_bytes)
    except ReadError as error:
        assert str(error).strip()
        return str(error)


# --- every reader, random input ------------------------------------------------------------------


@FUZZ
@given(extension=st.sampled_from(sorted(READERS)), content=any_bytes)
def test_any_bytes_in_any_kind_of_file_are_read_or_rejected_with_a_reason(extension, content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{extension}"
        path.write_bytes(content)
        result = read_or_reason(path)
    if not isinstance(result, str):
        assert result and all(a.text.strip() and a.file == path.name for a in result)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40) | markup,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["title", "text", "content", "url", "date"]), children)
    ),
    max_leaves=20,
)


@FUZZ
@given(value=json_values)
def test_any_json_is_read_or_rejected_with_a_reason(value):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.json"
        path.write_text(json.dumps(value), encoding="utf-8")
        read_or_reason(path)


# --- whole builds on crafted inboxes --------------------------------------------------------------

names = st.text(
    st.characters(blacklist_characters="/\\\x00", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=40,
).filter(lambda n: not inbox.is_ignored(n) and n not in (PROCESSED, REJECTED))
file_names = st.tuples(names, st.sampled_from([*READERS, ".bin", ""])).map("".join)
contents = any_bytes | st.just(ARTICLE.encode()) | st.just(LAUGHS.encode())


@settings(FUZZ, max_examples=12)
@given(files=st.dictionaries(file_names, contents, min_size=1, max_size=5))
def test_a_build_survives_any_inbox_and_sets_every_bad_file_aside(files):
    with tempfile.TemporaryDirectory() as folder:
        config = make_config(Path(folder))
        make_inbox(config.paths.inbox, {n: c for n, c in files.items() if n not in ("", ".", "..")})
        result = pipeline.build(config, now=NOW)
        assert_filed_away(config.paths.inbox, result.update)


def assert_filed_away(inbox_path: Path, update: pipeline.Update) -> None:
    """Nothing is left on top of the inbox; each rejection sits in rejected/ with its reason."""
    assert not [p.name for p in inbox_path.iterdir() if p.name not in (PROCESSED, REJECTED)]
    notes = {p.name: p.read_text(encoding="utf-8") for p in (inbox_path / REJECTED).glob("*.error")}
    assert len(notes) == len(update.rejected)
    for rejection in update.rejected:
        assert os.path.lexists(inbox_path / REJECTED / rejection.file)
        assert rejection.reason in notes[rejection.file + ".error"]


# --- the hostile cases, named ---------------------------------------------------------------------


def nested_mime(depth: int) -> str:
    parts = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth)
    )
    return "Subject: deep\n" + parts + f"Content-Type: text/plain\n\n{SENTENCE}\n"


def zip_bytes() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("article.txt", ARTICLE)
    return buffer.getvalue()


HOSTILE: dict[str, tuple[str | bytes, str | None]] = {
    # name: (content, a phrase of the reason, or None when the file must be read)
    "empty.txt": ("", "empty"),
    "blank.md": (" \n\t\r\n  ", "empty"),
    "photo.txt": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
    "scan.html": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
    "bundle.json": (zip_bytes(), "ZIP archive"),
    "noise.md": (random.Random(7).randbytes(4096), "binary file"),
    "controls.txt": (bytes(range(1, 32)) * 20, "binary file"),
    "report.pdf": (b"%PDF-1.4", "unsupported file type"),
    "cp1252.txt": (ARTICLE.replace("Storm", "Caf\u00e9 storm").encode("cp1252"), None),
    "mixed.txt": (ARTICLE.encode() + " Caf\u00e9 \u201cquoted\u201d.".encode("cp1252"), None),
    "unclosed.html": (f"<html><body><article><p>{SENTENCE} <b>Bold <i>and {SENTENCE}", None),
    "broken.json": ('{"title": "x", "text": ', "not valid JSON"),
    "list.json": ("[1, 2, 3]", "item 1 is not an object"),
    "open-front.md": ("---\ntitle: x\n" + SENTENCE, "front matter is not closed"),
    "bad-toml.md": ('+++\ntitle = "x\n+++\n' + SENTENCE, "not valid TOML"),
    "bad-yaml.md": ("---\ntitle: x\n??? what\n---\n" + SENTENCE, "not 'key: value'"),
    "thematic-break.md": ("---\n??? what\n---\n" + SENTENCE, None),  # no front matter
    "cut.rss": ('<rss version="2.0"><channel><title>T</title><item><title>x', "no article text"),
    "bomb.rss": (LAUGHS, "declares XML entities"),
    "notes.xml": (f"<?xml version='1.0'?><notes><note>{SENTENCE}</note></notes>", "not an RSS"),
    "deep.html": ("<html><body>" + "<div>" * 100_000 + SENTENCE, "no article text found"),
    "deep.json": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "deep-list.md": ("".join("  " * i + f"- {SENTENCE}\n" for i in range(2000)), None),
    "deep-quote.md": ("> " * 50_000 + SENTENCE, None),
    "brackets.md": ("[" * 20_000 + SENTENCE, None),
    "deep.xml": ("<rss version='2.0'>" + "<channel>" * 20_000, "the feed has no entries"),
    "deep.eml": (nested_mime(1200), "nested too deeply"),
    "no-sentences.txt": ("1 2 3\n\n4 5\n\n-- --", "no article text found"),
    "-rf.txt": (ARTICLE.replace("Storm", "Dash storm"), None),
    "--help.md": (ARTICLE.replace("Storm", "Help storm"), None),
    "name with spaces.txt": (ARTICLE.replace("Storm", "Spaced storm"), None),
    "ünïcödé 記事 \U0001f600.txt": (ARTICLE.replace("Storm", "Unicode storm"), None),
}


def test_hostile_inbox_is_read_without_a_crash_and_each_bad_file_says_why(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {name: content for name, (content, _) in HOSTILE.items()})
    started = time.monotonic()
    result = pipeline.build(config, now=NOW)
    assert time.monotonic() - started < 30
    reasons = {r.file: r.reason for r in result.update.rejected}
    for name, (_, reason) in HOSTILE.items():
        if reason is None:
            assert name not in reasons, f"{name} was rejected: {reasons.get(name)}"
            assert (config.paths.inbox / PROCESSED / "2026-11-21" / name).exists()
        else:
            assert reason in reasons.get(name, ""), f"{name}: {reasons.get(name)}"
    assert_filed_away(config.paths.inbox, result.update)
    assert result.written


ENTITIES = "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "lol" * 10}">' for n in range(1, 10)
)


def external(secret: Path, parameter: bool = False) -> str:
    if parameter:
        return f'<!ENTITY % p SYSTEM "file://{secret}"> %p;'
    return f'<!ENTITY x SYSTEM "file://{secret}">'


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("bomb.rss", '<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0">'
         "<channel><title>&lol9;</title><item><title>&lol9;</title><description>{sentence}"
         "</description></item></channel></rss>"),
        ("xxe.rss", '<!DOCTYPE rss [{external}]><rss version="2.0"><channel><title>T</title>'
         "<item><title>&x;</title><description>{sentence} &x;</description></item>"
         "</channel></rss>"),
        ("xxe-param.atom", '<!DOCTYPE feed [{parameter}]><feed xmlns="http://www.w3.org/2005/Atom">'
         "<title>T</title><entry><title>x</title><content>{sentence}</content></entry></feed>"),
        ("xxe-utf16.xml", "UTF16:" '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE rss '
         '[{external}]><rss version="2.0"><channel><item><title>&x;</title><description>'
         "{sentence}</description></item></channel></rss>"),
        ("bomb.html", "<!DOCTYPE html [{entities}]><html><body><article><p>{sentence} &lol9;</p>"
         "</article></body></html>"),
        ("xxe.html", "<!DOCTYPE html [{external}]><html><body><article><p>{sentence} &x;</p>"
         "</article></body></html>"),
        ("xxe.md", "<!DOCTYPE x [{external}]>\n\n{sentence} &x;"),
        ("xxe.eml", "Subject: x\nContent-Type: text/html\n\n<!DOCTYPE html [{external}]>"
         "<html><body><article><p>{sentence} &x;</p></article></body></html>"),
    ],
)  # fmt: skip
def test_xml_entities_never_expand_nor_read_other_files(tmp_path, name, template):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    content = template.format(
        entities=ENTITIES,
        external=external(secret),
        parameter=external(secret, parameter=True),
        sentence=SENTENCE,
    )
    data = content[6:].encode("utf-16") if content.startswith("UTF16:") else content.encode()
    make_inbox(tmp_path / "inbox", {name: data})
    started = time.monotonic()
    result = read_or_reason(tmp_path / "inbox" / name)
    assert time.monotonic() - started < 5
    if name.endswith((".rss", ".atom", ".xml")):
        assert isinstance(result, str) and "declares XML entities" in result
    else:
        [article] = result
        assert "TOP-SECRET" not in article.text and "lollol" not in article.text


def test_two_thousand_tiny_files_in_one_build(tmp_path):
    config = make_config(tmp_path)
    files = {f"tiny {n:04}.txt": f"Note {n}." for n in range(1990)}
    files.update({f"story-{n}.txt": ARTICLE.replace("20,000", f"{n},000") for n in range(10)})
    make_inbox(config.paths.inbox, files)
    result = pipeline.build(config, now=NOW)
    assert (result.update.files, len(result.update.stored)) == (2000, 10)
    assert len(result.update.rejected) == 1990
    assert_filed_away(config.paths.inbox, result.update)


# --- size -----------------------------------------------------------------------------------------


def test_file_above_the_limit_is_rejected_without_being_read(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        try:
            file.truncate(50 * 1024**3)  # sparse: 50 GB that take no disk; reading would fail
        except OSError:
            pytest.skip("this file system cannot hold a sparse 50 GB file")
    started = time.monotonic()
    with pytest.raises(ReadError, match=r"above the 20 MB limit"):
        read_file(huge, max_bytes=LIMIT)
    assert time.monotonic() - started < 1


def test_size_limit_comes_from_the_config(tmp_path):
    config = make_config(tmp_path, **{"inbox.max_file_mb": 0.001})
    make_inbox(config.paths.inbox, {"long.txt": ARTICLE * 3, "short.txt": "Too short."})
    result = pipeline.update(config, now=NOW)
    reasons = {r.file: r.reason for r in result.rejected}
    assert reasons["long.txt"] == f"file is {len(ARTICLE) * 3:,} bytes, above the 0.001 MB limit"
    assert "limit" not in reasons["short.txt"]
    assert (config.paths.inbox / REJECTED / "long.txt").read_text() == ARTICLE * 3


# --- links, permissions, special files, vanishing files -------------------------------------------


def test_link_out_of_the_inbox_is_rejected_and_its_target_never_read_or_moved(tmp_path):
    config = make_config(tmp_path)
    secret = tmp_path / "private" / "diary.txt"
    secret.parent.mkdir()
    secret.write_text(ARTICLE.replace("Storm", "Secret"), encoding="utf-8")
    make_inbox(config.paths.inbox, {"real.txt": ARTICLE})
    (config.paths.inbox / "diary.txt").symlink_to(secret)
    (config.paths.inbox / "inside.txt").symlink_to(config.paths.inbox / "real.txt")
    (config.paths.inbox / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    result = pipeline.build(config, now=NOW)
    reasons = {r.file: r.reason for r in result.update.rejected}
    assert set(reasons) == {"diary.txt", "inside.txt", "dangling.txt"}
    assert all("symbolic link" in reason for reason in reasons.values())
    assert secret.read_text(encoding="utf-8").startswith("Title: Secret")
    assert (config.paths.inbox / REJECTED / "diary.txt").is_symlink()
    assert all("Secret" not in b.headline for b in result.digest.briefs)
    assert (config.paths.inbox / PROCESSED / "2026-11-21" / "real.txt").is_file()
    assert_filed_away(config.paths.inbox, result.update)


def test_file_swapped_for_a_link_after_the_check_is_still_refused(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "a.txt").symlink_to(secret)
    monkeypatch.setattr(Path, "is_symlink", lambda self: False)  # the race: checked, then swapped
    with pytest.raises(ReadError, match="symbolic link"):
        read_file(tmp_path / "a.txt", max_bytes=LIMIT)


def test_unreadable_file_is_rejected_with_the_reason(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"locked.txt": ARTICLE, "open.txt": ARTICLE + " More."})
    real_open = os.open

    def deny(path, flags, *args, **kwargs):
        if Path(path).name == "locked.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    result = pipeline.update(config, now=NOW)
    [rejection] = result.rejected
    assert rejection.reason == "cannot read the file: Permission denied"
    assert "Permission denied" in (config.paths.inbox / REJECTED / "locked.txt.error").read_text()
    assert len(result.stored) == 1


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root reads files whatever their mode; the monkeypatched test above covers this",
)
def test_file_without_read_permission_is_rejected(tmp_path):
    locked = make_inbox(tmp_path, {"locked.txt": ARTICLE}) / "locked.txt"
    locked.chmod(0)
    with pytest.raises(ReadError, match="Permission denied"):
        read_file(locked, max_bytes=LIMIT)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_named_pipe_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(ReadError, match="not a regular file"):
        read_file(tmp_path / "pipe.txt", max_bytes=LIMIT)
    # offered by the inbox all the same, so that it is rejected with the reason, not left unseen
    assert inbox.pending_files(tmp_path) == [tmp_path / "pipe.txt"]


def test_file_that_vanishes_before_it_is_read_does_not_stop_the_build(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"gone.txt": ARTICLE, "kept.txt": ARTICLE + " More."})
    real_read_file = readers.read_file

    def vanish_then_read(path, **kwargs):
        if path.name == "gone.txt":
            path.unlink()
        return real_read_file(path, **kwargs)

    monkeypatch.setattr(readers, "read_file", vanish_then_read)
    result = pipeline.build(config, now=NOW)
    assert [(r.file, r.reason) for r in result.update.rejected] == [
        ("gone.txt", "the file vanished before it could be read")
    ]
    assert not (config.paths.inbox / REJECTED / "gone.txt.error").exists()
    assert (config.paths.inbox / PROCESSED / "2026-11-21" / "kept.txt").exists()


def test_filing_away_copes_with_files_that_vanished_after_reading(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": ARTICLE, "b.json": "{"})
    read = [pipeline.read_one(p, config) for p in inbox.pending_files(config.paths.inbox)]
    for item in read:
        item.path.unlink()
    pipeline.file_away(read, config.paths.inbox, NOW)
    assert not list((config.paths.inbox / REJECTED).iterdir())


def test_file_name_that_is_not_utf8_is_read_and_filed_away(tmp_path):
    config = make_config(tmp_path)
    config.paths.inbox.mkdir(parents=True)
    name = os.fsdecode(b"caf\xe9 \xff.txt")
    (config.paths.inbox / name).write_text(ARTICLE, encoding="utf-8")
    (config.paths.inbox / os.fsdecode(b"bad \xff.json")).write_text("{", encoding="utf-8")
    result = pipeline.build(config, now=NOW)
    [brief] = result.digest.briefs
    assert brief.articles[0].file == "caf\ufffd \ufffd.txt"
    assert (config.paths.inbox / PROCESSED / "2026-11-21" / name).exists()
    assert_filed_away(config.paths.inbox, result.update)


def test_a_processed_folder_removed_during_a_pass_is_made_again(tmp_path):
    from digest.inbox import move_processed

    inbox_dir = tmp_path / "inbox"
    inbox_dir.mkdir()
    (inbox_dir / "a.txt").write_text("first")
    (inbox_dir / "b.txt").write_text("second")
    checked: set = set()
    when = datetime(2026, 12, 3, tzinfo=UTC)
    first = move_processed(inbox_dir / "a.txt", inbox_dir, when, checked=checked)
    assert first is not None and first.read_text() == "first"
    shutil.rmtree(inbox_dir / PROCESSED)  # removed by someone while the pass goes on
    second = move_processed(inbox_dir / "b.txt", inbox_dir, when, checked=checked)
    assert second is not None and second.read_text() == "second"
    assert not (inbox_dir / "b.txt").exists()
