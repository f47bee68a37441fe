"""Calendar files (.ics) for sessions: one to add to a calendar, or a feed of many.

Each session keeps one UID, so importing an updated file changes the existing entry instead
of adding a second; SEQUENCE grows with every edit so calendars accept the newer version,
and a cancelled session says STATUS:CANCELLED, which removes it from most calendars.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from icalendar import Calendar, Event

from core import i18n
from core.i18n import _, t
from core.sessions.checks import is_link
from core.sessions.models import CommunitySession

PRODID = "-//Catalyst//Community of Practice sessions//EN"  # untranslated: an iCalendar id


def uid(cs: CommunitySession) -> str:
    return f"session-{cs.id}@catalyst"


def sequence(cs: CommunitySession) -> int:
    """Seconds between creation and the last change: grows with every edit, no extra column."""
    return max(0, int((cs.updated_at - cs.created_at).total_seconds()))


def notes(cs: CommunitySession) -> str:
    """The event's notes, in the language being spoken (paragraphs, each its own sentence)."""
    parts = []
    if cs.theme:
        parts.append(t("Theme: {theme}", theme=_(cs.theme)))
    if cs.description:
        parts.append(cs.description)
    if is_link(cs.location):
        parts.append(t("Join: {link}", link=cs.location))
    return "\n\n".join(parts)


def event(cs: CommunitySession, now: datetime) -> Event:
    item = Event()
    item.add("uid", uid(cs))
    item.add("dtstamp", now.astimezone(UTC))
    item.add("created", cs.created_at.astimezone(UTC))
    item.add("last-modified", cs.updated_at.astimezone(UTC))
    item.add("sequence", sequence(cs))
    item.add("dtstart", cs.starts_at.astimezone(UTC))
    item.add("dtend", cs.ends_at.astimezone(UTC))
    item.add("summary", cs.title)
    item.add("location", cs.location)
    description = notes(cs)
    if description:
        item.add("description", description)
    if is_link(cs.location):
        item.add("url", cs.location)
    item.add("status", "CONFIRMED" if cs.is_scheduled else "CANCELLED")
    return item


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


PRODUCT = "Catalyst"  # untranslated: the product's name


def _ics(sessions: Iterable[CommunitySession], now: datetime, name: str) -> str:
    """The calendar's text; the notes in the language being spoken (the iCalendar field
    names are the standard's, never translated)."""
    calendar = _calendar(name)
    for cs in sessions:
        calendar.add_component(event(cs, now))
    ical: bytes = calendar.to_ical()
    return ical.decode("utf-8")


def session_ics(cs: CommunitySession, now: datetime, *, name: str = PRODUCT) -> str:
    """One session as an .ics file's text, in the language being spoken (the reader's)."""
    return _ics([cs], now, name)


def feed_ics(
    sessions: Iterable[CommunitySession],
    now: datetime,
    *,
    language: str,
    name: str = PRODUCT,
) -> str:
    """Many sessions in one calendar (a community's feed), read by calendar apps with no
    one to ask: its notes are in `language`, the community's."""
    listed = list(sessions)
    with i18n.speaking(language):
        return _ics(listed, now, name)
