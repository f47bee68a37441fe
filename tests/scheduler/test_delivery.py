"""Crash safety of the outbox and isolation of failing jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.slack.sender import SlackSender
from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery import outbox as outbox
from core.delivery.models import ItemStatus, OutboxMessage, OutboxStatus, ScheduledItem
from core.ui_codec import message_from_json
from scheduler.delivery import OutboxWorker
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.conftest import RunnerFactory, add_member, add_session

START = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def fan_out(runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory) -> None:
    """Run the 1-day reminder's fan-out into the outbox without sending anything."""
    runner = make_runner()
    runner.context.worker = None  # nothing is sent by this runner
    clock.set(START - timedelta(days=1))
    runner.run_pending()


def rows(runtime: Runtime) -> list[OutboxMessage]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def worker(runtime: Runtime, fake: FakeSlackApi, name: str = "w") -> OutboxWorker:
    return OutboxWorker(
        runtime.session_factory,
        runtime.clock,
        SlackSender("xoxb-test", fake.base_url),
        name,
    )


def test_a_message_sent_just_before_a_crash_is_not_sent_again(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    add_session(sched_runtime, START)
    fan_out(sched_runtime, clock, make_runner)
    # The process claims the row, Slack receives the message, the process dies before
    # recording it: the row is left "sending" with the claim still on it.
    with unit_of_work(sched_runtime.session_factory) as session:
        [claim] = outbox.claim_due(session, clock.now(), "crashed-worker")
    SlackSender("xoxb-test", fake_slack.base_url).send(
        claim.recipient, message_from_json(claim.payload), key=claim.key
    )
    assert len(fake_slack.posted_keys()) == 1

    clock.advance(outbox.CLAIM_FOR + timedelta(seconds=1))  # the claim runs out
    worker(sched_runtime, fake_slack).run_until_idle()

    assert fake_slack.posted_keys() == [claim.key]  # found in the DM history, not re-sent
    [row] = rows(sched_runtime)
    assert row.status == OutboxStatus.SENT.value
    assert row.sent_ts


def test_a_claim_that_never_reached_slack_is_sent_after_the_crash(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    add_session(sched_runtime, START)
    fan_out(sched_runtime, clock, make_runner)
    with unit_of_work(sched_runtime.session_factory) as session:
        outbox.claim_due(session, clock.now(), "crashed-worker")
    worker(sched_runtime, fake_slack).run_until_idle()
    assert fake_slack.posted_keys() == []  # still claimed by the dead worker
    clock.advance(outbox.CLAIM_FOR + timedelta(seconds=1))
    worker(sched_runtime, fake_slack).run_until_idle()
    assert len(fake_slack.posted_keys()) == 1


def test_two_workers_never_send_the_same_row(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    for user in ("U0A", "U0B", "U0C", "U0D"):
        add_member(sched_runtime, user)
    add_session(sched_runtime, START)
    fan_out(sched_runtime, clock, make_runner)
    first, second = worker(sched_runtime, fake_slack, "a"), worker(sched_runtime, fake_slack, "b")
    first.batch = second.batch = 2
    first.run_once()
    second.run_once()
    first.run_until_idle()
    second.run_until_idle()
    keys = fake_slack.posted_keys()
    assert len(keys) == len(set(keys)) == 4


def test_stale_messages_are_recorded_as_missed_not_sent_late(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    add_session(sched_runtime, START)
    fan_out(sched_runtime, clock, make_runner)
    clock.set(START + timedelta(minutes=5))  # the session has started: too late for it
    worker(sched_runtime, fake_slack).run_until_idle()
    assert fake_slack.posted_keys() == []
    assert [r.status for r in rows(sched_runtime)] == [OutboxStatus.MISSED.value]


def test_one_failing_job_does_not_stop_the_others(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    add_session(sched_runtime, START)
    with unit_of_work(sched_runtime.session_factory) as session:
        first = session.scalars(select(ScheduledItem)).first()
        assert first is not None
        # An item whose session row is broken in a way the code doesn't expect.
        session.add(
            ScheduledItem(
                community_id=first.community_id,
                key="reminder:999999:1440:broken",
                kind="reminder",
                session_id=None,
                offset_minutes=None,
                due_at=START - timedelta(days=1, minutes=1),
                grace_seconds=3600,
                status=ItemStatus.PENDING.value,
            )
        )
        session.add(
            ScheduledItem(
                community_id=first.community_id,
                key="mystery:1",
                kind="mystery",
                due_at=START - timedelta(days=1, minutes=1),
                grace_seconds=3600,
                status=ItemStatus.PENDING.value,
            )
        )
    runner = make_runner()
    clock.set(START - timedelta(days=1))
    runner.run_pending()
    assert len(fake_slack.posted_keys()) == 1  # the real reminder still went out
    with unit_of_work(sched_runtime.session_factory) as session:
        statuses = dict(session.execute(select(ScheduledItem.key, ScheduledItem.status)).all())
    assert statuses["mystery:1"] == ItemStatus.FAILED.value
    assert statuses["reminder:999999:1440:broken"] == ItemStatus.CANCELLED.value


def test_transient_errors_are_retried_with_backoff(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    add_session(sched_runtime, START)
    fan_out(sched_runtime, clock, make_runner)
    fake_slack.fail_next("chat.postMessage", status=503, error="service_unavailable", times=2)
    sending = worker(sched_runtime, fake_slack)
    sending.run_until_idle()
    [row] = rows(sched_runtime)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "service_unavailable")
    clock.advance(timedelta(seconds=5))
    sending.run_until_idle()
    clock.advance(timedelta(seconds=10))
    sending.run_until_idle()
    assert len(fake_slack.posted_keys()) == 1
    assert rows(sched_runtime)[0].status == OutboxStatus.SENT.value
