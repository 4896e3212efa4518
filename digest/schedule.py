"""When digests are due: the crontab trigger and the catch-up after downtime."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from digest.config import ScheduleSettings
from digest.crontab import cron_trigger


def make_trigger(settings: ScheduleSettings) -> BaseTrigger:
    """The crontab of `[schedule]` on the wall clock of its time zone."""
    return cron_trigger(settings.cron, ZoneInfo(settings.timezone))


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
