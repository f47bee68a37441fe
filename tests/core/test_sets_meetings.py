"""The meetings service of action learning sets, on both databases: the time vote, the
meetings on the rhythm, apologies, moves, answers, actions, swaps, the close. Sets are made
directly from the models (forming is built elsewhere); every date comes from the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import OutboxMessage, ScheduledItem
from core.errors import UserError
from core.membership import service as membership
from core.models import Member
from core.sets import meetings
from core.sets import plan as sets_plan
from core.sets.models import (
    ActionStatus,
    CycleStatus,
    LearningSet,
    MeetingStatus,
    SetCycle,
    SetMembership,
    SlotProposal,
)
from handlers.membership.form import draft_from
from tests.conftest import table_counts
from tests.helpers import profile_values

T = TypeVar("T")
TEAM = "T0001"
PEOPLE = ("U0AMINA", "U0SAM", "U0NOOR", "U0LEE", "U0JO")


def in_db(runtime: Runtime, work: Callable[[Session], T]) -> T:
    with unit_of_work(runtime.session_factory) as session:
        return work(session)


def add_member(session: Session, runtime: Runtime, user: str, tz: str = "Europe/London") -> Member:
    community = communities.get_or_create(
        session, "slack", TEAM, timezone="Europe/London", now=runtime.clock.now()
    )
    values = profile_values(
        display_name=f"Member {user}", organisation=f"Org {user}", timezone=tz, languages=["en"]
    )
    profile = membership.check_profile(draft_from(values), community, joining=True)
    member, _ = membership.join(session, community, user, profile, runtime.clock.now())
    return member


def make_set(
    runtime: Runtime,
    users: Sequence[str] = PEOPLE,
    *,
    space_id: str | None = "C0SETCEDAR",
    zones: Sequence[str] = (),
    number: int = 1,
    cycle_id: int | None = None,
) -> int:
    """A set in an active cycle, as forming would leave it: members in turn order."""

    def build(session: Session) -> int:
        now = runtime.clock.now()
        members = [
            add_member(session, runtime, u, zones[i] if i < len(zones) else "Europe/London")
            for i, u in enumerate(users)
        ]
        cycle = session.get(SetCycle, cycle_id) if cycle_id else None
        if cycle is None:
            cycle = SetCycle(
                community_id=members[0].community_id,
                number=1,
                status=CycleStatus.ACTIVE.value,
                created_at=now,
                confirmed_at=now,
            )
            session.add(cycle)
            session.flush()
        learning_set = LearningSet(
            cycle_id=cycle.id,
            community_id=members[0].community_id,
            number=number,
            name=f"cop-set-{number}",
            space_kind="channel" if space_id else None,
            space_id=space_id,
            created_at=now,
        )
        session.add(learning_set)
        session.flush()
        for turn, member in enumerate(members):
            session.add(
                SetMembership(set_id=learning_set.id, member_id=member.id, turn=turn, joined_at=now)
            )
        session.flush()
        return learning_set.id

    return in_db(runtime, build)


def member(session: Session, user: str) -> Member:
    return session.scalars(select(Member).where(Member.platform_user_id == user)).one()


def choose_first(runtime: Runtime, set_id: int) -> None:
    """Open the vote and have a majority vote for the first proposal."""

    def work(session: Session) -> None:
        now = runtime.clock.now()
        meetings.open_vote(session, member(session, PEOPLE[0]), set_id, now)
        first = meetings.proposals(session, set_id)[0]
        for user in PEOPLE[:3]:
            meetings.vote(session, member(session, user), first.id, now)

    in_db(runtime, work)


def meeting_rows(runtime: Runtime, set_id: int) -> list[tuple[int, datetime, int | None, str]]:
    return in_db(
        runtime,
        lambda s: [
            (m.number, m.starts_at, m.presenter_member_id, m.status)
            for m in meetings.meetings_of(s, set_id)
        ],
    )


def test_three_proposals_then_a_majority_chooses_and_six_meetings_are_planned(
    runtime: Runtime, clock: FakeClock
) -> None:
    set_id = make_set(runtime)

    def open_and_vote(session: Session) -> list[SlotProposal]:
        now = clock.now()
        meetings.open_vote(session, member(session, "U0AMINA"), set_id, now)
        meetings.open_vote(session, member(session, "U0SAM"), set_id, now)  # the same three
        found = meetings.proposals(session, set_id)
        assert len(found) == 3
        second = found[1]
        assert not meetings.vote(session, member(session, "U0AMINA"), second.id, now).chosen
        again = meetings.vote(session, member(session, "U0AMINA"), second.id, now)
        assert not again.counted
        assert not meetings.vote(session, member(session, "U0SAM"), second.id, now).chosen
        won = meetings.vote(session, member(session, "U0NOOR"), second.id, now)
        assert won.chosen is not None
        assert won.chosen.id == second.id
        return found

    found = in_db(runtime, open_and_vote)
    rows = meeting_rows(runtime, set_id)
    assert [n for n, *_ in rows] == [1, 2, 3, 4, 5, 6]
    zone = ZoneInfo("Europe/London")
    local = [at.astimezone(zone) for _, at, _, _ in rows]
    assert all(lt.weekday() == found[1].weekday for lt in local)
    assert {lt.strftime("%H:%M") for lt in local} == {found[1].local_time}  # DST-safe
    assert all(
        b - a in (timedelta(weeks=4), timedelta(weeks=4, hours=1), timedelta(weeks=4, hours=-1))
        for a, b in zip([r[1] for r in rows], [r[1] for r in rows][1:], strict=False)
    )
    assert local[0] > clock.now() + timedelta(days=3)
    presenters = [p for *_, p, _ in [(r[0], r[1], r[2], r[3]) for r in rows]]
    del presenters
    ids = in_db(runtime, lambda s: [member(s, u).id for u in PEOPLE])
    assert [r[2] for r in rows] == [*ids, ids[0]]
    posted = in_db(runtime, lambda s: [o.kind for o in s.scalars(select(OutboxMessage))])
    assert posted.count("sets_vote") == 1
    assert posted.count("sets_time") == 1


def test_meetings_keep_their_wall_clock_time_across_daylight_saving() -> None:
    times = meetings.meeting_times(
        1, "10:00", "Europe/London", 6, 4, datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
    )
    assert [t.astimezone(ZoneInfo("Europe/London")).hour for t in times] == [10] * 6
    assert {t.hour for t in times} == {9, 10}  # UTC moves with BST from 30 March


def test_ties_go_to_the_earliest_time(runtime: Runtime, clock: FakeClock) -> None:
    set_id = make_set(runtime, PEOPLE[:2])

    def work(session: Session) -> int:
        now = clock.now()
        meetings.open_vote(session, member(session, "U0AMINA"), set_id, now)
        _first, second, _third = meetings.proposals(session, set_id)
        meetings.vote(session, member(session, "U0AMINA"), second.id, now)
        meetings.vote(session, member(session, "U0SAM"), second.id, now)
        return second.id

    in_db(runtime, work)
    assert in_db(runtime, lambda s: s.get_one(LearningSet, set_id).slot_time) is not None


def test_anyone_may_propose_another_time(runtime: Runtime, clock: FakeClock) -> None:
    set_id = make_set(runtime)

    def work(session: Session) -> None:
        now = clock.now()
        meetings.open_vote(session, member(session, "U0AMINA"), set_id, now)
        added = meetings.add_proposal(session, member(session, "U0LEE"), set_id, 2, "14:30", now)
        assert added.zone == "Europe/London"
        assert len(meetings.proposals(session, set_id)) == 4
        with pytest.raises(UserError):
            meetings.add_proposal(session, member(session, "U0LEE"), set_id, 2, "25:99", now)

    in_db(runtime, work)


def test_bad_input_changes_nothing(runtime: Runtime, clock: FakeClock) -> None:
    set_id = make_set(runtime)
    other_set = make_set(runtime, ["U0OTHER1", "U0OTHER2", "U0OTHER3"], number=2, cycle_id=1)
    choose_first(runtime, set_id)
    in_db(runtime, lambda s: meetings.open_vote(s, member(s, "U0OTHER1"), other_set, clock.now()))
    before = table_counts(runtime)

    def attempts(session: Session) -> None:
        now = clock.now()
        theirs = meetings.proposals(session, other_set)[0]
        amina = member(session, "U0AMINA")
        stranger = member(session, "U0OTHER1")
        first = meetings.meetings_of(session, set_id)[0]
        for bad in (
            lambda: meetings.vote(session, amina, theirs.id, now),  # another set's proposal
            lambda: meetings.apologise(session, stranger, first.id, now),  # not their set
            lambda: meetings.record_outcome(session, stranger, first.id, True, now),
            lambda: meetings.move_meeting(
                session, amina, 2, (now - timedelta(days=1)).date(), time(10, 0), now
            ),  # into the past
            lambda: meetings.move_meeting(session, amina, 9, date(2027, 6, 1), time(10), now),
            lambda: meetings.record_outcome(session, amina, first.id, True, now),  # not yet
            lambda: meetings.save_action(session, amina, first.id, "x" * 281, now),
            lambda: meetings.save_action(session, member(session, "U0SAM"), first.id, "Mine", now),
            lambda: meetings.ask_swap(session, amina, stranger, now),
            lambda: meetings.ask_swap(session, amina, amina, now),
        ):
            with pytest.raises(UserError):
                bad()

    in_db(runtime, attempts)
    assert table_counts(runtime) == before


def test_an_action_is_kept_shown_and_carried_over(runtime: Runtime, clock: FakeClock) -> None:
    set_id = make_set(runtime)
    choose_first(runtime, set_id)
    first_at = meeting_rows(runtime, set_id)[0][1]
    clock.set(first_at + timedelta(hours=2))

    def work(session: Session) -> None:
        now = clock.now()
        amina = member(session, "U0AMINA")
        first = meetings.meetings_of(session, set_id)[0]
        meetings.record_outcome(session, member(session, "U0SAM"), first.id, True, now)
        action = meetings.save_action(
            session, amina, first.id, "  Ask my   manager about rotas ", now
        )
        assert action.text == "Ask my manager about rotas"
        with pytest.raises(UserError):
            meetings.mark_action(session, member(session, "U0SAM"), action.id, True, now)
        meetings.mark_action(session, amina, action.id, False, now)
        assert action.status == ActionStatus.CARRIED.value
        second = meetings.meetings_of(session, set_id)[1]
        due = meetings.open_actions(session, set_id, second.starts_at)
        assert [(a.text, m.id) for a, m in due] == [("Ask my manager about rotas", amina.id)]
        assert meetings.open_action(session, amina, set_id) is action

    in_db(runtime, work)


def test_a_meeting_that_did_not_happen_gives_its_presenter_the_next_turn(
    runtime: Runtime, clock: FakeClock
) -> None:
    set_id = make_set(runtime)
    choose_first(runtime, set_id)
    rows = meeting_rows(runtime, set_id)
    clock.set(rows[0][1] + timedelta(hours=3))
    in_db(
        runtime,
        lambda s: meetings.record_outcome(
            s, member(s, "U0SAM"), meetings.meetings_of(s, set_id)[0].id, False, clock.now()
        ),
    )
    after = meeting_rows(runtime, set_id)
    assert after[0][3] == MeetingStatus.NOT_HELD.value
    assert after[1][2] == rows[0][2]  # Amina presents at meeting 2 instead


def test_swapping_turns_needs_both_and_is_told_to_the_set(
    runtime: Runtime, clock: FakeClock
) -> None:
    set_id = make_set(runtime)
    choose_first(runtime, set_id)
    rows = meeting_rows(runtime, set_id)

    def work(session: Session) -> None:
        now = clock.now()
        amina, noor = member(session, "U0AMINA"), member(session, "U0NOOR")
        swap = meetings.ask_swap(session, amina, noor, now)
        with pytest.raises(UserError):
            meetings.accept_swap(session, amina, swap.id, now)  # the asker can't confirm
        meetings.accept_swap(session, noor, swap.id, now)

    in_db(runtime, work)
    after = meeting_rows(runtime, set_id)
    assert after[0][2] == rows[2][2]
    assert after[2][2] == rows[0][2]
    kinds = in_db(runtime, lambda s: [o.kind for o in s.scalars(select(OutboxMessage))])
    assert "sets_swap" in kinds
    assert "sets_swapped" in kinds


def test_a_leaver_s_turns_pass_to_the_others(runtime: Runtime, clock: FakeClock) -> None:
    set_id = make_set(runtime)
    choose_first(runtime, set_id)

    def work(session: Session) -> None:
        meetings.member_leaving(session, member(session, "U0AMINA"), clock.now())

    in_db(runtime, work)
    ids = in_db(runtime, lambda s: [member(s, u).id for u in PEOPLE])
    assert [r[2] for r in meeting_rows(runtime, set_id)] == [
        ids[1],
        ids[2],
        ids[3],
        ids[4],
        ids[1],
        ids[2],
    ]


def test_planning_twice_writes_each_item_once_and_a_move_replans(
    runtime: Runtime, clock: FakeClock
) -> None:
    set_id = make_set(runtime)
    choose_first(runtime, set_id)

    def plan(session: Session) -> list[tuple[str, str]]:
        sets_plan.ensure_upcoming(session, clock.now())
        sets_plan.ensure_upcoming(session, clock.now())
        return [(i.key, i.status) for i in session.scalars(select(ScheduledItem))]

    items = in_db(runtime, plan)
    # Six meetings: two reminders, a follow-up and a nudge each; the close in two steps.
    assert len(items) == 6 * 4 + 2
    assert len({k for k, _ in items}) == len(items)
    second = meeting_rows(runtime, set_id)[1][1]
    new_day = (second + timedelta(days=1)).astimezone(ZoneInfo("Europe/London")).date()
    in_db(
        runtime,
        lambda s: meetings.move_meeting(s, member(s, "U0JO"), 2, new_day, time(15, 0), clock.now()),
    )
    items = in_db(runtime, plan)
    statuses = [status for _, status in items]
    assert statuses.count("cancelled") == 4
    assert statuses.count("pending") == 6 * 4 + 2
    moved = in_db(
        runtime, lambda s: [o for o in s.scalars(select(OutboxMessage)) if o.kind == "sets_moved"]
    )
    assert len(moved) == 1
    assert moved[0].recipient == "C0SETCEDAR"


def test_my_data_and_next_cycle(runtime: Runtime, clock: FakeClock) -> None:
    set_id = make_set(runtime)
    choose_first(runtime, set_id)

    def work(session: Session) -> None:
        amina = member(session, "U0AMINA")
        data = meetings.personal_data(session, amina)
        assert data["sets"] == [{"set": "cop-set-1", "turn": 0}]
        assert data["time_votes"] == 1
        assert len(data["presenting_at"]) == 2
        assert meetings.want_next_cycle(session, amina, clock.now())
        assert not meetings.want_next_cycle(session, amina, clock.now())

    in_db(runtime, work)
