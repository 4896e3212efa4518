"""`digest brief`: files grouped into stories, one brief each; nothing new said plainly."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket

import pytest
from click.testing import CliRunner

from digest.cli import main
from digest.oneshot import brief_stories

from .conftest import make_config, make_inbox
from .test_pipeline import RAIL_A, RAIL_B, STORM
from .test_updates import CHESS, DAY_1, DAY_2, RERUN


def brief(*args):
    return CliRunner().invoke(main, ["brief", *map(str, args)], catch_exceptions=False)


def test_unrelated_files_give_one_brief_per_story_most_reported_first(tmp_path):
    folder = make_inbox(tmp_path / "mixed", {"a.txt": RAIL_A, "b.txt": RAIL_B, "c.txt": STORM})
    md = brief(folder, "--format", "md")
    assert md.exit_code == 0
    headings = [line for line in md.output.splitlines() if line.startswith("## ")]
    assert len(headings) == 2 and "tram" in headings[0] and "Storm" in headings[1]
    assert md.output.count("*Reported by 2 outlets") == 1
    assert md.output.count("*Reported by 1 outlet") == 1

    stories = json.loads(brief(folder, "--format", "json").output)
    assert [sorted(a["file"] for a in s["articles"]) for s in stories] == [
        ["a.txt", "b.txt"], ["c.txt"],
    ]  # fmt: skip
    text = brief(folder, "--format", "text", "--sentences", "1").output
    first, second = text.split("\n\n")
    assert "tram" in first and "storm" in second


def test_one_story_prints_its_headline_once(tmp_path):
    folder = make_inbox(tmp_path / "tram", {"a.txt": RAIL_A, "b.txt": RAIL_B})
    story = json.loads(brief(folder, "--format", "json").output)
    assert isinstance(story, dict)
    md = brief(folder, "--format", "md").output
    assert md.startswith("# Brief\n")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == ["# Brief", f"## {story['headline']}"]
    html = brief(folder, "--format", "html").output
    assert html.count(f">{story['headline']}</h") == 1


def test_nothing_new_after_the_files_read_says_so_and_fails(tmp_path):
    make_inbox(tmp_path / "a", {"day-2.txt": DAY_2})
    make_inbox(tmp_path / "b", {"rerun.txt": RERUN})
    for fmt in ("md", "text", "json"):
        result = brief(tmp_path / "b", "--after", tmp_path / "a", "--format", fmt)
        assert result.exit_code == 1 and result.stdout == ""
        assert "Nothing new:" in result.stderr and "nothing printed" in result.stderr
    same = brief(tmp_path / "a", "--after", tmp_path / "a", "--format", "md")
    assert same.exit_code == 1 and same.stdout == "" and "Nothing new:" in same.stderr


def test_after_files_of_another_story_are_not_briefed(tmp_path):
    make_inbox(tmp_path / "read", {"storm.txt": STORM})
    make_inbox(tmp_path / "new", {"a.txt": RAIL_A})
    story = json.loads(brief(tmp_path / "new", "--after", tmp_path / "read", "--format", "json")
                       .output)  # fmt: skip
    assert [a["file"] for a in story["articles"]] == ["a.txt"]


def test_after_files_that_give_nothing_to_read_are_an_error_not_a_full_brief(tmp_path):
    """A brief "for a reader who has read" nothing would tell them what they read."""
    make_inbox(tmp_path / "new", {"a.txt": RAIL_A})
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "older").mkdir()
    empty = brief(tmp_path / "new", "--after", tmp_path / "empty")
    assert empty.exit_code == 1 and empty.stdout == ""
    assert "nothing read in the --after files (no files in" in empty.stderr
    assert "older" in empty.stderr  # the subfolder, which is not read, is named
    make_inbox(tmp_path / "bad", {"blank.txt": ""})
    unreadable = brief(tmp_path / "new", "--after", tmp_path / "bad" / "blank.txt")
    assert unreadable.exit_code == 1 and "blank.txt:" in unreadable.stderr
    read = brief(tmp_path / "new", "--after", tmp_path / "empty", "--after", tmp_path / "new")
    assert "nothing read" not in read.stderr  # one --after path read is enough


def test_the_reason_for_printing_nothing_is_the_stories_own(tmp_path):
    words = " ".join(f"word{n} tram signal depot" for n in range(80))  # no sentence to quote
    make_inbox(tmp_path / "new", {"run-on.txt": words})
    make_inbox(tmp_path / "read", {"storm.txt": STORM})
    result = brief(tmp_path / "new", "--after", tmp_path / "read")
    assert result.exit_code == 1 and result.stdout == ""
    assert "can be quoted in a brief; nothing printed" in result.stderr
    assert "Nothing new" not in result.stderr


def test_entries_of_a_folder_that_are_not_files_are_each_named_and_never_opened(
    tmp_path, monkeypatch, caplog
):
    folder = make_inbox(tmp_path / "news", {"a.txt": RAIL_A, "b.txt": RAIL_B})
    os.mkfifo(folder / "pipe.txt")
    os.mkfifo(folder / "feed")  # no extension: told as a pipe all the same
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "older").mkdir()  # subfolders are not read, as in the inbox
    listener = socket.socket(socket.AF_UNIX)
    try:
        listener.bind(str(folder / "socket.txt"))
    except OSError:  # a path too long for a socket address
        pytest.skip("cannot bind a socket in the temporary folder")
    opened = []
    real_os_open, real_io_open = os.open, io.open

    def refuse_pipes(open_):
        def guarded(path, *args, **kwargs):
            named = not isinstance(path, int)  # a file descriptor was opened already
            if named and os.path.basename(os.fsdecode(path)) in {"pipe.txt", "feed"}:
                opened.append(path)
                raise AssertionError("a pipe was opened")  # instead of waiting on it
            return open_(path, *args, **kwargs)

        return guarded

    monkeypatch.setattr(os, "open", refuse_pipes(real_os_open))
    monkeypatch.setattr(io, "open", refuse_pipes(real_io_open))
    with listener, caplog.at_level(logging.WARNING):
        [story] = brief_stories([folder], make_config(tmp_path))
    assert opened == []
    assert sorted(a.file for a in story.articles) == ["a.txt", "b.txt"]
    told = {r.getMessage().split(": skipped: ")[0]: r.getMessage() for r in caplog.records}
    skipped = ("feed", "gone.txt", "pipe.txt", "socket.txt")  # not the folder "older"
    assert sorted(told) == [str(folder / name) for name in skipped]
    assert "a named pipe, not a regular file" in told[str(folder / "pipe.txt")]
    assert "a named pipe, not a regular file" in told[str(folder / "feed")]
    assert "a socket, not a regular file" in told[str(folder / "socket.txt")]
    assert "a broken symbolic link" in told[str(folder / "gone.txt")]


def test_a_brief_after_files_read_is_an_update_first_reported_on_their_date(tmp_path):
    """What PATHS add to a story the reader read of is an update, first reported on the day of
    the earliest file read; no digest showed it, so no "previously in"; a story of new files
    alone is new."""
    read = make_inbox(tmp_path / "read", {"day-1.txt": DAY_1})
    new = make_inbox(tmp_path / "new", {"day-2.txt": DAY_2, "chess.txt": CHESS[0]})
    stories = json.loads(brief(new, "--after", read, "--format", "json").output)
    storm, chess = sorted(stories, key=lambda s: "chess" in s["headline"])
    assert (storm["status"], storm["first_seen"]) == ("updated", "2026-11-20T00:00:00+00:00")
    assert (storm["previous_digest"], storm["previously"]) == (None, None)
    assert (chess["status"], chess["previous_digest"]) == ("new", None)

    md = brief(new, "--after", read, "--format", "md").output
    assert "*Updated · first reported 20 Nov*\n" in md and "*New*\n" in md
    html = brief(new, "--after", read, "--format", "html").output
    assert re.search(r">Updated</span> · first reported 20 Nov\s*</p>", html)
    assert ">New</span>" in html
    assert "previously" not in md + html
    # No digest's day to keep: a new file dated before those read was reported first.
    storm = json.loads(brief(read, "--after", new, "--format", "json").output)  # one story
    assert storm["first_seen"] == "2026-11-20T00:00:00+00:00"
