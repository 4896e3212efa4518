"""Standard 5-field crontabs read as cron reads them, as APScheduler triggers on a wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbers them 0-6, 7 = 0


def cron_trigger(expression: str, timezone: ZoneInfo) -> BaseTrigger:
    """A standard 5-field crontab as an APScheduler trigger; ValueError when it is not one.

    Three differences from APScheduler's own reading are mended: cron numbers weekdays from
    Sunday (0 or 7), APScheduler from Monday (0), so numbers are turned into day names; when
    both the day of the month and the weekday are restricted, cron runs on either ("the 1st,
    and every Monday"), not only when both hold; and a time the clocks skip as they spring
    forward runs as the clocks jump, not a day later (see WallClockTrigger).
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields, got {len(fields)}")
    minute, hour, day, month, weekday = fields
    weekday = _weekday_names(weekday)

    def trigger(day: str, weekday: str) -> CronTrigger:
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=weekday,
            timezone=UTC,  # read as the wall clock: WallClockTrigger places it in `timezone`
        )  # fmt: skip

    if day != "*" and weekday != "*":
        return WallClockTrigger(OrTrigger([trigger(day, "*"), trigger("*", weekday)]), timezone)
    return WallClockTrigger(trigger(day, weekday), timezone)


class WallClockTrigger(BaseTrigger):
    """A trigger of wall-clock times (computed as if in UTC) placed in a real time zone.

    As cron does: a time the clocks skip (02:30 as 02:00 becomes 03:00) runs at the first moment
    after the gap, the same day; a time that comes twice as the clocks go back runs the first
    time. (APScheduler's own reading skips the day of the gap.)
    """

    def __init__(self, wall: BaseTrigger, timezone: ZoneInfo) -> None:
        self.wall = wall
        self.timezone = timezone

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        start = now
        if previous_fire_time is not None:  # as CronTrigger: missed runs are not skipped
            start = min(now, previous_fire_time + timedelta(microseconds=1))
        wall = start.astimezone(self.timezone).replace(tzinfo=UTC)
        for _ in range(1000):  # each turn passes one wall time that came before `start`
            candidate = self.wall.get_next_fire_time(None, wall)
            if candidate is None:
                return None
            fire = _real_time(candidate.replace(tzinfo=None), self.timezone)
            if fire >= start:
                return fire
            wall = candidate + timedelta(seconds=1)
        return None

    def __str__(self) -> str:
        return f"{self.wall} on the wall clock of {self.timezone}"


def _real_time(wall: datetime, timezone: ZoneInfo) -> datetime:
    """The moment the clocks of `timezone` show `wall` (the first, when they show it twice;
    the end of the gap, when they skip it)."""
    local = wall.replace(tzinfo=timezone)
    if local.astimezone(UTC).astimezone(timezone).replace(tzinfo=None) == wall:
        return local
    moment = wall.replace(tzinfo=timezone, fold=1).astimezone(UTC)  # before the gap
    while moment.astimezone(timezone).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return moment.astimezone(timezone)


def _weekday_names(field: str) -> str:
    """A cron weekday field with its numbers as day names ("1-5" → "mon,tue,wed,thu,fri")."""
    if field == "*":
        return field
    names: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            first, last = (_day_number(end) for end in base.split("-", 1))
            last = 7 if last == 0 and first > 0 else last  # "5-0" is not a day of cron's
        else:
            first = last = _day_number(base)
        if step < 1 or first > last:
            raise ValueError(f"bad weekday range {part!r}")
        names.update(number % 7 for number in range(first, last + 1, step))
    return ",".join(_DAY_NAMES[number] for number in sorted(names, key=lambda n: (n + 6) % 7))


def _day_number(text: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text.lower()[:3] in _DAY_NAMES:
        return _DAY_NAMES.index(text.lower()[:3])
    raise ValueError(f"not a weekday: {text!r} (0-7 or mon-sun)")
