"""Reading the many ways articles write their publication date.

ISO 8601, e-mail (RFC 2822) dates, seconds since 1970 and day-first numeric dates are read by
the standard library; dates written in words ("Sunday, March 8th, 2026", "8 mars 2026",
"8. März 2026", "8 de marzo de 2026") by dateparser, in the languages digest supports, and only
when they give a day, a month and a year (never "yesterday" or "next Tuesday").
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

EARLIEST_YEAR = 1901  # "0001-01-01", "1900-01-01" (a database's zero date) stand for "no date"
# Seconds since 1970 left at 0 ("1970-01-01T00:00:00Z", or that instant shown in a zone:
# "1969-12-31T19:00:00-05:00") or the epoch's midnight written in a zone of its own are how
# exports, feeds and templates write "no date"; a real time on 1 January 1970 is kept.
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_MIDNIGHT = datetime(1970, 1, 1)  # in whatever zone the date is written in
FUTURE_SLACK = timedelta(days=2)  # time zones, and feeds that post-date by a day
_FOUR_DIGITS = re.compile(r"(?<!\d)\d{4}(?!\d)")
_NUMERIC_ZONE = re.compile(r"\s([+-])(\d{2}):?(\d{2})\Z")  # "+0000", "-05:00": not years
# JavaScript's Date.toString(): "Sun Mar 08 2026 23:30:00 GMT-0500 (Eastern Standard Time)";
# the mail parser would read "GMT" as the zone and pass over the offset after it.
_GMT_OFFSET = re.compile(r"(?i)\s(?:GMT|UTC)(?=[+-]\d{2}:?\d{2}\Z)")
_ZONE_COMMENT = re.compile(r"\s*\([^()]*\)\Z")  # "(Eastern Standard Time)", "(UTC)"
_NUMERIC_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d.%m.%Y",  # 08.03.2026: day first, as everywhere dots are used
)
WRITTEN_LANGUAGES = ("en", "fr", "de", "es")  # dates written in words, in these languages
_LETTER = re.compile(r"[^\W\d_]")
_EPOCH_SECONDS = re.compile(r"\d{9,10}")
_TIME_OF_DAY = re.compile(r"(?i)[t\s]\d{1,2}:\d{2}(?!\d)")  # "T23:30", " 10:00", not "+05:00"


def parse_date(value: object) -> datetime | None:
    """A timezone-aware datetime (UTC when no zone is given), or None when unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:  # -1 is how exports write "unset": seconds since 1970 are never negative
            return None
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = re.sub(r"\s+", " ", value.strip())
    if _EPOCH_SECONDS.fullmatch(text):  # "1772964000": seconds since 1970, as some exports write
        return parse_date(int(text))
    parsed = _parse_iso(text) or _parse_rfc2822(text) or _parse_numeric(text)
    if parsed is None and _LETTER.search(text):
        parsed = _parse_written(text)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_timestamp(value: object) -> datetime | None:
    """`parse_date` of a date written with its time of day; None for a day alone ("2026-03-08",
    which `parse_date` reads as midnight), or what cannot be read."""
    if not isinstance(value, str) or not _TIME_OF_DAY.search(value):
        return None
    return parse_date(value)


def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_rfc2822(text: str) -> datetime | None:
    text = _GMT_OFFSET.sub(" ", _ZONE_COMMENT.sub("", text))
    zone = _NUMERIC_ZONE.search(text)
    written = text[: zone.start()] if zone else text  # the date and time, without the zone
    try:
        parsed = email.utils.parsedate_to_datetime(_NUMERIC_ZONE.sub(r" \1\2\3", text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # The parser reads a year under 100 as 19xx or 20xx, so "01 Jan 0001" (the zero date some
    # site generators write for "no date") would become 2001.
    years = _FOUR_DIGITS.findall(written)
    return parsed if not years or str(parsed.year) in years else None


def first_date(values: Iterable[object]) -> object:
    """The first of `values` (an article's date fields, by preference) that reads as a date an
    article can have, else the first that is not empty, so the reader's warning names it."""
    given = [value for value in values if value is not None and str(value).strip()]
    if len(given) < 2:  # nothing to choose between: read once, by the reader
        return given[0] if given else None
    return next((value for value in given if usable_date(value)), given[0])


def usable_date(value: object) -> bool:
    """Whether `value` reads as a date an article can have: not unreadable, nor implausible."""
    parsed = parse_date(value)
    return parsed is not None and implausible(parsed, datetime.now(UTC)) is None


def implausible(moment: datetime, now: datetime) -> str | None:
    """Why `moment` cannot be an article's publication date (None when it can be)."""
    if moment.year < EARLIEST_YEAR:
        return f"before {EARLIEST_YEAR}, a placeholder"
    if moment == UNIX_EPOCH or moment.replace(tzinfo=None) == _EPOCH_MIDNIGHT:
        return "the Unix epoch, a placeholder"
    if moment.year > now.year + 1 or moment > now + FUTURE_SLACK:
        return "in the future"
    return None


def _parse_numeric(text: str) -> datetime | None:
    for fmt in _NUMERIC_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _parse_written(text: str) -> datetime | None:
    """A date written in words, with its day, month and year, in one of WRITTEN_LANGUAGES."""
    if len(text) > 80:  # a sentence, not a date
        return None
    try:
        parsed = _written_dates().get_date_data(text).date_obj
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None
    if parsed is None or parsed.year < EARLIEST_YEAR or str(parsed.year) not in text:
        return None  # a placeholder such as 0001, or a year guessed from two digits
    return parsed.astimezone(UTC)  # in UTC already, but as pytz's UTC: the standard one


@cache
def _written_dates() -> DateDataParser:
    from dateparser.date import DateDataParser  # imported on first use: it is slow to import

    return DateDataParser(
        languages=list(WRITTEN_LANGUAGES),
        settings={
            "PARSERS": ["absolute-time"],
            "STRICT_PARSING": True,
            "REQUIRE_PARTS": ["day", "month", "year"],
            "PREFER_LOCALE_DATE_ORDER": True,
            "RETURN_AS_TIMEZONE_AWARE": True,  # a written zone ("10:00 CET") is honoured,
            "TIMEZONE": "UTC",  # and a date without one is UTC, not the machine's zone
        },
    )
