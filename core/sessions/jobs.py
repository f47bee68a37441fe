"""Running a session's scheduled items: reminders, the reflection prompt, nudges and catch-ups.

Each runner is called by `core.delivery.occurrences.execute` inside its transaction (the item
is taken and its messages enqueued together); registered in `core.sessions.capability`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import i18n
from core.delivery.models import ItemStatus, OutboxMessage, ScheduledItem
from core.delivery.occurrences import finish
from core.delivery.outbox import Outgoing, enqueue
from core.facilitators import facilitators
from core.models import Community, Member, MemberStatus, not_paused
from core.resources import service as resources
from core.sessions import attendance
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


def _active_members(session: Session, community_id: int, now: datetime) -> list[Member]:
    """Who may hear about sessions unasked: active, and not on a pause."""
    return list(
        session.scalars(
            select(Member)
            .where(
                Member.community_id == community_id,
                Member.status == MemberStatus.ACTIVE.value,
                not_paused(now),
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


def reminders(session: Session, item: ScheduledItem, now: datetime) -> str:
    cs = session.get(CommunitySession, item.session_id) if item.session_id else None
    if cs is None or not cs.is_scheduled:
        return finish(item, ItemStatus.CANCELLED, now, "session cancelled")
    offset = timedelta(minutes=item.offset_minutes or 0)
    expires = min(item.due_at + timedelta(seconds=item.grace_seconds), cs.starts_at)
    answers = _answers(session, cs.id)
    prep = [(r.title, r.url) for r in resources.for_session(session, cs.id)]
    outgoing: list[Outgoing] = []
    for member in _active_members(session, cs.community_id, now):
        if answers.get(member.id) == RsvpAnswer.DECLINED.value:
            continue
        with i18n.speaking(member.speaks):
            message = notices.reminder(cs, member, offset, answers.get(member.id), prep)
        outgoing.append(
            Outgoing(
                key=f"{item.key}:m{member.id}",
                kind="reminder",
                recipient=member.platform_user_id,
                message=message,
                due_at=item.due_at,
                expires_at=expires,
                member_id=member.id,
                session_id=cs.id,
            )
        )
    enqueue(session, cs.community_id, outgoing, now)
    item.recipients = len(outgoing)
    return f"reminder for {len(outgoing)} people"  # untranslated: the item's record


def _session_title(session: Session, prompt: Prompt) -> tuple[CommunitySession | None, str | None]:
    cs = session.get(CommunitySession, prompt.session_id) if prompt.session_id else None
    return cs, (cs.title if cs else None)


def prompt_post(session: Session, item: ScheduledItem, now: datetime) -> str:
    prompt = session.get(Prompt, item.prompt_id) if item.prompt_id else None
    if prompt is None or prompt.status == PromptStatus.CANCELLED.value:
        return finish(item, ItemStatus.CANCELLED, now, "prompt cancelled")
    cs, title = _session_title(session, prompt)
    if cs is not None and not cs.is_scheduled:
        return finish(item, ItemStatus.CANCELLED, now, "session cancelled")
    expires = item.due_at + timedelta(seconds=item.grace_seconds)
    outgoing: list[Outgoing] = []
    if prompt.audience == PromptAudience.CHANNEL.value and prompt.channel_id:
        community = session.get(Community, prompt.community_id)
        # The facilitator's pick for this post, else the community's language.
        with i18n.speaking(prompt.language or (community.language if community else None)):
            post = notices.prompt_post(prompt, title)
        outgoing.append(
            Outgoing(
                key=f"prompt:{prompt.id}:post",
                kind="prompt_post",
                recipient=prompt.channel_id,
                message=post,
                due_at=item.due_at,
                expires_at=expires,
                prompt_id=prompt.id,
                session_id=prompt.session_id,
            )
        )
    members = _active_members(session, prompt.community_id, now)
    if cs is not None:
        answers = _answers(session, cs.id)
        members = [m for m in members if answers.get(m.id) == RsvpAnswer.GOING.value]
    elif prompt.audience != PromptAudience.DMS.value:
        members = []  # a stand-alone channel prompt is not also DMed to everyone
    for member in members:
        with i18n.speaking(member.speaks):
            message = notices.prompt_dm(prompt, title)
        outgoing.append(
            Outgoing(
                # untranslated: an outbox key
                key=f"prompt:{prompt.id}:dm:m{member.id}",
                kind="prompt_dm",
                recipient=member.platform_user_id,
                message=message,
                due_at=item.due_at,
                expires_at=expires,
                member_id=member.id,
                prompt_id=prompt.id,
                session_id=prompt.session_id,
            )
        )
    if cs is not None:
        outgoing.extend(_who_came(session, cs, item, expires))
    enqueue(session, prompt.community_id, outgoing, now)
    prompt.status = PromptStatus.POSTED.value
    item.recipients = len(outgoing)
    return f"prompt posted ({len(outgoing)} messages)"  # untranslated: the item's record


def _who_came(
    session: Session, cs: CommunitySession, item: ScheduledItem, expires: datetime
) -> list[Outgoing]:
    """After the session, each facilitator is asked "Who came?" (the attendance tick list)."""
    outgoing: list[Outgoing] = []
    for facilitator in facilitators(session, cs.community_id):
        with i18n.speaking(facilitator.speaks):
            message = attendance.who_came_message(cs)
        outgoing.append(
            Outgoing(
                # untranslated: an outbox key
                key=f"who_came:{cs.id}:m{facilitator.id}",
                kind="who_came",
                recipient=facilitator.platform_user_id,
                message=message,
                due_at=item.due_at,
                expires_at=expires,
                member_id=facilitator.id,
                session_id=cs.id,
            )
        )
    return outgoing


def nudges(session: Session, item: ScheduledItem, now: datetime) -> str:
    prompt = session.get(Prompt, item.prompt_id) if item.prompt_id else None
    if prompt is None or prompt.status != PromptStatus.POSTED.value:
        return finish(item, ItemStatus.CANCELLED, now, "prompt was not posted")
    cs, title = _session_title(session, prompt)
    if cs is None:
        return finish(item, ItemStatus.CANCELLED, now, "no session to nudge about")
    answers = _answers(session, cs.id)
    reflected = set(
        session.scalars(select(Reflection.member_id).where(Reflection.prompt_id == prompt.id))
    )
    no_recap = _recap_refused(session, cs.id)
    expires = item.due_at + timedelta(seconds=item.grace_seconds)
    outgoing: list[Outgoing] = []
    for member in _active_members(session, prompt.community_id, now):
        if not member.nudges_enabled or member.joined_at > cs.ends_at or member.id in no_recap:
            continue
        answer = answers.get(member.id)
        if answer == RsvpAnswer.GOING.value:
            if member.id in reflected:
                continue
            with i18n.speaking(member.speaks):
                kind, message = "nudge", notices.nudge(prompt, title, cs)
        elif answer == RsvpAnswer.MAYBE.value:
            continue  # we don't know whether they came; no guessing
        else:
            with i18n.speaking(member.speaks):
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
    return f"{len(outgoing)} nudges and catch-ups"  # untranslated: the item's record


def prompt_posted(session: Session, row: OutboxMessage, permalink: str | None) -> None:
    """A prompt's post reached the channel: remember where, so replies in its thread are
    recognised as reflections and catch-ups can link to it."""
    if row.kind != "prompt_post" or row.prompt_id is None:
        return
    prompt = session.get(Prompt, row.prompt_id)
    if prompt is not None:
        prompt.posted_channel = row.sent_channel
        prompt.posted_ts = row.sent_ts
        prompt.permalink = permalink
