"""A digest is published as one unit with its record: never on disk unrecorded, never twice."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import stat
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner

from digest import pipeline, publish, queries
from digest.archive import find_issue, make_archive
from digest.cli import main
from digest.errors import DigestError, StoreError
from digest.models import Digest
from digest.store import Store

from .conftest import NOW, ROOT, make_config, make_inbox
from .test_pipeline import RAIL_A, STORM


def digest_files(config):
    return sorted(p.name for p in config.paths.outbox.glob("*.*") if not p.name.startswith("."))


def test_a_state_that_cannot_take_the_record_leaves_no_digest_behind(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})

    def full(self, *args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "record_digest", full)
    with pytest.raises(StoreError, match="database or disk is full: free some space"):
        pipeline.build(config, now=NOW)
    assert digest_files(config) == [] and not publish.marker(config).exists()
    assert (config.paths.inbox / "a.txt").exists()  # not filed away: nothing was kept
    monkeypatch.undo()

    again = pipeline.build(config, now=NOW)
    assert [p.name for p in again.written][:1] == ["digest-2026-11-21.html"]  # not -2


class FailingCommit:
    """A connection whose COMMIT fails, as on a disk that filled up meanwhile."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, statement, *args):
        if statement == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return self.connection.execute(statement, *args)

    def __getattr__(self, name):
        return getattr(self.connection, name)


def test_a_failed_commit_removes_the_digest_it_wrote(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    opened = Store._connect.__func__

    def connect(cls, path, **options):
        store = opened(cls, path, **options)
        store.db = FailingCommit(store.db)
        return store

    monkeypatch.setattr(Store, "_connect", classmethod(connect))
    with pytest.raises(StoreError, match="cannot save the state"):
        pipeline.build(config, now=NOW)
    assert digest_files(config) == [] and not publish.marker(config).exists()
    monkeypatch.undo()
    assert queries.status(config).articles == 0 and queries.status(config).last_digest is None


def test_a_build_stopped_before_its_record_is_undone_by_the_next(tmp_path, caplog):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    # What kill -9 between writing the files and committing leaves: files and the marker.
    with pipeline.open_state(config) as store:
        digest = Digest("Daily digest", NOW)
        publish.write_digest(config, digest, publish.next_name(config, store, digest))
    assert publish.marker(config).exists() and "digest-2026-11-21.md" in digest_files(config)
    stale = config.paths.outbox / ".latest.json.abc123.tmp"
    stale.write_text("{")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))

    with caplog.at_level(logging.INFO):
        result = pipeline.build(config, now=NOW)
    assert "removed digest-2026-11-21.html, digest-2026-11-21.md, digest-2026-11-21.json" in (
        caplog.text
    )
    assert result.written[0].name == "digest-2026-11-21.html"  # the same name, published once
    assert not stale.exists() and not publish.marker(config).exists()
    with Store.open(config.paths.state) as store:
        assert [d.name for d in store.digests()] == ["digest-2026-11-21"]


def test_a_recorded_digest_whose_copies_were_not_written_gets_them(tmp_path, caplog):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    for copy in config.paths.outbox.glob("latest.*"):
        copy.unlink()
    publish.begin(config, "digest-2026-11-21")  # stopped after the commit, before the copies
    with caplog.at_level(logging.WARNING):
        pipeline.build(config, now=NOW + timedelta(hours=1))
    assert "digest-2026-11-21 was recorded but its latest.* copies were not written" in caplog.text
    latest = (config.paths.outbox / "latest.md").read_text()
    assert latest == (config.paths.outbox / "digest-2026-11-21.md").read_text()


def test_copies_that_still_cannot_be_written_do_not_stop_the_next_build(tmp_path, caplog):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    (config.paths.outbox / "latest.md").unlink()
    (config.paths.outbox / "latest.md").mkdir()  # in the way of the copy, build after build
    publish.begin(config, "digest-2026-11-21")  # stopped after the commit, before the copies
    make_inbox(config.paths.inbox, {"b.txt": STORM})
    with caplog.at_level(logging.ERROR):
        result = pipeline.build(config, now=NOW + timedelta(hours=1))
    assert "digest-2026-11-21 is written and recorded, but" in caplog.text  # the old one, logged
    assert "digest-2026-11-21-2 is written and recorded, but" in result.archive_error  # its own
    with Store.open(config.paths.state) as store:  # the new digest was read, written, recorded
        assert len(store.digests()) == 2
    assert not list(config.paths.inbox.glob("*.txt"))


def test_a_digest_dated_ahead_by_a_fast_clock_does_not_stay_latest(tmp_path):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    pipeline.build(config, now=NOW + timedelta(days=3000))  # the clock ran years ahead
    make_inbox(config.paths.inbox, {"c.txt": STORM})
    pipeline.build(config, now=NOW)  # set right again
    assert find_issue(config).name == "digest-2026-11-21"
    with Store.open(config.paths.state) as store:
        archive = make_archive(config.paths.outbox, store.digests(), "Daily digest")
    assert [i.name for i in archive.issues] == ["digest-2026-11-21", "digest-2035-02-07"]


def test_a_damaged_state_file_is_a_clean_error(tmp_path):
    (tmp_path / "config.toml").write_text(f'[paths]\ntemplates = "{ROOT / "templates"}"\n')
    make_inbox(tmp_path / "inbox", {"a.txt": RAIL_A, "c.txt": STORM})
    config = str(tmp_path / "config.toml")
    assert CliRunner().invoke(main, ["build", "--config", config]).exit_code == 0
    state = tmp_path / "outbox" / ".digest" / "state.sqlite3"
    with sqlite3.connect(state) as connection:  # everything in the file itself
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(state.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # its pages damaged, its header whole
    state.write_bytes(bytes(data))
    for command in ("stories", "build"):
        result = CliRunner().invoke(main, [command, "--config", config])
        assert result.exit_code == 1, result.output
        assert "digest: error:" in result.output and "state.sqlite3" in result.output
        assert "restore it from a backup" in result.output


def test_finish_writes_the_latest_copies_from_the_texts_it_is_given(tmp_path):
    config = make_config(tmp_path)
    config.paths.outbox.mkdir()
    config.paths.state.parent.mkdir()
    publish.begin(config, "digest-2026-11-21")
    old = os.umask(0o022)
    try:
        copies = publish.finish(config, "digest-2026-11-21", {"md": "one", "html": "<p>one</p>"})
    finally:
        os.umask(old)
    assert [p.name for p in copies] == ["latest.md", "latest.html"]
    # From the texts: the digest's own files are not read (there are none here).
    assert (config.paths.outbox / "latest.md").read_text() == "one"
    assert not publish.marker(config).exists()
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in config.paths.outbox.iterdir()}
    assert modes == {"latest.md": 0o644, "latest.html": 0o644}  # readable by a web server
    assert not list(config.paths.outbox.glob(".*tmp"))


def no_space_for(names, real=publish.write_atomic):
    """`real` (publish's write_atomic), failing as a full disk does for the files named `names`
    (or those `names` is true of, when it is a function)."""

    def write(path, text):
        if names(path) if callable(names) else path.name in names:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, text)

    return write


def test_a_full_disk_after_the_record_is_a_clean_error_and_the_digest_stands(
    tmp_path, monkeypatch, caplog
):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    monkeypatch.setattr(publish, "write_atomic", no_space_for({"latest.html"}))
    with caplog.at_level(logging.ERROR):
        result = pipeline.build(config, now=NOW)
    latest = config.paths.outbox / "latest.html"
    problem = f"digest-2026-11-21 is written and recorded, but {latest} could not be written"
    assert problem in result.archive_error and "No space left on device" in caplog.text
    assert [p.name for p in result.written][:1] == ["digest-2026-11-21.html"]  # to be mailed
    assert find_issue(config).name == "digest-2026-11-21"  # recorded, listed, can be sent
    assert (config.paths.outbox / "index.html").exists()  # the archive went on
    assert publish.marker(config).exists()  # so the copies are written later
    monkeypatch.undo()

    assert pipeline.rebuild_archive(config)  # `digest archive` finishes the publication
    assert latest.read_text() == (config.paths.outbox / "digest-2026-11-21.html").read_text()
    assert not publish.marker(config).exists()


def test_the_build_command_reports_a_full_disk_after_the_record_without_a_traceback(
    tmp_path, monkeypatch
):
    (tmp_path / "config.toml").write_text(f'[paths]\ntemplates = "{ROOT / "templates"}"\n')
    make_inbox(tmp_path / "inbox", {"a.txt": RAIL_A})
    monkeypatch.setattr(publish, "write_atomic", no_space_for({"latest.md"}))
    result = CliRunner().invoke(main, ["build", "--config", str(tmp_path / "config.toml")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "digest: error: digest-" in result.output and "No space left on device" in result.output
    assert len(list((tmp_path / "outbox").glob("digest-*.md"))) == 1  # the digest stands


def test_a_marker_that_cannot_be_written_is_a_clean_error_naming_it(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    monkeypatch.setattr(publish, "write_atomic", no_space_for({"state.sqlite3.publishing"}))
    with pytest.raises(DigestError) as error:
        pipeline.build(config, now=NOW)
    assert str(publish.marker(config)) in str(error.value)
    assert "No space left on device" in str(error.value)
    assert digest_files(config) == [] and (config.paths.inbox / "a.txt").exists()


def test_an_unfinished_digest_is_neither_listed_nor_sent(tmp_path, caplog):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    # A build stopped between writing its files and recording them (kill -9).
    with pipeline.open_state(config) as store:
        digest = Digest("Daily digest", NOW + timedelta(hours=2))
        publish.write_digest(config, digest, publish.next_name(config, store, digest))
    assert "digest-2026-11-21-2.html" in digest_files(config)
    with caplog.at_level(logging.INFO):
        assert find_issue(config).name == "digest-2026-11-21"  # `digest send` takes the last
    assert "digest-2026-11-21-2 is left out: a build is publishing it" in caplog.text
    with pytest.raises(DigestError, match="digest-2026-11-21-2 is not published"):
        find_issue(config, "digest-2026-11-21-2")
    with pytest.raises(DigestError, match="is not published"):
        find_issue(config, config.paths.outbox / "digest-2026-11-21-2.md")

    result = CliRunner().invoke(main, ["archive", "--config", str(write_config(config))])
    assert result.exit_code == 0, result.output
    assert "digest-2026-11-21-2" not in digest_files(config)  # undone, as the next build would
    index = (config.paths.outbox / "index.html").read_text()
    assert "digest-2026-11-21.html" in index and "digest-2026-11-21-2" not in index
    assert not publish.marker(config).exists()


def write_config(config):
    """A config file naming the folders of `config`."""
    path = config.root / "config.toml"
    path.write_text(
        f'[paths]\ninbox = "{config.paths.inbox}"\noutbox = "{config.paths.outbox}"\n'
        f'state = "{config.paths.state}"\ntemplates = "{ROOT / "templates"}"\n'
    )
    return path


def test_a_digest_that_cannot_be_written_whole_leaves_no_marker(tmp_path, monkeypatch):
    from digest import render

    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    markdown = no_space_for(lambda path: path.suffix == ".md", render.write_atomic)
    monkeypatch.setattr(render, "write_atomic", markdown)
    with pytest.raises(DigestError, match=r"digest-2026-11-21\.md: No space left on device"):
        pipeline.build(config, now=NOW)
    assert digest_files(config) == [] and not publish.marker(config).exists()


def test_latest_copies_of_formats_no_longer_written_are_removed(tmp_path, caplog):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    outbox = config.paths.outbox
    (outbox / "latest.json.bak").write_text("mine")  # not digest's: only latest.<format> goes
    (outbox / "latest.txt").write_text("mine")
    html_only = make_config(tmp_path, **{"digest.formats": ["html"]})
    make_inbox(config.paths.inbox, {"c.txt": STORM})
    with caplog.at_level(logging.INFO):
        result = pipeline.build(html_only, now=NOW + timedelta(days=1))
    assert [p.name for p in result.written] == ["digest-2026-11-22.html", "latest.html"]
    assert sorted(p.name for p in outbox.glob("latest*")) == [
        "latest.html", "latest.json.bak", "latest.txt",
    ]  # fmt: skip
    told = "removed latest.md, latest.json, copies of an older digest: digest-2026-11-22 was not"
    assert f"{told} written as md or json" in caplog.text
    assert (outbox / "latest.html").read_text() == (outbox / "digest-2026-11-22.html").read_text()


def test_a_dry_run_and_a_preview_remove_no_latest_copy(tmp_path):
    from digest.preview import preview

    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    before = {p.name: p.read_text() for p in config.paths.outbox.glob("latest.*")}
    html_only = make_config(tmp_path, **{"digest.formats": ["html"]})
    make_inbox(config.paths.inbox, {"c.txt": STORM})
    later = NOW + timedelta(days=1)
    assert pipeline.build(html_only, now=later, dry_run=True).digest.briefs
    assert preview(html_only, now=later).files
    assert {p.name: p.read_text() for p in config.paths.outbox.glob("latest.*")} == before
    assert sorted(before) == ["latest.html", "latest.json", "latest.md"]


def test_a_latest_file_that_digest_did_not_write_stays(tmp_path, caplog):
    """Only a copy of one of the outbox's digests goes: a user's own `latest.md`, or a link
    named `latest.json`, in a project that never wrote those formats, is theirs."""
    config = make_config(tmp_path, **{"digest.formats": ["html"]})
    outbox = config.paths.outbox
    outbox.mkdir(parents=True)
    (outbox / "latest.md").write_text("my own notes\n")
    (tmp_path / "site").mkdir()
    (outbox / "latest.json").symlink_to(tmp_path / "site")
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    with caplog.at_level(logging.INFO):
        pipeline.build(config, now=NOW)
    assert (outbox / "latest.md").read_text() == "my own notes\n"
    assert (outbox / "latest.json").is_symlink()
    assert "removed latest" not in caplog.text


def test_finishing_a_stopped_publication_removes_no_copy(tmp_path, caplog):
    """Recovering reads the digest's texts from the files left: a file deleted meanwhile is no
    format the digest was not written in, and its copy stays."""
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": RAIL_A})
    pipeline.build(config, now=NOW)
    outbox = config.paths.outbox
    (outbox / "digest-2026-11-21.md").unlink()
    publish.begin(config, "digest-2026-11-21")  # stopped after the commit, before the copies
    with caplog.at_level(logging.INFO):
        assert pipeline.rebuild_archive(config)
    assert (outbox / "latest.md").is_file()
    assert "removed latest" not in caplog.text
    assert not publish.marker(config).exists()
