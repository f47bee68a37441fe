"""Checking what a facilitator typed into the session form, before anything is stored.

Pure: no database. Dates and times are wall-clock time in the community's timezone; every
problem becomes one sentence on its field, so the form stays open with what was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from core import i18n
from core.errors import InvalidInput
from core.i18n import _, t
from core.models import Community
from core.offsets import OffsetError, describe_all, parse_offsets
from core.text import clean_text
from core.timefmt import when

TITLE_MAX = 150
THEME_MAX = 80
LOCATION_MAX = 500
DESCRIPTION_MAX = 2500
PROMPT_MAX = 2000
APOLOGY_MAX = 500
DURATION_MIN, DURATION_MAX = 15, 480
DEFAULT_DURATION = 90
MAX_AHEAD = timedelta(days=730)  # a date years away is almost always a typo

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


@dataclass(frozen=True)
class SessionDraft:
    """What a facilitator typed, before checking. Field names match the session form's."""

    title: str | None = None
    theme: str | None = None
    date: str | None = None  # "2026-12-03", as a date picker gives it
    start_time: str | None = None  # "10:00", 24-hour
    duration: str | None = None  # minutes, as typed
    location: str | None = None
    description: str | None = None
    reminder_offsets: str | None = None
    reflection_prompt: str | None = None


@dataclass(frozen=True)
class SessionDetails:
    title: str
    theme: str | None
    starts_at: datetime
    duration_minutes: int
    location: str
    description: str | None
    reminder_offsets: str | None
    reflection_prompt: str | None


# ---- checking what was typed ------------------------------------------------------------------


def is_link(location: str) -> bool:
    return location.lower().startswith(("http://", "https://"))


def _check_location(raw: str | None) -> tuple[str, str | None]:
    """(location, problem): a web link (http/https) or the name of a place."""
    location = clean_text(raw, multiline=False)
    if not location:
        return "", _("Please add the joining link (https://…) or the place where you'll meet.")
    if len(location) > LOCATION_MAX:
        return "", t(
            "Please keep this to {limit} characters or fewer.", limit=i18n.number(LOCATION_MAX)
        )
    if location.lower().startswith("www."):
        location = "https://" + location
    if not _SCHEME.match(location):
        return location, None  # a place name, e.g. "Migrant Hub, 12 High Street, Leeds"
    if " " in location:
        return "", _("Please paste just the link here; passcodes can go in the description.")
    try:
        parts = urlsplit(location)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme.lower() not in {"http", "https"} or "." not in host:
        return "", _(
            "That link doesn't look right: please paste the full joining link, starting "
            "with https://."
        )
    return location, None


def _parse_date(raw: str) -> date | None:
    for parse in (date.fromisoformat, lambda s: datetime.strptime(s, "%d/%m/%Y").date()):  # noqa: DTZ007
        try:
            return parse(raw)
        except ValueError:
            continue
    return None


def _parse_time(raw: str) -> time | None:
    match = _TIME.match(raw)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None


class NonExistentTime(ValueError):
    """The local time falls in a daylight-saving gap (clocks going forward)."""


def wall_clock(day: date, at: time, zone_name: str) -> datetime:
    """The UTC instant of a local date and time in `zone_name`.

    In the autumn's repeated hour the first occurrence (fold=0, still summer time) is
    meant; in the spring's missing hour there is no such time, so we refuse rather than
    guess which side of the gap the facilitator wanted.
    """
    zone = ZoneInfo(zone_name)
    local = datetime.combine(day, at, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonExistentTime(instant.astimezone(zone).strftime("%H:%M"))
    return instant


def _check_start(
    draft: SessionDraft, zone: str, now: datetime, keep: datetime | None
) -> tuple[datetime | None, dict[str, str]]:
    errors: dict[str, str] = {}
    day = _parse_date(draft.date.strip()) if draft.date and draft.date.strip() else None
    at = (
        _parse_time(draft.start_time.strip())
        if draft.start_time and draft.start_time.strip()
        else None
    )
    if not (draft.date or "").strip():
        errors["date"] = _("Please choose the date.")
    elif day is None:
        errors["date"] = _("Please give the date as YYYY-MM-DD, like 2026-12-03.")
    if not (draft.start_time or "").strip():
        errors["start_time"] = _("Please choose the start time.")
    elif at is None:
        errors["start_time"] = _("Please give the start time as HH:MM (24-hour), like 10:00.")
    if day is None or at is None:
        return None, errors
    try:
        starts_at = wall_clock(day, at, zone)
    except NonExistentTime as gap:
        wall = datetime.combine(day, at)
        errors["start_time"] = t(
            "There's no {time} on {day} in {zone}: the clocks go forward an hour that night. "
            "Please choose another time, like {other}.",
            time=i18n.clock_time(wall),
            day=i18n.weekday_day_month(wall),
            zone=zone.replace("_", " "),
            other=str(gap),
        )
        return None, errors
    if starts_at == keep:
        return starts_at, errors  # an edit that leaves the time alone may be under way
    if starts_at <= now:
        field = "start_time" if day == now.astimezone(ZoneInfo(zone)).date() else "date"
        errors[field] = t(
            "That's in the past ({when}). Please choose a date and time still to come.",
            when=when(starts_at, zone),
        )
    elif starts_at > now + MAX_AHEAD:
        errors["date"] = _("Please choose a date within the next two years.")
    return starts_at, errors


def _check_duration(raw: str | None) -> tuple[int, str | None]:
    text = (raw or "").strip()
    if not text:
        return 0, _("Please say how long the session lasts, in minutes (90 is usual).")
    try:
        minutes = int(text)
    except ValueError:
        minutes = -1
    if not DURATION_MIN <= minutes <= DURATION_MAX:
        return 0, t(
            "Please give the length in whole minutes, from {least} to {most} (8 hours).",
            least=i18n.number(DURATION_MIN),
            most=i18n.number(DURATION_MAX),
        )
    return minutes, None


def _lengths(value: str, limit: int) -> dict[str, object]:
    """`limit` and `count` for a "too long" sentence, as numbers are written."""
    return {"limit": i18n.number(limit), "count": i18n.number(len(value))}


def check(
    draft: SessionDraft, community: Community, now: datetime, *, keep_start: datetime | None = None
) -> SessionDetails:
    """Validate a draft; raise InvalidInput with one sentence per field that needs fixing.

    `keep_start`: when editing, the session's current start, which may stay as it is even
    if it has passed (fixing a typo in a session under way).
    """
    errors: dict[str, str] = {}
    title = clean_text(draft.title, multiline=False)
    if not title:
        errors["title"] = _("Please give the session a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = t(
            "Please keep the title to {limit} characters or fewer (it has {count}).",
            **_lengths(title, TITLE_MAX),
        )
    theme = (draft.theme or "").strip() or None
    if theme is not None and (theme not in community.themes or len(theme) > THEME_MAX):
        errors["theme"] = _("Please choose a theme from the list, or leave it empty.")
    starts_at, start_errors = _check_start(draft, community.timezone, now, keep_start)
    errors.update(start_errors)
    duration, problem = _check_duration(draft.duration)
    if problem:
        errors["duration"] = problem
    location, problem = _check_location(draft.location)
    if problem:
        errors["location"] = problem
    description = clean_text(draft.description, multiline=True) or None
    if description and len(description) > DESCRIPTION_MAX:
        errors["description"] = t(
            "Please keep the description to {limit} characters or fewer (it has {count}).",
            **_lengths(description, DESCRIPTION_MAX),
        )
    offsets: str | None = None
    if (draft.reminder_offsets or "").strip():
        try:
            offsets = describe_all(parse_offsets(draft.reminder_offsets or ""))
        except OffsetError as bad:
            errors["reminder_offsets"] = str(bad)
    prompt = clean_text(draft.reflection_prompt, multiline=True) or None
    if prompt and len(prompt) > PROMPT_MAX:
        errors["reflection_prompt"] = t(
            "Please keep the reflection prompt to {limit} characters or fewer (it has {count}).",
            **_lengths(prompt, PROMPT_MAX),
        )
    if errors or starts_at is None:
        raise InvalidInput(errors)
    return SessionDetails(
        title=title,
        theme=theme,
        starts_at=starts_at,
        duration_minutes=duration,
        location=location,
        description=description,
        reminder_offsets=offsets,
        reflection_prompt=prompt,
    )
