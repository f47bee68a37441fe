"""The console's "Slack": messages the scheduler sends wait in an inbox per person.

The console runs its own scheduler for console communities only (see scheduler.runner's
`platform`), so a facilitator trying Catalyst sees real reminders, prompts and nudges arrive
at their real times, shown to whoever they are addressed to at the next prompt.

A private space (`space:<name>:…`, core.delivery.recipients) is a named room, "#<name>": its
members each see what is posted in it, and `archive:<room>` posts a last message and closes
the room, as Slack's private channels do.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime

from core import ui
from core.clock import Clock, SystemClock
from core.delivery import recipients
from core.delivery.outbox import Delivered, PermanentFailure

ROOM = "#"  # a room's id is its name after this, as a Slack channel is shown


@dataclass(frozen=True)
class Delivery:
    recipient: str
    key: str
    message: ui.Message
    ts: str
    thread_ts: str | None
    room: str | None = None  # the room's name, for a message in a private space
    closes_room: bool = False  # the room was archived after this message
    edited: bool = False  # a correction of a message shown before

    @property
    def channel(self) -> str:
        return ROOM + self.room if self.room is not None else self.recipient


class ConsoleInbox:
    """A Sender that keeps messages for the console to show; thread-safe."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._unread: dict[str, list[Delivery]] = {}
        self._sent: dict[str, Delivery] = {}
        self._counter = itertools.count(1)
        self._rooms: dict[str, list[str]] = {}  # room name -> members
        self._archived: set[str] = set()

    def send(
        self,
        recipient: str,
        message: ui.Message,
        *,
        key: str,
        thread_ts: str | None = None,
        want_permalink: bool = False,
    ) -> Delivered:
        instruction = recipients.parse(recipient)
        if isinstance(instruction, recipients.Update):
            return self._update(instruction, message, key)
        with self._lock:
            earlier = self._sent.get(key) if instruction is not None else None
            if earlier is not None:  # a room made or closed once is not made or closed again
                return Delivered(channel=earlier.channel, ts=earlier.ts)
            room = self._room_for(recipient, instruction)
            if room is not None and room in self._archived:
                raise PermanentFailure("is_archived")  # as Slack answers
            if isinstance(instruction, recipients.Remove) and room is not None:
                gone = set(instruction.user_ids)  # out first: they don't read the note
                self._rooms[room] = [u for u in self._rooms[room] if u not in gone]
            ts = f"{self._clock.now().timestamp():.0f}.{next(self._counter):06d}"
            closes = isinstance(instruction, recipients.Archive) and room is not None
            delivery = Delivery(recipient, key, message, ts, thread_ts, room, closes)
            self._sent[key] = delivery
            if room is not None:
                readers = self._rooms[room]
            elif isinstance(instruction, recipients.Archive | recipients.Remove):
                readers = instruction.conversation.split(",")  # a DM or group DM: kept open
            else:
                # A group DM ("console-a,console-b") reaches each person in it.
                readers = recipient.split(",")
            for person in readers:
                self._unread.setdefault(person.strip(), []).append(delivery)
            if closes and room is not None:
                self._archived.add(room)
        return Delivered(channel=delivery.channel, ts=ts)

    def _update(self, target: recipients.Update, message: ui.Message, key: str) -> Delivered:
        """A corrected post: shown again, marked as edited, to whoever reads the channel."""
        with self._lock:
            original = next((d for d in self._sent.values() if d.ts == target.ts), None)
            delivery = Delivery(
                original.recipient if original else target.conversation,
                key,
                message,
                target.ts,
                None,
                None,
                False,
                edited=True,
            )
            self._sent[key] = delivery
            for person in delivery.recipient.split(","):
                self._unread.setdefault(person.strip(), []).append(delivery)
        return Delivered(channel=target.conversation, ts=target.ts)

    def _room_for(self, recipient: str, instruction: recipients.Instruction | None) -> str | None:
        """The room this goes to (made on first use, newcomers let in), None for DMs and the
        channel. Lock held."""
        if isinstance(instruction, recipients.PrivateSpace):
            members = self._rooms.setdefault(instruction.name, [])
            members += [u for u in dict.fromkeys(instruction.user_ids) if u not in members]
            return instruction.name
        target = instruction.conversation if instruction is not None else recipient
        if target.startswith(ROOM) and target[len(ROOM) :] in self._rooms:
            return target[len(ROOM) :]
        return None

    def find_sent(
        self, recipient: str, key: str, since: datetime, thread_ts: str | None = None
    ) -> Delivered | None:
        with self._lock:
            found = self._sent.get(key)
        return Delivered(channel=found.channel, ts=found.ts) if found else None

    def members_of(self, room: str) -> list[str]:
        """Who is in a room (by its name), in the order they were let in."""
        with self._lock:
            return list(self._rooms.get(room.removeprefix(ROOM), []))

    def is_archived(self, room: str) -> bool:
        with self._lock:
            return room.removeprefix(ROOM) in self._archived

    def take_for(self, user_id: str) -> list[Delivery]:
        """Unread messages for this person, plus channel posts (everyone reads the channel)."""
        with self._lock:
            taken = self._unread.pop(user_id, [])
            for recipient in [r for r in self._unread if not r.startswith("console-")]:
                taken += self._unread.pop(recipient)
        return sorted(taken, key=lambda d: d.ts)
