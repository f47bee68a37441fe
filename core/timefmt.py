"""Instants shown to people: always in their own timezone, in words that read well."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def when(instant: datetime, zone: str) -> str:
    """ "Thursday 3 December, 10:00 (Europe/London)"."""
    at = local(instant, zone)
    return f"{at:%A} {at.day} {at:%B}, {at:%H:%M} ({zone.replace('_', ' ')})"


def span(start: datetime, end: datetime, zone: str) -> str:
    """ "Thursday 3 December, 10:00–11:30 (Europe/London)"; both ends in `zone`."""
    first, last = local(start, zone), local(end, zone)
    if first.date() == last.date():
        return (
            f"{first:%A} {first.day} {first:%B}, {first:%H:%M}–{last:%H:%M} "
            f"({zone.replace('_', ' ')})"
        )
    return f"{when(start, zone)} – {when(end, zone)}"


def on_day(instant: datetime, zone: str) -> str:
    """ "Monday 23 November 2026 at 09:30", in `zone` (for records, where the year matters)."""
    at = local(instant, zone)
    return f"{at:%A} {at.day} {at:%B} {at.year} at {at:%H:%M}"
