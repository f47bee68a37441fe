"""The contract every capability implements, so the kernel can work across all of them
without naming any.

A capability (membership, sessions, reflections, the library, peer coaching, ...) is a
package in core/ with a `capability.py` that builds one `Capability`: the scheduled-item
kinds it owns and how to run each, how it plans its upcoming items, what it holds about a
member and how to describe its items to an operator, what must happen when a member leaves,
and which platform events it consumes. `core.capabilities` lists them, once; the scheduler,
`my-data`/`forget-me`, leaving, `catalyst jobs` and the dispatcher loop over that list.

Every hook is optional: a capability fills in only what it has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from core.delivery.calendar import CalendarMirror
from core.delivery.models import OutboxMessage, ScheduledItem
from core.models import Community, Member

# Runs one due item inside the caller's transaction; returns a one-line note for the log.
ItemRunner = Callable[[Session, ScheduledItem, datetime], str]
# Runs one due item that acts on the platform's own calendar, through the scheduler's mirror
# (None on a platform without one: the runner then does nothing); in the caller's transaction.
CalendarRunner = Callable[[Session, ScheduledItem, datetime, CalendarMirror | None], str]
# Makes sure the capability's upcoming items exist as rows (the scheduler's sync calls it).
Planner = Callable[[Session, datetime], None]
# What the capability holds about one member, as JSON-ready values (for `my-data`).
DataCollector = Callable[[Session, Member], Any]
# Runs before a member leaves or is erased (e.g. a peer-coaching partner hears at once).
MemberHook = Callable[[Session, Member, datetime], None]


class MessageChange(StrEnum):
    POSTED = "posted"
    EDITED = "edited"
    DELETED = "deleted"


@dataclass(frozen=True)
class MessageEvent:
    """A message someone posted, edited or deleted where the bot can see it.

    Platform-neutral: `ts` is the message's own id, `thread_ts` the id of the thread's
    parent (None outside threads), `text` plain text (already unescaped by the adapter).
    """

    change: MessageChange
    channel: str
    ts: str
    thread_ts: str | None = None
    text: str = ""

    @property
    def is_thread_reply(self) -> bool:
        return bool(self.thread_ts) and self.thread_ts != self.ts


# Takes a message event for one community and the platform user who wrote it.
MessageConsumer = Callable[[Session, Community, str, MessageEvent, datetime], None]


@dataclass(frozen=True)
class PlannedItem:
    """One line of `catalyst jobs`: when (UTC), in which timezone to show it, what, for whom."""

    due_at: datetime
    zone: str
    what: str
    people: int


# An item described for an operator: what it is and for how many people.
ItemDescriber = Callable[[Session, ScheduledItem], tuple[str, int]]
# After the outbox records where a message landed (the row knows its kind, channel and ts).
SentHook = Callable[[Session, OutboxMessage, str | None], None]
# Upcoming work the scheduler has not written as rows yet (shown by `catalyst jobs`).
NotYetPlanned = Callable[[Session, datetime], list[PlannedItem]]


@dataclass(frozen=True)
class Capability:
    name: str
    item_runners: Mapping[str, ItemRunner] = field(default_factory=dict)
    calendar_runners: Mapping[str, CalendarRunner] = field(default_factory=dict)
    plan_upcoming: Planner | None = None
    describe_item: ItemDescriber | None = None
    not_yet_planned: NotYetPlanned | None = None
    # `my-data` shows what `personal_data` returns under this section name.
    data_section: str = ""
    personal_data: DataCollector | None = None
    member_leaving: MemberHook | None = None
    message_event: MessageConsumer | None = None
    message_sent: SentHook | None = None

    @property
    def item_kinds(self) -> frozenset[str]:
        return frozenset(self.item_runners) | frozenset(self.calendar_runners)
