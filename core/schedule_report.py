"""What the scheduler will do next, in words an operator reads at a glance (`catalyst jobs`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.delivery.models import ItemKind, OutboxMessage, OutboxStatus, ScheduledItem
from core.delivery.occurrences import pending_items
from core.models import Community, Member, MemberStatus
from core.offsets import in_words
from core.pairing import jobs as pairing_jobs
from core.pairing import plan as pairing_plan
from core.pairing import service as pairing
from core.pairing.models import PairingSettings
from core.sessions.models import CommunitySession, Prompt, RsvpAnswer, SessionRsvp
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
    """Every pending item, soonest first, and each community's next peer-coaching round
    even before the scheduler has planned it (`pairing_plan.next_round`)."""
    planned: list[tuple[datetime, PlannedJob]] = []
    for item in pending_items(session, now, limit):
        community = session.get(Community, item.community_id)
        zone = community.timezone if community else "UTC"
        if item.kind in pairing_jobs.KINDS:
            what, people = _pairing_job(session, community, item)
        else:
            what, people = _session_job(session, item)
        planned.append(
            (item.due_at, PlannedJob(due=when(item.due_at, zone), what=what, people=people))
        )
    for community, upcoming_round in _unplanned_rounds(session, now):
        what, people = _round_job(session, community, upcoming_round.at)
        planned.append(
            (
                upcoming_round.at,
                PlannedJob(
                    due=when(upcoming_round.at, community.timezone),
                    what=f"{what} (the scheduler plans it at its next check)",
                    people=people,
                ),
            )
        )
    planned.sort(key=lambda pair: pair[0])
    return [job for _, job in planned[:limit]]


def _session_job(session: Session, item: ScheduledItem) -> tuple[str, int]:
    """A session's reminder, a reflection prompt (a session's or a stand-alone one), or the
    nudges and catch-ups after a session's prompt."""
    cs = session.get(CommunitySession, item.session_id) if item.session_id else None
    prompt = session.get(Prompt, item.prompt_id) if item.prompt_id else None
    if prompt is not None and prompt.session_id is not None:
        cs = session.get(CommunitySession, prompt.session_id)
    title = f"“{cs.title}” (session {cs.number})" if cs else "a stand-alone prompt"
    active = _active(session, item.community_id)
    if item.kind == ItemKind.REMINDER.value and cs is not None:
        lead = in_words(timedelta(minutes=item.offset_minutes or 0))
        people = active - _count_answer(session, cs.id, RsvpAnswer.DECLINED)
        return f"reminder {lead} before {title}", people
    if item.kind == ItemKind.PROMPT_POST.value:
        going = _count_answer(session, cs.id, RsvpAnswer.GOING) if cs else active
        return f"reflection prompt for {title}", going
    if item.kind == ItemKind.NUDGE.value:
        return f"nudges and catch-ups for {title}", active
    return f"{item.kind} (unknown kind: it will be recorded as failed)", 0


def _round_job(session: Session, community: Community | None, at: datetime) -> tuple[str, int]:
    if community is None:
        return "peer-coaching round", 0
    number = pairing.next_round_number(session, community)
    return f"peer-coaching round {number}", len(pairing.participants(session, community, at))


def _pairing_job(
    session: Session, community: Community | None, item: ScheduledItem
) -> tuple[str, int]:
    """A peer-coaching round, its day-before notice, or a running round's check-in."""
    if item.kind == ItemKind.PAIRING_ROUND.value:
        return _round_job(session, community, item.due_at)
    if item.kind == ItemKind.PAIRING_NOTICE.value:
        zone = community.timezone if community else "UTC"
        what, people = _round_job(
            session, community, pairing_plan.days_before(item.due_at, -1, zone)
        )
        return f"day-before notice for {what}", people
    round_id = pairing_plan.round_id_of(item)
    pairing_round = pairing.round_by_id(session, round_id) if round_id else None
    if pairing_round is None:
        return "mid-round check-in for a peer-coaching round that is gone", 0
    groups = pairing.unanswered_with_members(session, pairing_round.id)
    people = sum(len(pairing.active(members)) for _, members in groups)
    return f"mid-round check-in for peer-coaching round {pairing_round.number}", people


def _unplanned_rounds(
    session: Session, now: datetime
) -> list[tuple[Community, pairing_plan.NextRound]]:
    """Next rounds of communities with rounds on that the scheduler has yet to plan."""
    found = []
    for community in session.scalars(
        select(Community)
        .join(PairingSettings, PairingSettings.community_id == Community.id)
        .where(PairingSettings.enabled.is_(True))
        .order_by(Community.id)
    ):
        upcoming_round = pairing_plan.next_round(session, community, now)
        if upcoming_round is not None and not upcoming_round.planned:
            found.append((community, upcoming_round))
    return found


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({str(status): int(count) for status, count in rows})
    return counts
