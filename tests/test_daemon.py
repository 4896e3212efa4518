"""The daemon: real file events, settling, schedule, catch-up, single instance, kill -9."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from digest import pipeline, queries
from digest.config import Config, ScheduleSettings
from digest.daemon import Daemon
from digest.errors import LockedError
from digest.lock import close_inherited, state_lock
from digest.schedule import make_trigger, missed_run
from digest.store import Store
from digest.watch import SettledFiles

from .conftest import make_config, txt

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()


def article(n: int) -> str:
    """A distinct small article."""
    topic = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(4))
    return txt(
        f"Report {n} on {topic}",
        f"Officials reported event number {n} concerning {topic} on Monday. "
        f"They said the count reached {n * 13} by the evening, and more news on item {n} "
        "would follow.",
        source="Test Wire",
        date="2026-11-20",
    )


def quick_config(tmp_path: Path, settle_seconds: float = 0.3, **watch):
    config = make_config(tmp_path)
    config.paths.inbox.mkdir(parents=True)
    return replace(config, watch=replace(config.watch, settle_seconds=settle_seconds, **watch))


class Running:
    """A daemon on a background thread for the duration of a `with` block."""

    def __init__(self, config, trigger=None) -> None:
        self.daemon = Daemon(config, trigger=trigger or IntervalTrigger(days=365))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.daemon.run, args=(self.stop,))

    def __enter__(self) -> Daemon:
        self.thread.start()
        return self.daemon

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


def wait_for(condition, timeout: float = 15.0, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def stored(config) -> int:
    return queries.status(config).articles


@pytest.mark.parametrize("polling", [False, True])
def test_dropped_files_are_stored_once_they_settle(tmp_path, polling):
    # A pause of 0.15 s inside a write must stay well under the settle time on a busy machine.
    config = quick_config(tmp_path, settle_seconds=1.0, polling=polling)
    (config.paths.inbox / "waiting.txt").write_text(article(0))  # there before the start
    with Running(config):
        assert wait_for(lambda: stored(config) == 1)
        growing = config.paths.inbox / "growing.txt"
        text = article(1)
        with growing.open("w") as handle:  # written in two parts, 0.15 s apart
            handle.write(text[:60])
            handle.flush()
            time.sleep(0.15)
            handle.write(text[60:])
        for name in (".hidden.txt", "draft.txt.tmp", "file.part", "notes.txt~", "x.crdownload"):
            (config.paths.inbox / name).write_text(article(2))
        assert wait_for(lambda: stored(config) == 2)
        # A file dropped after them settles after them: once it is filed away, they had their turn.
        (config.paths.inbox / "after.txt").write_text(article(3))
        assert wait_for(lambda: not (config.paths.inbox / "after.txt").exists())
    assert stored(config) == 3
    with Store.open(config.paths.state) as store:
        [story] = store.stories([store.assignments()["growing.txt"]])
    assert story.articles[0].text.endswith("would follow.")  # read whole, not half-written
    left = sorted(p.name for p in config.paths.inbox.iterdir() if p.is_file())
    assert left == [".hidden.txt", "draft.txt.tmp", "file.part", "notes.txt~", "x.crdownload"]


def test_a_burst_of_a_thousand_files_is_stored_without_loss_or_duplicates(tmp_path):
    config = quick_config(tmp_path)
    with Running(config):
        for n in range(1000):
            (config.paths.inbox / f"burst-{n:04}.txt").write_text(article(n))
        (config.paths.inbox / "burst-copy.txt").write_text(article(7))  # same content again
        assert wait_for(lambda: stored(config) == 1000, timeout=60)
        assert wait_for(lambda: not any(config.paths.inbox.glob("*.txt")), timeout=10)
    with Store.open(config.paths.state) as store:
        files = set(store.assignments())
    assert len(files) == 1000
    processed = list((config.paths.inbox / "processed").rglob("*.txt"))
    assert len(processed) == 1001


def test_bad_files_are_rejected_and_the_daemon_goes_on(tmp_path):
    config = quick_config(tmp_path)
    with Running(config):
        (config.paths.inbox / "bad.json").write_text("{not json")
        (config.paths.inbox / "good.txt").write_text(article(3))
        assert wait_for(lambda: stored(config) == 1)
        rejected = config.paths.inbox / "rejected"
        assert wait_for(lambda: (rejected / "bad.json.error").exists())
    assert "not valid JSON" in (rejected / "bad.json.error").read_text()


def test_scheduled_digest_fires_through_the_same_code_path(tmp_path):
    config = quick_config(tmp_path)
    (config.paths.inbox / "one.txt").write_text(article(1))
    with Running(config, trigger=CronTrigger(second="*", timezone=UTC)) as daemon:
        assert wait_for(lambda: (config.paths.outbox / "latest.html").exists())
        assert wait_for(lambda: daemon.builds >= 2)  # later ticks: nothing new, nothing written
    assert len(list(config.paths.outbox.glob("digest-*.html"))) == 1
    assert "Report 1" in (config.paths.outbox / "latest.md").read_text()


def test_missed_run_is_one_catch_up_and_none_when_nothing_was_missed():
    trigger = make_trigger(ScheduleSettings(cron="0 7 * * *", timezone="Europe/Paris"))
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    three_days_ago = now - timedelta(days=3)
    missed = missed_run(trigger, three_days_ago, now)
    assert missed is not None and missed.astimezone(UTC) == datetime(2026, 11, 19, 6, 0, tzinfo=UTC)
    assert missed_run(trigger, datetime(2026, 11, 21, 6, 0, 5, tzinfo=UTC), now) is None
    assert missed_run(trigger, None, now) is None


def test_schedule_follows_daylight_saving_time():
    trigger = make_trigger(ScheduleSettings(cron="0 7 * * *", timezone="Europe/Paris"))
    before = trigger.get_next_fire_time(None, datetime(2026, 10, 23, 12, tzinfo=UTC))
    after = trigger.get_next_fire_time(None, datetime(2026, 10, 25, 12, tzinfo=UTC))
    assert before.astimezone(UTC).hour == 5  # 07:00 CEST
    assert after.astimezone(UTC).hour == 6  # 07:00 CET, after the clocks went back


def fire_days(cron: str, count: int = 8) -> list[str]:
    """The next `count` days a crontab fires on, from Saturday 21 November 2026, in UTC."""
    trigger = make_trigger(ScheduleSettings(cron=cron, timezone="UTC"))
    moment, days = datetime(2026, 11, 21, tzinfo=UTC), []
    for _ in range(count):
        moment = trigger.get_next_fire_time(None, moment)
        days.append(moment.strftime("%a %d"))
        moment += timedelta(seconds=1)
    return days


@pytest.mark.parametrize(
    ("cron", "days"),
    [
        ("0 7 * * 1-5", ["Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27", "Mon 30"]),
        ("0 7 * * MON-FRI", ["Mon 23", "Tue 24", "Wed 25", "Thu 26", "Fri 27", "Mon 30"]),
        ("0 7 * * 0", ["Sun 22", "Sun 29", "Sun 06", "Sun 13", "Sun 20", "Sun 27"]),
        ("0 7 * * 7", ["Sun 22", "Sun 29", "Sun 06", "Sun 13", "Sun 20", "Sun 27"]),
        ("0 7 * * 5-0", ["Sat 21", "Sun 22", "Fri 27", "Sat 28", "Sun 29", "Fri 04"]),
        ("0 7 * * */2", ["Sat 21", "Sun 22", "Tue 24", "Thu 26", "Sat 28", "Sun 29"]),
        # Day of month and weekday both given: either one (cron's rule), not both at once.
        ("0 7 1 * 1", ["Mon 23", "Mon 30", "Tue 01", "Mon 07", "Mon 14", "Mon 21"]),
    ],
)
def test_crontab_weekdays_are_cron_s_not_apscheduler_s(cron, days):
    assert fire_days(cron, len(days)) == days


def test_a_time_that_comes_twice_as_the_clocks_go_back_makes_one_digest(tmp_path):
    config = quick_config(tmp_path)
    config = replace(config, schedule=ScheduleSettings(cron="30 2 * * *", timezone="Europe/Berlin"))
    daemon = Daemon(config)
    daemon.scheduled(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 summer time
    assert daemon.build_due.is_set()
    daemon.build_due.clear()
    daemon.scheduled(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 02:30 again, winter time
    assert not daemon.build_due.is_set()
    daemon.scheduled(datetime(2026, 10, 26, 1, 30, tzinfo=UTC))  # the next day
    assert daemon.build_due.is_set()


def test_daemon_catches_up_at_start_from_the_stored_last_digest(tmp_path):
    config = quick_config(tmp_path)
    config = replace(config, schedule=ScheduleSettings(cron="0 7 * * *", timezone="UTC"))
    (config.paths.inbox / "one.txt").write_text(article(1))
    pipeline.build(config, now=datetime.now(UTC) - timedelta(days=2))  # the last digest
    (config.paths.inbox / "two.txt").write_text(article(8))
    with Running(config, trigger=make_trigger(config.schedule)) as daemon:
        assert wait_for(lambda: daemon.builds == 1)
        stored_after_a_later_file(config, article(3), 3)
    assert daemon.builds == 1  # one catch-up digest, however many turns the loop took
    assert len(list(config.paths.outbox.glob("digest-*.html"))) == 2

    with Running(config, trigger=make_trigger(config.schedule)) as daemon:
        stored_after_a_later_file(config, article(4), 4)
    assert daemon.builds == 0  # the catch-up digest is now the last one: nothing missed


def stored_after_a_later_file(config, text: str, count: int) -> None:
    """Drop a file and wait until it is stored: the loop has gone round since the daemon
    started, and a digest due at the start (or with this file) would have been built by now."""
    (config.paths.inbox / f"later-{count}.txt").write_text(text)
    assert wait_for(lambda: stored(config) == count)


def test_a_second_daemon_on_the_same_state_fails_fast(tmp_path):
    config = quick_config(tmp_path)
    daemon_lock = config.paths.state.with_name(config.paths.state.name + ".daemon.lock")
    with Running(config):
        # The first daemon writes its process id into its lock file once it holds the lock.
        assert wait_for(lambda: daemon_lock.exists() and daemon_lock.read_text().strip() != "")
        stop, outcome = threading.Event(), []

        def second() -> None:
            try:
                Daemon(config).run(stop)
            except Exception as error:
                outcome.append(error)

        thread = threading.Thread(target=second, daemon=True)
        thread.start()
        thread.join(timeout=30)
        stop.set()  # a second daemon that started after all (a broken lock) is stopped
        thread.join(timeout=10)
    [error] = outcome
    assert isinstance(error, LockedError) and "another digest process" in str(error)


def test_settled_files_waits_for_size_and_time_to_stop_changing(tmp_path):
    now = [0.0]
    files = SettledFiles(tmp_path, settle_seconds=1.0, clock=lambda: now[0])
    path = tmp_path / "a.txt"

    def write(text: str) -> None:
        path.write_text(text)
        os.utime(path, (1e9 + now[0], 1e9 + now[0]))
        files.touch(path)

    write("x")
    assert files.settled() == []
    now[0] = 0.5
    write("xy")
    now[0] = 1.2
    assert files.settled() == []  # changed at 0.5
    now[0] = 1.6
    assert files.settled() == []  # the change was seen at 1.2: 0.4 s of our clock
    now[0] = 2.3
    assert files.settled() == [path]  # unchanged for a full second since we saw it
    assert files.settled() == []  # reported once
    path.unlink()  # filed away by the pipeline
    now[0] = 5.0
    old = tmp_path / "old.txt"
    old.write_text("waiting before the start")
    os.utime(old, (1e9, 1e9))
    files.rescan()
    now[0] = 5.01
    assert files.settled() == []  # its old time says nothing: the writer's clock may lag
    now[0] = 6.1
    assert files.settled() == [old]  # unchanged for a full second of our clock
    ahead = tmp_path / "ahead.txt"  # written on a machine whose clock runs an hour ahead
    ahead.write_text("from the future")
    os.utime(ahead, (1e9 + 3600, 1e9 + 3600))
    files.touch(ahead)
    now[0] = 5.5
    assert files.settled() == []  # first seen now
    now[0] = 6.0
    assert files.settled() == []  # unchanged for 0.5 s of our clock
    now[0] = 6.6
    assert files.settled() == [ahead]  # a full second of our clock, not an hour


def test_a_file_left_in_the_inbox_is_not_handed_over_at_every_tick(tmp_path):
    from watchdog.events import FileClosedNoWriteEvent, FileOpenedEvent

    from digest.watch import RETRY_SECONDS, _Recorder

    now = [0.0]
    files = SettledFiles(tmp_path, settle_seconds=1.0, clock=lambda: now[0])
    stuck = tmp_path / "stuck.txt"  # read, but it could not be moved away (read-only inbox)
    stuck.write_text("an article")
    os.utime(stuck, (1e9 - 5, 1e9 - 5))
    files.touch(stuck)
    assert files.settled() == []
    now[0] = 1.0
    assert files.settled() == [stuck]
    recorder = _Recorder(files)
    recorder.on_any_event(FileOpenedEvent(str(stuck)))  # the reading itself: no news
    recorder.on_any_event(FileClosedNoWriteEvent(str(stuck)))
    assert files.waiting() == 0
    for tick in range(1, 30):  # the rescan finds it again and again, unchanged
        now[0] = tick * 2.0
        assert files.settled() == []
    now[0] = RETRY_SECONDS + 1
    files.settled()  # the rescan sees it again
    now[0] += 1.0
    assert files.settled() == [stuck]  # tried again, once a minute
    now[0] += 2
    stuck.write_text("an article, changed")
    os.utime(stuck, (1e9 + now[0], 1e9 + now[0]))
    files.touch(stuck)
    now[0] += 1.5
    assert files.settled() == []  # the change is seen now
    now[0] += 1.0
    assert files.settled() == [stuck]  # changed: handed over as soon as it settles


def build_command(tmp_path, articles: int) -> tuple[Config, list[str]]:
    """A project with `articles` files in its inbox, and the command that builds it."""
    config = make_config(tmp_path)
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'[paths]\ninbox = "{config.paths.inbox}"\noutbox = "{config.paths.outbox}"\n'
        f'state = "{config.paths.state}"\ntemplates = "{config.paths.templates}"\n'
    )
    config.paths.inbox.mkdir(parents=True)
    for n in range(articles):
        (config.paths.inbox / f"a-{n:04}.txt").write_text(article(n))
    return config, [sys.executable, "-m", "digest", "build", "--config", str(config_file)]


def killed_at(command: list[str], event: re.Pattern, log: Path) -> None:
    """Run `command` until its log shows `event`, then kill -9 it."""
    with log.open("w") as stderr:
        process = subprocess.Popen(command, stderr=stderr, stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: event.search(log.read_text()) or process.poll() is not None, timeout=60)
        assert event.search(log.read_text()), f"{event.pattern} not seen:\n{log.read_text()}"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def test_kill_9_mid_ingest_loses_nothing_and_stores_nothing_twice(tmp_path):
    config, command = build_command(tmp_path, 400)
    log = tmp_path / "build.log"
    killed_at(command, re.compile(r"reading: 200/400"), log)  # halfway through reading
    killed_at(command, re.compile(r"read 400 file\(s\)"), log)  # stored, not yet committed
    final = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    with Store.open(config.paths.state) as store:
        files = store.assignments()
        count = store.counts()["articles"]
    assert count == 400 and len(files) == 400
    assert not list(config.paths.inbox.glob("*.txt"))
    processed = sorted(p.name for p in (config.paths.inbox / "processed").rglob("*.txt"))
    notes = [p.read_text() for p in config.paths.inbox.rglob("*.error")]
    assert len(processed) == 400, (len(processed), len(set(processed)), notes)
    assert not [p for p in config.paths.outbox.iterdir() if p.name.endswith(".tmp")]


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            found.update(int(c) for c in (task / "children").read_text().split())
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has finished; only its parent has not noticed


def test_a_forked_worker_lets_go_of_its_copy_of_the_lock(tmp_path):
    state = tmp_path / "state" / "state.sqlite3"
    ready_read, ready_write = os.pipe()
    with state_lock(state):
        child = os.fork()
        if child == 0:  # the worker: let go, say so, and live on
            try:
                close_inherited()
                os.write(ready_write, b"x")
                time.sleep(30)
            finally:
                os._exit(0)
        assert os.read(ready_read, 1) == b"x"
    try:
        with state_lock(state):  # free, although the worker forked while it was held still runs
            pass
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        os.close(ready_read)
        os.close(ready_write)


@pytest.mark.skipif(
    not Path(f"/proc/self/task/{os.getpid()}/children").exists()
    or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux's /proc and two cores (so that reading uses worker processes)",
)
def test_workers_of_a_killed_build_let_go_of_the_lock_and_end(tmp_path):
    config, command = build_command(tmp_path, 3000)
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: len(_children(process.pid)) >= 2, timeout=60, every=0.005)
        workers = _children(process.pid)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    try:
        with state_lock(config.paths.state, wait=5):  # not held by the orphaned workers
            pass
        assert wait_for(lambda: not any(_running(w) for w in workers), timeout=5)
    finally:
        for worker in workers:  # when the test fails, leave no orphan behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
