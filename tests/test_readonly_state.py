"""Commands that only read leave a state of an older version as it was; `build` upgrades it."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3

from click.testing import CliRunner

from digest.cli import main
from digest.migrations import MIGRATIONS

from .conftest import ROOT, make_inbox
from .test_updates import DAY_1, DAY_2, write_version_1_state

BODY = (
    "Storm Arlo made landfall near Port Edda on Friday morning with winds of 140 kilometres an "
    "hour. About 60,000 homes lost power across the coastal counties as lines came down."
)


def old_project(tmp_path):
    """A project whose state was written at schema version 1, with one article in one story
    that one digest showed."""
    (tmp_path / "config.toml").write_text(f'[paths]\ntemplates = "{ROOT / "templates"}"\n')
    state = tmp_path / "outbox" / ".digest" / "state.sqlite3"
    write_version_1_state(
        state, title="Storm Arlo lands", source="Coast Courier", text=BODY, story="s1storyarlo"
    )
    return str(tmp_path / "config.toml"), state


def fingerprint(state):
    """The state's bytes, and the files beside it."""
    files = sorted(p.name for p in state.parent.iterdir() if not p.name.endswith(".lock"))
    return hashlib.sha256(state.read_bytes()).hexdigest(), files


def version(state):
    with sqlite3.connect(state) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_reading_commands_and_a_dry_run_leave_an_old_state_as_it_was(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # previews and copies
    (tmp_path / "tmp").mkdir()
    config, state = old_project(tmp_path)
    before = fingerprint(state)

    status = json.loads(cli("status", "--json", "--config", config).output)
    assert status["articles"] == 1 and status["stories"] == 1
    assert status["last_digest"]["name"] == "digest-2026-11-20"
    listed = json.loads(cli("stories", "--json", "--config", config).output)
    assert [(s["id"], s["title"]) for s in listed] == [("s1storyarlo", "Storm Arlo lands")]
    timeline = cli("stories", "s1story", "--config", config)
    assert timeline.exit_code == 0 and "No digest has shown this story yet." in timeline.output
    explained = cli("explain", "s1story", "--config", config)
    assert explained.exit_code == 0 and "Storm Arlo made landfall" in explained.output
    assert cli("feeds", "list", "--config", config).exit_code == 0

    make_inbox(tmp_path / "inbox", {"day-2.txt": DAY_2})
    dry = cli("build", "--dry-run", "--config", config)
    assert dry.exit_code == 0 and "Dry run: would write a digest of 1 story(ies)" in dry.output
    assert cli("preview", "--config", config).exit_code == 0

    assert fingerprint(state) == before and version(state) == 1
    leftovers = [p.name for p in (tmp_path / "tmp").iterdir()]
    kept = ("digest-preview-", "_jinja2-cache-")  # previews, and compiled templates (reused)
    assert [name for name in leftovers if not name.startswith(kept)] == []
    assert (tmp_path / "inbox" / "day-2.txt").exists()


def test_build_upgrades_an_old_state_and_keeps_what_it_held(tmp_path):
    config, state = old_project(tmp_path)
    make_inbox(tmp_path / "inbox", {"day-1.txt": DAY_1})
    assert cli("build", "--config", config).exit_code == 0
    assert version(state) == len(MIGRATIONS)
    status = json.loads(cli("status", "--json", "--config", config).output)
    assert status["articles"] == 2


def test_a_state_of_a_newer_version_is_refused_by_reading_commands_too(tmp_path):
    config, state = old_project(tmp_path)
    with sqlite3.connect(state) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    result = CliRunner().invoke(main, ["status", "--config", config])
    assert result.exit_code == 1
    assert "written by a newer digest" in result.output
    assert version(state) == len(MIGRATIONS) + 1


def test_a_build_says_it_upgrades_an_old_state(tmp_path, caplog):
    config, state = old_project(tmp_path)
    with caplog.at_level(logging.INFO, logger="digest.store"):
        assert cli("build", "--config", config).exit_code == 0
    assert f"upgrading {state} from schema 1 to {len(MIGRATIONS)}" in caplog.text


def test_a_dry_run_says_it_reads_an_old_state_through_an_upgraded_copy(tmp_path, caplog):
    config, state = old_project(tmp_path)
    make_inbox(tmp_path / "inbox", {"day-1.txt": DAY_1})
    with caplog.at_level(logging.INFO, logger="digest.store"):
        assert cli("build", "--dry-run", "--config", config).exit_code == 0
    assert f"reading {state} through a copy upgraded from schema 1" in caplog.text
    assert f"upgrading {state}" not in caplog.text and version(state) == 1
