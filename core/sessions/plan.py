"""Turning sessions and prompts into scheduled items (the scheduler's source of truth).

Planning is idempotent: each item has a key naming what and which occurrence, so planning
again after an edit keeps what still holds, cancels what no longer does, and adds the rest.
A session's reminders carry its start time in their key, so moving a session moves them.
Each version of a session (added, edited, cancelled: its `updated_at`) also gets one item
that mirrors it on the platform's own calendar, where the platform has one; a later version's
item supersedes a pending one, and a retry of the same version changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import i18n
from core.config import Settings
from core.delivery.models import ItemStatus, ScheduledItem
from core.i18n import t
from core.models import Community
from core.offsets import OffsetError, minutes, parse_offsets
from core.sessions.models import (
    CommunitySession,
    Prompt,
    PromptAudience,
    PromptStatus,
    SessionItemKind,
)

PROMPT_GRACE = timedelta(hours=24)
NUDGE_GRACE = timedelta(hours=24)
CALENDAR_GRACE_MIN = timedelta(hours=1)


def default_prompt(cs: CommunitySession) -> str:
    """The question posted after a session that has none of its own, in the language being
    spoken (the planner speaks the community's: the question is posted to everyone)."""
    return t(
        "What's one thing from “{title}” you want to carry into your work this month, "
        "and what might get in the way?",
        title=cs.title,
    )


def reminder_grace(offset: timedelta) -> timedelta:
    """How late a reminder may still go out: half its lead time, at most 12 hours."""
    return min(offset / 2, timedelta(hours=12))


def reminder_due(starts_at: datetime, offset: timedelta, zone: str) -> datetime:
    """When a reminder goes out. Whole days count in the community's wall-clock time, so
    "1d before" a 10:00 session is 10:00 the day before even across a clock change."""
    if offset % timedelta(days=1) == timedelta(0):
        local = starts_at.astimezone(ZoneInfo(zone))
        return (local - offset).astimezone(UTC)  # aware arithmetic keeps the wall clock
    return starts_at - offset


def offsets_for(
    cs: CommunitySession, community: Community, settings: Settings
) -> tuple[timedelta, ...]:
    for text in (cs.reminder_offsets, community.reminder_offsets):
        if text:
            try:
                return parse_offsets(text)
            except OffsetError:
                continue  # validated on the way in; a bad stored value falls back
    return settings.reminder_offsets


def community_channel(community: Community, settings: Settings) -> str | None:
    return community.channel_id or settings.channel_on(community.platform)


def _insert_items(session: Session, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    # A multi-row INSERT needs the same columns in every row.
    optional = {"session_id": None, "prompt_id": None, "offset_minutes": None}
    rows = [{**optional, **row} for row in rows]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(ScheduledItem).values(rows).on_conflict_do_nothing())


def _cancel_pending(session: Session, *conditions: ColumnElement[bool], keep: set[str]) -> None:
    statement = update(ScheduledItem).where(
        ScheduledItem.status == ItemStatus.PENDING.value, *conditions
    )
    if keep:
        statement = statement.where(ScheduledItem.key.not_in(keep))
    session.execute(statement.values(status=ItemStatus.CANCELLED.value))


def calendar_item(cs: CommunitySession, now: datetime) -> dict[str, object]:
    """The item mirroring this version of the session on the platform's calendar: due now,
    worth doing until the session is over."""
    grace = max(cs.ends_at - now, CALENDAR_GRACE_MIN)
    return {
        "community_id": cs.community_id,
        "key": f"calendar:{cs.id}:{cs.updated_at.isoformat()}",
        "kind": SessionItemKind.CALENDAR.value,
        "session_id": cs.id,
        "due_at": now,
        "grace_seconds": int(grace.total_seconds()),
        "status": ItemStatus.PENDING.value,
    }


def session_prompt(session: Session, cs: CommunitySession) -> Prompt | None:
    return session.scalars(select(Prompt).where(Prompt.session_id == cs.id)).first()


def plan_session(
    session: Session,
    cs: CommunitySession,
    community: Community,
    settings: Settings,
    now: datetime,
) -> None:
    """(Re)plan a session's reminders, its reflection prompt and the nudge after it, and
    mirror this version of it on the platform's calendar."""
    prompt = session_prompt(session, cs)
    mirror = calendar_item(cs, now)
    if not cs.is_scheduled:
        _cancel_pending(session, ScheduledItem.session_id == cs.id, keep={str(mirror["key"])})
        _insert_items(session, [mirror])
        if prompt is not None:
            _cancel_pending(session, ScheduledItem.prompt_id == prompt.id, keep=set())
            if prompt.status == PromptStatus.SCHEDULED.value:
                prompt.status = PromptStatus.CANCELLED.value
        return

    rows: list[dict[str, object]] = []
    starts = cs.starts_at.isoformat(timespec="minutes")
    for offset in offsets_for(cs, community, settings):
        due = reminder_due(cs.starts_at, offset, community.timezone)
        if due <= now:
            continue  # only reminders still ahead
        rows.append(
            {
                "community_id": community.id,
                "key": f"reminder:{cs.id}:{minutes(offset)}:{starts}",
                "kind": SessionItemKind.REMINDER.value,
                "session_id": cs.id,
                "offset_minutes": minutes(offset),
                "due_at": due,
                "grace_seconds": int(reminder_grace(offset).total_seconds()),
                "status": ItemStatus.PENDING.value,
            }
        )

    post_at = cs.ends_at + settings.reflection_delay
    with i18n.speaking(community.language):
        text = cs.reflection_prompt or default_prompt(cs)
    audience = (
        PromptAudience.CHANNEL if community_channel(community, settings) else PromptAudience.DMS
    )
    if prompt is None:
        prompt = Prompt(
            community_id=community.id,
            session_id=cs.id,
            text=text,
            post_at=post_at,
            audience=audience.value,
            channel_id=community_channel(community, settings),
            status=PromptStatus.SCHEDULED.value,
            created_by_member_id=cs.created_by_member_id,
            created_at=now,
        )
        session.add(prompt)
        session.flush()
    elif prompt.status != PromptStatus.POSTED.value:
        prompt.text = text
        prompt.post_at = post_at
        prompt.status = PromptStatus.SCHEDULED.value
        prompt.audience = audience.value
        prompt.channel_id = community_channel(community, settings)

    prompt_keys: set[str] = set()
    if prompt.status == PromptStatus.SCHEDULED.value:
        post_key = f"prompt:{prompt.id}:{post_at.isoformat(timespec='minutes')}"
        nudge_at = post_at + settings.nudge_delay
        nudge_key = f"nudge:{prompt.id}:{nudge_at.isoformat(timespec='minutes')}"
        prompt_keys = {post_key, nudge_key}
        rows += [
            {
                "community_id": community.id,
                "key": post_key,
                "kind": SessionItemKind.PROMPT_POST.value,
                "prompt_id": prompt.id,
                "due_at": post_at,
                "grace_seconds": int(PROMPT_GRACE.total_seconds()),
                "status": ItemStatus.PENDING.value,
            },
            {
                "community_id": community.id,
                "key": nudge_key,
                "kind": SessionItemKind.NUDGE.value,
                "prompt_id": prompt.id,
                "due_at": nudge_at,
                "grace_seconds": int(NUDGE_GRACE.total_seconds()),
                "status": ItemStatus.PENDING.value,
            },
        ]
    rows.append(mirror)
    session_keys = {str(r["key"]) for r in rows if "session_id" in r}
    _cancel_pending(session, ScheduledItem.session_id == cs.id, keep=session_keys)
    _cancel_pending(session, ScheduledItem.prompt_id == prompt.id, keep=prompt_keys)
    _insert_items(session, rows)
    # An item cancelled by an earlier edit and wanted again (edit, then edit back) revives.
    if rows:
        session.execute(
            update(ScheduledItem)
            .where(
                ScheduledItem.key.in_([str(r["key"]) for r in rows]),
                ScheduledItem.status == ItemStatus.CANCELLED.value,
            )
            .values(status=ItemStatus.PENDING.value)
        )
    session.flush()


def plan_prompt(session: Session, prompt: Prompt) -> None:
    """A stand-alone prompt: one post at its time (no nudge: nobody 'attended' it)."""
    key = f"prompt:{prompt.id}:{prompt.post_at.isoformat(timespec='minutes')}"
    if prompt.status != PromptStatus.SCHEDULED.value:
        _cancel_pending(session, ScheduledItem.prompt_id == prompt.id, keep=set())
        return
    _cancel_pending(session, ScheduledItem.prompt_id == prompt.id, keep={key})
    _insert_items(
        session,
        [
            {
                "community_id": prompt.community_id,
                "key": key,
                "kind": SessionItemKind.PROMPT_POST.value,
                "prompt_id": prompt.id,
                "due_at": prompt.post_at,
                "grace_seconds": int(PROMPT_GRACE.total_seconds()),
                "status": ItemStatus.PENDING.value,
            }
        ],
    )
    session.flush()
