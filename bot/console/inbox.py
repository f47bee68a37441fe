"""The console's "Slack": messages the scheduler sends wait in an inbox per person.

The console runs its own scheduler for console communities only (see scheduler.runner's
`platform`), so a facilitator trying Catalyst sees real reminders, prompts and nudges arrive
at their real times, shown to whoever they are addressed to at the next prompt.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime

from core import ui
from core.clock import Clock, SystemClock
from core.delivery.outbox import Delivered


@dataclass(frozen=True)
class Delivery:
    recipient: str
    key: str
    message: ui.Message
    ts: str
    thread_ts: str | None


class ConsoleInbox:
    """A Sender that keeps messages for the console to show; thread-safe."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._unread: dict[str, list[Delivery]] = {}
        self._sent: dict[str, Delivery] = {}
        self._counter = itertools.count(1)

    def send(
        self,
        recipient: str,
        message: ui.Message,
        *,
        key: str,
        thread_ts: str | None = None,
        want_permalink: bool = False,
    ) -> Delivered:
        ts = f"{self._clock.now().timestamp():.0f}.{next(self._counter):06d}"
        delivery = Delivery(recipient, key, message, ts, thread_ts)
        with self._lock:
            self._sent[key] = delivery
            # A group DM ("console-a,console-b") reaches each person in it.
            for person in recipient.split(","):
                self._unread.setdefault(person.strip(), []).append(delivery)
        return Delivered(channel=recipient, ts=ts)

    def find_sent(
        self, recipient: str, key: str, since: datetime, thread_ts: str | None = None
    ) -> Delivered | None:
        with self._lock:
            found = self._sent.get(key)
        return Delivered(channel=recipient, ts=found.ts) if found else None

    def take_for(self, user_id: str) -> list[Delivery]:
        """Unread messages for this person, plus channel posts (everyone reads the channel)."""
        with self._lock:
            taken = self._unread.pop(user_id, [])
            for recipient in [r for r in self._unread if not r.startswith("console-")]:
                taken += self._unread.pop(recipient)
        return sorted(taken, key=lambda d: d.ts)
