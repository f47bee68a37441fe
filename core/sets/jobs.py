"""Running a set's scheduled items: reminders, the follow-up, the nudge, the close.

Called by `core.delivery.occurrences.execute` inside its transaction (the item is taken and
the messages enqueued together); outbox keys make a second run a no-op. Messages to the
set's space are built in its group language, DMs in each member's own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core import i18n, ui
from core.delivery import outbox, recipients
from core.delivery.models import ScheduledItem
from core.models import Member, group_language
from core.sets import meeting_notices as notices
from core.sets import meetings
from core.sets import plan as sets_plan
from core.sets.models import LearningSet, MeetingStatus, SetMeeting, SetsItemKind, SetStatus

NEXT_CYCLE_VALID_FOR = timedelta(days=30)


def execute(session: Session, item: ScheduledItem, now: datetime) -> str:
    set_id = sets_plan.set_id_of(item)
    learning_set = session.get(LearningSet, set_id) if set_id is not None else None
    if learning_set is None or learning_set.status != SetStatus.ACTIVE.value:
        return "set gone or closed"  # untranslated: job status log
    members = meetings.active_members(session, learning_set)
    if not members:
        return "nobody left in the set"  # untranslated: job status log
    if item.kind == SetsItemKind.CLOSING.value:
        return _closing(session, learning_set, members, item, now)
    meeting_id = sets_plan.meeting_id_of(item)
    meeting = session.get(SetMeeting, meeting_id) if meeting_id is not None else None
    if meeting is None or meeting.set_id != learning_set.id:
        return "meeting gone"  # untranslated: job status log
    if item.kind == SetsItemKind.REMINDER.value:
        return _reminder(session, learning_set, meeting, members, item, now)
    if item.kind == SetsItemKind.FOLLOW_UP.value:
        return _follow_up(session, learning_set, meeting, members, item, now)
    return _nudge(session, learning_set, meeting, members, item, now)


def _space_message(
    learning_set: LearningSet, item: ScheduledItem, message: ui.Message, now: datetime
) -> outbox.Outgoing:
    del now
    return outbox.Outgoing(
        key=item.key,
        kind=item.kind,
        recipient=learning_set.space_id or "",
        message=message,
        due_at=item.due_at,
        expires_at=item.due_at + timedelta(seconds=item.grace_seconds),
    )


def _reminder(
    session: Session,
    learning_set: LearningSet,
    meeting: SetMeeting,
    members: list[Member],
    item: ScheduledItem,
    now: datetime,
) -> str:
    if meeting.status != MeetingStatus.SCHEDULED.value or meeting.starts_at <= now:
        return "meeting no longer ahead"  # untranslated: job status log
    away = meetings.apologised(session, meeting.id)
    presenter = (
        session.get(Member, meeting.presenter_member_id) if meeting.presenter_member_id else None
    )
    due_back = [
        (owner, action.text)
        for action, owner in meetings.open_actions(session, learning_set.id, meeting.starts_at)
    ]
    soon = sets_plan.phase_of(item) == "1h"
    messages = []
    for member in members:
        if member.id in away or member.is_paused(now):  # paused: they keep their place
            continue
        with i18n.speaking(member.speaks):
            note = notices.reminder(
                member, meeting.number, meeting.starts_at, meeting.id, presenter, due_back, soon
            )
        messages.append(
            outbox.Outgoing(
                key=f"{item.key}:u{member.id}",
                kind=SetsItemKind.REMINDER.value,
                recipient=member.platform_user_id,
                message=note,
                due_at=item.due_at,
                expires_at=meeting.starts_at,
                member_id=member.id,
            )
        )
    outbox.enqueue(session, learning_set.community_id, messages, now)
    item.recipients = len(messages)
    return f"reminder for meeting {meeting.number}: {len(messages)} people"  # untranslated: log


def _follow_up(
    session: Session,
    learning_set: LearningSet,
    meeting: SetMeeting,
    members: list[Member],
    item: ScheduledItem,
    now: datetime,
) -> str:
    if not learning_set.space_id:
        return "no space yet"  # untranslated: job status log
    presenter = (
        session.get(Member, meeting.presenter_member_id) if meeting.presenter_member_id else None
    )
    earlier = [
        (action.id, owner, action.text)
        for action, owner in meetings.open_actions(session, learning_set.id, meeting.starts_at)
    ]
    with i18n.speaking(group_language(members)):
        message = notices.follow_up(meeting.number, meeting.id, presenter, earlier)
    outbox.enqueue(
        session, learning_set.community_id, [_space_message(learning_set, item, message, now)], now
    )
    item.recipients = len(members)
    return f"follow-up for meeting {meeting.number}"  # untranslated: job status log


def _nudge(
    session: Session,
    learning_set: LearningSet,
    meeting: SetMeeting,
    members: list[Member],
    item: ScheduledItem,
    now: datetime,
) -> str:
    if meeting.status != MeetingStatus.SCHEDULED.value:
        return "already answered: no nudge"  # untranslated: job status log
    if not learning_set.space_id:
        return "no space yet"  # untranslated: job status log
    with i18n.speaking(group_language(members)):
        message = notices.nudge(meeting.number, meeting.id)
    outbox.enqueue(
        session, learning_set.community_id, [_space_message(learning_set, item, message, now)], now
    )
    item.recipients = len(members)
    return f"nudge for meeting {meeting.number}"  # untranslated: job status log


def _closing(
    session: Session,
    learning_set: LearningSet,
    members: list[Member],
    item: ScheduledItem,
    now: datetime,
) -> str:
    if sets_plan.phase_of(item) == "reflect":
        if not learning_set.space_id:
            return "no space yet"  # untranslated: job status log
        with i18n.speaking(group_language(members)):
            message = notices.closing(learning_set.name)
        outbox.enqueue(
            session,
            learning_set.community_id,
            [_space_message(learning_set, item, message, now)],
            now,
        )
        item.recipients = len(members)
        return "closing reflection"  # untranslated: job status log
    messages: list[outbox.Outgoing] = []
    if learning_set.space_id:
        with i18n.speaking(group_language(members)):
            goodbye = notices.archived()
        messages.append(
            outbox.Outgoing(
                key=item.key,
                kind=item.kind,
                recipient=recipients.archive(learning_set.space_id),
                message=goodbye,
                due_at=item.due_at,
                expires_at=item.due_at + timedelta(seconds=item.grace_seconds),
            )
        )
    for member in members:
        with i18n.speaking(member.speaks):
            question = notices.next_cycle(learning_set.id)
        messages.append(
            outbox.Outgoing(
                key=f"sets_next_cycle:s{learning_set.id}:u{member.id}",  # untranslated: key
                kind="sets_next_cycle",
                recipient=member.platform_user_id,
                message=question,
                due_at=item.due_at,
                expires_at=item.due_at + NEXT_CYCLE_VALID_FOR,
                member_id=member.id,
            )
        )
    outbox.enqueue(session, learning_set.community_id, messages, now)
    meetings.close_set(session, learning_set, now)
    item.recipients = len(members)
    return f"set closed: archive and next-cycle question to {len(members)}"  # untranslated: log
