"""Sessions' scheduled items in words an operator reads (`catalyst jobs`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import communities
from core.delivery.models import ScheduledItem
from core.i18n import _, t
from core.offsets import in_words
from core.sessions.models import CommunitySession, Prompt, RsvpAnswer, SessionItemKind, SessionRsvp


def _count_answer(session: Session, session_id: int, answer: RsvpAnswer) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(SessionRsvp)
            .where(SessionRsvp.session_id == session_id, SessionRsvp.answer == answer.value)
        )
        or 0
    )


def describe_item(session: Session, item: ScheduledItem) -> tuple[str, int]:
    """A session's reminder, a reflection prompt (a session's or a stand-alone one), or the
    nudges and catch-ups after a session's prompt."""
    cs = session.get(CommunitySession, item.session_id) if item.session_id else None
    prompt = session.get(Prompt, item.prompt_id) if item.prompt_id else None
    if prompt is not None and prompt.session_id is not None:
        cs = session.get(CommunitySession, prompt.session_id)
    active = communities.active_count(session, item.community_id)
    if item.kind == SessionItemKind.REMINDER.value and cs is not None:
        lead = in_words(timedelta(minutes=item.offset_minutes or 0))
        people = active - _count_answer(session, cs.id, RsvpAnswer.DECLINED)
        return (
            t("reminder {lead} before “{title}” (session {n})", lead=lead, **_named(cs)),
            people,
        )
    if item.kind == SessionItemKind.PROMPT_POST.value:
        going = _count_answer(session, cs.id, RsvpAnswer.GOING) if cs else active
        what = (
            t("reflection prompt for “{title}” (session {n})", **_named(cs))
            if cs
            else _("reflection prompt for a stand-alone prompt")
        )
        return what, going
    if item.kind == SessionItemKind.NUDGE.value:
        what = (
            t("nudges and catch-ups for “{title}” (session {n})", **_named(cs))
            if cs
            else _("nudges and catch-ups for a stand-alone prompt")
        )
        return what, active
    if item.kind == SessionItemKind.CALENDAR.value and cs is not None:
        # Translators: the session's event on the platform's own calendar (a server event).
        return t("calendar event for “{title}” (session {n})", **_named(cs)), 0
    return t("{kind} (unknown kind: it will be recorded as failed)", kind=item.kind), 0


def _named(cs: CommunitySession) -> dict[str, object]:
    return {"title": cs.title, "n": cs.number}
