"""When digests are due: the crontab trigger and the catch-up after downtime."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from digest.config import ScheduleSettings


def make_trigger(settings: ScheduleSettings) -> CronTrigger:
    """The crontab of `[schedule]` in its time zone (APScheduler handles daylight saving)."""
    return CronTrigger.from_crontab(settings.cron, timezone=ZoneInfo(settings.timezone))


def missed_run(
    trigger: BaseTrigger, last_digest_at: datetime | None, now: datetime
) -> datetime | None:
    """The first scheduled time after the last digest if it has already passed, else None.

    However many runs were missed, one digest covers them all. With no digest yet, nothing
    was missed.
    """
    if last_digest_at is None:
        return None
    due = trigger.get_next_fire_time(None, last_digest_at + timedelta(seconds=1))
    return due if due is not None and due <= now else None
