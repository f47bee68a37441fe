"""Turning each set's meetings into scheduled items, rebuilt from the rows every sync.

For every meeting of a set still going: reminders two days and one hour before it, a
follow-up when it ends and one nudge two days later; after the last meeting the closing
reflection, and a week after that the archive and the next-cycle question. Keys name the
set, the meeting and its wall-clock start, so planning again (every sync, two schedulers, a
restart) changes nothing, and a moved meeting cancels the old time's items and adds new
ones. Times are the set's wall-clock time, so a 10:00 meeting stays at 10:00 across a
daylight-saving change, and so does its two-day reminder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.delivery.models import ItemStatus, ScheduledItem
from core.sets.models import (
    CycleStatus,
    LearningSet,
    MeetingStatus,
    SetCycle,
    SetMeeting,
    SetsItemKind,
    SetStatus,
)

log = logging.getLogger(__name__)

REMINDER_DAYS = 2
REMINDER_HOUR = timedelta(hours=1)
NUDGE_AFTER_DAYS = 2
CLOSING_AFTER_DAYS = 1
ARCHIVE_AFTER_DAYS = 7
GRACE = {
    "2d": timedelta(hours=6),
    "1h": timedelta(minutes=30),
    SetsItemKind.FOLLOW_UP.value: timedelta(hours=24),
    SetsItemKind.NUDGE.value: timedelta(hours=24),
    "reflect": timedelta(hours=48),
    "archive": timedelta(days=7),
}
KINDS = tuple(kind.value for kind in SetsItemKind)


def shifted(instant: datetime, days: int, zone: str) -> datetime:
    """The same wall-clock time `days` later (negative: earlier) in `zone`."""
    local = instant.astimezone(ZoneInfo(zone))
    moved = datetime.combine(local.date() + timedelta(days=days), local.time(), ZoneInfo(zone))
    return moved.astimezone(UTC)


def _local(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Wanted:
    key: str
    kind: str
    due_at: datetime
    grace: timedelta


def wanted_items(learning_set: LearningSet, meetings: list[SetMeeting]) -> list[Wanted]:
    """Every item the set's meetings call for, whatever the time now."""
    zone = learning_set.slot_zone or "UTC"
    found: list[Wanted] = []
    s = learning_set.id
    live = [m for m in meetings if m.status != MeetingStatus.CANCELLED.value]
    for meeting in live:
        start = _local(meeting.starts_at, zone)
        ends = meeting.starts_at + timedelta(minutes=meeting.minutes)
        if meeting.status == MeetingStatus.SCHEDULED.value:
            reminder = SetsItemKind.REMINDER.value
            found.append(
                Wanted(
                    f"{reminder}:s{s}:m{meeting.id}:2d:{start}",
                    reminder,
                    shifted(meeting.starts_at, -REMINDER_DAYS, zone),
                    GRACE["2d"],
                )
            )
            found.append(
                Wanted(
                    f"{reminder}:s{s}:m{meeting.id}:1h:{start}",
                    reminder,
                    meeting.starts_at - REMINDER_HOUR,
                    GRACE["1h"],
                )
            )
        for kind, due in (
            (SetsItemKind.FOLLOW_UP.value, ends),
            (SetsItemKind.NUDGE.value, shifted(ends, NUDGE_AFTER_DAYS, zone)),
        ):
            found.append(Wanted(f"{kind}:s{s}:m{meeting.id}:{start}", kind, due, GRACE[kind]))
    if live:
        last = max(live, key=lambda m: m.starts_at)
        reflect_at = shifted(
            last.starts_at + timedelta(minutes=last.minutes), CLOSING_AFTER_DAYS, zone
        )
        archive_at = shifted(reflect_at, ARCHIVE_AFTER_DAYS, zone)
        closing = SetsItemKind.CLOSING.value
        for phase, due in (("reflect", reflect_at), ("archive", archive_at)):
            found.append(
                Wanted(f"{closing}:s{s}:{phase}:{_local(due, zone)}", closing, due, GRACE[phase])
            )
    return found


def set_id_of(item: ScheduledItem) -> int | None:
    """The set an item belongs to (its key: kind:s<set>:...)."""
    parts = item.key.split(":")
    return int(parts[1][1:]) if len(parts) > 2 and parts[1][1:].isdigit() else None


def meeting_id_of(item: ScheduledItem) -> int | None:
    parts = item.key.split(":")
    if len(parts) > 2 and parts[2].startswith("m") and parts[2][1:].isdigit():
        return int(parts[2][1:])
    return None


def phase_of(item: ScheduledItem) -> str:
    """ "2d" or "1h" for a reminder, "reflect" or "archive" for a closing item."""
    parts = item.key.split(":")
    return parts[3] if item.kind == SetsItemKind.REMINDER.value else parts[2]


def plan_set(session: Session, learning_set: LearningSet, now: datetime) -> int:
    """Write the set's items as rows and cancel pending ones no longer wanted (a moved
    meeting's old times). Returns the items wanted from now on."""
    meetings = list(
        session.scalars(
            select(SetMeeting)
            .where(SetMeeting.set_id == learning_set.id)
            .order_by(SetMeeting.number)
        )
    )
    wanted = [w for w in wanted_items(learning_set, meetings) if w.due_at + w.grace > now]
    keys = [w.key for w in wanted]
    mine = or_(*(ScheduledItem.key.like(f"{kind}:s{learning_set.id}:%") for kind in KINDS))
    stale = update(ScheduledItem).where(
        ScheduledItem.community_id == learning_set.community_id,
        ScheduledItem.kind.in_(KINDS),
        ScheduledItem.status == ItemStatus.PENDING.value,
        mine,
    )
    if keys:
        stale = stale.where(ScheduledItem.key.not_in(keys))
    session.execute(stale.values(status=ItemStatus.CANCELLED.value))
    if wanted:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        rows = [
            {
                "community_id": learning_set.community_id,
                "key": w.key,
                "kind": w.kind,
                "due_at": w.due_at,
                "grace_seconds": int(w.grace.total_seconds()),
                "status": ItemStatus.PENDING.value,
            }
            for w in wanted
        ]
        session.execute(insert(ScheduledItem).values(rows).on_conflict_do_nothing())
        # Moved away and back again: the first time's items come back.
        session.execute(
            update(ScheduledItem)
            .where(ScheduledItem.key.in_(keys), ScheduledItem.status == ItemStatus.CANCELLED.value)
            .values(status=ItemStatus.PENDING.value)
        )
    return len(wanted)


def sets_going(session: Session) -> list[LearningSet]:
    """Sets in an active cycle, still going, whose time is chosen."""
    return list(
        session.scalars(
            select(LearningSet)
            .join(SetCycle, SetCycle.id == LearningSet.cycle_id)
            .where(
                SetCycle.status == CycleStatus.ACTIVE.value,
                LearningSet.status == SetStatus.ACTIVE.value,
                LearningSet.slot_time.is_not(None),
            )
            .order_by(LearningSet.id)
        )
    )


def ensure_upcoming(session: Session, now: datetime) -> int:
    """Every set that is going has its items planned (the scheduler's sync calls this;
    inserts conflict away once planned). Returns sets seen."""
    found = sets_going(session)
    for learning_set in found:
        # One set's broken row must not stop the planning of every other set.
        try:
            with session.begin_nested():
                plan_set(session, learning_set, now)
        except (ValueError, OverflowError):
            log.exception("could not plan set %s; the others are planned", learning_set.id)
    return len(found)


def not_planned(session: Session, now: datetime) -> list[tuple[LearningSet, Wanted]]:
    """Items the sets' meetings call for that the scheduler hasn't written yet."""
    missing: list[tuple[LearningSet, Wanted]] = []
    for learning_set in sets_going(session):
        meetings = list(
            session.scalars(select(SetMeeting).where(SetMeeting.set_id == learning_set.id))
        )
        wanted = [w for w in wanted_items(learning_set, meetings) if w.due_at > now]
        if not wanted:
            continue
        have = set(
            session.scalars(
                select(ScheduledItem.key).where(ScheduledItem.key.in_([w.key for w in wanted]))
            )
        )
        missing += [(learning_set, w) for w in wanted if w.key not in have]
    return missing
