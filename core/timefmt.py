"""Instants shown to people: in their own timezone and their own language (CLDR via Babel).

The sentence around the date ("{day}, {time} ({zone})") is a translatable template, so a
language reorders or rewords it in its catalogue: "mardi 3 mars, 10:00 (Europe/Paris)".
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core.i18n import clock_time, t, weekday_day_month, weekday_day_month_year


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def zone_name(zone: str) -> str:
    """ "Europe/London" as people read it: "Europe/London" with spaces for underscores."""
    return zone.replace("_", " ")


def when(instant: datetime, zone: str) -> str:
    """ "Thursday 3 December, 10:00 (Europe/London)"."""
    at = local(instant, zone)
    return t(
        "{day}, {time} ({zone})",
        day=weekday_day_month(at),
        time=clock_time(at),
        zone=zone_name(zone),
    )


def span(start: datetime, end: datetime, zone: str) -> str:
    """ "Thursday 3 December, 10:00–11:30 (Europe/London)"; both ends in `zone`."""
    first, last = local(start, zone), local(end, zone)
    if first.date() == last.date():
        return t(
            "{day}, {start}–{end} ({zone})",
            day=weekday_day_month(first),
            start=clock_time(first),
            end=clock_time(last),
            zone=zone_name(zone),
        )
    return f"{when(start, zone)} – {when(end, zone)}"


def on_day(instant: datetime, zone: str) -> str:
    """ "Monday 23 November 2026 at 09:30", in `zone` (for records, where the year matters)."""
    at = local(instant, zone)
    return t("{date} at {time}", date=weekday_day_month_year(at), time=clock_time(at))
