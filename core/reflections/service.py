"""Reflections: what members write after a prompt, in its thread, in a form, or privately.

Three ways in, one table: a reply in the prompt's thread (a platform message event), the
reflect form (with a choice of who may read it), and edits or deletions of thread replies,
which keep the stored copy in step with what people can see. (Facilitators' stand-alone
questions are broadcasts that ask one: core/broadcasts.) Services take the session (the
caller owns the transaction) and an explicit `now`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import i18n, ui
from core.capability import MessageChange, MessageEvent
from core.delivery.outbox import Outgoing, enqueue
from core.errors import InvalidInput
from core.i18n import N_, _, t
from core.membership import service as membership
from core.models import Community, Member
from core.sessions.models import (
    CommunitySession,
    Prompt,
    PromptStatus,
    Reflection,
    Visibility,
)

BODY_MAX = 3000  # the form's limit, and Slack's for one section
THREAD_BODY_MAX = 40_000  # Slack's own message limit: a thread reply is kept whole
PROMPT_MAX = 3000
PAGE_SIZE = 10
# The time pickers have minute precision: "now" chosen a few seconds ago is not the past.
PAST_TOLERANCE = timedelta(minutes=1)

# Marked with N_: show one with `core.labels.shown(VISIBILITY_LABELS, code)`.
VISIBILITY_LABELS: dict[str, str] = {
    Visibility.SHARED: N_("Share in the thread"),
    Visibility.FACILITATORS: N_("Share with facilitators only"),
    Visibility.PRIVATE: N_("Keep it private (only you)"),
}
# Who can read a reflection, in a list of them (shown with `core.labels.shown`).
VISIBILITY_SHOWN: dict[str, str] = {
    # Translators: who can read a reflection (shared in the thread).
    Visibility.SHARED: N_("shared"),
    # Translators: who can read a reflection.
    Visibility.FACILITATORS: N_("facilitators only"),
    # Translators: who can read a reflection (only its author).
    Visibility.PRIVATE: N_("private"),
}


class Source(StrEnum):
    THREAD = "thread"
    FORM = "form"


# ---- prompts ------------------------------------------------------------------------------


def latest_prompt(session: Session, community: Community) -> Prompt | None:
    """The prompt a reflection is most likely about: the last one posted, else the next one due.

    Before anything has been posted, the soonest scheduled prompt is the one people are
    about to be asked, so a keen member can start on it.
    """
    posted = session.scalars(
        select(Prompt)
        .where(Prompt.community_id == community.id, Prompt.status == PromptStatus.POSTED.value)
        .order_by(Prompt.post_at.desc(), Prompt.id.desc())
        .limit(1)
    ).first()
    if posted is not None:
        return posted
    return session.scalars(
        select(Prompt)
        .where(Prompt.community_id == community.id, Prompt.status == PromptStatus.SCHEDULED.value)
        .order_by(Prompt.post_at, Prompt.id)
        .limit(1)
    ).first()


def prompt_for(session: Session, community: Community, prompt_id: int) -> Prompt | None:
    """A prompt of this community that can still be reflected on (not cancelled)."""
    prompt = session.get(Prompt, prompt_id)
    if (
        prompt is None
        or prompt.community_id != community.id
        or prompt.status == PromptStatus.CANCELLED.value
    ):
        return None
    return prompt


def session_of(session: Session, prompt: Prompt) -> CommunitySession | None:
    return session.get(CommunitySession, prompt.session_id) if prompt.session_id else None


def has_thread(prompt: Prompt) -> bool:
    return bool(prompt.posted_channel and prompt.posted_ts)


def visibility_choices(prompt: Prompt) -> list[Visibility]:
    """Who a reflection on this prompt can be for: sharing needs a thread to share in.

    A prompt sent by DM never has one, and a channel prompt has none until it is posted.
    """
    every = [Visibility.SHARED, Visibility.FACILITATORS, Visibility.PRIVATE]
    return every if has_thread(prompt) else [v for v in every if v is not Visibility.SHARED]


def default_visibility(prompt: Prompt) -> Visibility:
    return visibility_choices(prompt)[0]


# ---- writing reflections ------------------------------------------------------------------


def _tidy(value: str | None) -> str:
    """Trim, and drop control characters other than line breaks and tabs."""
    if not value:
        return ""
    normal = unicodedata.normalize("NFC", value)
    kept = "".join(
        ch for ch in normal if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"}
    )
    return kept.strip()


def check_body(body: str | None) -> str:
    text = _tidy(body)
    if not text:
        raise InvalidInput({"body": _("Please write something first: even one line is plenty.")})
    if len(text) > BODY_MAX:
        raise InvalidInput(
            {
                "body": t(
                    "Please keep it to {limit} characters (this is {length}).",
                    limit=i18n.number(BODY_MAX),
                    length=i18n.number(len(text)),
                )
            }
        )
    return text


NO_THREAD_TO_SHARE_IN = N_(
    "This question has no thread to share in: please choose facilitators only or private."
)


def check_visibility(visibility: str | None, prompt: Prompt) -> Visibility:
    """The chosen visibility, if it is one this prompt offers (see `visibility_choices`)."""
    try:
        chosen = Visibility(visibility or "")
    except ValueError:
        raise InvalidInput(
            {"visibility": _("Please choose who can read your reflection.")}
        ) from None
    if chosen not in visibility_choices(prompt):
        # A form opened before this rule, or a hand-made request: never store a share that
        # nobody can see in a thread.
        raise InvalidInput({"visibility": _(NO_THREAD_TO_SHARE_IN)})
    return chosen


def share_message(member: Member, body: str) -> ui.Message:
    """A form reflection the member chose to share, as the bot posts it in the thread (build
    it in the community's language: the thread is everyone's)."""
    # Sections hold 3,000 characters after escaping; smaller pieces leave room for it.
    pieces = [body[i : i + 2000] for i in range(0, len(body), 2000)]
    blocks: list[ui.Block] = [
        ui.Section(ui.text("*{name}* shared a reflection:", name=member.display_name)),
        *(ui.Section(ui.literal(piece)) for piece in pieces),
    ]
    return ui.Message(summary=f"{member.display_name}: {body[:150]}", blocks=blocks)


def add_from_form(
    session: Session,
    member: Member,
    prompt: Prompt,
    body: str | None,
    visibility: str | None,
    now: datetime,
    quotable: bool = False,
) -> Reflection:
    """Store a reflection written in the form; a shared one is also posted in the thread.

    `quotable`: the author said the newsletter may quote it; kept only for a shared one.

    Sharing is offered only where there is a thread (a prompt sent by DM, or one not posted
    yet, has none), so "shared" always means "posted in the thread".
    """
    errors: dict[str, str] = {}
    text, chosen = "", Visibility.PRIVATE
    try:
        text = check_body(body)
    except InvalidInput as problem:
        errors.update(problem.errors)
    try:
        chosen = check_visibility(visibility, prompt)
    except InvalidInput as problem:
        errors.update(problem.errors)
    if errors:
        raise InvalidInput(errors)
    reflection = Reflection(
        community_id=member.community_id,
        prompt_id=prompt.id,
        member_id=member.id,
        body=text,
        visibility=chosen.value,
        source=Source.FORM.value,
        quotable=quotable and chosen is Visibility.SHARED,
        created_at=now,
        updated_at=now,
    )
    session.add(reflection)
    session.flush()
    if chosen is Visibility.SHARED and prompt.posted_channel and prompt.posted_ts:
        # (check_visibility offered sharing only because the thread exists.)
        # In the thread's own language: the question's, else the community's.
        with i18n.speaking(prompt.language or member.community.language):
            message = share_message(member, text)
        enqueue(
            session,
            member.community_id,
            [
                Outgoing(
                    key=f"reflection:{reflection.id}:share",
                    kind="reflection_share",
                    recipient=prompt.posted_channel,
                    message=message,
                    due_at=now,
                    member_id=member.id,
                    prompt_id=prompt.id,
                    session_id=prompt.session_id,
                    thread_ts=prompt.posted_ts,
                )
            ],
            now,
        )
    return reflection


# ---- thread replies -------------------------------------------------------------------------


# MessageChange and MessageEvent are the kernel's (core.capability): adapters build them.


def _thread_text(text: str | None) -> str:
    return _tidy(text)[:THREAD_BODY_MAX]


def _by_message(session: Session, community: Community, channel: str, ts: str) -> Reflection | None:
    return session.scalars(
        select(Reflection).where(
            Reflection.community_id == community.id,
            Reflection.platform_channel == channel,
            Reflection.platform_ts == ts,
        )
    ).first()


def record_thread_reply(
    session: Session,
    community: Community,
    channel: str,
    thread_ts: str | None,
    ts: str,
    user_id: str,
    text: str | None,
    now: datetime,
) -> Reflection | None:
    """Store (or update) a reply in a prompt's thread as a shared reflection.

    Anything else is ignored without fuss: replies in other threads, empty messages (a file
    alone), and people who haven't joined or have left (their words stay in Slack only).
    """
    body = _thread_text(text)
    if not (body and user_id and thread_ts) or thread_ts == ts:
        return None
    prompt = session.scalars(
        select(Prompt).where(
            Prompt.community_id == community.id,
            Prompt.posted_channel == channel,
            Prompt.posted_ts == thread_ts,
        )
    ).first()
    if prompt is None:
        return None
    member = membership.find(session, community, user_id)
    if member is None or not member.is_active:
        return None
    existing = _by_message(session, community, channel, ts)
    if existing is not None:
        return _update(session, existing, body, now)
    reflection = Reflection(
        community_id=community.id,
        prompt_id=prompt.id,
        member_id=member.id,
        body=body,
        visibility=Visibility.SHARED.value,
        source=Source.THREAD.value,
        platform_channel=channel,
        platform_ts=ts,
        created_at=now,
        updated_at=now,
    )
    try:
        # An edit can arrive while the original is still being stored (two workers);
        # the savepoint lets the loser update the winner's row instead of failing.
        with session.begin_nested():
            session.add(reflection)
    except IntegrityError:
        existing = _by_message(session, community, channel, ts)
        return _update(session, existing, body, now) if existing is not None else None
    return reflection


def _update(session: Session, reflection: Reflection, body: str, now: datetime) -> Reflection:
    reflection.body = body
    reflection.updated_at = now
    session.flush()
    return reflection


def edit_thread_reply(
    session: Session,
    community: Community,
    channel: str,
    ts: str,
    new_text: str | None,
    now: datetime,
) -> Reflection | None:
    """Keep a stored thread reply in step with its edit; None if it isn't one we hold.

    An edit that empties the message removes the reflection, as a deletion would. Edits are
    applied even if the author has since left: the stored copy must match what is visible.
    """
    reflection = _by_message(session, community, channel, ts)
    if reflection is None:
        return None
    body = _thread_text(new_text)
    if not body:
        session.delete(reflection)
        session.flush()
        return None
    return _update(session, reflection, body, now)


def delete_thread_reply(session: Session, community: Community, channel: str, ts: str) -> bool:
    """Forget a thread reply its author deleted; False if it wasn't one we hold."""
    reflection = _by_message(session, community, channel, ts)
    if reflection is None:
        return False
    session.delete(reflection)
    session.flush()
    return True


def take_message(
    session: Session, community: Community, user_id: str, event: MessageEvent, now: datetime
) -> Reflection | bool | None:
    """Route one message event: a new reply, an edit, or a deletion."""
    if event.change is MessageChange.DELETED:
        return delete_thread_reply(session, community, event.channel, event.ts)
    # An edit of a reply we never stored (Catalyst was down, say) is stored as new.
    if (
        event.change is MessageChange.EDITED
        and _by_message(session, community, event.channel, event.ts) is not None
    ):
        return edit_thread_reply(session, community, event.channel, event.ts, event.text, now)
    return record_thread_reply(
        session, community, event.channel, event.thread_ts, event.ts, user_id, event.text, now
    )


# ---- reading your own -----------------------------------------------------------------------


@dataclass(frozen=True)
class OwnEntry:
    reflection: Reflection
    prompt: Prompt


@dataclass(frozen=True)
class OwnPage:
    entries: list[OwnEntry]
    total: int
    offset: int


def own(session: Session, member: Member, *, offset: int = 0, limit: int = PAGE_SIZE) -> OwnPage:
    """The member's own reflections, every visibility, newest first, a page at a time."""
    total = (
        session.scalar(
            select(func.count()).select_from(Reflection).where(Reflection.member_id == member.id)
        )
        or 0
    )
    rows = session.execute(
        select(Reflection, Prompt)
        .join(Prompt, Prompt.id == Reflection.prompt_id)
        .where(Reflection.member_id == member.id)
        .order_by(Reflection.created_at.desc(), Reflection.id.desc())
        .offset(max(offset, 0))
        .limit(limit)
    ).all()
    return OwnPage(
        entries=[OwnEntry(reflection, prompt) for reflection, prompt in rows],
        total=total,
        offset=max(offset, 0),
    )


def set_nudges(session: Session, member: Member, enabled: bool) -> bool:
    """Turn the gentle nudges and catch-ups on or off; True if that changed anything."""
    if member.nudges_enabled == enabled:
        return False
    member.nudges_enabled = enabled
    session.flush()
    return True


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """For `my-data`: every reflection the member wrote, private ones included."""
    rows = session.execute(
        select(Reflection, Prompt)
        .join(Prompt, Prompt.id == Reflection.prompt_id)
        .where(Reflection.member_id == member.id)
        .order_by(Reflection.created_at, Reflection.id)
    ).all()
    return {
        "nudges_and_catch_ups": member.nudges_enabled,
        "reflections": [
            {
                "question": prompt.text,
                "visibility": reflection.visibility,
                "may_be_quoted_in_the_newsletter": reflection.quotable,
                "written": reflection.source,
                "written_at": reflection.created_at.isoformat(),
                "updated_at": reflection.updated_at.isoformat(),
                "text": reflection.body,
            }
            for reflection, prompt in rows
        ],
    }
