"""Running one scheduled item: deciding who gets what, and writing it to the outbox.

One call is one transaction: the item is taken (pending → done/missed/cancelled) and its
messages are enqueued together, so a crash leaves either both or neither. Keys make a second
run (another scheduler, a retry) a no-op.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.delivery.models import ItemKind, ItemStatus, ScheduledItem
from core.delivery.outbox import Outgoing, enqueue
from core.models import Community, Member, MemberStatus
from core.pairing import jobs as pairing_jobs
from core.resources import service as resources
from core.sessions import notices as notices
from core.sessions.models import (
    CommunitySession,
    Prompt,
    PromptAudience,
    PromptStatus,
    Reflection,
    RsvpAnswer,
    SessionRsvp,
)


def _active_members(session: Session, community_id: int) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .where(
                Member.community_id == community_id,
                Member.status == MemberStatus.ACTIVE.value,
            )
            .order_by(Member.id)
        )
    )


def _recap_refused(session: Session, session_id: int) -> set[int]:
    """Members who sent apologies and unticked "Send me the recap"."""
    return set(
        session.scalars(
            select(SessionRsvp.member_id).where(
                SessionRsvp.session_id == session_id,
                SessionRsvp.answer == RsvpAnswer.DECLINED.value,
                SessionRsvp.wants_recap.is_(False),
            )
        )
    )


def _answers(session: Session, session_id: int) -> dict[int, str]:
    rows = session.execute(
        select(SessionRsvp.member_id, SessionRsvp.answer).where(
            SessionRsvp.session_id == session_id
        )
    ).all()
    return {int(member_id): str(answer) for member_id, answer in rows}


def _finish(item: ScheduledItem, status: ItemStatus, now: datetime, note: str) -> str:
    item.status = status.value
    item.finished_at = now
    item.note = note[:500]
    return note


def execute(session: Session, item_id: int, now: datetime) -> str:
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
        return _finish(
            item, ItemStatus.MISSED, now, f"missed: Catalyst was not running ({late} late)"
        )
    if item.kind == ItemKind.REMINDER.value:
        note = _reminders(session, item, now)
    elif item.kind == ItemKind.PROMPT_POST.value:
        note = _prompt_post(session, item, now)
    elif item.kind == ItemKind.NUDGE.value:
        note = _nudges(session, item, now)
    elif item.kind in pairing_jobs.KINDS:
        note = pairing_jobs.execute(session, item, now)
    else:
        return _finish(item, ItemStatus.FAILED, now, f"unknown kind {item.kind}")
    if item.status == ItemStatus.PENDING.value:
        _finish(item, ItemStatus.DONE, now, note)
    return note


def _reminders(session: Session, item: ScheduledItem, now: datetime) -> str:
    cs = session.get(CommunitySession, item.session_id) if item.session_id else None
    if cs is None or not cs.is_scheduled:
        return _finish(item, ItemStatus.CANCELLED, now, "session cancelled")
    offset = timedelta(minutes=item.offset_minutes or 0)
    expires = min(item.due_at + timedelta(seconds=item.grace_seconds), cs.starts_at)
    answers = _answers(session, cs.id)
    prep = [(r.title, r.url) for r in resources.for_session(session, cs.id)]
    outgoing = [
        Outgoing(
            key=f"{item.key}:m{member.id}",
            kind="reminder",
            recipient=member.platform_user_id,
            message=notices.reminder(cs, member, offset, answers.get(member.id), prep),
            due_at=item.due_at,
            expires_at=expires,
            member_id=member.id,
            session_id=cs.id,
        )
        for member in _active_members(session, cs.community_id)
        if answers.get(member.id) != RsvpAnswer.DECLINED.value
    ]
    enqueue(session, cs.community_id, outgoing, now)
    item.recipients = len(outgoing)
    return f"reminder for {len(outgoing)} people"


def _session_title(session: Session, prompt: Prompt) -> tuple[CommunitySession | None, str | None]:
    cs = session.get(CommunitySession, prompt.session_id) if prompt.session_id else None
    return cs, (cs.title if cs else None)


def _prompt_post(session: Session, item: ScheduledItem, now: datetime) -> str:
    prompt = session.get(Prompt, item.prompt_id) if item.prompt_id else None
    if prompt is None or prompt.status == PromptStatus.CANCELLED.value:
        return _finish(item, ItemStatus.CANCELLED, now, "prompt cancelled")
    cs, title = _session_title(session, prompt)
    if cs is not None and not cs.is_scheduled:
        return _finish(item, ItemStatus.CANCELLED, now, "session cancelled")
    expires = item.due_at + timedelta(seconds=item.grace_seconds)
    outgoing: list[Outgoing] = []
    if prompt.audience == PromptAudience.CHANNEL.value and prompt.channel_id:
        outgoing.append(
            Outgoing(
                key=f"prompt:{prompt.id}:post",
                kind="prompt_post",
                recipient=prompt.channel_id,
                message=notices.prompt_post(prompt, title),
                due_at=item.due_at,
                expires_at=expires,
                prompt_id=prompt.id,
                session_id=prompt.session_id,
            )
        )
    members = _active_members(session, prompt.community_id)
    if cs is not None:
        answers = _answers(session, cs.id)
        members = [m for m in members if answers.get(m.id) == RsvpAnswer.GOING.value]
    elif prompt.audience != PromptAudience.DMS.value:
        members = []  # a stand-alone channel prompt is not also DMed to everyone
    outgoing += [
        Outgoing(
            key=f"prompt:{prompt.id}:dm:m{member.id}",
            kind="prompt_dm",
            recipient=member.platform_user_id,
            message=notices.prompt_dm(prompt, title),
            due_at=item.due_at,
            expires_at=expires,
            member_id=member.id,
            prompt_id=prompt.id,
            session_id=prompt.session_id,
        )
        for member in members
    ]
    enqueue(session, prompt.community_id, outgoing, now)
    prompt.status = PromptStatus.POSTED.value
    item.recipients = len(outgoing)
    return f"prompt posted ({len(outgoing)} messages)"


def _nudges(session: Session, item: ScheduledItem, now: datetime) -> str:
    prompt = session.get(Prompt, item.prompt_id) if item.prompt_id else None
    if prompt is None or prompt.status != PromptStatus.POSTED.value:
        return _finish(item, ItemStatus.CANCELLED, now, "prompt was not posted")
    cs, title = _session_title(session, prompt)
    if cs is None:
        return _finish(item, ItemStatus.CANCELLED, now, "no session to nudge about")
    answers = _answers(session, cs.id)
    reflected = set(
        session.scalars(select(Reflection.member_id).where(Reflection.prompt_id == prompt.id))
    )
    no_recap = _recap_refused(session, cs.id)
    expires = item.due_at + timedelta(seconds=item.grace_seconds)
    outgoing: list[Outgoing] = []
    for member in _active_members(session, prompt.community_id):
        if not member.nudges_enabled or member.joined_at > cs.ends_at or member.id in no_recap:
            continue
        answer = answers.get(member.id)
        if answer == RsvpAnswer.GOING.value:
            if member.id in reflected:
                continue
            kind, message = "nudge", notices.nudge(prompt, title)
        elif answer == RsvpAnswer.MAYBE.value:
            continue  # we don't know whether they came; no guessing
        else:
            kind, message = "catch_up", notices.catch_up(cs, prompt, member)
        outgoing.append(
            Outgoing(
                # No time in the key: nobody is nudged twice for the same prompt.
                key=f"nudge:{prompt.id}:m{member.id}",
                kind=kind,
                recipient=member.platform_user_id,
                message=message,
                due_at=item.due_at,
                expires_at=expires,
                member_id=member.id,
                prompt_id=prompt.id,
                session_id=cs.id,
            )
        )
    enqueue(session, prompt.community_id, outgoing, now)
    item.recipients = len(outgoing)
    return f"{len(outgoing)} nudges and catch-ups"


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
