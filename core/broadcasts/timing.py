"""When a broadcast goes out: its repeats and the hours a DM may arrive. Pure functions.

Wall-clock rules, as people mean them: "every Monday at 09:00" stays 09:00 across a clock
change, and "monthly on the 31st" falls on the last day of shorter months. Instants are
aware; local times are read in the zone given (zoneinfo, so a time skipped by a clock
change reads as the hour after, as elsewhere in Catalyst).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.hours import DEFAULT as DEFAULT
from core.hours import DEFAULT_WINDOW as DEFAULT_WINDOW
from core.hours import Window as Window
from core.hours import parse_window as parse_window

MAX_REPEATS = 120  # ten years of monthly runs: a typo in the end date can't plan forever


def read_day(value: str | None) -> date | None:
    """A form's date (2026-12-24), or None when it isn't one."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def read_clock(value: str | None) -> time | None:
    """A form's time of day (17:30), or None when it isn't one."""
    try:
        return time.fromisoformat((value or "").strip())
    except ValueError:
        return None


def deliver_at(instant: datetime, zone: str, window: Window) -> datetime:
    """The first moment at or after `instant` that falls inside `window` in `zone`.

    Outside the window the message waits for the window's next start: the same evening's
    message arrives at 08:00 the next morning, and one at 06:00 at 08:00 the same day."""
    tz = ZoneInfo(zone)
    local = instant.astimezone(tz)
    if window.allows(local.time()):
        return instant
    day = local.date() if local.time() < window.start else local.date() + timedelta(days=1)
    opening = datetime.combine(day, window.start, tzinfo=tz)
    return max(opening.astimezone(instant.tzinfo), instant)


def _monthly(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def occurrences(
    first: datetime, repeat: str, until: datetime | None, zone: str
) -> Iterator[datetime]:
    """Each instant a broadcast goes out: `first`, then weekly or monthly at the same local
    wall-clock time, while on or before `until`. A one-off ("once") yields `first` only."""
    yield first
    if repeat not in {"weekly", "monthly"} or until is None:
        return
    tz = ZoneInfo(zone)
    local = first.astimezone(tz)
    for step in range(1, MAX_REPEATS + 1):
        if repeat == "weekly":
            day = local.date() + timedelta(weeks=step)
        else:
            day = _monthly(local.date(), step)
        at = datetime.combine(day, local.time().replace(fold=0), tzinfo=tz).astimezone(first.tzinfo)
        if at > until:
            return
        yield at


def end_of_day(day: date, zone: str) -> datetime:
    """The last moment of `day` in `zone` (a repeat "until 30 June" includes 30 June)."""
    tz = ZoneInfo(zone)
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz) - timedelta(
        microseconds=1
    )
