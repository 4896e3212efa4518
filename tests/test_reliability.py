"""Nothing lost, nothing hangs: files that change while read, hostile input, broken folders,
slow servers and odd clocks."""

from __future__ import annotations

import codecs
import json
import logging
import os
import socket
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from digest import inbox, limits, pipeline, queries, readers
from digest.config import EmailSettings, load_config
from digest.crontab import cron_trigger
from digest.daemon import Daemon
from digest.errors import ConfigError, DigestError, ReadError, StoreError
from digest.inbox import PROCESSED, REJECTED
from digest.mail import SendError, deliver
from digest.readers import READERS, read_file
from digest.readers.draft import Draft
from digest.schedule import missed_run
from digest.watch import SettledFiles

from .conftest import make_config, make_inbox, txt

BODY = (
    "The harbour board approved a new ferry timetable on Monday after months of talks. "
    "Crossings will run every twenty minutes at peak times, the board said.\n\n"
    "Operators expect the change to cut waiting times for commuters by a third."
)
EDITION_1 = txt("Ferry timetable approved", BODY, source="Harbour News", date="2026-11-20")
EDITION_2 = txt(
    "Ferry fares frozen for a year",
    "The harbour board froze ferry fares for a year on Tuesday, citing rising costs for "
    "commuters. The decision follows the new timetable agreed this week.\n\n"
    "Season tickets keep their current price until next winter.",
    source="Harbour News",
    date="2026-11-21",
)
LIMIT = 1_000_000


def processed(config) -> list[str]:
    folder = config.paths.inbox / PROCESSED
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def replace_with(path, text: str) -> None:
    """Drop a new edition under the same name, as a job writing to a temporary name does."""
    temporary = path.with_name(".new-edition")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# 1. Only what was read is filed away; build skips files still being written.


def test_a_file_replaced_after_it_was_read_stays_for_the_next_pass(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"news.txt": EDITION_1})
    news = config.paths.inbox / "news.txt"
    place = pipeline.place_articles

    def replaced_during_the_build(store, config):
        replace_with(news, EDITION_2)  # after reading, before filing away
        return place(store, config)

    monkeypatch.setattr(pipeline, "place_articles", replaced_during_the_build)
    pipeline.update(config)
    assert news.read_text(encoding="utf-8") == EDITION_2  # the new edition was not filed unread
    assert processed(config) == []
    monkeypatch.setattr(pipeline, "place_articles", place)
    pipeline.update(config)
    assert processed(config) == ["news.txt"]
    assert queries.status(config).articles == 2  # both editions stored


def test_a_file_written_to_while_it_is_read_is_read_again_whole(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"news.txt": EDITION_1})
    news = config.paths.inbox / "news.txt"
    read = readers.read_file

    def still_growing(path, **kwargs):
        articles = read(path, **kwargs)
        with open(path, "a", encoding="utf-8") as file:
            file.write("\n\nA late paragraph the writer was still adding as it was read.")
        return articles

    monkeypatch.setattr(readers, "read_file", still_growing)
    result = pipeline.update(config)
    assert result.stored == () and news.exists()  # half a file is neither stored nor filed
    monkeypatch.setattr(readers, "read_file", read)
    pipeline.update(config)
    assert not news.exists()
    with pipeline.open_state(config) as store:
        [story] = store.stories(store.story_ids_with_news(0))
    assert "late paragraph" in story.articles[0].text


def test_build_waits_for_a_file_changed_just_now_and_skips_it_if_it_grows(
    tmp_path, monkeypatch, caplog
):
    config = make_config(tmp_path, **{"watch.settle_seconds": 5})
    make_inbox(config.paths.inbox, {"news.txt": EDITION_1})
    news = config.paths.inbox / "news.txt"
    waits = []

    def writer_still_at_work(seconds: float) -> None:
        waits.append(seconds)
        with open(news, "a", encoding="utf-8") as file:
            file.write("\n\nAnother paragraph arrives.")

    monkeypatch.setattr(inbox.time, "sleep", writer_still_at_work)
    with caplog.at_level(logging.INFO):
        result = pipeline.build(config)
    assert 0 < waits[0] <= 5  # watched until five seconds old, by our clock
    assert result.update.stored == () and news.exists() and processed(config) == []
    assert "news.txt: still being written" in caplog.text
    old = time.time() - 60
    os.utime(news, (old, old))  # the writer finished a minute ago
    assert len(pipeline.build(config).update.stored) == 1
    assert processed(config) == ["news.txt"]


# 2. Settling is judged by our own clock, not the writer's.


def test_a_file_stamped_in_the_past_by_a_lagging_clock_is_not_settled_at_first_sight(tmp_path):
    now = [100.0]
    files = SettledFiles(tmp_path, settle_seconds=1.0, clock=lambda: now[0])
    share = tmp_path / "from-share.txt"
    share.write_text("the first paragraphs")
    lagging = time.time() - 600  # the client's clock runs ten minutes behind
    os.utime(share, (lagging, lagging))
    files.touch(share)
    assert files.settled() == []
    now[0] += 0.6
    with open(share, "a") as file:  # it is still being written
        file.write(" and more")
    os.utime(share, (lagging + 1, lagging + 1))
    assert files.settled() == []
    now[0] += 0.6
    assert files.settled() == []  # unchanged for 0.6 s only
    now[0] += 0.5
    assert files.settled() == [share]


# 3. State or outbox in the inbox.


def test_state_or_outbox_inside_the_inbox_is_refused_naming_the_keys(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[paths]\ninbox = "in"\nstate = "in/state.sqlite3"\noutbox = "in"\n')
    with pytest.raises(ConfigError) as error:
        load_config(config)
    assert "paths.state" in str(error.value) and "paths.outbox and paths.inbox" in str(error.value)
    config.write_text('[paths]\ninbox = "in"\nstate = "in/../state/s.sqlite3"\n')
    assert load_config(config).paths.state.name == "s.sqlite3"


# 4. Entity declarations in any encoding.


@pytest.mark.parametrize("encoding", ["utf-32", "utf-16", "cp037"])
def test_a_feed_declaring_entities_is_refused_in_any_encoding(tmp_path, encoding):
    feed = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<!DOCTYPE rss [<!ENTITY w "word word word word word">]>\n'
        "<rss version='2.0'><channel><title>Wire</title><item><title>Entities</title>"
        "<description>&w; &w; &w; &w; and the harbour board met on Monday.</description>"
        "</item></channel></rss>"
    )
    path = tmp_path / "feed.xml"
    path.write_bytes(feed.encode(encoding))  # with its byte-order mark
    with pytest.raises(ReadError, match="declares XML entities"):
        read_file(path, max_bytes=LIMIT)


# 5. E-mail headers are bounded before parsing.


def test_an_email_with_a_huge_subject_is_refused_before_parsing(tmp_path):
    words = " ".join("=?utf-8?q?news?=" for _ in range(2000))
    message = f"From: a@example.org\nSubject: {words}\n\n{BODY}\n".encode()
    path = tmp_path / "mail.eml"
    path.write_bytes(message)
    with pytest.raises(ReadError, match="Subject header is over 16,000 bytes"):
        read_file(path, max_bytes=LIMIT)
    in_a_part = (
        "From: a@example.org\nSubject: Ferry news\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="cut here"\n\n--cut here\n'
        f'Content-Type: text/plain; charset=utf-8; name="{words}"\n\n{BODY}\n--cut here--\n'
    )
    path.write_bytes(in_a_part.encode())
    with pytest.raises(ReadError, match="Content-Type header is over 16,000 bytes"):
        read_file(path, max_bytes=LIMIT)
    path.write_bytes(in_a_part.replace(words, "ferry.txt").encode())
    assert read_file(path, max_bytes=LIMIT)[0].title == "Ferry news"


# 6. Work per file is bounded.


def test_a_tag_of_too_many_attributes_is_refused_in_any_input(tmp_path):
    attributes = " ".join(f'a{i}="x"' for i in range(limits.MAX_ATTRIBUTES + 1))
    page = f"<html><body><div {attributes}><p>{BODY}</p></div></body></html>"
    (tmp_path / "page.html").write_text(page)
    escaped = json.dumps({"title": "Ferry", "text": page}).replace("<", "\\u003c")
    (tmp_path / "page.json").write_text(escaped)
    for name in ("page.html", "page.json"):
        with pytest.raises(ReadError, match="1,001 attributes, above the limit of 1,000"):
            read_file(tmp_path / name, max_bytes=LIMIT)
    few = " ".join(f'a{i}="x y z"' for i in range(50))
    (tmp_path / "fine.html").write_text(f"<html><body><div {few}><p>{BODY}</p></div></body></html>")
    assert read_file(tmp_path / "fine.html", max_bytes=LIMIT)


def test_a_file_over_its_time_budget_is_rejected_with_the_reason(tmp_path, monkeypatch):
    def slow_reader(text: str) -> list[Draft]:  # stands for markup that is costly to parse
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            pass
        return [Draft(text=BODY)]

    monkeypatch.setitem(READERS, ".md", slow_reader)
    monkeypatch.setattr(limits, "READ_SECONDS", 0.2)
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"costly.md": BODY})
    started = time.monotonic()
    result = pipeline.update(config)
    assert time.monotonic() - started < 2
    [rejection] = result.rejected
    assert "longer than 0.2 s" in rejection.reason
    note = config.paths.inbox / REJECTED / "costly.md.error"
    assert "limit for one file" in note.read_text()


# 8. Unreadable folders are clean errors, and the daemon survives them.


def test_an_unreadable_inbox_is_a_clean_error(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"news.txt": EDITION_1})

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(inbox.os, "scandir", denied)  # as root, permissions cannot deny
    for command in (pipeline.build, queries.status, pipeline.update):
        with pytest.raises(DigestError, match=r"cannot read the inbox .*Permission denied"):
            command(config)


def test_an_unwritable_state_folder_is_a_clean_error(tmp_path):
    config = make_config(tmp_path)
    (tmp_path / "state").write_text("a file where the state folder should be")
    make_inbox(config.paths.inbox, {"news.txt": EDITION_1})
    with pytest.raises(StoreError, match=r"paths\.state: cannot write in"):
        pipeline.build(config)


def test_a_daemon_that_cannot_create_its_inbox_says_so(tmp_path):
    config = make_config(tmp_path)
    config.paths.inbox.parent.joinpath("inbox").write_text("")  # a file blocks the folder
    inside = replace(config, paths=replace(config.paths, inbox=config.paths.inbox / "news"))
    with pytest.raises(DigestError, match=r"paths\.inbox: cannot create"):
        Daemon(inside).run(threading.Event())


def test_the_daemon_survives_an_inbox_that_turns_unreadable(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    config.paths.inbox.mkdir()
    daemon = Daemon(config)

    def denied(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(inbox.os, "scandir", denied)
    daemon.step()  # the periodic rescan fails: logged, the loop goes on
    monkeypatch.undo()
    daemon.step()


# 12. A server that answers a byte at a time cannot hold a send for ever.


def test_a_dripping_smtp_server_cannot_hold_a_send(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def drip() -> None:
        connection, _ = server.accept()
        with connection:
            while not stop.is_set():
                try:
                    connection.sendall(b"2")  # a greeting that never ends
                except OSError:
                    return
                stop.wait(0.1)

    threading.Thread(target=drip, daemon=True).start()
    settings = EmailSettings(
        host="127.0.0.1", port=server.getsockname()[1], security="none",
        sender="digest@example.org", to=("you@example.org",),
    )  # fmt: skip
    message = EmailMessage()
    message["Subject"] = "Digest"
    message.set_content("news")
    outcome: list[BaseException] = []

    def send() -> None:
        try:
            deliver(message, settings, attempts=1, send_seconds=1.0)
        except BaseException as error:
            outcome.append(error)

    sender = threading.Thread(target=send, daemon=True)
    started = time.monotonic()
    sender.start()
    sender.join(timeout=10)
    stop.set()
    server.close()
    assert not sender.is_alive()
    assert time.monotonic() - started < 5
    assert isinstance(outcome[0], SendError)
    assert "longer than 1 s in all" in str(outcome[0])


# 14. Daylight saving: a time the clocks skip still gets its digest that day.


def test_a_time_skipped_by_the_clocks_runs_as_they_jump_and_is_caught_up():
    berlin = ZoneInfo("Europe/Berlin")
    trigger = cron_trigger("30 2 * * *", berlin)  # 02:30 does not exist on 29 March 2026
    day_before = datetime(2026, 3, 28, 12, 0, tzinfo=berlin)
    as_the_clocks_jump = datetime(2026, 3, 29, 3, 0, tzinfo=berlin)
    assert trigger.get_next_fire_time(None, day_before) == as_the_clocks_jump
    started = datetime(2026, 3, 29, 3, 29, 50, tzinfo=berlin)  # the daemon starts after the jump
    last = datetime(2026, 3, 28, 2, 30, tzinfo=berlin)
    assert missed_run(trigger, last, started) == datetime(2026, 3, 29, 3, 0, tzinfo=berlin)
    autumn = datetime(2026, 10, 25, 0, 0, tzinfo=berlin)  # 02:30 comes twice: once a digest
    first = trigger.get_next_fire_time(None, autumn)
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    following = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert following.date() == datetime(2026, 10, 26).date()


# 16. Long JSON integers.


def test_a_json_article_with_an_integer_of_5000_digits_is_read(tmp_path):
    text = json.dumps({"title": "Ferry timetable approved", "text": BODY, "id": 0})
    path = tmp_path / "article.json"
    path.write_text(text.replace('"id": 0', '"id": ' + "7" * 5000))
    [article] = read_file(path, max_bytes=LIMIT)
    assert article.title == "Ferry timetable approved"


# 17. Odd names and special files.


def test_a_link_to_itself_is_seen_and_rejected(tmp_path):
    config = make_config(tmp_path)
    config.paths.inbox.mkdir()
    loop = config.paths.inbox / "loop.txt"
    loop.symlink_to(loop)
    assert queries.status(config).pending == ("loop.txt",)
    [rejection] = pipeline.update(config).rejected
    assert "symbolic link" in rejection.reason
    assert (config.paths.inbox / REJECTED / "loop.txt").is_symlink()
    assert queries.status(config).pending == ()


def test_pipes_and_sockets_are_rejected_with_a_reason(tmp_path):
    config = make_config(tmp_path)
    config.paths.inbox.mkdir()
    os.mkfifo(config.paths.inbox / "pipe.txt")
    listener = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(str(config.paths.inbox / "socket.txt"))
    except OSError:  # a path too long for a socket address
        pytest.skip("cannot bind a socket in the temporary folder")
    with listener:
        reasons = {r.file: r.reason for r in pipeline.update(config).rejected}
    assert reasons["pipe.txt"].startswith("a named pipe, not a regular file")
    assert reasons["socket.txt"].startswith("a socket, not a regular file")
    assert "pipe.txt.error" in os.listdir(config.paths.inbox / REJECTED)


def test_a_newline_in_a_file_name_cannot_forge_a_log_line(tmp_path, caplog):
    forged = "a\n2026-12-01 WARNING forged.txt"
    path = tmp_path / forged
    path.write_text(txt("Ferry", BODY, source="Harbour News", date="not a date at all"))
    with caplog.at_level(logging.WARNING):
        [article] = read_file(path, max_bytes=LIMIT)
    assert "\n" not in article.file
    assert [r.getMessage() for r in caplog.records if "\n" in r.getMessage()] == []
    assert "a\\n2026-12-01 WARNING forged.txt" in caplog.text
    assert inbox.printable_name("tab\there") == "tab\\there"


# 18. Config gaps, a cut-off UTF-16 file, shutdown noise.


def test_config_refuses_nul_bytes_in_paths_and_a_zero_size_limit(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        '[paths]\ninbox = "in\\u0000box"\n[inbox]\nmax_file_mb = 0\n[brief]\nwords = 0\n'
    )
    with pytest.raises(ConfigError) as error:
        load_config(config)
    assert "paths.inbox: a path cannot hold a NUL byte" in str(error.value)
    assert "inbox.max_file_mb: must be above 0" in str(error.value)
    assert "brief.words: must be above 0" in str(error.value)
    config.write_text("[digest]\nmax_stories = 0\n[watch]\nsettle_seconds = 0\n")
    assert load_config(config).digest.max_stories == 0  # 0: no limit, as documented


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_missing_its_last_byte_keeps_its_article(tmp_path, encoding):
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    path = tmp_path / "article.txt"
    path.write_bytes((bom + EDITION_1.encode(encoding))[:-1])
    [article] = read_file(path, max_bytes=LIMIT)
    assert article.title == "Ferry timetable approved"
    assert "Operators expect the change" in article.text


def test_watchdogs_shutdown_race_is_not_logged_as_an_error(caplog):
    with caplog.at_level(logging.ERROR):
        logging.getLogger("watchdog.observers.inotify").error(
            "InotifyEmitter.queue_events() called when the thread is inactive"
        )
        logging.getLogger("watchdog.observers.inotify").error("a real failure")
    assert [r.getMessage() for r in caplog.records] == ["a real failure"]


def test_a_pipe_is_told_as_a_pipe_whatever_its_name_and_listed_once_rejected(tmp_path):
    config = make_config(tmp_path)
    config.paths.inbox.mkdir()
    os.mkfifo(config.paths.inbox / "feed")  # no extension: not "unsupported file type"
    (config.paths.inbox / "gone.png").symlink_to(tmp_path / "nowhere.png")
    reasons = {r.file: r.reason for r in pipeline.update(config).rejected}
    assert reasons["feed"].startswith("a named pipe, not a regular file")
    assert reasons["gone.png"].startswith("a broken symbolic link")
    assert queries.status(config).rejected == ("feed", "gone.png")  # nothing unseen


def test_status_lists_a_rejected_file_whose_own_name_ends_in_error(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"notes.error": "Not an article.", "bad.json": "[1"})
    pipeline.update(config)
    rejected = config.paths.inbox / REJECTED
    assert sorted(os.listdir(rejected)) == [
        "bad.json", "bad.json.error", "notes.error", "notes.error.error",
    ]  # fmt: skip
    (rejected / "old.txt.error").write_text("old.txt: its file was removed by hand\n")
    (rejected / ".DS_Store").write_text("")  # not digest's
    assert queries.status(config).rejected == ("bad.json", "notes.error")
    # A name cut to fit may end like a temporary one: set aside, it is listed all the same.
    (rejected / "notes.12345678901234~").write_text("Not an article.")
    (rejected / "notes.12345678901234~.error").write_text("why\n")
    assert queries.status(config).rejected == ("bad.json", "notes.12345678901234~", "notes.error")


def test_the_files_windows_keeps_in_shared_folders_are_left_alone(tmp_path):
    config = make_config(tmp_path)
    names = {"Thumbs.db": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "desktop.ini": "[.ShellClassInfo]"}
    make_inbox(config.paths.inbox, {**names, "bad.json": "[1"})
    pipeline.update(config)
    assert sorted(os.listdir(config.paths.inbox)) == ["Thumbs.db", "desktop.ini", REJECTED]
    make_inbox(config.paths.inbox / REJECTED, {"THUMBS.DB": b"\xd0\xcf\x11\xe0"})  # re-created
    assert queries.status(config).rejected == ("bad.json",)
    assert queries.status(config).pending == ()


def test_a_dry_run_says_a_file_it_leaves_in_the_inbox_would_be_rejected(tmp_path, caplog):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"bad.json": "[1"})
    with caplog.at_level(logging.WARNING):
        pipeline.build(config, dry_run=True)
    assert "bad.json: would be rejected: " in caplog.text
    assert ": rejected:" not in caplog.text
    assert os.listdir(config.paths.inbox) == ["bad.json"]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        pipeline.update(config)
    assert "bad.json: rejected: " in caplog.text
