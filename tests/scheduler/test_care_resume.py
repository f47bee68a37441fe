"""A member's pause on the real scheduler and a fake clock: reminders during it skip them,
it ends on its own with a welcome back that lists what they missed, and then reminders
reach them again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import ItemStatus, ScheduledItem
from core.models import Member
from tests.fakes.slack_api import FakeSlackApi
from tests.helpers import caller
from tests.scheduler.conftest import RunnerFactory, add_member, add_session
from tests.scheduler.test_reminders import posts

HELD = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 28, 10, 0, tzinfo=UTC)


def dms_to(fake: FakeSlackApi, user_id: str) -> list[str]:
    return [str(p.get("blocks") or p.get("text")) for p in posts(fake) if p["channel"] == user_id]


def test_a_pause_skips_reminders_and_ends_with_a_welcome_back(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0STAYS")
    add_member(sched_runtime, "U0PAUSED")
    add_session(sched_runtime, HELD, title="Power and positionality")
    add_session(sched_runtime, AFTER, title="Funding without fear")
    dispatcher = sched_runtime.dispatcher()
    [reply] = dispatcher.command(caller("U0PAUSED"), "pause 3 weeks")
    assert "Paused until" in str(reply)
    until = clock.now() + timedelta(weeks=3)
    runner = make_runner()

    clock.set(HELD - timedelta(days=7))
    runner.run_pending()
    clock.set(HELD - timedelta(days=1))
    runner.run_pending()
    assert len(dms_to(fake_slack, "U0STAYS")) == 2
    assert dms_to(fake_slack, "U0PAUSED") == []

    clock.set(until - timedelta(minutes=1))
    runner.run_pending()
    assert dms_to(fake_slack, "U0PAUSED") == []
    clock.set(until + timedelta(minutes=1))
    runner.run_pending()
    [welcome] = dms_to(fake_slack, "U0PAUSED")
    assert "Welcome back" in welcome
    assert "Power and positionality" in welcome
    with unit_of_work(sched_runtime.session_factory) as session:
        [member] = session.scalars(select(Member).where(Member.platform_user_id == "U0PAUSED"))
        assert not member.is_paused(clock.now())
        assert member.paused_at is None
        [item] = session.scalars(select(ScheduledItem).where(ScheduledItem.kind == "care_resume"))
        assert item.status == ItemStatus.DONE.value

    clock.set(AFTER - timedelta(days=7))
    runner.run_pending()
    after = dms_to(fake_slack, "U0PAUSED")
    assert len(after) == 2
    assert "Funding without fear" in after[1]


def test_the_same_pause_twice_in_a_minute_still_ends_with_a_welcome_back(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    """A double click (or the command typed again) 20 s later ends 20 s later: the one job
    for that minute moves with it, rather than running early and finding the pause on."""
    add_member(sched_runtime, "U0PAUSED")
    dispatcher = sched_runtime.dispatcher()
    dispatcher.command(caller("U0PAUSED"), "pause 3 weeks")
    clock.advance(timedelta(seconds=20))
    dispatcher.command(caller("U0PAUSED"), "pause 3 weeks")
    until = clock.now() + timedelta(weeks=3)
    runner = make_runner()

    clock.set(until - timedelta(seconds=10))  # the first pause's end: the second's is later
    runner.run_pending()
    assert dms_to(fake_slack, "U0PAUSED") == []
    clock.set(until + timedelta(minutes=1))
    runner.run_pending()
    [welcome] = dms_to(fake_slack, "U0PAUSED")
    assert "Welcome back" in welcome
    with unit_of_work(sched_runtime.session_factory) as session:
        [member] = session.scalars(select(Member).where(Member.platform_user_id == "U0PAUSED"))
        assert member.paused_at is None
        assert not member.is_paused(clock.now())
