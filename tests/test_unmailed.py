"""The record of digests the daemon has not mailed: shared by processes, kept until mailed."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from digest import queries, unmailed
from digest.outgoing import Outgoing

from .conftest import ROOT
from .test_mail import Recorder, built, smtp_server, with_email

NOTES = 300
HAMMER = """
import sys
from dataclasses import replace
from pathlib import Path

from digest import unmailed
from digest.config import load_config

config = load_config(None)
config = replace(config, paths=replace(config.paths, state=Path(sys.argv[1])))
prefix, count = sys.argv[2], int(sys.argv[3])
for number in range(count):
    unmailed.owe(config, f"{prefix}-{number}", "noted")
    if number % 2:
        unmailed.clear(config, f"{prefix}-{number}")
"""


@pytest.mark.timeout(120)
def test_two_processes_noting_and_clearing_at_once_lose_nothing_and_bring_nothing_back(
    tmp_path,
):
    state = tmp_path / "state" / "state.sqlite3"
    state.parent.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    hammers = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, str(state), prefix, str(NOTES)],
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("daemon", "send")
    ]
    for hammer in hammers:
        _, errors = hammer.communicate(timeout=100)
        assert hammer.returncode == 0, errors
        assert "cannot" not in errors
    record = json.loads(state.with_name("state.sqlite3.unmailed").read_text(encoding="utf-8"))
    expected = {f"{prefix}-{n}" for prefix in ("daemon", "send") for n in range(0, NOTES, 2)}
    assert set(record) - expected == set(), "cleared notes came back"
    assert expected - set(record) == set(), "notes were lost"


def broken_templates(tmp_path):
    """The project's templates, with a plain-text mail template that cannot be rendered."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "digest.txt.j2").write_text("{{ digest.title | no_such_filter }}\n")
    return templates


@pytest.mark.timeout(60)
def test_a_digest_that_cannot_be_composed_stays_noted_with_the_error_as_its_reason(
    tmp_path, caplog
):
    config = built(tmp_path)
    [name] = [p.stem for p in config.paths.outbox.glob("digest-*.json")]
    config = replace(config, paths=replace(config.paths, templates=broken_templates(tmp_path)))
    recorder = Recorder()
    with smtp_server(recorder) as port:
        outgoing = Outgoing(with_email(config, port))
        outgoing.send(name)
        assert outgoing.stop(seconds=30) == [name]
    assert not recorder.envelopes
    reason = unmailed.owed(config)[name]
    assert "no_such_filter" in reason
    assert [u.name for u in queries.status(config).unmailed] == [name]


@pytest.mark.timeout(60)
def test_a_digest_gone_from_the_outbox_is_no_longer_noted_and_the_log_says_so(tmp_path, caplog):
    config = built(tmp_path)
    [name] = [p.stem for p in config.paths.outbox.glob("digest-*.json")]
    for file in config.paths.outbox.glob(f"{name}.*"):
        file.unlink()
    recorder = Recorder()
    with smtp_server(recorder) as port:
        outgoing = Outgoing(with_email(config, port))
        outgoing.send(name)
        assert outgoing.stop(seconds=30) == []
    assert not unmailed.owed(config)
    assert f"{name} is no longer in {config.paths.outbox}" in caplog.text


def test_a_note_or_clear_that_cannot_write_says_which(tmp_path, monkeypatch, caplog):
    config = built(tmp_path)
    unmailed.owe(config, "digest-2026-11-21", "noted")
    unmailed.owe(config, "digest-2026-11-22", "noted")

    def no_space(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(unmailed, "write_atomic", no_space)
    unmailed.owe(config, "digest-2026-11-23", "noted")
    assert "cannot note digest-2026-11-23 as not yet mailed" in caplog.text
    caplog.clear()
    unmailed.clear(config, "digest-2026-11-21")
    assert "cannot clear digest-2026-11-21" in caplog.text
    assert "cannot note" not in caplog.text


@pytest.mark.parametrize(
    "text", ["{not json", '["digest-2026-11-21"]', '"digest-2026-11-21"', "\udcff"]
)
def test_a_record_that_is_not_a_json_object_is_a_warning_naming_the_file(tmp_path, caplog, text):
    config = built(tmp_path)
    unmailed.path(config).write_bytes(text.encode("utf-8", "surrogateescape"))
    with caplog.at_level(logging.WARNING):
        assert unmailed.owed(config) == {}
    assert str(unmailed.path(config)) in caplog.text
    assert "not yet mailed" in caplog.text


def test_a_note_without_a_reason_is_listed_with_a_sensible_one(tmp_path):
    config = built(tmp_path)
    unmailed.path(config).write_text('{"digest-2026-11-21": null, "digest-2026-11-22": 3}')
    reasons = {u.name: u.reason for u in queries.status(config).unmailed}
    assert reasons["digest-2026-11-21"] == "no reason was noted"
    assert "None" not in reasons.values()


def test_a_damaged_record_is_kept_aside_when_a_new_note_replaces_it(tmp_path, caplog):
    config = built(tmp_path)
    record = unmailed.path(config)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text('{"digest-2026-11-20": "server down", ', encoding="utf-8")  # cut short
    with caplog.at_level(logging.WARNING):
        unmailed.owe(config, "digest-2026-11-21", "server down")
    assert unmailed.owed(config) == {"digest-2026-11-21": "server down"}
    kept = record.with_name(record.name + ".damaged")
    assert kept.read_text(encoding="utf-8").startswith('{"digest-2026-11-20"')
    assert str(kept) in caplog.text


def test_an_outbox_that_cannot_be_looked_at_keeps_the_note_with_why(tmp_path, monkeypatch):
    from digest import outgoing

    config = built(tmp_path)
    [name] = [p.stem for p in config.paths.outbox.glob("digest-*.json")]
    for file in config.paths.outbox.glob(f"{name}.*"):
        file.unlink()

    def cannot_look(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(outgoing, "digest_files", cannot_look)
    recorder = Recorder()
    with smtp_server(recorder) as port:
        sender = Outgoing(with_email(config, port))
        sender.send(name)
        sender.stop(seconds=30)
    reason = unmailed.owed(config)[name]
    assert name in reason and outgoing.MAILING not in reason
