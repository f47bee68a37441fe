"""`sets stats`: how each set of the current cycle is doing, in counts a facilitator can act
on: meetings held, attendance, actions agreed and reported back, and sets gone quiet.

A set has gone quiet when its last meeting held (or, before any, its start) is more than
twice the rhythm ago: the point where, in the community's own words, people "drift away
after a missed session", and a facilitator's nudge helps most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Community
from core.sets import service
from core.sets.models import (
    ActionStatus,
    LearningSet,
    MeetingStatus,
    SetAction,
    SetApology,
    SetCycle,
    SetMeeting,
    SetMembership,
)


@dataclass(frozen=True)
class SetFigures:
    number: int
    members: int
    meetings_held: int
    meetings_planned: int
    # Of the places at meetings held (members × meetings), those without apologies; None
    # before any meeting was held.
    attendance: float | None
    actions_agreed: int
    actions_reported: int  # marked done
    quiet: bool
    last_met: datetime | None


def figures(session: Session, cycle: SetCycle, now: datetime) -> list[SetFigures]:
    """One row per active set of `cycle`, in set order."""
    found: list[SetFigures] = []
    quiet_after = timedelta(weeks=2 * cycle.rhythm_weeks)
    for learning_set in service.sets_of(session, cycle):
        found.append(_figures(session, learning_set, cycle, now, quiet_after))
    return found


def _figures(
    session: Session,
    learning_set: LearningSet,
    cycle: SetCycle,
    now: datetime,
    quiet_after: timedelta,
) -> SetFigures:
    members = int(
        session.scalar(select(func.count()).where(SetMembership.set_id == learning_set.id)) or 0
    )
    meetings = list(session.scalars(select(SetMeeting).where(SetMeeting.set_id == learning_set.id)))
    held = [m for m in meetings if m.status == MeetingStatus.HELD.value]
    apologies = (
        int(
            session.scalar(
                select(func.count()).where(SetApology.meeting_id.in_([m.id for m in held]))
            )
            or 0
        )
        if held
        else 0
    )
    places = members * len(held)
    actions = list(session.scalars(select(SetAction).where(SetAction.set_id == learning_set.id)))
    last_met = max((m.starts_at for m in held), default=None)
    since = last_met or cycle.confirmed_at or learning_set.created_at
    planned = [m for m in meetings if m.status != MeetingStatus.CANCELLED.value]
    return SetFigures(
        number=learning_set.number,
        members=members,
        meetings_held=len(held),
        meetings_planned=len(planned),
        attendance=(places - apologies) / places if places else None,
        actions_agreed=len(actions),
        actions_reported=sum(1 for a in actions if a.status == ActionStatus.DONE.value),
        quiet=now - since > quiet_after,
        last_met=last_met,
    )


def current(session: Session, community: Community, now: datetime) -> list[SetFigures] | None:
    """Figures for the community's active cycle, or None when no cycle is running."""
    cycle = service.active_cycle(session, community)
    return None if cycle is None else figures(session, cycle, now)
