"""`digest run`: watch the inbox and publish digests on schedule, until told to stop.

Every action runs on one thread, one at a time: the observer and the scheduler only record what
happened (a file event, a due digest) and this loop acts on it. A bad file or a failed build is
logged and the loop goes on.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from digest import mail, pipeline
from digest.config import Config
from digest.errors import DigestError
from digest.lock import state_lock
from digest.outgoing import Outgoing
from digest.schedule import make_trigger, missed_run
from digest.store import Store
from digest.watch import SettledFiles, start_observer

log = logging.getLogger(__name__)
TICK_SECONDS = 0.1
MAX_BUILD_DELAY = 10.0  # seconds a due digest waits for files still being written


class Daemon:
    """The long-running digest process."""

    def __init__(self, config: Config, *, trigger: BaseTrigger | None = None) -> None:
        self.config = config
        self.trigger = trigger or make_trigger(config.schedule)
        self.files = SettledFiles(config.paths.inbox, config.watch.settle_seconds)
        self.build_due = threading.Event()
        self.outgoing = Outgoing(config)
        self.builds = 0
        self.fetches = 0
        self._due_since: float | None = None
        self._last_due: tuple[datetime, datetime] | None = None  # wall-clock minute, moment

    def run(self, stop: threading.Event) -> None:
        """Run until `stop` is set; raises LockedError when another daemon runs on this state.

        Email that is configured but cannot be sent (say, its password variable is unset) is a
        ConfigError here, at start, rather than a failure logged after each digest.
        """
        pipeline.check_folders(self.config, warn_missing=False)  # the watcher creates it
        if self.config.email.enabled:
            mail.require_email(self.config.email)
        daemon_lock = self.config.paths.state.with_name(self.config.paths.state.name + ".daemon")
        with state_lock(daemon_lock):
            self.outgoing.send_owed()
            self._catch_up()
            self.files.rescan()
            observer = start_observer(self.files, polling=self.config.watch.polling)
            scheduler = BackgroundScheduler(timezone=ZoneInfo(self.config.schedule.timezone))
            # However late the scheduler wakes (a suspended laptop, a paused machine), the
            # digest that fell due is built: missed runs are coalesced into one, never dropped.
            scheduler.add_job(self.scheduled, self.trigger, coalesce=True, misfire_grace_time=None)
            scheduler.start()
            log.info("digest run: next digest at %s", scheduler.get_jobs()[0].next_run_time)
            stop_fetching = threading.Event()
            fetching = self._start_fetching(stop_fetching)
            try:
                while not stop.is_set():
                    self.step()
                    stop.wait(TICK_SECONDS)
            finally:
                stop_fetching.set()
                if fetching is not None:
                    fetching.join(timeout=5)  # at once: the fetch leaves a request in flight
                scheduler.shutdown(wait=False)
                observer.stop()
                observer.join(timeout=5)
                self.outgoing.stop()
                log.info("digest run: stopped")

    def scheduled(self, now: datetime | None = None) -> None:
        """The schedule's job: a digest is due, unless this is the same wall-clock time again.

        When the clocks go back, a time such as 02:30 happens twice, and APScheduler fires at
        both; cron publishes once.
        """
        zone = ZoneInfo(self.config.schedule.timezone)
        local = (now or datetime.now(zone)).astimezone(zone)
        minute = local.replace(tzinfo=None, second=0, microsecond=0)
        last = self._last_due
        elapsed = local.astimezone(UTC) - last[1].astimezone(UTC) if last else timedelta(0)
        if last is not None and minute == last[0] and elapsed >= timedelta(minutes=30):
            log.info("%s came round again as the clocks went back: no second digest", minute)
            return
        self._last_due = (minute, local)
        self.build_due.set()

    def step(self) -> None:
        """One turn of the loop: ingest settled files, build a digest when one is due.

        A due digest waits (briefly) for files still settling, so that what was dropped just
        before the scheduled time makes it in.
        """
        ready = self._guarded(self.files.settled)  # a rescan of an unreadable inbox fails
        if ready:
            self._guarded(lambda: pipeline.update(self.config, files=ready, in_process=True))
        if not self.build_due.is_set():
            return
        if self._due_since is None:
            self._due_since = time.monotonic()
        waited = time.monotonic() - self._due_since
        if self.files.waiting() == 0 or waited >= MAX_BUILD_DELAY:
            self.build_due.clear()
            self._due_since = None
            self._guarded(self._build)

    def _build(self) -> None:
        result = pipeline.build(self.config, files=[], in_process=True)
        self.builds += 1
        if result.written:
            log.info("published a digest of %d story(ies)", len(result.digest.briefs))
            self.outgoing.send(result.written[0].stem)
        else:
            log.info("digest due, but no story has news to show; nothing written")

    def _start_fetching(self, stop: threading.Event) -> threading.Thread | None:
        """The subscriptions' own thread: a fetch every [feeds] interval minutes, never in the
        way of the loop (it only writes files into the inbox, which the watcher then reads)."""
        minutes = self.config.feeds.interval
        if minutes <= 0:
            return None
        thread = threading.Thread(
            target=self._fetch_every, args=(minutes * 60, stop), name="digest-feeds", daemon=True
        )
        thread.start()
        return thread

    def _fetch_every(self, seconds: float, stop: threading.Event) -> None:
        """Fetch now and every `seconds`; while nothing is subscribed (the subscriptions are
        read again each time), do nothing."""
        from digest import subscriptions

        announced = False
        while not stop.is_set():
            subscribed = self._guarded(lambda: subscriptions.subscriptions(self.config.feeds))
            if subscribed:
                if not announced:
                    log.info("digest run: fetching the feeds every %g minute(s)", seconds / 60)
                    announced = True
                self._guarded(partial(subscriptions.fetch, self.config, stop=stop,
                                      subscribed=subscribed))  # fmt: skip
                self.fetches += 1
            stop.wait(seconds)

    def _catch_up(self) -> None:
        with Store.open(self.config.paths.state) as store:
            last = store.last_digest()
        missed = missed_run(self.trigger, last.generated_at if last else None, datetime.now(UTC))
        if missed is not None:
            log.info("a digest was due at %s while digest was not running; building it now", missed)
            self.build_due.set()

    def _guarded(self, action):
        """What `action()` returns; None, with the error logged, when it fails."""
        try:
            return action()
        except DigestError as error:
            log.error("%s", error)
        except Exception:  # the daemon outlives any single failure; the traceback is logged
            log.exception("unexpected error; digest run goes on")
        return None
