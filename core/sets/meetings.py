"""A set's life once it exists: choosing its time, its meetings on the rhythm, apologies,
moves, the answers after each meeting, the presenter's action, turn swaps, the close.

Takes the caller's session and `now`; never opens a session or reads the clock. Every
refusal is a `UserError` with a plain sentence, raised before anything changes.
Messages for other people go through the outbox, built in their language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import i18n, ui
from core.delivery import outbox
from core.errors import UserError
from core.i18n import _, t
from core.models import Member, group_language
from core.sets import meeting_notices as notices
from core.sets import rotation, slots
from core.sets.models import (
    ActionStatus,
    CycleStatus,
    LearningSet,
    MeetingStatus,
    SetAction,
    SetApology,
    SetCycle,
    SetInterest,
    SetMeeting,
    SetMembership,
    SetStatus,
    SlotProposal,
    SlotVote,
    TurnSwap,
)

FIRST_MEETING_LEAD = timedelta(days=3)  # room for the two-day reminder before the first
SPACE_MESSAGE_VALID_FOR = timedelta(days=7)


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MySet:
    learning_set: LearningSet
    cycle: SetCycle
    members: list[Member]  # in turn order, still active


def active_members(session: Session, learning_set: LearningSet) -> list[Member]:
    """The set's members still in the community, in turn order."""
    rows = session.execute(
        select(Member)
        .join(SetMembership, SetMembership.member_id == Member.id)
        .where(SetMembership.set_id == learning_set.id)
        .order_by(SetMembership.turn, Member.id)
    ).scalars()
    return [m for m in rows if m.is_active]


def was_in(session: Session, member: Member, set_id: int) -> bool:
    """Whether `member` is, or was until its close, in set `set_id`."""
    found = session.get(SetMembership, (set_id, member.id))
    return found is not None


def current_set(session: Session, member: Member) -> MySet | None:
    """The member's set in an active cycle, if they are in one."""
    row = session.execute(
        select(LearningSet, SetCycle)
        .join(SetMembership, SetMembership.set_id == LearningSet.id)
        .join(SetCycle, SetCycle.id == LearningSet.cycle_id)
        .where(
            SetMembership.member_id == member.id,
            SetCycle.status == CycleStatus.ACTIVE.value,
            LearningSet.status == SetStatus.ACTIVE.value,
        )
        .order_by(LearningSet.id.desc())
    ).first()
    if row is None:
        return None
    learning_set, cycle = row
    return MySet(learning_set, cycle, active_members(session, learning_set))


def _set_for(session: Session, member: Member, set_id: int) -> MySet:
    """The set `set_id` if `member` is in it (a button from another set is refused)."""
    found = current_set(session, member)
    if found is None or found.learning_set.id != set_id:
        raise UserError(_("That button belongs to another action learning set, not yours."))
    return found


def meetings_of(session: Session, set_id: int) -> list[SetMeeting]:
    return list(
        session.scalars(
            select(SetMeeting).where(SetMeeting.set_id == set_id).order_by(SetMeeting.number)
        )
    )


def next_meeting(session: Session, set_id: int, now: datetime) -> SetMeeting | None:
    return session.scalars(
        select(SetMeeting)
        .where(
            SetMeeting.set_id == set_id,
            SetMeeting.status == MeetingStatus.SCHEDULED.value,
            SetMeeting.starts_at > now,
        )
        .order_by(SetMeeting.starts_at)
    ).first()


def _meeting_for(session: Session, member: Member, meeting_id: int) -> tuple[MySet, SetMeeting]:
    meeting = session.get(SetMeeting, meeting_id)
    found = current_set(session, member)
    if meeting is None or found is None or meeting.set_id != found.learning_set.id:
        raise UserError(_("That button belongs to another action learning set, not yours."))
    return found, meeting


def open_action(session: Session, member: Member, set_id: int) -> SetAction | None:
    return session.scalars(
        select(SetAction)
        .where(
            SetAction.set_id == set_id,
            SetAction.member_id == member.id,
            SetAction.status.in_([ActionStatus.OPEN.value, ActionStatus.CARRIED.value]),
        )
        .order_by(SetAction.id.desc())
    ).first()


def open_actions(session: Session, set_id: int, before: datetime) -> list[tuple[SetAction, Member]]:
    """Actions still open or carried, agreed at meetings that started before `before`."""
    rows = session.execute(
        select(SetAction, Member)
        .join(Member, Member.id == SetAction.member_id)
        .join(SetMeeting, SetMeeting.id == SetAction.meeting_id)
        .where(
            SetAction.set_id == set_id,
            SetAction.status.in_([ActionStatus.OPEN.value, ActionStatus.CARRIED.value]),
            SetMeeting.starts_at < before,
        )
        .order_by(SetAction.id)
    ).all()
    return [(a, m) for a, m in rows]


def apologised(session: Session, meeting_id: int) -> set[int]:
    return set(
        session.scalars(select(SetApology.member_id).where(SetApology.meeting_id == meeting_id))
    )


# ---- choosing a time --------------------------------------------------------------------


def proposals(session: Session, set_id: int) -> list[SlotProposal]:
    return list(
        session.scalars(
            select(SlotProposal)
            .where(SlotProposal.set_id == set_id)
            .order_by(SlotProposal.weekday, SlotProposal.local_time, SlotProposal.id)
        )
    )


def _votes(session: Session, proposal_id: int) -> int:
    return len(
        session.scalars(select(SlotVote.member_id).where(SlotVote.proposal_id == proposal_id)).all()
    )


def vote_lines(session: Session, mine: MySet, now: datetime) -> list[notices.ProposalLine]:
    zones = [m.timezone for m in mine.members]
    return [
        notices.ProposalLine(
            p.id,
            p.weekday,
            p.local_time,
            p.zone,
            _votes(session, p.id),
            slots.everyone_can_make(
                slots.Slot(p.weekday, p.local_time, p.zone),
                zones,
                now.date(),
                mine.cycle.meeting_minutes,
            ),
        )
        for p in proposals(session, mine.learning_set.id)
    ]


def open_vote(session: Session, member: Member, set_id: int, now: datetime) -> MySet:
    """Offer the set three times (once: later clicks show the same ones with their votes);
    the vote is posted in the set's space the first time."""
    mine = _set_for(session, member, set_id)
    if mine.learning_set.slot_time is not None:
        raise UserError(
            t(
                "Your set has already chosen its time: {slot}.",
                slot=_slot_of(mine.learning_set),
            )
        )
    if not proposals(session, set_id):
        zones = [m.timezone for m in mine.members]
        try:
            with session.begin_nested():
                for slot in slots.propose(zones, now.date(), mine.cycle.meeting_minutes):
                    session.add(
                        SlotProposal(
                            set_id=set_id,
                            weekday=slot.weekday,
                            local_time=slot.local_time,
                            zone=slot.zone,
                            created_at=now,
                        )
                    )
        except IntegrityError:
            # Everyone clicks the welcome's button at once: another click proposed the
            # same times a moment ago, and posts the vote; this one shows it.
            return mine
        _to_space(
            session,
            mine,
            "sets_vote",
            f"sets_vote:{set_id}",
            now,
            _vote_message(session, mine, now),
        )
    return mine


def _vote_message(session: Session, mine: MySet, now: datetime) -> Callable[[], ui.Message]:
    return lambda: notices.vote_message(
        vote_lines(session, mine, now), len(mine.members), mine.learning_set.id
    )


def _slot_of(learning_set: LearningSet) -> str:
    return notices.slot_words(
        learning_set.slot_weekday or 0,
        learning_set.slot_time or "",
        learning_set.slot_zone or "UTC",
    )


@dataclass(frozen=True)
class VoteResult:
    mine: MySet
    chosen: SlotProposal | None  # the time the set chose with this vote, if it did
    counted: bool  # False: they had already voted for it


def vote(session: Session, member: Member, proposal_id: int, now: datetime) -> VoteResult:
    proposal = session.get(SlotProposal, proposal_id)
    mine = current_set(session, member)
    if proposal is None or mine is None or proposal.set_id != mine.learning_set.id:
        raise UserError(_("That vote is for another action learning set, not yours."))
    if mine.learning_set.slot_time is not None:
        raise UserError(
            t("Your set has already chosen its time: {slot}.", slot=_slot_of(mine.learning_set))
        )
    if session.get(SlotVote, (proposal_id, member.id)) is not None:
        return VoteResult(mine, None, counted=False)
    session.add(SlotVote(proposal_id=proposal_id, member_id=member.id, voted_at=now))
    session.flush()
    needed = len(mine.members) // 2 + 1  # more than half of the set
    winners = [
        p for p in proposals(session, mine.learning_set.id) if _votes(session, p.id) >= needed
    ]
    if not winners:
        return VoteResult(mine, None, counted=True)
    chosen = winners[0]  # proposals come earliest in the week first: ties go to the earliest
    choose(session, mine, chosen, now)
    return VoteResult(mine, chosen, counted=True)


TIME_PATTERN = "%H:%M"


def add_proposal(
    session: Session, member: Member, set_id: int, weekday: int, local_time: str, now: datetime
) -> SlotProposal:
    mine = _set_for(session, member, set_id)
    if mine.learning_set.slot_time is not None:
        raise UserError(
            t("Your set has already chosen its time: {slot}.", slot=_slot_of(mine.learning_set))
        )
    if not 0 <= weekday <= 6:
        raise UserError(_("Choose a day of the week."))
    try:
        datetime.strptime(local_time, TIME_PATTERN)  # noqa: DTZ007 - a wall-clock time only
    except ValueError:
        raise UserError(_("Enter a time like 10:00.")) from None
    zone = slots.common_zone([m.timezone for m in mine.members])
    existing = session.scalars(
        select(SlotProposal).where(
            SlotProposal.set_id == set_id,
            SlotProposal.weekday == weekday,
            SlotProposal.local_time == local_time,
        )
    ).first()
    if existing is not None:
        return existing
    proposal = SlotProposal(
        set_id=set_id,
        weekday=weekday,
        local_time=local_time,
        zone=zone,
        proposed_by_member_id=member.id,
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    slot = (weekday, local_time, zone)
    name = member.display_name

    def build() -> ui.Message:
        return notices.proposal_added(name, notices.slot_words(*slot))

    _to_space(session, mine, "sets_vote", f"sets_proposed:{proposal.id}", now, build)
    return proposal


def meeting_times(
    weekday: int, local_time: str, zone: str, count: int, rhythm_weeks: int, after: datetime
) -> list[datetime]:
    """`count` meetings on the rhythm, all at the same wall-clock time in `zone` (so 10:00
    stays 10:00 across daylight-saving changes), the first strictly after `after`."""
    tz = ZoneInfo(zone)
    at = datetime.strptime(local_time, TIME_PATTERN).time()  # noqa: DTZ007 - wall clock only
    local_after = after.astimezone(tz)
    day = local_after.date() + timedelta(days=(weekday - local_after.weekday()) % 7)
    if datetime.combine(day, at, tzinfo=tz) <= after:
        day += timedelta(days=7)
    return [
        datetime.combine(day + timedelta(weeks=rhythm_weeks * i), at, tzinfo=tz).astimezone(UTC)
        for i in range(count)
    ]


def choose(session: Session, mine: MySet, proposal: SlotProposal, now: datetime) -> None:
    """Store the set's time and plan the cycle's meetings with their presenters."""
    learning_set = mine.learning_set
    learning_set.slot_weekday = proposal.weekday
    learning_set.slot_time = proposal.local_time
    learning_set.slot_zone = proposal.zone
    times = meeting_times(
        proposal.weekday,
        proposal.local_time,
        proposal.zone,
        mine.cycle.meetings,
        mine.cycle.rhythm_weeks,
        now + FIRST_MEETING_LEAD,
    )
    presenters = rotation.plan([m.id for m in mine.members], [], len(times))
    for number, (starts_at, presenter) in enumerate(zip(times, presenters, strict=False), 1):
        session.add(
            SetMeeting(
                set_id=learning_set.id,
                number=number,
                starts_at=starts_at,
                minutes=mine.cycle.meeting_minutes,
                presenter_member_id=presenter,
            )
        )
    session.flush()
    order = list(mine.members)
    slot = (proposal.weekday, proposal.local_time, proposal.zone)

    def build() -> ui.Message:
        return notices.time_chosen(*slot, times[0], order)

    _to_space(session, mine, "sets_time", f"sets_time:{learning_set.id}", now, build)


# ---- meetings -----------------------------------------------------------------------------


def apologise(session: Session, member: Member, meeting_id: int, now: datetime) -> SetMeeting:
    _mine, meeting = _meeting_for(session, member, meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED.value or meeting.starts_at <= now:
        raise UserError(
            _("That meeting has already started, so there's nothing to send apologies for.")
        )
    if session.get(SetApology, (meeting_id, member.id)) is None:
        session.add(SetApology(meeting_id=meeting_id, member_id=member.id, at=now))
        session.flush()
    return meeting


MOVE_WITHIN = timedelta(days=365)


def move_meeting(
    session: Session, member: Member, number: int, day: date, at: time, now: datetime
) -> SetMeeting:
    """Move one meeting (wall clock in the set's zone); the set is told in its space."""
    mine = current_set(session, member)
    if mine is None:
        raise UserError(_("You're not in an action learning set at the moment."))
    meeting = session.scalars(
        select(SetMeeting).where(
            SetMeeting.set_id == mine.learning_set.id, SetMeeting.number == number
        )
    ).first()
    if meeting is None:
        raise UserError(
            t("Your set has no meeting {n}. `set` lists your meetings.", n=i18n.number(number))
        )
    if meeting.status != MeetingStatus.SCHEDULED.value or meeting.starts_at <= now:
        raise UserError(t("Meeting {n} has already happened, so it can't move.", n=number))
    zone = mine.learning_set.slot_zone or member.timezone
    # A meeting moves within the coming year: beyond that is a typo (and a year like 9999
    # would leave no room for the reminders and follow-ups planned around it).
    if day < (now - timedelta(days=1)).date():
        raise UserError(_("That time has already passed. Choose a time in the future."))
    if day > (now + MOVE_WITHIN).date():
        raise UserError(_("Choose a date within the coming year for the meeting."))
    starts_at = datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    if starts_at <= now:
        raise UserError(_("That time has already passed. Choose a time in the future."))
    meeting.starts_at = starts_at
    meeting.moved = True
    session.flush()
    name = member.display_name
    when_local = starts_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")

    def build() -> ui.Message:
        return notices.meeting_moved(number, starts_at, zone, name)

    _to_space(session, mine, "sets_moved", f"sets_moved:{meeting.id}:{when_local}", now, build)
    return meeting


def record_outcome(
    session: Session, member: Member, meeting_id: int, met: bool, now: datetime
) -> SetMeeting:
    mine, meeting = _meeting_for(session, member, meeting_id)
    if meeting.starts_at > now:
        raise UserError(_("That meeting hasn't happened yet. Answer after it."))
    if meeting.status in (MeetingStatus.HELD.value, MeetingStatus.NOT_HELD.value):
        return meeting  # someone answered first; the first answer stands
    # Conditional, so two answers clicked at once can't both count: the first stands.
    answered = session.execute(
        update(SetMeeting)
        .where(SetMeeting.id == meeting.id, SetMeeting.status == meeting.status)
        .values(status=(MeetingStatus.HELD if met else MeetingStatus.NOT_HELD).value)
    )
    session.refresh(meeting)
    if not getattr(answered, "rowcount", 0):
        return meeting
    if not met:
        replan_presenters(session, mine.learning_set, now)  # their turn comes round again
    return meeting


def save_action(
    session: Session, member: Member, meeting_id: int, words: str, now: datetime
) -> SetAction:
    _mine, meeting = _meeting_for(session, member, meeting_id)
    if meeting.presenter_member_id != member.id:
        raise UserError(_("Only the person who presented at that meeting has an action to save."))
    cleaned = " ".join(words.split())
    if not cleaned:
        raise UserError(_("Write your action in a sentence, like “Ask my manager about rotas”."))
    if len(cleaned) > notices.ACTION_LIMIT:
        raise UserError(
            t(
                "Please keep your action to {limit} characters (it has {count}).",
                limit=i18n.number(notices.ACTION_LIMIT),
                count=i18n.number(len(cleaned)),
            )
        )
    action = session.scalars(
        select(SetAction).where(
            SetAction.meeting_id == meeting_id, SetAction.member_id == member.id
        )
    ).first()
    if action is None:
        action = SetAction(
            set_id=meeting.set_id,
            member_id=member.id,
            meeting_id=meeting_id,
            text=cleaned,
            created_at=now,
            updated_at=now,
        )
        session.add(action)
    else:
        action.text, action.updated_at = cleaned, now
    session.flush()
    mine = current_set(session, member)
    if mine is not None:  # kept in the set: everyone sees what the presenter will do
        name = member.display_name

        def build() -> ui.Message:
            return notices.action_kept(name, cleaned)

        stamp = now.isoformat(timespec="seconds")
        _to_space(session, mine, "sets_action", f"sets_action:{action.id}:{stamp}", now, build)
    return action


def mark_action(
    session: Session, member: Member, action_id: int, done: bool, now: datetime
) -> SetAction:
    action = session.get(SetAction, action_id)
    if action is None or action.member_id != member.id:
        raise UserError(_("That action is someone else's; only they can mark it."))
    action.status = (ActionStatus.DONE if done else ActionStatus.CARRIED).value
    action.updated_at = now
    session.flush()
    return action


# ---- presenters ---------------------------------------------------------------------------


def replan_presenters(
    session: Session, learning_set: LearningSet, now: datetime, leaving: int | None = None
) -> None:
    """Give the set's upcoming meetings their presenters again, from the meetings already
    past and the members still here (without `leaving`)."""
    members = [m.id for m in active_members(session, learning_set) if m.id != leaving]
    meetings = meetings_of(session, learning_set.id)
    past = [
        m.presenter_member_id
        for m in meetings
        if m.starts_at <= now and m.status != MeetingStatus.NOT_HELD.value
    ]
    upcoming = [
        m for m in meetings if m.starts_at > now and m.status == MeetingStatus.SCHEDULED.value
    ]
    chosen = rotation.plan(members, past, len(upcoming))
    for meeting, presenter in zip(upcoming, chosen, strict=False):
        meeting.presenter_member_id = presenter
    for meeting in upcoming[len(chosen) :]:
        meeting.presenter_member_id = None
    session.flush()


def _presented(session: Session, set_id: int, member_id: int, now: datetime) -> int:
    return sum(
        1
        for m in meetings_of(session, set_id)
        if m.presenter_member_id == member_id
        and m.starts_at <= now
        and m.status != MeetingStatus.NOT_HELD.value
    )


def ask_swap(session: Session, member: Member, other: Member, now: datetime) -> TurnSwap:
    mine = current_set(session, member)
    if mine is None:
        raise UserError(_("You're not in an action learning set at the moment."))
    if other.id == member.id:
        raise UserError(_("Mention someone else in your set to swap turns with."))
    if all(m.id != other.id for m in mine.members):
        raise UserError(t("{name} isn't in your set.", name=other.display_name))
    set_id = mine.learning_set.id
    if _presented(session, set_id, member.id, now) != _presented(session, set_id, other.id, now):
        raise UserError(
            t(
                "{name} and you haven't presented the same number of times yet, so your "
                "turns can't swap; ask someone who is in the same place in the rotation.",
                name=other.display_name,
            )
        )
    mine_at, theirs_at = (
        _next_turn(session, set_id, member.id, now),
        _next_turn(session, set_id, other.id, now),
    )
    if mine_at is None or theirs_at is None:
        raise UserError(
            _("One of you has no presenting turn left in this cycle, so there's nothing to swap.")
        )
    swap = TurnSwap(
        set_id=set_id, asked_by_member_id=member.id, asked_of_member_id=other.id, created_at=now
    )
    session.add(swap)
    session.flush()
    with i18n.speaking(other.speaks):
        message = notices.swap_asked(member, mine_at.starts_at, theirs_at.starts_at, swap.id, other)
    outbox.enqueue(
        session,
        member.community_id,
        [
            outbox.Outgoing(
                # With when it was asked: SQLite reuses a deleted swap's id, and a reused
                # id must not make a new request look like one already sent.
                key=f"sets_swap:{swap.id}:{swap.created_at.timestamp():.0f}",
                kind="sets_swap",
                recipient=other.platform_user_id,
                message=message,
                due_at=now,
                expires_at=theirs_at.starts_at,
                member_id=other.id,
            )
        ],
        now,
    )
    return swap


def _next_turn(session: Session, set_id: int, member_id: int, now: datetime) -> SetMeeting | None:
    return session.scalars(
        select(SetMeeting)
        .where(
            SetMeeting.set_id == set_id,
            SetMeeting.presenter_member_id == member_id,
            SetMeeting.status == MeetingStatus.SCHEDULED.value,
            SetMeeting.starts_at > now,
        )
        .order_by(SetMeeting.starts_at)
    ).first()


def accept_swap(
    session: Session, member: Member, swap_id: int, now: datetime
) -> tuple[Member, Member]:
    """The member asked confirms: the two exchange their places in the rotation."""
    swap = session.get(TurnSwap, swap_id)
    if swap is None or swap.asked_of_member_id != member.id:
        raise UserError(_("That swap request isn't for you, or it has already been settled."))
    asked_at = swap.created_at.timestamp()  # part of the message's key (see `ask_swap`)
    asker = session.get(Member, swap.asked_by_member_id)
    learning_set = session.get(LearningSet, swap.set_id)
    if asker is None or not asker.is_active or learning_set is None:
        session.delete(swap)
        raise UserError(_("That swap can't happen any more: one of you has left the set."))
    rows = {
        r.member_id: r
        for r in session.scalars(
            select(SetMembership).where(
                SetMembership.set_id == swap.set_id,
                SetMembership.member_id.in_([asker.id, member.id]),
            )
        )
    }
    if len(rows) != 2:
        raise UserError(_("That swap can't happen any more: one of you has left the set."))
    first, second = (
        _next_turn(session, swap.set_id, asker.id, now),
        _next_turn(session, swap.set_id, member.id, now),
    )
    rows[asker.id].turn, rows[member.id].turn = rows[member.id].turn, rows[asker.id].turn
    if first is not None and second is not None:
        first.presenter_member_id, second.presenter_member_id = member.id, asker.id
    session.delete(swap)
    session.flush()
    mine = MySet(
        learning_set,
        session.get_one(SetCycle, learning_set.cycle_id),
        active_members(session, learning_set),
    )
    pair = (asker, member)

    def build() -> ui.Message:
        return notices.swapped(*pair)

    _to_space(session, mine, "sets_swapped", f"sets_swapped:{swap_id}:{asked_at:.0f}", now, build)
    return asker, member


# ---- the end, and leavers -----------------------------------------------------------------


def want_next_cycle(session: Session, member: Member, now: datetime) -> bool:
    """Record that they would like a set next cycle; False if it was already recorded."""
    if session.get(SetInterest, member.id) is not None:
        return False
    session.add(SetInterest(member_id=member.id, community_id=member.community_id, since=now))
    session.flush()
    return True


def close_set(session: Session, learning_set: LearningSet, now: datetime) -> None:
    """The set's cycle is over; the cycle closes once none of its sets is still going."""
    learning_set.status = SetStatus.CLOSED.value
    session.flush()
    still_going = session.scalar(
        select(LearningSet.id).where(
            LearningSet.cycle_id == learning_set.cycle_id,
            LearningSet.status == SetStatus.ACTIVE.value,
        )
    )
    cycle = session.get(SetCycle, learning_set.cycle_id)
    if still_going is None and cycle is not None and cycle.status == CycleStatus.ACTIVE.value:
        cycle.status, cycle.closed_at = CycleStatus.CLOSED.value, now


def member_leaving(session: Session, member: Member, now: datetime) -> None:
    """Before `member` leaves or is erased: their upcoming turns pass to the others and
    any swap they asked for or were asked drops."""
    session.execute(
        delete(TurnSwap).where(
            or_(TurnSwap.asked_by_member_id == member.id, TurnSwap.asked_of_member_id == member.id)
        )
    )
    mine = current_set(session, member)
    if mine is not None:
        replan_presenters(session, mine.learning_set, now, leaving=member.id)


def personal_data(session: Session, member: Member) -> dict[str, Any]:
    """What this part of action learning sets holds about one member (for `my-data`)."""
    sets = [
        {"set": s.name, "turn": turn}
        for s, turn in session.execute(
            select(LearningSet, SetMembership.turn)
            .join(SetMembership, SetMembership.set_id == LearningSet.id)
            .where(SetMembership.member_id == member.id)
        ).all()
    ]
    actions = [
        {"text": a.text, "status": a.status, "agreed_at": a.created_at.isoformat()}
        for a in session.scalars(select(SetAction).where(SetAction.member_id == member.id))
    ]
    apologies = [
        a.at.isoformat()
        for a in session.scalars(select(SetApology).where(SetApology.member_id == member.id))
    ]
    votes = len(
        session.scalars(select(SlotVote.proposal_id).where(SlotVote.member_id == member.id)).all()
    )
    presenting = [
        m.starts_at.isoformat()
        for m in session.scalars(
            select(SetMeeting).where(SetMeeting.presenter_member_id == member.id)
        )
    ]
    return {
        "sets": sets,
        "presenting_at": presenting,
        "actions": actions,
        "apologies": apologies,
        "time_votes": votes,
    }


# ---- the set's space ----------------------------------------------------------------------


def _to_space(
    session: Session,
    mine: MySet,
    kind: str,
    key: str,
    now: datetime,
    build: Callable[[], ui.Message],
) -> bool:
    """Post a message to the set's space, built in its group language. False (nothing
    queued) while the space doesn't exist yet."""
    space = mine.learning_set.space_id
    if not space or not mine.members:
        return False
    with i18n.speaking(group_language(mine.members)):
        message = build()
    outbox.enqueue(
        session,
        mine.learning_set.community_id,
        [
            outbox.Outgoing(
                key=key,
                kind=kind,
                recipient=space,
                message=message,
                due_at=now,
                expires_at=now + SPACE_MESSAGE_VALID_FOR,
            )
        ],
        now,
    )
    return True


def presented_at(session: Session, member: Member, meeting_id: int) -> bool:
    """Whether `member` presented at that meeting of their set (the action form is theirs)."""
    meeting = session.get(SetMeeting, meeting_id)
    return meeting is not None and meeting.presenter_member_id == member.id
