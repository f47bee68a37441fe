"""A whole six-meeting cycle of an action learning set through the real scheduler, outbox
and fake Slack, on the fake clock: reminders, follow-ups, an action carried over, the
presenter rotating, a daylight-saving change, the nudge, the close and the archive.

The sets capability's hooks are wired here as the integrator will wire them in
core/sets/capability.py (forming owns that file)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.wiring import Runtime
from core import capabilities
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import ItemStatus, OutboxMessage, ScheduledItem
from core.models import Member
from core.sets import jobs as sets_jobs
from core.sets import meetings
from core.sets import plan as sets_plan
from core.sets.models import (
    CycleStatus,
    LearningSet,
    SetCycle,
    SetsItemKind,
    SetStatus,
)
from tests.core.test_sets_meetings import PEOPLE, choose_first, make_set, meeting_rows, member
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.conftest import RunnerFactory

LONDON = ZoneInfo("Europe/London")
SPACE = "C0SETCEDAR"


@pytest.fixture(autouse=True)
def sets_wired(monkeypatch: pytest.MonkeyPatch) -> None:
    """The meetings' hooks on the sets capability, unless the integrator already did it."""
    if SetsItemKind.REMINDER.value in capabilities.ITEM_RUNNERS:
        return
    for kind in SetsItemKind:
        monkeypatch.setitem(capabilities.ITEM_RUNNERS, kind.value, sets_jobs.execute)

    def plan_upcoming(session: object, now: datetime) -> None:
        sets_plan.ensure_upcoming(session, now)  # type: ignore[arg-type]

    wired = tuple(
        dataclasses.replace(c, plan_upcoming=plan_upcoming) if c.name == "sets" else c
        for c in capabilities.ALL
    )
    monkeypatch.setattr(capabilities, "ALL", wired)


def texts_to(fake: FakeSlackApi, user: str) -> list[str]:
    return [f"{m.get('text')} {m.get('blocks')}" for m in fake.messages_in(user)]


def space_texts(fake: FakeSlackApi) -> list[str]:
    return [f"{m.get('text')} {m.get('blocks')}" for m in fake.messages_in(SPACE)]


def test_a_six_meeting_cycle_with_reminders_follow_ups_rotation_dst_and_the_close(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    set_id = make_set(sched_runtime)
    choose_first(sched_runtime, set_id)
    runner = make_runner()
    rows = meeting_rows(sched_runtime, set_id)
    starts = [at for _, at, _, _ in rows]
    # The same wall-clock time all cycle, across the change to summer time (28 March 2027).
    assert len({at.astimezone(LONDON).strftime("%a %H:%M") for at in starts}) == 1
    assert {at.utcoffset() for at in (s.astimezone(LONDON) for s in starts)} == {
        timedelta(0),
        timedelta(hours=1),
    }
    with unit_of_work(sched_runtime.session_factory) as session:
        ids = {u: member(session, u).id for u in PEOPLE}
    names = {v: f"Member {k}" for k, v in ids.items()}
    assert [p for _, _, p, _ in rows] == [ids[u] for u in PEOPLE] + [ids["U0AMINA"]]

    runner.run_pending()  # the first sync plans every item; planning again adds none
    runner.run_pending()
    with unit_of_work(sched_runtime.session_factory) as session:
        assert len(session.scalars(select(ScheduledItem)).all()) == 6 * 4 + 2

    # Sam can't come to meeting 1: reminders skip him.
    with unit_of_work(sched_runtime.session_factory) as session:
        first = meetings.meetings_of(session, set_id)[0]
        meetings.apologise(session, member(session, "U0SAM"), first.id, clock.now())

    for index, starts_at in enumerate(starts):
        number = index + 1
        presenter = names[rows[index][2]]  # type: ignore[index]
        clock.set(sets_plan.shifted(starts_at, -2, "Europe/London"))
        runner.run_pending()
        clock.set(starts_at - timedelta(hours=1))
        runner.run_pending()
        clock.set(starts_at + timedelta(minutes=120))
        runner.run_pending()
        follow_ups = [t for t in space_texts(fake_slack) if f"Meeting {number} was due today" in t]
        assert len(follow_ups) == 1
        if number == 2:
            # Nobody answers meeting 2: one nudge two days later, and only one.
            for _ in range(3):
                clock.advance(timedelta(days=1))
                runner.run_pending()
            nudges = [t for t in space_texts(fake_slack) if "did meeting 2 happen" in t]
            assert len(nudges) == 1
        with unit_of_work(sched_runtime.session_factory) as session:
            now = clock.now()
            meeting = meetings.meetings_of(session, set_id)[index]
            meetings.record_outcome(session, member(session, "U0LEE"), meeting.id, True, now)
            who = session.get_one(Member, meeting.presenter_member_id)
            assert who.display_name == presenter
            if number == 1:
                meetings.save_action(session, who, meeting.id, "Ask my manager about rotas", now)
            if number == 2:
                [(action, _owner)] = meetings.open_actions(
                    session, set_id, meeting.starts_at + timedelta(minutes=1)
                )
                owner = session.get_one(Member, action.member_id)
                meetings.mark_action(session, owner, action.id, False, now)  # carried over
            if number == 3:
                [(action, owner)] = meetings.open_actions(session, set_id, now)
                meetings.mark_action(session, owner, action.id, True, now)  # done at last
        if number == 1:
            clock.set(sets_plan.shifted(starts[1], -2, "Europe/London"))
            runner.run_pending()
            due_back = [
                t for t in texts_to(fake_slack, "U0NOOR") if "Ask my manager about rotas" in t
            ]
            assert due_back  # the action is due back at the next meeting
    # Everyone but Sam got both reminders for every meeting; Sam missed meeting 1's.
    for user in PEOPLE:
        reminded = [t for t in texts_to(fake_slack, user) if "Your action learning set meets" in t]
        assert len(reminded) == (10 if user == "U0SAM" else 12)
    # Carried over at meeting 2, the action came back at meeting 3's reminders; done, no more.
    rotas = [t for t in texts_to(fake_slack, "U0NOOR") if "Ask my manager about rotas" in t]
    assert len(rotas) == 2 + 2
    with unit_of_work(sched_runtime.session_factory) as session:
        presenters = [m.presenter_member_id for m in meetings.meetings_of(session, set_id)]
    assert presenters == [ids[u] for u in PEOPLE] + [ids["U0AMINA"]]

    last_end = starts[-1] + timedelta(minutes=120)
    clock.set(sets_plan.shifted(last_end, 1, "Europe/London"))
    runner.run_pending()
    assert any("last meeting" in t for t in space_texts(fake_slack))
    clock.set(sets_plan.shifted(clock.now(), 7, "Europe/London"))
    runner.run_pending()
    with unit_of_work(sched_runtime.session_factory) as session:
        archive = session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == f"archive:{SPACE}")
        ).all()
        assert len(archive) == 1
        asked = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "sets_next_cycle")
        ).all()
        assert sorted(o.recipient for o in asked) == sorted(PEOPLE)
        assert session.get_one(LearningSet, set_id).status == SetStatus.CLOSED.value
        assert session.scalars(select(SetCycle)).one().status == CycleStatus.CLOSED.value
        pending = session.scalars(
            select(ScheduledItem).where(ScheduledItem.status == ItemStatus.PENDING.value)
        ).all()
        assert pending == []
    for user in PEOPLE:
        assert any("Would you like a set next cycle" in t for t in texts_to(fake_slack, user))
