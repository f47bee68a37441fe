"""Pacing of the outbox sender on the fake clock: the workspace bucket, the claim loop that
keeps the senders fed, and which 429s pause what. No real sleeps: waiting moves the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.slack.sender import SlackSender
from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import OutboxMessage, OutboxStatus
from scheduler.delivery import OutboxWorker, TokenBucket
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.conftest import RunnerFactory, add_member, add_session

# Relative to nothing but itself: the tests don't depend on today's date.
START = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)


def reminders_for(
    runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, members: int
) -> datetime:
    """`members` members, each with a 1-day reminder in the outbox (nothing sent); returns the
    time they fell due, which is where the clock stands."""
    for i in range(members):
        add_member(runtime, f"U0M{i:04d}")
    add_session(runtime, START, offsets="1d")
    runner = make_runner()
    runner.context.worker = None  # fan out only
    clock.set(START - timedelta(days=1))
    runner.run_pending()
    return clock.now()


def worker(runtime: Runtime, fake: FakeSlackApi, **options: object) -> OutboxWorker:
    return OutboxWorker(
        runtime.session_factory,
        runtime.clock,
        SlackSender("xoxb-test", fake.base_url),
        "w",
        **options,  # type: ignore[arg-type]
    )


def outbox_rows(runtime: Runtime) -> list[OutboxMessage]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_token_bucket_on_the_fake_clock() -> None:
    t0 = START
    bucket = TokenBucket(rate=2.0, burst=2, tokens=2.0, updated=t0)
    assert bucket.take(t0) is None
    assert bucket.take(t0) is None
    assert bucket.take(t0) == t0 + timedelta(seconds=0.5)
    assert bucket.peek(t0 + timedelta(seconds=0.25)) == t0 + timedelta(seconds=0.5)
    assert bucket.take(t0 + timedelta(seconds=0.5)) is None  # waiting until then finds it
    assert bucket.take(t0 + timedelta(seconds=10)) is None  # refills up to the burst only
    assert bucket.take(t0 + timedelta(seconds=10)) is None
    assert bucket.take(t0 + timedelta(seconds=10)) is not None
    third = TokenBucket(rate=3.0, burst=1, tokens=0.0, updated=t0)
    ready_at = third.peek(t0)
    assert ready_at is not None
    assert third.take(ready_at) is None  # no float rounding left over


def test_the_workspace_bucket_paces_every_channel_together(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    due = reminders_for(sched_runtime, clock, make_runner, 6)
    # One sender, so each message is recorded before the clock moves on.
    sending = worker(
        sched_runtime, fake_slack, workspace_rate=2.0, workspace_burst=2, concurrency=1
    )
    assert sending.run_until_idle() == 6  # one run: it waits (on the clock) for each token
    assert len(set(fake_slack.posted_keys())) == 6
    sent = sorted((r.sent_at or due).replace(tzinfo=UTC) - due for r in outbox_rows(sched_runtime))
    # The burst of 2 at once, then one every 0.5 s: six DM channels, one workspace.
    assert [d.total_seconds() for d in sent] == pytest.approx([0, 0, 0.5, 1.0, 1.5, 2.0])
    assert clock.now() - due == timedelta(seconds=2)  # and not a moment idle after the last


def test_the_claim_loop_keeps_the_senders_fed(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    # More messages than a batch and than the senders' look-ahead: the time taken is only
    # the workspace bucket's, (60 - burst) / rate, with no pause between claims.
    due = reminders_for(sched_runtime, clock, make_runner, 60)
    sending = worker(sched_runtime, fake_slack, workspace_rate=10.0, workspace_burst=4)
    assert sending.run_until_idle() == 60
    assert sorted(fake_slack.posted_keys()) == sorted(r.key for r in outbox_rows(sched_runtime))
    assert (clock.now() - due).total_seconds() == pytest.approx((60 - 4) / 10.0, abs=1e-3)
    assert {r.status for r in outbox_rows(sched_runtime)} == {OutboxStatus.SENT.value}


def test_a_one_second_429_holds_back_only_its_channel(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    due = reminders_for(sched_runtime, clock, make_runner, 4)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1)
    sending = worker(sched_runtime, fake_slack, concurrency=1, workspace_burst=10)
    assert sending.run_until_idle() == 4
    assert len(fake_slack.posted_keys()) == 3  # the other channels went on at once
    assert sending.paused_until is None
    [waiting] = [r for r in outbox_rows(sched_runtime) if r.status != OutboxStatus.SENT.value]
    assert waiting.status == OutboxStatus.PENDING.value
    assert waiting.attempts == 0  # a pause, not a failed attempt
    assert waiting.next_attempt_at.replace(tzinfo=UTC) == due + timedelta(seconds=1)
    assert clock.now() == due  # nobody waited

    clock.advance(timedelta(seconds=1))
    sending.run_until_idle()
    assert len(set(fake_slack.posted_keys())) == 4


def test_a_longer_retry_after_pauses_every_channel(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    due = reminders_for(sched_runtime, clock, make_runner, 5)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=5)
    sending = worker(sched_runtime, fake_slack, concurrency=1, workspace_burst=10)
    sending.run_until_idle()
    assert sending.paused_until == due + timedelta(seconds=5)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # a wider limit: nothing more
    assert clock.now() == due  # too long to wait inside a run: the rows were handed back
    assert {r.next_attempt_at.replace(tzinfo=UTC) for r in outbox_rows(sched_runtime)} == {
        due + timedelta(seconds=5)
    }
    clock.advance(timedelta(seconds=5) - timedelta(milliseconds=1))
    sending.run_until_idle()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    clock.advance(timedelta(milliseconds=1))
    sending.run_until_idle()
    assert len(set(fake_slack.posted_keys())) == 5


def test_a_run_of_429s_on_different_channels_pauses_every_channel(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    due = reminders_for(sched_runtime, clock, make_runner, 5)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=1, times=3)
    sending = worker(sched_runtime, fake_slack, concurrency=1, workspace_burst=10)
    sending.run_until_idle()  # a 1 s pause is short enough to wait for inside the run
    assert len(fake_slack.calls_to("chat.postMessage")) == 3 + 5
    assert len(set(fake_slack.posted_keys())) == 5
    sent = [(r.sent_at or due).replace(tzinfo=UTC) for r in outbox_rows(sched_runtime)]
    assert min(sent) == due + timedelta(seconds=1)  # nothing went before the pause was over


def test_a_stopped_worker_hands_back_what_it_has_not_sent(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    reminders_for(sched_runtime, clock, make_runner, 3)
    sending = worker(sched_runtime, fake_slack)
    sending.stop()
    assert sending.run_until_idle() == 0
    assert {r.status for r in outbox_rows(sched_runtime)} == {OutboxStatus.PENDING.value}
    sending.resume()
    assert sending.run_until_idle() == 3
