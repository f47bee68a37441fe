"""Who came to a session: a facilitator's "Who came?" tick list after it, and each member's own
"Did you make it?" answer. A facilitator's tick wins: a member's answer never overwrites it,
and a facilitator's list overwrites whatever members said.

The programme evaluation report reads these rows; an erased member's row stays without them
(`SET NULL`), so the counts survive `forget-me`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import ui
from core.errors import UserError
from core.i18n import _, t
from core.models import Member, MemberStatus
from core.sessions import buttons as button_ids
from core.sessions.models import (
    AttendanceSource,
    CommunitySession,
    RsvpAnswer,
    SessionAttendance,
    SessionRsvp,
)

# Slack's menus hold at most 100 options: the list offers everyone who said going or maybe
# first, then other active members, up to this many.
MAX_CHOICES = 100


@dataclass(frozen=True)
class TickList:
    """What the "Who came?" form offers: members (id, name), and who is ticked to start."""

    choices: list[tuple[int, str]]
    ticked: list[int]


def check_ended(cs: CommunitySession, now: datetime) -> None:
    if not cs.is_scheduled:
        raise UserError(t("Session {number} was cancelled, so nobody came.", number=cs.number))
    if cs.ends_at > now:
        raise UserError(
            t(
                "Session {number} hasn't ended yet. Attendance can be ticked once it's over.",
                number=cs.number,
            )
        )


def recorded(session: Session, cs: CommunitySession) -> dict[int, SessionAttendance]:
    rows = session.scalars(
        select(SessionAttendance).where(
            SessionAttendance.session_id == cs.id, SessionAttendance.member_id.is_not(None)
        )
    )
    return {int(row.member_id): row for row in rows if row.member_id is not None}


def tick_list(session: Session, cs: CommunitySession) -> TickList:
    """Everyone who could have come; ticked: what was recorded, else who said going."""
    members = list(
        session.scalars(
            select(Member)
            .where(
                Member.community_id == cs.community_id,
                Member.status == MemberStatus.ACTIVE.value,
            )
            .order_by(Member.display_name, Member.id)
        )
    )
    answers = {
        int(member_id): str(answer)
        for member_id, answer in session.execute(
            select(SessionRsvp.member_id, SessionRsvp.answer).where(SessionRsvp.session_id == cs.id)
        )
    }
    seen = recorded(session, cs)
    if seen:
        ticked = [m.id for m in members if m.id in seen and seen[m.id].came]
    else:
        ticked = [m.id for m in members if answers.get(m.id) == RsvpAnswer.GOING.value]
    likely = {RsvpAnswer.GOING.value, RsvpAnswer.MAYBE.value}
    first = [m for m in members if m.id in ticked or answers.get(m.id) in likely]
    rest = [m for m in members if m not in first]
    choices = [(m.id, m.display_name) for m in (first + rest)[:MAX_CHOICES]]
    offered = {member_id for member_id, _name in choices}
    # A menu's starting choices must be among its options.
    return TickList(choices=choices, ticked=[m for m in ticked if m in offered])


def record_ticks(
    session: Session,
    cs: CommunitySession,
    came: Collection[int],
    offered: Collection[int],
    now: datetime,
) -> int:
    """A facilitator's list: everyone offered is marked came or not (overwriting members'
    answers). Returns how many came."""
    seen = recorded(session, cs)
    active = set(
        session.scalars(
            select(Member.id).where(
                Member.community_id == cs.community_id,
                Member.id.in_(set(offered) | set(came)),
                Member.status == MemberStatus.ACTIVE.value,
            )
        )
    )
    for member_id in sorted(active):
        row = seen.get(member_id) or _new_row(
            session, cs, member_id, member_id in came, AttendanceSource.FACILITATOR, now
        )
        row.came = member_id in came
        row.source = AttendanceSource.FACILITATOR.value
        row.recorded_at = now
    session.flush()
    return len(active & set(came))


def _new_row(
    session: Session,
    cs: CommunitySession,
    member_id: int,
    came: bool,
    source: AttendanceSource,
    now: datetime,
) -> SessionAttendance:
    """A row for someone not yet recorded. Two facilitators (or a facilitator and the member)
    saving at the same moment both find none; the second insert then takes the first's row
    instead of failing, and the last list saved wins, as it would a moment later."""
    row = SessionAttendance(
        session_id=cs.id, member_id=member_id, came=came, source=source.value, recorded_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return session.scalars(
            select(SessionAttendance).where(
                SessionAttendance.session_id == cs.id,
                SessionAttendance.member_id == member_id,
            )
        ).one()
    return row


def answer(
    session: Session, cs: CommunitySession, member: Member, came: bool, now: datetime
) -> bool:
    """A member's own answer. False when a facilitator already ticked them (their tick wins)."""
    row = recorded(session, cs).get(member.id)
    if row is not None and row.source == AttendanceSource.FACILITATOR.value:
        return False
    if row is None:
        row = _new_row(session, cs, member.id, came, AttendanceSource.MEMBER, now)
        if row.source == AttendanceSource.FACILITATOR.value:
            return False  # a facilitator's tick went in at the same moment, and it wins
    row.came = came
    row.source = AttendanceSource.MEMBER.value
    row.recorded_at = now
    session.flush()
    return True


# ---- messages -----------------------------------------------------------------------------


def who_came_message(cs: CommunitySession) -> ui.Message:
    """The DM to facilitators after a session: open the tick list."""
    body = ui.text(
        "Session {number}, *{title}*, has ended. Who came? The people who said they were going "
        "are ticked already: untick anyone who didn't make it and add anyone else. It takes a "
        "minute, and it makes the programme report true.",
        number=cs.number,
        title=cs.title,
    )
    return ui.Message(
        summary=t("Who came to session {number}?", number=cs.number),
        blocks=[
            ui.Section(body),
            ui.Actions(
                [ui.Button(_("Tick who came"), button_ids.ATTENDANCE_OPEN, str(cs.id), "primary")]
            ),
        ],
    )
