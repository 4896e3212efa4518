"""The command line: each command on a small inbox, and clean messages for user errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from digest.cli import main

from .conftest import ROOT, make_inbox
from .test_pipeline import RAIL_A, RAIL_B, STORM


def project(tmp_path, files):
    """A folder with config.toml (project templates) and an inbox of `files`."""
    (tmp_path / "config.toml").write_text(
        f'[paths]\ntemplates = "{ROOT / "templates"}"\n[digest]\ntitle = "Test digest"\n'
    )
    make_inbox(tmp_path / "inbox", files)
    return str(tmp_path / "config.toml")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_build_status_and_stories(tmp_path):
    config = project(tmp_path, {"a.txt": RAIL_A, "b.txt": RAIL_B, "c.txt": STORM, "d.json": "["})
    result = run("build", "--config", config)
    assert result.exit_code == 0
    assert "Wrote a digest of 2 story(ies)" in result.output
    assert (tmp_path / "outbox" / "latest.html").exists()

    status = json.loads(run("status", "--json", "--config", config).output)
    assert status["articles"] == 3 and status["stories"] == 2
    assert status["pending"] == 0 and status["rejected"] == 1
    assert status["last_digest"]["name"].startswith("digest-")

    stories = json.loads(run("stories", "--json", "--config", config).output)
    assert sorted(s["articles"] for s in stories) == [1, 2]
    tram = next(s for s in stories if s["articles"] == 2)
    assert tram["sources"] == ["Coast Courier", "Lowmarsh Post"]

    again = run("build", "--config", config)
    assert "nothing written" in again.output


def test_build_dry_run_lists_stories_and_writes_nothing(tmp_path):
    config = project(tmp_path, {"a.txt": RAIL_A, "c.txt": STORM})
    result = run("build", "--dry-run", "--config", config)
    assert "Dry run: would write a digest of 2 story(ies)" in result.output
    assert not (tmp_path / "outbox" / "latest.html").exists()
    assert (tmp_path / "inbox" / "a.txt").exists()


def test_brief_formats(tmp_path):
    folder = make_inbox(tmp_path / "files", {"a.txt": RAIL_A, "b.txt": RAIL_B})
    text = run("brief", str(folder / "a.txt"), str(folder / "b.txt"), "--format", "text",
               "--sentences", "2").output  # fmt: skip
    lines = text.strip().split("\n")
    assert len(lines) == 2 and all("[" not in line for line in lines)
    story = json.loads(run("brief", str(folder), "--format", "json", "--words", "40").output)
    assert {a["file"] for a in story["articles"]} == {"a.txt", "b.txt"}
    assert all(s["sources"] for s in story["sentences"])
    assert sum(len(s["text"].split()) for s in story["sentences"][1:]) <= 40
    md = run("brief", str(folder), "--format", "md").output
    assert md.startswith("# ") and "**Sources**" in md
    html = run("brief", str(folder), "--format", "html", "--method", "lexrank").output
    assert html.startswith("<!DOCTYPE html>")


def test_brief_and_build_work_in_a_folder_without_templates(tmp_path, monkeypatch):
    folder = make_inbox(tmp_path / "files", {"a.txt": RAIL_A, "b.txt": RAIL_B})
    elsewhere = make_inbox(tmp_path / "elsewhere" / "inbox", {"c.txt": STORM}).parent
    monkeypatch.chdir(elsewhere)  # no config.toml, no templates/: the built-in ones serve
    md = run("brief", str(folder), "--format", "md")
    assert md.exit_code == 0 and md.output.startswith("# ") and "**Sources**" in md.output
    build = run("build")
    assert build.exit_code == 0 and "Wrote a digest of 1 story(ies)" in build.output
    assert (elsewhere / "outbox" / "latest.html").read_text().startswith("<!DOCTYPE html>")
    assert (elsewhere / "outbox" / "index.html").is_file()


def test_user_errors_are_clean_messages(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[brief]\nmethod = "nope"\nwords = -3\n')
    result = CliRunner().invoke(main, ["build", "--config", str(bad)])
    assert result.exit_code == 1
    assert "digest: error:" in result.output and "brief.method" in result.output
    assert "brief.words" in result.output and "Traceback" not in result.output
    missing = CliRunner().invoke(main, ["brief", str(tmp_path / "nothing.txt")])
    assert missing.exit_code == 1 and "no such file or folder" in missing.output
    both = CliRunner().invoke(main, ["brief", "x", "--words", "3", "--sentences", "2"])
    assert both.exit_code == 2 and "not both" in both.output


def test_status_json_shows_a_name_that_is_not_utf8_as_a_digest_does(tmp_path):
    config = project(tmp_path, {})
    inbox = tmp_path / "inbox"
    (inbox / "rejected").mkdir()
    for folder in (inbox, inbox / "rejected"):  # a Latin-1 name: b"caf\xe9.txt"
        (folder / os.fsdecode(b"caf\xe9.txt")).write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "digest", "status", "--json", "--config", config],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    status = json.loads(done.stdout.decode("utf-8"))
    assert status["pending_files"] == status["rejected_files"] == ["caf\ufffd.txt"]


def test_python_dash_m_digest_and_help():
    done = subprocess.run([sys.executable, "-m", "digest", "--help"], capture_output=True,
                          text=True, check=True, timeout=120)  # fmt: skip
    for command in ("build", "brief", "status", "stories", "run"):
        assert command in done.stdout
    for command in ("build", "brief", "status", "run"):
        assert "--config" in run(command, "--help").output
