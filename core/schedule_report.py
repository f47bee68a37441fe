"""What the scheduler will do next, in words an operator reads at a glance (`catalyst jobs`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Community, Member, MemberStatus
from core.models_delivery import ItemKind, OutboxMessage, OutboxStatus
from core.models_sessions import CommunitySession, Prompt, RsvpAnswer, SessionRsvp
from core.occurrences import pending_items
from core.offsets import in_words
from core.timefmt import when


@dataclass(frozen=True)
class PlannedJob:
    due: str
    what: str
    people: int


def _active(session: Session, community_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Member)
            .where(Member.community_id == community_id, Member.status == MemberStatus.ACTIVE)
        )
        or 0
    )


def _count_answer(session: Session, session_id: int, answer: RsvpAnswer) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(SessionRsvp)
            .where(SessionRsvp.session_id == session_id, SessionRsvp.answer == answer.value)
        )
        or 0
    )


def upcoming(session: Session, now: datetime, limit: int = 30) -> list[PlannedJob]:
    planned: list[PlannedJob] = []
    for item in pending_items(session, now, limit):
        community = session.get(Community, item.community_id)
        zone = community.timezone if community else "UTC"
        cs = session.get(CommunitySession, item.session_id) if item.session_id else None
        prompt = session.get(Prompt, item.prompt_id) if item.prompt_id else None
        if prompt is not None and prompt.session_id is not None:
            cs = session.get(CommunitySession, prompt.session_id)
        title = f"“{cs.title}” (session {cs.number})" if cs else "a stand-alone prompt"
        active = _active(session, item.community_id)
        if item.kind == ItemKind.REMINDER.value and cs is not None:
            lead = in_words(timedelta(minutes=item.offset_minutes or 0))
            people = active - _count_answer(session, cs.id, RsvpAnswer.DECLINED)
            what = f"reminder {lead} before {title}"
        elif item.kind == ItemKind.PROMPT_POST.value:
            going = _count_answer(session, cs.id, RsvpAnswer.GOING) if cs else active
            people = going
            what = f"reflection prompt for {title}"
        else:
            people = active
            what = f"nudges and catch-ups for {title}"
        planned.append(PlannedJob(due=when(item.due_at, zone), what=what, people=people))
    return planned


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({str(status): int(count) for status, count in rows})
    return counts
