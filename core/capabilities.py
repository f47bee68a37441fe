"""Every capability Catalyst has, listed once, and what runs across all of them.

Adding a capability is one line in `ALL` (after its package in core/ and in handlers/).
The kernel never names a capability: the scheduler asks here which runner takes an item's
kind and who plans what; `my-data`, `forget-me` and leaving go through every capability's
hooks; `catalyst jobs` asks each to describe its items; platform message events are offered
to whoever consumes them.

The order is the order of the sections in `my-data`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.broadcasts import capability as broadcasts
from core.capability import (
    CalendarRunner,
    Capability,
    ItemRunner,
    MessageEvent,
    PlannedItem,
    Planner,
)
from core.care import capability as care
from core.delivery.calendar import CalendarMirror
from core.delivery.models import OutboxMessage, ScheduledItem
from core.membership import capability as membership
from core.membership import service as membership_service
from core.models import Community, Member
from core.newsletter import capability as newsletter
from core.pairing import capability as pairing
from core.polls import capability as polls
from core.reflections import capability as reflections
from core.resources import capability as resources
from core.sessions import capability as sessions
from core.sets import capability as sets

ALL: tuple[Capability, ...] = (
    membership.CAPABILITY,
    reflections.CAPABILITY,
    sessions.CAPABILITY,
    pairing.CAPABILITY,
    resources.CAPABILITY,
    sets.CAPABILITY,
    broadcasts.CAPABILITY,
    newsletter.CAPABILITY,
    care.CAPABILITY,
    polls.CAPABILITY,
)


def _bound(run: CalendarRunner, calendar: CalendarMirror | None) -> ItemRunner:
    def runner(session: Session, item: ScheduledItem, now: datetime) -> str:
        return run(session, item, now, calendar)

    return runner


def _calendar_runners(calendar: CalendarMirror | None) -> dict[str, ItemRunner]:
    return {
        kind: _bound(run, calendar)
        for capability in ALL
        for kind, run in capability.calendar_runners.items()
    }


def _runners() -> dict[str, ItemRunner]:
    claimed: set[str] = set()
    for capability in ALL:
        for kind in capability.item_kinds:
            if kind in claimed:
                raise ValueError(f"item kind {kind!r} is claimed by two capabilities")
            claimed.add(kind)
    runners = {kind: run for c in ALL for kind, run in c.item_runners.items()}
    return runners | _calendar_runners(None)


# Every kind's runner, those acting on the platform's calendar without one (they do nothing).
ITEM_RUNNERS = _runners()


def item_runners(calendar: CalendarMirror | None) -> dict[str, ItemRunner]:
    """Every kind's runner; those acting on the platform's calendar act through `calendar`."""
    if calendar is None:
        return ITEM_RUNNERS
    return ITEM_RUNNERS | _calendar_runners(calendar)


def owner_of(kind: str) -> Capability | None:
    """The capability whose scheduled items have this kind."""
    return next((c for c in ALL if kind in c.item_kinds), None)


def planners() -> list[tuple[str, Planner]]:
    return [(c.name, c.plan_upcoming) for c in ALL if c.plan_upcoming is not None]


def not_yet_planned(session: Session, now: datetime) -> list[PlannedItem]:
    return [
        planned
        for capability in ALL
        if capability.not_yet_planned is not None
        for planned in capability.not_yet_planned(session, now)
    ]


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """Everything Catalyst holds about one member, one section per capability."""
    return {
        capability.data_section: capability.personal_data(session, member)
        for capability in ALL
        if capability.personal_data is not None
    }


def member_leaving(session: Session, member: Member, now: datetime) -> None:
    """Before a member leaves or is erased: each capability does what it must first."""
    for capability in ALL:
        if capability.member_leaving is not None:
            capability.member_leaving(session, member, now)


def leave(session: Session, member: Member, now: datetime) -> bool:
    """Pause everything for a member (`leave`); False if they had already left."""
    if not member.is_active:
        return False
    member_leaving(session, member, now)
    return membership_service.leave(session, member, now)


def message_event(
    session: Session, community: Community, user_id: str, event: MessageEvent, now: datetime
) -> None:
    for capability in ALL:
        if capability.message_event is not None:
            capability.message_event(session, community, user_id, event, now)


def message_sent(session: Session, row: OutboxMessage, permalink: str | None) -> None:
    """A message reached the platform: its capability may record where (thread tracking)."""
    for capability in ALL:
        if capability.message_sent is not None:
            capability.message_sent(session, row, permalink)
