"""Rules that a one-line change could break unnoticed: each test here fails if its rule goes.

The article id depends on the title; digests are written atomically; a build waits for the lock
held by another process; a late wake of the scheduler still builds the due digest; dates written
year/month/day and day-month-year are read the right way round.
"""

from __future__ import annotations

import errno
import fcntl
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.base import BaseTrigger

from digest import lock, pipeline, publish
from digest.clean import content_id
from digest.dates import parse_date
from digest.files import write_atomic
from digest.lock import state_lock
from digest.readers import read_file

from .conftest import make_config, make_inbox, txt
from .test_daemon import Running, quick_config, wait_for

BODY = (
    "The harbour authority said on Monday that the new ferry terminal would open in March. "
    "Officials expect about 4,000 passengers a day once the service runs at full strength."
)


def test_the_article_id_depends_on_the_title(tmp_path):
    make_inbox(tmp_path, {"a.txt": f"Title: Ferry opens\n\n{BODY}"})
    make_inbox(tmp_path, {"b.txt": f"Title: Ferry delayed\n\n{BODY}"})
    [opens] = read_file(tmp_path / "a.txt", max_bytes=100_000)
    [delayed] = read_file(tmp_path / "b.txt", max_bytes=100_000)
    assert opens.text == delayed.text
    assert opens.id != delayed.id
    assert content_id("Ferry opens", BODY) != content_id(None, BODY)


def test_a_reader_of_the_old_digest_reads_it_whole_while_the_new_one_is_written(tmp_path):
    old, new = "<p>yesterday's digest</p>\n" * 50, "<p>today's digest</p>\n" * 80
    config = make_config(tmp_path)
    outbox = config.paths.outbox
    outbox.mkdir()
    (outbox / "latest.html").write_text(old)
    with (outbox / "latest.html").open() as reader:  # opened before the new digest is written
        publish.finish(config, "digest-2026-11-21", {"html": new})
        assert reader.read() == old  # the file was replaced, not rewritten in place
    assert (outbox / "latest.html").read_text() == new
    with (outbox / "page.html").open("w") as page:
        page.write(old)
    with (outbox / "page.html").open() as reader:
        write_atomic(outbox / "page.html", new)
        assert reader.read() == old
    assert sorted(p.name for p in outbox.iterdir()) == ["latest.html", "page.html"]


def test_a_write_that_fails_midway_leaves_the_old_file_whole_and_no_temporary(tmp_path):
    # A file size limit makes the write fail after its first 4 KB, as a full disk would.
    target = tmp_path / "latest.md"
    target.write_text("yesterday's digest\n" * 20)
    script = textwrap.dedent(
        """
        import resource, signal, sys
        from pathlib import Path
        from digest.files import write_atomic

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            write_atomic(Path(sys.argv[1]), "today's digest\\n" * 2000)
        except OSError as error:
            print(error.errno)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(errno.EFBIG)  # the write did fail
    assert target.read_text() == "yesterday's digest\n" * 20
    assert [p.name for p in tmp_path.iterdir()] == ["latest.md"]


class _WatchedFlock:
    """digest.lock's fcntl, telling when an attempt to take the lock found it held."""

    LOCK_EX, LOCK_NB = fcntl.LOCK_EX, fcntl.LOCK_NB

    def __init__(self) -> None:
        self.refused = threading.Event()

    def flock(self, handle: int, operation: int) -> None:
        try:
            fcntl.flock(handle, operation)
        except BlockingIOError:
            self.refused.set()
            raise


def test_a_build_waits_for_a_lock_that_another_process_lets_go_of(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    make_inbox(config.paths.inbox, {"a.txt": txt("Ferry", BODY, source="Bay", date="2026-11-20")})
    watched = _WatchedFlock()
    monkeypatch.setattr(lock, "fcntl", watched)
    outcome: list[object] = []

    def update() -> None:
        try:
            outcome.append(pipeline.update(config))
        except Exception as error:
            outcome.append(error)

    updating = threading.Thread(target=update, daemon=True)
    with state_lock(config.paths.state):  # held by "another process" (another open handle)
        updating.start()
        assert watched.refused.wait(timeout=30)  # the update found the lock held ...
    updating.join(timeout=60)  # ... and goes on once it is let go of
    assert not updating.is_alive()
    [result] = outcome
    assert isinstance(result, pipeline.Update), result
    assert len(result.stored) == 1


class _LateWake(BaseTrigger):
    """A schedule whose first run fell due ten minutes ago (the machine slept through it)."""

    def get_next_fire_time(self, previous_fire_time, now):
        if previous_fire_time is None:
            return now - timedelta(minutes=10)
        return previous_fire_time + timedelta(days=365)


def test_a_late_wake_of_the_scheduler_still_builds_the_due_digest(tmp_path):
    config = quick_config(tmp_path)
    with Running(config, trigger=_LateWake()) as daemon:
        assert wait_for(lambda: daemon.builds == 1, timeout=30)


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("2026/03/08", (2026, 3, 8)),  # year/month/day, never year/day/month
        ("2026/11/21", (2026, 11, 21)),
        ("8 March 2026", (2026, 3, 8)),  # a four-digit year
        ("21 November 2026", (2026, 11, 21)),
        ("8 March 26", None),  # a two-digit year is not guessed
    ],
)
def test_dates_are_read_the_right_way_round(written, meant):
    parsed = parse_date(written)
    assert (parsed.timetuple()[:3] if parsed else None) == meant
    if parsed:
        assert parsed.tzinfo == UTC and parsed < datetime(2027, 1, 1, tzinfo=UTC)
