"""Sessions as the server's scheduled events: Discord's `core.delivery.calendar.CalendarMirror`,
given to the Discord scheduler (bot/wiring.py), which runs each session's calendar items
through it (core.sessions.mirror).

A session is an *external* event (``entity_type`` 3): its place (a meeting link, a room) is
the event's location, its notes the description. :meth:`DiscordEvents.publish` makes the
event, or updates it, or cancels it, and returns its id for core to keep; given no id (core
never recorded one, or the process died between making it and recording it) it first looks
among the server's events for the one the bot made with the same name and start, so none is
made twice. It runs on the outbox sender's loop and REST client. Without the Manage Events
permission Discord refuses (403): a permanent failure whose text says which permission to
give, so the operator reads it in the log and in `catalyst jobs`' record of the item.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import discord

from bot.discord.sender import FAILURES, DiscordSender, failure
from core.delivery.calendar import CalendarEntry
from core.delivery.outbox import PermanentFailure

log = logging.getLogger(__name__)

EXTERNAL = 3
GUILD_ONLY = 2
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
NAME_MAX, DESCRIPTION_MAX, LOCATION_MAX = 100, 1000, 100
# For the operator (the log, the item's record): what to do about Discord's 403.
NO_MANAGE_EVENTS = (
    # untranslated: for the operator's log and the item's record, like the CLI's own words
    "Discord refused to make or change the server event: give Catalyst's role the Manage "
    "Events permission (Server Settings → Roles), or invite it again with "
    "`catalyst discord invite-url`"
)


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def event_body(event: CalendarEntry) -> dict[str, Any]:
    """The event's fields within Discord's limits. A place longer than a location holds (a
    long meeting link) is given whole at the top of the description, so it still works."""
    location = " ".join(event.location.split()) or "—"
    description = event.description.strip()
    if len(location) > LOCATION_MAX:
        description = f"{location}\n\n{description}".strip()
    return {
        "name": _clip(" ".join(event.title.split()), NAME_MAX) or "—",
        "description": _clip(description, DESCRIPTION_MAX),
        "scheduled_start_time": _iso(event.starts_at),
        "scheduled_end_time": _iso(event.ends_at),
        "entity_type": EXTERNAL,
        "entity_metadata": {"location": _clip(location, LOCATION_MAX)},
        "privacy_level": GUILD_ONLY,
    }


class DiscordEvents:
    def __init__(self, sender: DiscordSender) -> None:
        self.sender = sender

    def publish(self, event: CalendarEntry, known_id: str | None, now: datetime) -> str | None:
        """Make, update or cancel the session's event; its id, or None where there is none
        (a session cancelled before its event was made, or one already started when first
        published: Discord takes no start in the past). Failures are the outbox's
        (``PermanentFailure``, ``RateLimited``, ``TransientFailure``), as from ``send``."""
        try:
            return self._publish(event, known_id, now)
        except discord.Forbidden as error:
            raise PermanentFailure(f"{NO_MANAGE_EVENTS} ({error.text or error.status})") from error
        except FAILURES as error:
            raise failure(error) from error

    def _publish(self, event: CalendarEntry, known_id: str | None, now: datetime) -> str | None:
        guild = self.sender.guild()
        found = self._event(guild, known_id) if known_id else self._same_event(guild, event)
        if found is None:
            if event.cancelled or event.starts_at <= now:
                return None
            made = self.sender.rest(
                "POST", "/guilds/{guild_id}/scheduled-events", event_body(event), guild_id=guild
            )
            return str(made["id"])
        event_id, status = str(found["id"]), int(found.get("status") or SCHEDULED)
        if status in (COMPLETED, CANCELED):
            return event_id  # over: nothing more to change
        if event.cancelled:
            changes: dict[str, Any] = {"status": CANCELED if status == SCHEDULED else COMPLETED}
        else:
            changes = event_body(event)
            if status == ACTIVE:  # under way: its start can't move any more
                changes.pop("scheduled_start_time")
        self._patch(guild, event_id, changes)
        return event_id

    def _event(self, guild: str, event_id: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.sender.rest(
                "GET",
                "/guilds/{guild_id}/scheduled-events/{event_id}",
                guild_id=guild,
                event_id=event_id,
            )
        except discord.NotFound:
            return None  # deleted by a moderator: made again if still to come
        return found

    def _same_event(self, guild: str, event: CalendarEntry) -> dict[str, Any] | None:
        """The bot's event with this name and start, made by an attempt that died before
        its id was recorded."""
        wanted = event_body(event)
        listed = self.sender.rest("GET", "/guilds/{guild_id}/scheduled-events", guild_id=guild)
        for candidate in listed or []:
            if (
                str(candidate.get("creator_id")) == self.sender.bot_id()
                and candidate.get("name") == wanted["name"]
                and _same_moment(candidate.get("scheduled_start_time"), event.starts_at)
            ):
                return dict(candidate)
        return None

    def _patch(self, guild: str, event_id: str, changes: dict[str, Any]) -> None:
        try:
            self.sender.rest(
                "PATCH",
                "/guilds/{guild_id}/scheduled-events/{event_id}",
                changes,
                guild_id=guild,
                event_id=event_id,
            )
        except discord.HTTPException as error:
            if error.status == 400:  # e.g. it started or ended meanwhile: leave it
                log.warning("Discord refused to change event %s: %s", event_id, error)
                return
            raise


def _same_moment(value: object, moment: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(value)) == moment
    except ValueError:
        return False
