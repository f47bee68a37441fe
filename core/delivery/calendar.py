"""The platform's own calendar, as a port: where a platform shows scheduled events of its own
(a Discord server's events), each session is mirrored there as well.

Core decides what the entry says and when it changes (a scheduled item per version of the
session, see `core.sessions.plan`); the platform's adapter implements `CalendarMirror`, and
the scheduler is given one only on a platform that has such a calendar (None elsewhere: the
items are then done without doing anything). Catalyst's own RSVP buttons stay the answers
that count; the platform's event only shows the session where people look for events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class CalendarEntry:
    """What the platform's event shows of a session (times aware, any zone)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    description: str = ""
    cancelled: bool = False


class CalendarMirror(Protocol):
    """Makes, updates or cancels one entry's event on the platform."""

    def publish(self, entry: CalendarEntry, event_id: str | None, now: datetime) -> str | None:
        """The event's id after making or changing it (`event_id`: the one recorded before,
        if any), or None where there is none (nothing to cancel, or too late to make one).

        Given no id, an event made by an attempt that died before its id was recorded is
        found, not made twice. Failures are the outbox's: `PermanentFailure` (the platform
        refuses, e.g. a missing permission; its text says what to do), `RateLimited` and
        `TransientFailure` (worth trying again).
        """
        ...
