"""Sessions: adding, editing and cancelling them, and who is coming.

Services take the session (the caller owns the transaction), the community, the settings
(reminder defaults for the planner) and an explicit `now`. Every change replans the
session's scheduled items with `planner.plan_session`, so reminders always follow the row.
What people type is checked in `core.sessions.checks`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import i18n, ui
from core.config import Settings
from core.delivery import outbox as outbox
from core.errors import InvalidInput, UserError
from core.i18n import N_, _, t
from core.models import Community, Member, MemberStatus
from core.sessions import buttons as button_ids
from core.sessions import notices as notices
from core.sessions import plan as planner
from core.sessions.checks import (
    APOLOGY_MAX,
    DURATION_MAX,
    SessionDetails,
    SessionDraft,
    check,
)
from core.sessions.models import (
    CommunitySession,
    RsvpAnswer,
    SessionAttendance,
    SessionRsvp,
    SessionStatus,
)
from core.text import clean_text
from core.timefmt import span
from core.words import and_list

# Builds (outbox key, message) for one member and their answer.
_Builder = Callable[[Member, str], tuple[str, ui.Message]]


# ---- finding sessions ---------------------------------------------------------------------------


def by_number(session: Session, community: Community, number: int) -> CommunitySession | None:
    return session.scalars(
        select(CommunitySession).where(
            CommunitySession.community_id == community.id, CommunitySession.number == number
        )
    ).first()


def by_id(session: Session, community: Community, session_id: int) -> CommunitySession | None:
    """A session of this community (a button's value never reaches another community's)."""
    found = session.get(CommunitySession, session_id)
    return found if found is not None and found.community_id == community.id else None


def upcoming(session: Session, community: Community, now: datetime) -> list[CommunitySession]:
    """Scheduled sessions not yet over, soonest first (one under way is still listed)."""
    # `ends_at` is computed in Python: date arithmetic differs between SQLite and PostgreSQL,
    # so the query only trims by the longest possible session and Python does the rest.
    rows = session.scalars(
        select(CommunitySession)
        .where(
            CommunitySession.community_id == community.id,
            CommunitySession.status == SessionStatus.SCHEDULED.value,
            CommunitySession.starts_at > now - timedelta(minutes=DURATION_MAX),
        )
        .order_by(CommunitySession.starts_at, CommunitySession.number)
    )
    return [cs for cs in rows if cs.ends_at > now]


def next_session(session: Session, community: Community, now: datetime) -> CommunitySession | None:
    found = upcoming(session, community, now)
    return found[0] if found else None


# ---- adding, editing, cancelling ----------------------------------------------------------------


def _apply(cs: CommunitySession, details: SessionDetails) -> None:
    cs.title = details.title
    cs.theme = details.theme
    cs.starts_at = details.starts_at
    cs.duration_minutes = details.duration_minutes
    cs.location = details.location
    cs.description = details.description
    cs.reminder_offsets = details.reminder_offsets
    cs.reflection_prompt = details.reflection_prompt


def _next_number(session: Session, community: Community) -> int:
    top = session.scalar(
        select(func.max(CommunitySession.number)).where(
            CommunitySession.community_id == community.id
        )
    )
    return (top or 0) + 1


def create(
    session: Session,
    community: Community,
    settings: Settings,
    draft: SessionDraft,
    now: datetime,
    *,
    created_by: Member | None = None,
) -> CommunitySession:
    """Check and add a session, numbered next in its community, and plan its reminders."""
    details = check(draft, community, now)
    for attempt in range(3):
        cs = CommunitySession(
            community_id=community.id,
            number=_next_number(session, community),
            status=SessionStatus.SCHEDULED.value,
            created_by_member_id=created_by.id if created_by else None,
            created_at=now,
            updated_at=now,
        )
        _apply(cs, details)
        try:
            # Two facilitators adding at once may pick the same number: retry with the next.
            with session.begin_nested():
                session.add(cs)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    planner.plan_session(session, cs, community, settings, now)
    return cs


class Change(StrEnum):
    """What an edit changed that people coming need to hear about."""

    TIME = "time"
    LENGTH = "length"
    PLACE = "place"


@dataclass(frozen=True)
class Edited:
    session: CommunitySession
    changes: tuple[Change, ...]  # in the order the notice names them
    told: int  # members who said going or maybe and were told what changed

    @property
    def moved(self) -> bool:
        """The session's time or length changed, so its reminders moved with it."""
        return Change.TIME in self.changes or Change.LENGTH in self.changes


def ensure_open(cs: CommunitySession, now: datetime) -> None:
    """Refuse to change a session that was cancelled or is over."""
    if not cs.is_scheduled:
        raise UserError(t("Session {n} was cancelled, so it can't be changed.", n=cs.number))
    if cs.ends_at <= now:
        raise UserError(t("Session {n} has already finished, so it can't be changed.", n=cs.number))


def _changes(cs: CommunitySession, details: SessionDetails) -> tuple[Change, ...]:
    changed = {
        Change.TIME: details.starts_at != cs.starts_at,
        Change.LENGTH: details.duration_minutes != cs.duration_minutes,
        Change.PLACE: details.location != cs.location,
    }
    return tuple(change for change, differs in changed.items() if differs)


def edit(
    session: Session,
    community: Community,
    settings: Settings,
    cs: CommunitySession,
    draft: SessionDraft,
    now: datetime,
) -> Edited:
    """Change a session. A new time or length moves its reminders; a new time, length or
    link/place is told to those who are coming, naming what changed."""
    ensure_open(cs, now)
    details = check(draft, community, now, keep_start=cs.starts_at)
    changes = _changes(cs, details)
    _apply(cs, details)
    cs.updated_at = now
    session.flush()
    planner.plan_session(session, cs, community, settings, now)
    told = 0
    if changes:
        if Change.TIME in changes:
            # Reminders already queued state the old time: drop them before the news. (Their
            # replacements have new keys, since a reminder's key holds the start time; a
            # change of length alone keeps the keys, so cancelling would lose them.)
            outbox.cancel_pending(session, session_id=cs.id)
        # One notice per version of what people need to know: a second edit that changes
        # the time, length or place again is news again; one that restores nothing new isn't.
        starts = cs.starts_at.isoformat(timespec="minutes")
        place = hashlib.sha256(cs.location.encode()).hexdigest()[:12]
        version = f"{starts}:{cs.duration_minutes}:{place}"
        told = _tell_coming(
            session,
            cs,
            now,
            lambda member, answer: (
                f"changed:{cs.id}:{version}:m{member.id}",
                changed_notice(cs, member, answer, changes),
            ),
            kind="session_moved",
        )
    return Edited(cs, changes, told)


def cancel(
    session: Session,
    community: Community,
    settings: Settings,
    cs: CommunitySession,
    now: datetime,
) -> int:
    """Cancel a session: its reminders stop, and members going or maybe are told.

    Returns how many members will be told.
    """
    if not cs.is_scheduled:
        raise UserError(t("Session {n} is already cancelled.", n=cs.number))
    if cs.starts_at <= now:
        raise UserError(
            t("Session {n} has already started, so it can't be cancelled.", n=cs.number)
        )
    cs.status = SessionStatus.CANCELLED.value
    cs.updated_at = now
    session.flush()
    planner.plan_session(session, cs, community, settings, now)
    # First drop what was queued for it (reminders), then queue the news: the order matters,
    # as both carry the session id.
    outbox.cancel_pending(session, session_id=cs.id)
    return _tell_coming(
        session,
        cs,
        now,
        lambda member, _answer: (f"cancel:{cs.id}:m{member.id}", notices.cancelled(cs, member)),
        kind="session_cancelled",
    )


def _tell_coming(
    session: Session,
    cs: CommunitySession,
    now: datetime,
    build: _Builder,
    *,
    kind: str,
) -> int:
    """Queue one DM for each active member who said going or maybe."""
    rows = session.execute(
        select(Member, SessionRsvp.answer)
        .join(SessionRsvp, SessionRsvp.member_id == Member.id)
        .where(
            SessionRsvp.session_id == cs.id,
            SessionRsvp.answer.in_([RsvpAnswer.GOING.value, RsvpAnswer.MAYBE.value]),
            Member.status == MemberStatus.ACTIVE.value,
        )
        .order_by(Member.id)
    ).all()
    messages: list[outbox.Outgoing] = []
    for member, answer in rows:
        with i18n.speaking(member.speaks):  # a DM: in the member's language
            key, message = build(member, str(answer))
        messages.append(
            outbox.Outgoing(
                key=key,
                kind=kind,
                recipient=member.platform_user_id,
                message=message,
                due_at=now,
                expires_at=cs.ends_at,  # news about a session is no use once it is over
                member_id=member.id,
                session_id=cs.id,
            )
        )
    outbox.enqueue(session, cs.community_id, messages, now)
    return len(messages)


# ---- answers ------------------------------------------------------------------------------------


def rsvp(
    session: Session,
    member: Member,
    cs: CommunitySession,
    answer: RsvpAnswer,
    now: datetime,
    *,
    wants_recap: bool = False,
    apology: str | None = None,
) -> SessionRsvp:
    """Record (or change) a member's answer. Going or maybe clears an earlier apology."""
    if cs.community_id != member.community_id:
        raise UserError(_("That session belongs to another community."))
    if not cs.is_scheduled:
        # No title in these sentences: errors are shown as written, and titles are not ours.
        raise UserError(
            _(
                "That session was cancelled, so there's nothing to answer. The sessions command "
                "shows what's coming up."
            )
        )
    if cs.ends_at <= now:
        raise UserError(_("That session has already finished, so there's nothing to answer now."))
    note = clean_text(apology, multiline=True) or None
    if note and len(note) > APOLOGY_MAX:
        problem = t(
            "Please keep the message to {limit} characters or fewer (it has {count}).",
            limit=i18n.number(APOLOGY_MAX),
            count=i18n.number(len(note)),
        )
        raise InvalidInput({"apology": problem})
    if answer is not RsvpAnswer.DECLINED:
        wants_recap, note = False, None
    values = {
        "session_id": cs.id,
        "member_id": member.id,
        "answer": answer.value,
        "wants_recap": wants_recap,
        "apology": note,
        "answered_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SessionRsvp).values(values)
    # One row per person and session, even when a double click sends two requests at once.
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id", "member_id"],
            set_={
                k: statement.excluded[k]
                for k in ("answer", "wants_recap", "apology", "answered_at")
            },
        )
    )
    row = session.get(SessionRsvp, (cs.id, member.id), populate_existing=True)
    if row is None:  # pragma: no cover - the statement above has just written it
        raise RuntimeError("the answer was not stored")
    return row


def answers(
    session: Session, member: Member, sessions: Iterable[CommunitySession]
) -> dict[int, str]:
    """The member's answer to each of `sessions` that they answered, by session id."""
    ids = [cs.id for cs in sessions]
    if not ids:
        return {}
    rows = session.execute(
        select(SessionRsvp.session_id, SessionRsvp.answer).where(
            SessionRsvp.member_id == member.id, SessionRsvp.session_id.in_(ids)
        )
    ).all()
    return {int(session_id): str(answer) for session_id, answer in rows}


@dataclass(frozen=True)
class RsvpCounts:
    going: int
    maybe: int
    declined: int


def counts(session: Session, cs: CommunitySession) -> RsvpCounts:
    """How many active members gave each answer (people who left aren't counted)."""
    rows = session.execute(
        select(SessionRsvp.answer, func.count())
        .join(Member, Member.id == SessionRsvp.member_id)
        .where(SessionRsvp.session_id == cs.id, Member.status == MemberStatus.ACTIVE.value)
        .group_by(SessionRsvp.answer)
    ).all()
    by_answer = {str(answer): int(n) for answer, n in rows}
    return RsvpCounts(
        going=by_answer.get(RsvpAnswer.GOING.value, 0),
        maybe=by_answer.get(RsvpAnswer.MAYBE.value, 0),
        declined=by_answer.get(RsvpAnswer.DECLINED.value, 0),
    )


@dataclass(frozen=True)
class Attendee:
    name: str
    apology: str | None  # the note sent with "can't make it", if any


@dataclass(frozen=True)
class Attendance:
    """Who answered what, for facilitators only: it carries the apology notes."""

    going: list[Attendee]
    maybe: list[Attendee]
    declined: list[Attendee]
    no_answer: int  # active members who haven't answered


def attendance(session: Session, community: Community, cs: CommunitySession) -> Attendance:
    """Each answer's people, by name (active members only, as in `counts`)."""
    rows = session.execute(
        select(Member.display_name, SessionRsvp.answer, SessionRsvp.apology)
        .join(SessionRsvp, SessionRsvp.member_id == Member.id)
        .where(SessionRsvp.session_id == cs.id, Member.status == MemberStatus.ACTIVE.value)
        .order_by(Member.display_name, Member.id)
    ).all()
    by_answer: dict[str, list[Attendee]] = {answer.value: [] for answer in RsvpAnswer}
    for name, answer, apology in rows:
        by_answer.setdefault(str(answer), []).append(Attendee(str(name), apology or None))
    active = session.scalar(
        select(func.count())
        .select_from(Member)
        .where(Member.community_id == community.id, Member.status == MemberStatus.ACTIVE.value)
    )
    return Attendance(
        going=by_answer[RsvpAnswer.GOING.value],
        maybe=by_answer[RsvpAnswer.MAYBE.value],
        declined=by_answer[RsvpAnswer.DECLINED.value],
        no_answer=max(0, int(active or 0) - len(rows)),
    )


def member_answers(
    session: Session, member: Member
) -> Sequence[tuple[SessionRsvp, CommunitySession]]:
    """Every answer the member gave, oldest session first (for `my-data`)."""
    return [
        (row, cs)
        for row, cs in session.execute(
            select(SessionRsvp, CommunitySession)
            .join(CommunitySession, CommunitySession.id == SessionRsvp.session_id)
            .where(SessionRsvp.member_id == member.id)
            .order_by(CommunitySession.starts_at)
        )
    ]


# ---- messages -----------------------------------------------------------------------------------

# English, marked: show one with `_()`.
ANSWER_LABELS = {
    RsvpAnswer.GOING.value: N_("Going"),
    RsvpAnswer.MAYBE.value: N_("Maybe"),
    RsvpAnswer.DECLINED.value: N_("Can't make it"),
}


def rsvp_actions(cs: CommunitySession, current: str | None) -> ui.Actions:
    """Going / Maybe / Can't make it (the current answer ticked) and Add to calendar."""

    def button(answer: RsvpAnswer, action_id: str) -> ui.Button:
        label = _(ANSWER_LABELS[answer.value])
        ticked = current == answer.value
        return ui.Button(
            f"✓ {label}" if ticked else label,
            action_id,
            str(cs.id),
            "primary" if ticked or (current is None and answer is RsvpAnswer.GOING) else None,
        )

    return ui.Actions(
        [
            button(RsvpAnswer.GOING, button_ids.RSVP_GOING),
            button(RsvpAnswer.MAYBE, button_ids.RSVP_MAYBE),
            button(RsvpAnswer.DECLINED, button_ids.RSVP_DECLINE),
            ui.Button(_("Add to calendar"), button_ids.SESSION_CALENDAR, str(cs.id)),
        ]
    )


def is_link(location: str) -> bool:
    return location.strip().lower().startswith(("http://", "https://"))


def what_changed(changes: Sequence[Change], location: str) -> str:
    """ "a new time", "a new length and a new link": the news, in words."""
    words = {
        # Translators: what changed about a session, listed in "*{title}* has {what}."
        Change.TIME: _("a new time"),
        # Translators: the session's length; listed in "*{title}* has {what}."
        Change.LENGTH: _("a new length"),
        # Translators: a new joining link (online) or a new place (in person) for a session.
        Change.PLACE: _("a new link") if is_link(location) else _("a new place"),
    }
    return and_list([words[change] for change in changes])


def changed_notice(
    cs: CommunitySession, member: Member, answer: str | None, changes: Sequence[Change]
) -> ui.Message:
    """For members going or maybe when a session's time, length or place changes: what
    changed, the session as it is now, and one-click answers."""
    # Whole sentences, each its own msgid, set side by side.
    sentences = [_("*{title}* has {what}.")]
    if Change.TIME in changes or Change.LENGTH in changes:
        sentences.append(_("It's now {when}."))
    if Change.PLACE in changes:
        sentences.append(
            _("The new link is {where}.") if is_link(cs.location) else _("It's now at {where}.")
        )
    sentences.append(_("If that no longer suits, just change your answer."))
    values = {
        "title": cs.title,
        "what": what_changed(changes, cs.location),
        "when": span(cs.starts_at, cs.ends_at, member.timezone),
        "where": cs.location,
    }
    body = ui.Text(
        i18n.directed(" ".join(sentences)), {k: i18n.isolate(v) for k, v in values.items()}
    )
    return ui.Message(
        summary=body.plain().replace("*", ""),
        blocks=[ui.Section(body), rsvp_actions(cs, answer)],
    )


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """For `my-data`: each answer the member gave, oldest session first, and whether they
    came (present only once attendance was recorded for them)."""
    came = [
        {
            "number": cs.number,
            "title": cs.title,
            "came": row.came,
            "recorded_by": row.source,
            "recorded_at": row.recorded_at.isoformat(),
        }
        for row, cs in session.execute(
            select(SessionAttendance, CommunitySession)
            .join(CommunitySession, CommunitySession.id == SessionAttendance.session_id)
            .where(SessionAttendance.member_id == member.id)
            .order_by(CommunitySession.starts_at)
        )
    ]
    return ({"attendance": came} if came else {}) | {
        "answers": [
            {
                "number": cs.number,
                "title": cs.title,
                "starts_at": cs.starts_at.isoformat(),
                "ends_at": cs.ends_at.isoformat(),
                "cancelled": not cs.is_scheduled,
                "answer": row.answer,
                "answered_at": row.answered_at.isoformat(),
                "wants_recap": row.wants_recap,
                "apology_note": row.apology,
            }
            for row, cs in member_answers(session, member)
        ]
    }
