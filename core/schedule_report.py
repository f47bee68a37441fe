"""What the scheduler will do next, in words an operator reads at a glance (`catalyst jobs`).

Each capability describes its own items (`Capability.describe_item`) and adds what it will
plan but hasn't written yet (`Capability.not_yet_planned`); this report names none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import capabilities
from core.capability import PlannedItem
from core.delivery.models import OutboxMessage, OutboxStatus
from core.delivery.occurrences import pending_items
from core.i18n import t
from core.models import Community
from core.timefmt import when


@dataclass(frozen=True)
class PlannedJob:
    due: str
    what: str
    people: int


def upcoming(session: Session, now: datetime, limit: int = 30) -> list[PlannedJob]:
    """Every pending item, soonest first, and what each capability will plan next."""
    planned: list[PlannedItem] = []
    for item in pending_items(session, now, limit):
        community = session.get(Community, item.community_id)
        owner = capabilities.owner_of(item.kind)
        if owner is not None and owner.describe_item is not None:
            what, people = owner.describe_item(session, item)
        else:
            what = t("{kind} (unknown kind: it will be recorded as failed)", kind=item.kind)
            people = 0
        zone = community.timezone if community else "UTC"
        planned.append(PlannedItem(item.due_at, zone, what, people))
    planned += capabilities.not_yet_planned(session, now)
    planned.sort(key=lambda item: item.due_at)
    return [PlannedJob(when(p.due_at, p.zone), p.what, p.people) for p in planned[:limit]]


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({str(status): int(count) for status, count in rows})
    return counts
