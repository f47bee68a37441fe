"""Running one scheduled item: taking it, and handing it to the capability that owns its kind.

One call is one transaction: the item is taken (pending → done/missed/cancelled) and its
messages are enqueued together, so a crash leaves either both or neither. Keys make a second
run (another scheduler, a retry) a no-op. Which runner handles which kind is the capabilities'
business (`core.capability.Capability.item_runners`); this module names none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.capability import ItemRunner
from core.delivery.models import ItemStatus, ScheduledItem
from core.models import Community


def finish(item: ScheduledItem, status: ItemStatus, now: datetime, note: str) -> str:
    """Close an item with a status and a one-line note (runners use it to cancel theirs)."""
    item.status = status.value
    item.finished_at = now
    item.note = note[:500]
    return note


def execute(
    session: Session, item_id: int, now: datetime, runners: Mapping[str, ItemRunner]
) -> str:
    """Run the item if it is still pending; returns a one-line note of what happened."""
    item = session.get(ScheduledItem, item_id, with_for_update=True)
    if item is None:
        return "gone"
    if item.status != ItemStatus.PENDING.value:
        return f"already {item.status}"
    if now < item.due_at:
        return "not due yet"
    if now > item.due_at + timedelta(seconds=item.grace_seconds):
        late = now - item.due_at
        return finish(
            item, ItemStatus.MISSED, now, f"missed: Catalyst was not running ({late} late)"
        )
    run = runners.get(item.kind)
    if run is None:
        return finish(item, ItemStatus.FAILED, now, f"unknown kind {item.kind}")
    note = run(session, item, now)
    if item.status == ItemStatus.PENDING.value:
        finish(item, ItemStatus.DONE, now, note)
    return note


def pending_items(
    session: Session, now: datetime, limit: int | None = 50, platform: str | None = None
) -> list[ScheduledItem]:
    """What the scheduler will do next, soonest first; optionally one platform's only."""
    query = select(ScheduledItem).where(ScheduledItem.status == ItemStatus.PENDING.value)
    if platform is not None:
        query = query.join(Community, Community.id == ScheduledItem.community_id).where(
            Community.platform == platform
        )
    return list(
        session.scalars(query.order_by(ScheduledItem.due_at, ScheduledItem.id).limit(limit))
    )


def community_of(session: Session, item: ScheduledItem) -> Community | None:
    return session.get(Community, item.community_id)
