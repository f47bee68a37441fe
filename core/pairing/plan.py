"""Turning each community's pairing cadence into scheduled items.

A community whose facilitators turned rounds on (`pairing settings`) always has its next
round planned: the round itself and the day-before notice. The check-in in the middle of
the round is planned when the round runs (it needs the round's id). Keys name the
community and the slot in wall-clock time, like the planner's, so planning again (every
sync, two schedulers, a restart) changes nothing, and a changed day or time cancels the
old slot's items and adds the new ones. Slots are computed in the community's timezone,
so the round stays at 09:00 across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import i18n, timefmt
from core.delivery.models import ItemStatus, ScheduledItem
from core.models import Community
from core.pairing.models import PairingItemKind, PairingSettings

ROUND_GRACE = timedelta(hours=6)
NOTICE_GRACE = timedelta(hours=6)
CHECKIN_GRACE = timedelta(hours=24)
CHECKIN_AFTER_DAYS = 3  # the middle of a weekly round, same local time
PLANNED_KINDS = (PairingItemKind.ROUND.value, PairingItemKind.NOTICE.value)


def parse_time(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes))


def next_slot(weekday: int, at: time, zone: str, after: datetime) -> datetime:
    """The first `weekday` at `at` (wall clock in `zone`) strictly after `after`, in UTC."""
    tz = ZoneInfo(zone)
    local_after = after.astimezone(tz)
    day = local_after.date() + timedelta(days=(weekday - local_after.weekday()) % 7)
    for _ in range(3):
        slot = datetime.combine(day, at, tzinfo=tz)
        if slot.astimezone(UTC) > after:
            return slot.astimezone(UTC)
        day += timedelta(days=7)
    raise AssertionError("unreachable: a slot a week later is always after")


def days_before(instant: datetime, days: int, zone: str) -> datetime:
    """The same wall-clock time `days` earlier (negative: later) in `zone`."""
    local = instant.astimezone(ZoneInfo(zone))
    moved = datetime.combine(local.date() - timedelta(days=days), local.timetz())
    return moved.astimezone(UTC)


def slot_key(kind: str, community_id: int, slot: datetime, zone: str) -> str:
    local = slot.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")
    return f"{kind}:{community_id}:{local}"


def _slot(settings: PairingSettings, zone: str, now: datetime) -> datetime:
    """The slot the next round is planned at when none is planned yet."""
    return next_slot(settings.weekday, parse_time(settings.local_time), zone, now)


@dataclass(frozen=True)
class NextRound:
    """The community's next peer-coaching round, as the scheduler will run it."""

    at: datetime  # UTC
    zone: str  # the community's timezone, where the round's day and time are set
    notice_at: datetime | None  # its day-before notice (None: the round was planned too late)
    planned: bool  # False: the scheduler plans it at its next sync (every 15 seconds)

    def shown_to(self, reader_zone: str) -> str:
        """When, in the reader's timezone, with the community's time beside it when the
        two differ: "Wednesday 2 December, 12:00 (Asia/Amman), which is 09:00
        (Europe/London) in the community's timezone"."""
        theirs = timefmt.local(self.at, self.zone)
        yours = timefmt.local(self.at, reader_zone)
        if theirs.replace(tzinfo=None) == yours.replace(tzinfo=None):
            return timefmt.when(self.at, self.zone)  # the same wall-clock time: say it once
        community = (
            f"{i18n.clock_time(theirs)} ({self.zone.replace('_', ' ')})"
            if theirs.date() == yours.date()
            else timefmt.when(self.at, self.zone)
        )
        mine = timefmt.when(self.at, reader_zone)
        # Translators: {mine} is a date and time in the reader's timezone, {community} the
        # same moment in the community's, e.g. "09:00 (Europe/London)".
        return i18n.t(
            "{mine}, which is {community} in the community's timezone",
            mine=mine,
            community=community,
        )


def next_round(session: Session, community: Community, now: datetime) -> NextRound | None:
    """The one answer to "when is the next round?" (None: rounds are off), for the settings
    reply, both Home tabs, `pair` and `catalyst jobs`. It is the round the scheduler has
    planned, or, before it has (a few seconds after rounds are turned on or a round has
    run), the slot it will plan: the same rule as `plan_community`."""
    settings = session.get(PairingSettings, community.id)
    if settings is None or not settings.enabled:
        return None
    zone = community.timezone
    items = session.scalars(
        select(ScheduledItem)
        .where(
            ScheduledItem.community_id == community.id,
            ScheduledItem.kind == PairingItemKind.ROUND.value,
            ScheduledItem.status.in_([ItemStatus.PENDING.value, ItemStatus.RUNNING.value]),
        )
        .order_by(ScheduledItem.due_at)
    ).all()
    # A round past its grace will be recorded as missed, not run.
    item = next((i for i in items if now <= i.due_at + timedelta(seconds=i.grace_seconds)), None)
    if item is None:
        slot = _slot(settings, zone, now)
        notice_at = days_before(slot, 1, zone)
        return NextRound(slot, zone, notice_at if notice_at > now else None, planned=False)
    notice = session.scalars(
        select(ScheduledItem).where(
            ScheduledItem.key
            == slot_key(PairingItemKind.NOTICE.value, community.id, item.due_at, zone),
            ScheduledItem.status.in_(
                [ItemStatus.PENDING.value, ItemStatus.RUNNING.value, ItemStatus.DONE.value]
            ),
        )
    ).first()
    return NextRound(item.due_at, zone, notice.due_at if notice is not None else None, planned=True)


def _insert(session: Session, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(ScheduledItem).values(rows).on_conflict_do_nothing())


def plan_community(
    session: Session, community: Community, settings: PairingSettings | None, now: datetime
) -> datetime | None:
    """Plan (or, when rounds are off, cancel) the community's next round; its slot or None."""
    wanted: list[dict[str, object]] = []
    slot = None
    if settings is not None and settings.enabled:
        zone = community.timezone
        slot = _slot(settings, zone, now)
        wanted.append(
            {
                "community_id": community.id,
                "key": slot_key(PairingItemKind.ROUND.value, community.id, slot, zone),
                "kind": PairingItemKind.ROUND.value,
                "due_at": slot,
                "grace_seconds": int(ROUND_GRACE.total_seconds()),
                "status": ItemStatus.PENDING.value,
            }
        )
        notice_at = days_before(slot, 1, zone)
        if notice_at > now:
            wanted.append(
                {
                    "community_id": community.id,
                    "key": slot_key(PairingItemKind.NOTICE.value, community.id, slot, zone),
                    "kind": PairingItemKind.NOTICE.value,
                    "due_at": notice_at,
                    "grace_seconds": int(NOTICE_GRACE.total_seconds()),
                    "status": ItemStatus.PENDING.value,
                }
            )
    keys = [str(row["key"]) for row in wanted]
    stale = update(ScheduledItem).where(
        ScheduledItem.community_id == community.id,
        ScheduledItem.kind.in_(PLANNED_KINDS),
        ScheduledItem.status == ItemStatus.PENDING.value,
    )
    if keys:
        stale = stale.where(ScheduledItem.key.not_in(keys))
    session.execute(stale.values(status=ItemStatus.CANCELLED.value))
    _insert(session, wanted)
    if keys:  # turned off and on again: the same slot's items come back
        session.execute(
            update(ScheduledItem)
            .where(
                ScheduledItem.key.in_(keys),
                ScheduledItem.status == ItemStatus.CANCELLED.value,
            )
            .values(status=ItemStatus.PENDING.value)
        )
    return slot


def ensure_upcoming(session: Session, now: datetime) -> int:
    """Every community with rounds on has its next round planned. Returns communities seen.

    Called by the scheduler's sync before it reads pending items (cheap: two queries, and
    inserts that conflict away once planned).
    """
    rows = session.execute(
        select(Community, PairingSettings).join(
            PairingSettings, PairingSettings.community_id == Community.id
        )
    ).all()
    for community, settings in rows:
        if not settings.enabled:
            continue  # turning rounds off cancels at once (plan_community, from settings)
        pending = session.scalar(
            select(ScheduledItem.id).where(
                ScheduledItem.community_id == community.id,
                ScheduledItem.kind == PairingItemKind.ROUND.value,
                ScheduledItem.status.in_([ItemStatus.PENDING.value, ItemStatus.RUNNING.value]),
            )
        )
        if pending is None:
            plan_community(session, community, settings, now)
    return len(rows)


def checkin_due(started_at: datetime, zone: str) -> datetime:
    """When a round started at `started_at` has its mid-round check-in."""
    return days_before(started_at, -CHECKIN_AFTER_DAYS, zone)


def checkin_item(
    session: Session, community: Community, round_id: int, started_at: datetime
) -> None:
    """The mid-round check-in for a round that has just run."""
    due = checkin_due(started_at, community.timezone)
    _insert(
        session,
        [
            {
                "community_id": community.id,
                "key": f"{PairingItemKind.CHECKIN.value}:{round_id}:"
                f"{due.isoformat(timespec='minutes')}",
                "kind": PairingItemKind.CHECKIN.value,
                "due_at": due,
                "grace_seconds": int(CHECKIN_GRACE.total_seconds()),
                "status": ItemStatus.PENDING.value,
            }
        ],
    )


def round_id_of(item: ScheduledItem) -> int | None:
    """The round a check-in item belongs to (it is in the key: kind:round:due)."""
    parts = item.key.split(":")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
