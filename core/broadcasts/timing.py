"""When a broadcast goes out: its repeats and the hours a DM may arrive. Pure functions.

Wall-clock rules, as people mean them: "every Monday at 09:00" stays 09:00 across a clock
change, and "monthly on the 31st" falls on the last day of shorter months. Instants are
aware; local times are read in the zone given (zoneinfo, so a time skipped by a clock
change reads as the hour after, as elsewhere in Catalyst).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_WINDOW = "08:00-20:00"
_WINDOW = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*$")
MAX_REPEATS = 120  # ten years of monthly runs: a typo in the end date can't plan forever


@dataclass(frozen=True)
class Window:
    """The hours, in each reader's own timezone, when a DM may arrive: [start, end)."""

    start: time
    end: time  # time(0, 0) with `to_midnight` means the end of the day

    to_midnight: bool = False

    def allows(self, moment: time) -> bool:
        after_start = moment >= self.start
        before_end = self.to_midnight or moment < self.end
        return after_start and before_end


def parse_window(value: str | None) -> Window | None:
    """ "08:00-20:00" as a Window; None if it isn't one (or starts after it ends)."""
    found = _WINDOW.match(value or "")
    if found is None:
        return None
    start = time(int(found.group(1)), int(found.group(2)))
    end_hour, end_minute = int(found.group(3)), int(found.group(4))
    if end_hour == 24:
        if end_minute:
            return None
        return Window(start, time(0, 0), to_midnight=True)
    end = time(end_hour, end_minute)
    if end <= start:
        return None
    return Window(start, end)


DEFAULT = Window(time(8, 0), time(20, 0))


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
