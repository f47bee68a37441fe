"""A set's scheduled items in words an operator reads (`catalyst jobs`), and the items its
meetings call for that the scheduler hasn't written yet.

These lines are for the operator at the command line, not for members: they stay English
(`# untranslated` below)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.capability import PlannedItem
from core.delivery.models import ScheduledItem
from core.sets import meetings
from core.sets import plan as sets_plan
from core.sets.models import LearningSet, SetMeeting, SetsItemKind

_WHAT = {
    SetsItemKind.REMINDER.value: "reminder",  # untranslated: operator's CLI
    SetsItemKind.FOLLOW_UP.value: "follow-up",  # untranslated: operator's CLI
    SetsItemKind.NUDGE.value: "nudge",  # untranslated: operator's CLI
}


def _describe(
    session: Session, learning_set: LearningSet | None, item_kind: str, key_item: ScheduledItem
) -> tuple[str, int]:
    if learning_set is None:
        return "action learning set item for a set that is gone", 0  # untranslated: CLI
    people = len(meetings.active_members(session, learning_set))
    name = f"set {learning_set.number} ({learning_set.name})"  # untranslated: CLI
    if item_kind == SetsItemKind.CLOSING.value:
        if sets_plan.phase_of(key_item) == "reflect":
            return f"closing reflection for {name}", people  # untranslated: CLI
        return f"archive and next-cycle question for {name}", people  # untranslated: CLI
    meeting_id = sets_plan.meeting_id_of(key_item)
    meeting = session.get(SetMeeting, meeting_id) if meeting_id is not None else None
    number = meeting.number if meeting is not None else "?"
    what = _WHAT.get(item_kind, item_kind)
    if item_kind == SetsItemKind.REMINDER.value:
        when = (
            "two days" if sets_plan.phase_of(key_item) == "2d" else "an hour"
        )  # untranslated: CLI
        if meeting is not None:
            people -= len(meetings.apologised(session, meeting.id))
        return f"{what} ({when} before) for meeting {number} of {name}", people  # untranslated: CLI
    return f"{what} for meeting {number} of {name}", people  # untranslated: CLI


def describe_item(session: Session, item: ScheduledItem) -> tuple[str, int]:
    set_id = sets_plan.set_id_of(item)
    learning_set = session.get(LearningSet, set_id) if set_id is not None else None
    return _describe(session, learning_set, item.kind, item)


def not_yet_planned(session: Session, now: datetime) -> list[PlannedItem]:
    """Items a set's meetings call for that the scheduler writes at its next check."""
    found = []
    for learning_set, wanted in sets_plan.not_planned(session, now):
        probe = ScheduledItem(key=wanted.key, kind=wanted.kind)
        what, people = _describe(session, learning_set, wanted.kind, probe)
        found.append(
            PlannedItem(
                due_at=wanted.due_at,
                zone=learning_set.slot_zone or "UTC",
                what=f"{what} (the scheduler plans it at its next check)",  # untranslated: CLI
                people=people,
            )
        )
    return found
