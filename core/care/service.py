"""Who is drifting, and what facilitators and members do about it: the list with its
reasons, check-ins (sent through the outbox) and their answers, snoozes, and pauses that
end on their own with a welcome back.

Facts are gathered for a whole community in a handful of queries, then each member's are
judged by the pure rules (core/care/rules.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import i18n
from core.care import notices
from core.care.models import CareCheckin, CareItemKind, CareSnooze, CheckinAnswer
from core.care.rules import (
    CareRules,
    MemberFacts,
    PairingFact,
    Reason,
    ReminderFact,
    SessionFact,
    SetMeetingFact,
    reasons,
    since,
)
from core.delivery.models import ItemStatus, OutboxMessage, OutboxStatus, ScheduledItem
from core.delivery.outbox import Outgoing, cancel_pending, enqueue
from core.models import Community, Member, MemberStatus
from core.newsletter.models import Newsletter, NewsletterStatus
from core.pairing.models import Outcome, PairingGroup, PairingGroupMember, PairingRound
from core.sessions.models import (
    CommunitySession,
    Prompt,
    RsvpAnswer,
    SessionAttendance,
    SessionRsvp,
    SessionStatus,
)
from core.sets.models import MeetingStatus, SetApology, SetMeeting, SetMembership

RESUME_GRACE = timedelta(days=30)  # a scheduler down for days still welcomes them back
REMINDER_KIND = "reminder"  # untranslated: the sessions' outbox kind for a reminder DM
CHECKIN_KIND = "care_checkin"  # untranslated: an outbox kind
WELCOME_KIND = "care_welcome_back"  # untranslated: an outbox kind
PAUSE_MONTHS = (1, 2, 3)  # what a check-in's pause buttons offer


def rules_for(community: Community) -> CareRules:
    return CareRules.from_json(community.care_rules)


def set_rules(community: Community, rules: CareRules) -> None:
    community.care_rules = rules.overrides() or None


# ---- facts ------------------------------------------------------------------------------------


def _active(session: Session, community: Community) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(
                Member.community_id == community.id,
                Member.status == MemberStatus.ACTIVE.value,
            )
            .order_by(Member.id)
        )
    )


def gather_facts(
    session: Session, community: Community, members: Sequence[Member], now: datetime
) -> dict[int, MemberFacts]:
    """What Catalyst recorded about each member's participation, as plain facts."""
    ids = [m.id for m in members]
    by_id = {m.id: m for m in members}
    held = session.execute(
        select(CommunitySession.id, CommunitySession.starts_at).where(
            CommunitySession.community_id == community.id,
            CommunitySession.status == SessionStatus.SCHEDULED.value,
            CommunitySession.starts_at <= now,
        )
    ).all()
    replied = set(
        session.execute(
            select(SessionRsvp.session_id, SessionRsvp.member_id).where(
                SessionRsvp.session_id.in_([s for s, _at in held]),
                SessionRsvp.member_id.in_(ids),
            )
        )
    )
    going = set(
        session.execute(
            select(SessionRsvp.session_id, SessionRsvp.member_id).where(
                SessionRsvp.session_id.in_([s for s, _at in held]),
                SessionRsvp.member_id.in_(ids),
                SessionRsvp.answer == RsvpAnswer.GOING.value,
            )
        )
    )
    came: dict[tuple[int, int], bool] = {
        (session_id, member_id): bool(was_there)
        for session_id, member_id, was_there in session.execute(
            select(
                SessionAttendance.session_id,
                SessionAttendance.member_id,
                SessionAttendance.came,
            ).where(
                SessionAttendance.session_id.in_([s for s, _at in held]),
                SessionAttendance.member_id.in_(ids),
            )
        )
        if member_id is not None
    }
    sessions: dict[int, list[SessionFact]] = defaultdict(list)
    for member in members:
        for session_id, starts_at in held:
            if starts_at >= member.joined_at:
                key = (session_id, member.id)
                sessions[member.id].append(
                    SessionFact(starts_at, key in replied, key in going, came.get(key))
                )
    reminders: dict[int, list[ReminderFact]] = defaultdict(list)
    for recipient_id, reminded_session, sent_at in session.execute(
        select(OutboxMessage.member_id, OutboxMessage.session_id, OutboxMessage.sent_at).where(
            OutboxMessage.community_id == community.id,
            OutboxMessage.kind == REMINDER_KIND,
            OutboxMessage.status == OutboxStatus.SENT.value,
            OutboxMessage.member_id.in_(ids),
            OutboxMessage.sent_at <= now,
        )
    ):
        if recipient_id is None or sent_at is None:
            continue
        seen = by_id[recipient_id].last_seen_at
        answered = (reminded_session, recipient_id) in replied or (
            seen is not None and seen > sent_at
        )
        reminders[recipient_id].append(ReminderFact(sent_at, answered))
    pairings: dict[int, list[PairingFact]] = defaultdict(list)
    for member_id, started_at, outcome in session.execute(
        select(PairingGroupMember.member_id, PairingRound.started_at, PairingGroup.outcome)
        .join(PairingGroup, PairingGroup.id == PairingGroupMember.group_id)
        .join(PairingRound, PairingRound.id == PairingGroup.round_id)
        .where(
            PairingGroup.community_id == community.id,
            PairingGroupMember.member_id.in_(ids),
            PairingRound.started_at <= now,
        )
    ):
        met = outcome in (Outcome.MET.value, Outcome.BOOKED.value)
        pairings[member_id].append(PairingFact(started_at, met, outcome != Outcome.OPEN.value))
    apologies = set(
        session.execute(
            select(SetApology.meeting_id, SetApology.member_id).where(SetApology.member_id.in_(ids))
        )
    )
    meetings: dict[int, list[SetMeetingFact]] = defaultdict(list)
    for member_id, meeting_id, starts_at in session.execute(
        select(SetMembership.member_id, SetMeeting.id, SetMeeting.starts_at)
        .join(SetMeeting, SetMeeting.set_id == SetMembership.set_id)
        .where(
            SetMembership.member_id.in_(ids),
            SetMeeting.starts_at <= now,
            SetMeeting.status != MeetingStatus.CANCELLED.value,
        )
    ):
        apologised = (meeting_id, member_id) in apologies
        meetings[member_id].append(SetMeetingFact(starts_at, apologised))
    return {
        m.id: MemberFacts(
            member_id=m.id,
            sessions=sessions[m.id],
            reminders=reminders[m.id],
            pairings=pairings[m.id],
            set_meetings=meetings[m.id],
            last_seen_at=m.last_seen_at,
        )
        for m in members
    }


# ---- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drifting:
    """One person to reach out to: why, when last active, when last checked on."""

    member: Member
    reasons: list[Reason]
    last_seen_at: datetime | None
    checked_in_at: datetime | None


def _last_checkins(session: Session, ids: Sequence[int]) -> dict[int, CareCheckin]:
    latest: dict[int, CareCheckin] = {}
    for checkin in session.scalars(
        select(CareCheckin).where(CareCheckin.member_id.in_(ids)).order_by(CareCheckin.sent_at)
    ):
        latest[checkin.member_id] = checkin
    return latest


def _cleared_at(session: Session, ids: Sequence[int]) -> dict[int, datetime]:
    """When each member last said "I'm fine" (or chose a pause or essentials only)."""
    cleared: dict[int, datetime] = {}
    for member_id, answered_at in session.execute(
        select(CareCheckin.member_id, CareCheckin.answered_at)
        .where(CareCheckin.member_id.in_(ids), CareCheckin.answered_at.is_not(None))
        .order_by(CareCheckin.answered_at)
    ):
        if answered_at is not None:
            cleared[member_id] = answered_at
    return cleared


def drifting(session: Session, community: Community, now: datetime) -> list[Drifting]:
    """The people to reach out to, ordered by name: never a ranking. Paused members and
    those snoozed are left out (a pause is an answer already); after a check-in's answer
    or the end of a pause, only what happened since counts."""
    rules = rules_for(community)
    members = [m for m in _active(session, community) if not m.is_paused(now)]
    snoozed = set(
        session.scalars(
            select(CareSnooze.member_id).where(
                CareSnooze.community_id == community.id, CareSnooze.until > now
            )
        )
    )
    members = [m for m in members if m.id not in snoozed]
    ids = [m.id for m in members]
    facts = gather_facts(session, community, members, now)
    cleared = _cleared_at(session, ids)
    checkins = _last_checkins(session, ids)
    found: list[Drifting] = []
    for member in members:
        fresh_from = max(
            (at for at in (cleared.get(member.id), member.paused_until) if at is not None),
            default=None,
        )
        why = reasons(since(facts[member.id], fresh_from), rules, now)
        if why:
            last = checkins.get(member.id)
            found.append(Drifting(member, why, member.last_seen_at, last.sent_at if last else None))
    return sorted(found, key=lambda d: (d.member.display_name.casefold(), d.member.id))


def find_member(session: Session, community: Community, member_id: int) -> Member | None:
    member = session.get(Member, member_id)
    if member is None or member.community_id != community.id or not member.is_active:
        return None
    return member


def snooze(session: Session, community: Community, member: Member, now: datetime) -> datetime:
    """Hide `member` from the list for the community's snooze time; returns until when."""
    until = now + timedelta(days=rules_for(community).snooze_days)
    row = session.get(CareSnooze, member.id)
    if row is None:
        try:
            # A double click: both found no row; the second insert finds the first's.
            with session.begin_nested():
                session.add(
                    CareSnooze(
                        member_id=member.id, community_id=community.id, until=until, created_at=now
                    )
                )
            return until
        except IntegrityError:
            row = session.get(CareSnooze, member.id, populate_existing=True)
            if row is None:  # gone again meanwhile: nothing to snooze twice
                return until
    row.until, row.created_at = until, now
    session.flush()
    return until


# ---- check-ins --------------------------------------------------------------------------------


def default_checkin_text(facilitator: Member, member: Member) -> str:
    """The warm default a facilitator edits, in the member's language (they read it)."""
    with i18n.speaking(member.speaks):
        return notices.default_checkin(facilitator.display_name, member.display_name)


def send_checkin(
    session: Session,
    community: Community,
    facilitator: Member,
    member: Member,
    body: str,
    now: datetime,
) -> CareCheckin:
    """Record the check-in and queue the DM, with buttons that act on the answer."""
    checkin = CareCheckin(
        community_id=community.id,
        member_id=member.id,
        sent_by_member_id=facilitator.id,
        body=body,
        sent_at=now,
    )
    session.add(checkin)
    session.flush()
    with i18n.speaking(member.speaks):
        message = notices.checkin_message(checkin, facilitator.display_name, PAUSE_MONTHS)
    enqueue(
        session,
        community.id,
        [
            Outgoing(
                key=f"care_checkin:{checkin.id}",
                kind=CHECKIN_KIND,
                recipient=member.platform_user_id,
                message=message,
                due_at=now,
                member_id=member.id,
            )
        ],
        now,
    )
    return checkin


def checkin_for(session: Session, member: Member, checkin_id: int) -> CareCheckin | None:
    """A check-in, only for the member it was sent to."""
    checkin = session.get(CareCheckin, checkin_id)
    return checkin if checkin is not None and checkin.member_id == member.id else None


def answer_checkin(checkin: CareCheckin, answer: CheckinAnswer, now: datetime) -> None:
    checkin.answer, checkin.answered_at = answer.value, now


def essentials_only(member: Member, now: datetime) -> None:
    """Only session reminders: no nudges or catch-ups, no broadcasts by DM, the newsletter
    in the channel only (the same switches `/cop notifications` turns)."""
    member.nudges_enabled = False
    member.broadcasts_enabled = False
    member.newsletter = "channel"  # untranslated: core.newsletter's Delivery.CHANNEL
    member.updated_at = now


# ---- pauses -----------------------------------------------------------------------------------


def _resume_key(member: Member, until: datetime) -> str:
    return f"{CareItemKind.RESUME.value}:m{member.id}:{until.isoformat(timespec='minutes')}"


def _cancel_resume_items(session: Session, member: Member, keep: str | None = None) -> None:
    """Cancel the pending end of their pause (`keep`: the item that is running now)."""
    prefix = f"{CareItemKind.RESUME.value}:m{member.id}:"
    for item in session.scalars(
        select(ScheduledItem).where(
            ScheduledItem.key.startswith(prefix), ScheduledItem.status == ItemStatus.PENDING.value
        )
    ):
        if item.key != keep:
            item.status = ItemStatus.CANCELLED.value


def pause(session: Session, member: Member, until: datetime, now: datetime) -> None:
    """Nothing optional reaches them until `until`; then they are welcomed back."""
    key = _resume_key(member, until)
    _cancel_resume_items(session, member, keep=key)
    if member.paused_at is None:
        member.paused_at = now
    member.paused_until = until
    member.updated_at = now
    # What is queued and optional would reach them during the pause: it won't now.
    cancel_pending(session, member_id=member.id, kinds=OPTIONAL_KINDS)
    item = session.scalars(select(ScheduledItem).where(ScheduledItem.key == key)).first()
    if item is None:
        session.add(
            ScheduledItem(
                community_id=member.community_id,
                key=key,
                kind=CareItemKind.RESUME.value,
                due_at=until,
                grace_seconds=int(RESUME_GRACE.total_seconds()),
                status=ItemStatus.PENDING.value,
            )
        )
    else:  # the same end chosen again (the key is unique): that item is the one to run,
        # at this end (the key keeps only the minute, so it may have been a few seconds off)
        item.status, item.finished_at, item.due_at = ItemStatus.PENDING.value, None, until
    session.flush()


# Queued messages a pause stops (what the pause promises not to send).
OPTIONAL_KINDS = (
    "reminder",
    "prompt_dm",
    "nudge",
    "catch_up",
    "broadcast_dm",
    "newsletter",
    "pairing_notice",
    "pairing_checkin",
    "sets_reminder",
    "poll_dm",
    "survey_dm",
)


@dataclass(frozen=True)
class Missed:
    sessions: list[tuple[CommunitySession, str | None]]  # with the thread's link, if any
    newsletters: list[Newsletter]


def missed(session: Session, member: Member, start: datetime, end: datetime) -> Missed:
    """What happened while they were away: sessions held and newsletters sent."""
    held = list(
        session.scalars(
            select(CommunitySession)
            .where(
                CommunitySession.community_id == member.community_id,
                CommunitySession.status == SessionStatus.SCHEDULED.value,
                CommunitySession.starts_at >= start,
                CommunitySession.starts_at < end,
            )
            .order_by(CommunitySession.starts_at)
        )
    )
    links: dict[int, str] = {}
    if held:
        for session_id, permalink in session.execute(
            select(Prompt.session_id, Prompt.permalink).where(
                Prompt.session_id.in_([cs.id for cs in held]), Prompt.permalink.is_not(None)
            )
        ):
            if session_id is not None and permalink:
                links[session_id] = permalink
    newsletters = list(
        session.scalars(
            select(Newsletter)
            .where(
                Newsletter.community_id == member.community_id,
                Newsletter.status == NewsletterStatus.SENT.value,
                Newsletter.sent_at >= start,
                Newsletter.sent_at < end,
            )
            .order_by(Newsletter.sent_at)
        )
    )
    return Missed([(cs, links.get(cs.id)) for cs in held], newsletters)


def resume(
    session: Session, member: Member, now: datetime, *, welcome: bool, item_key: str | None = None
) -> bool:
    """End a pause now; with `welcome`, queue the welcome back with what they missed.
    False if no pause was under way.

    `paused_until` keeps when the last pause ended: what happened before it (sessions
    not answered while away) never puts them on the care list; `paused_at` is cleared, so
    the pause is over for good."""
    if member.paused_at is None or member.paused_until is None:
        return False
    started = member.paused_at
    member.paused_until = min(member.paused_until, now)
    member.paused_at = None
    member.updated_at = now
    _cancel_resume_items(session, member, keep=item_key)
    if welcome:
        away = missed(session, member, started, now)
        with i18n.speaking(member.speaks):
            message = notices.welcome_back(away)
        enqueue(
            session,
            member.community_id,
            [
                Outgoing(
                    # untranslated: an outbox key
                    key=f"care_welcome:m{member.id}:{now.isoformat(timespec='minutes')}",
                    kind=WELCOME_KIND,
                    recipient=member.platform_user_id,
                    message=message,
                    due_at=now,
                    member_id=member.id,
                )
            ],
            now,
        )
    return True


def member_id_of(item: ScheduledItem) -> int | None:
    """`care_resume:m12:2027-01-01T09:00` → 12."""
    parts = item.key.split(":")
    if len(parts) < 2 or not parts[1].startswith("m") or not parts[1][1:].isdigit():
        return None
    return int(parts[1][1:])


def run_resume(session: Session, item: ScheduledItem, now: datetime) -> str:
    member_id = member_id_of(item)
    member = session.get(Member, member_id) if member_id is not None else None
    if member is None or not member.is_active:
        return "member gone or left"  # untranslated: the item's record
    if member.paused_at is None or member.paused_until is None or member.paused_until > now:
        return "pause already ended or moved"  # untranslated: the item's record
    resume(session, member, now, welcome=True, item_key=item.key)
    item.recipients = 1
    return "welcomed back"  # untranslated: the item's record


def personal_data(session: Session, member: Member) -> dict[str, object]:
    checkins = session.scalars(
        select(CareCheckin).where(CareCheckin.member_id == member.id).order_by(CareCheckin.sent_at)
    ).all()
    return {
        "paused_until": (
            member.paused_until.isoformat() if member.paused_until and member.paused_at else None
        ),
        "check_ins": [
            {"sent_at": c.sent_at.isoformat(), "answer": c.answer, "text": c.body} for c in checkins
        ],
    }


def member_leaving(session: Session, member: Member, now: datetime) -> None:
    del now
    _cancel_resume_items(session, member)
    session.execute(delete(CareSnooze).where(CareSnooze.member_id == member.id))
