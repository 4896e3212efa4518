"""Reading the many ways articles write their publication date."""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, date, datetime, timedelta

EARLIEST_YEAR = 1900  # "0001-01-01" and the like stand for "no date"
FUTURE_SLACK = timedelta(days=2)  # time zones, and feeds that post-date by a day
_FOUR_DIGITS = re.compile(r"(?<!\d)\d{4}(?!\d)")
_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b. %d, %Y",
    "%d.%m.%Y",  # 08.03.2026: day first, as everywhere dots are used
)
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,? ", re.IGNORECASE)
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_SEPT = re.compile(r"\bSept\b", re.IGNORECASE)
_EPOCH_SECONDS = re.compile(r"\d{9,10}")


def parse_date(value: object) -> datetime | None:
    """A timezone-aware datetime (UTC when no zone is given), or None when unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = re.sub(r"\s+", " ", value.strip())
    if _EPOCH_SECONDS.fullmatch(text):  # "1772964000": seconds since 1970, as some exports write
        return parse_date(int(text))
    parsed = _parse_iso(text) or _parse_rfc2822(text) or _parse_formats(_plain(text))
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _parse_rfc2822(text: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # The parser reads a year under 100 as 19xx or 20xx, so "01 Jan 0001" (the zero date some
    # site generators write for "no date") would become 2001.
    years = _FOUR_DIGITS.findall(text)
    return parsed if not years or str(parsed.year) in years else None


def implausible(moment: datetime, now: datetime) -> str | None:
    """Why `moment` cannot be an article's publication date (None when it can be)."""
    if moment.year < EARLIEST_YEAR:
        return f"before {EARLIEST_YEAR}, a placeholder"
    if moment.year > now.year + 1 or moment > now + FUTURE_SLACK:
        return "in the future"
    return None


def _plain(text: str) -> str:
    """The date without a weekday or ordinal suffixes: "Sunday, Sept. 8th" as "Sep. 8"."""
    return _SEPT.sub("Sep", _ORDINAL.sub("", _WEEKDAY.sub("", text)))


def _parse_formats(text: str) -> datetime | None:
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None
