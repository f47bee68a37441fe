"""Reminders through the real scheduler, the outbox and the fake Slack API, on a fake clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import ItemStatus, OutboxMessage, OutboxStatus, ScheduledItem
from core.models import Community
from core.sessions import plan as planner
from core.sessions.models import CommunitySession, SessionRsvp
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.conftest import RunnerFactory, add_member, add_session

START = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # 10:00 in London (GMT)


def posts(fake: FakeSlackApi) -> list[dict[str, Any]]:
    """What was asked of chat.postMessage (channel = the user id for DMs), for the messages
    Slack accepted, one per outbox key (a 429'd attempt and its retry count once)."""
    accepted = set(fake.posted_keys())
    by_key: dict[str, dict[str, Any]] = {}
    for call in fake.calls_to("chat.postMessage"):
        key = outbox_key(call.params)
        if key in accepted:
            by_key[key] = call.params
    return list(by_key.values())


def outbox_key(params: dict[str, Any]) -> str:
    metadata = params.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    return str(metadata.get("event_payload", {}).get("key"))


def keys(fake: FakeSlackApi) -> list[str]:
    return fake.posted_keys()


def items(runtime: Runtime) -> list[ScheduledItem]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(ScheduledItem).order_by(ScheduledItem.due_at)))


def outbox_rows(runtime: Runtime) -> list[OutboxMessage]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_reminders_at_each_offset_in_each_members_timezone(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0LONDON", "Europe/London")
    add_member(sched_runtime, "U0BOGOTA", "America/Bogota")
    add_member(sched_runtime, "U0AMMAN", "Asia/Amman")
    add_session(sched_runtime, START)
    runner = make_runner()

    clock.set(START - timedelta(days=7, minutes=1))
    runner.run_pending()
    assert posts(fake_slack) == []  # one minute early: nothing

    clock.set(START - timedelta(days=7))
    runner.run_pending()
    first = {p["channel"]: p for p in posts(fake_slack)}
    assert set(first) == {"U0LONDON", "U0BOGOTA", "U0AMMAN"}  # DMs go to the user id
    assert "10:00–11:30 (Europe/London)" in str(first["U0LONDON"]["blocks"])
    assert "05:00–06:30 (America/Bogota)" in str(first["U0BOGOTA"]["blocks"])
    assert "13:00–14:30 (Asia/Amman)" in str(first["U0AMMAN"]["blocks"])
    assert "Coming up in 7 days" in first["U0LONDON"]["text"]

    clock.set(START - timedelta(days=1))
    runner.run_pending()
    clock.set(START - timedelta(hours=1))
    runner.run_pending()
    sent = keys(fake_slack)
    assert len(sent) == 9
    assert len(set(sent)) == 9
    assert all(i.status == ItemStatus.DONE.value for i in items(sched_runtime)[:3])


def test_member_who_declined_gets_no_reminders(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    yes = add_member(sched_runtime, "U0YES")
    no = add_member(sched_runtime, "U0NO")
    session_id = add_session(sched_runtime, START)
    with unit_of_work(sched_runtime.session_factory) as session:
        for member_id, answer in ((yes, "going"), (no, "declined")):
            session.add(
                SessionRsvp(
                    session_id=session_id,
                    member_id=member_id,
                    answer=answer,
                    wants_recap=False,
                    answered_at=clock.now(),
                )
            )
    runner = make_runner()
    clock.set(START - timedelta(days=1))
    runner.run_pending()
    assert {p["channel"] for p in posts(fake_slack)} == {"U0YES"}
    assert "See you in 1 day" in posts(fake_slack)[0]["text"]


def _replan(runtime: Runtime, session_id: int, **changes: Any) -> None:
    with unit_of_work(runtime.session_factory) as session:
        cs = session.get(CommunitySession, session_id)
        assert cs is not None
        for name, value in changes.items():
            setattr(cs, name, value)
        community = session.get(Community, cs.community_id)
        assert community is not None
        planner.plan_session(session, cs, community, runtime.settings, runtime.clock.now())


def test_moving_a_session_moves_its_reminders(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    session_id = add_session(sched_runtime, START)
    runner = make_runner()
    _replan(sched_runtime, session_id, starts_at=START + timedelta(days=2))
    runner.run_pending()  # sync picks up the change

    clock.set(START - timedelta(days=1))  # the old 1d reminder time
    runner.run_pending()
    assert posts(fake_slack) == []
    clock.set(START + timedelta(days=1))  # the new one
    runner.run_pending()
    assert len(posts(fake_slack)) == 1
    statuses = [i.status for i in items(sched_runtime) if i.kind == "reminder"]
    assert statuses.count(ItemStatus.CANCELLED.value) == 3


def test_cancelling_removes_reminders_and_pending_messages(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    session_id = add_session(sched_runtime, START)
    runner = make_runner()
    _replan(sched_runtime, session_id, status="cancelled")
    clock.set(START)
    runner.run_pending()
    assert posts(fake_slack) == []
    by_kind = {(i.kind, i.status) for i in items(sched_runtime)}
    # The session's calendar item still runs (on Slack, which has no calendar: doing nothing).
    assert by_kind == {
        ("reminder", ItemStatus.CANCELLED.value),
        ("prompt_post", ItemStatus.CANCELLED.value),
        ("nudge", ItemStatus.CANCELLED.value),
        ("calendar", ItemStatus.DONE.value),
    }


def test_session_created_two_hours_ahead_gets_only_the_reminders_still_ahead(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    clock.set(START - timedelta(hours=2))
    add_session(sched_runtime, START)
    reminders = [i for i in items(sched_runtime) if i.kind == "reminder"]
    assert [i.offset_minutes for i in reminders] == [60]
    runner = make_runner()
    clock.set(START - timedelta(hours=1))
    runner.run_pending()
    assert len(posts(fake_slack)) == 1


def test_restart_sends_what_is_still_useful_and_records_the_rest_as_missed(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    add_session(sched_runtime, START)
    first = make_runner("first")
    first.stop()  # the process goes down before any reminder is due...
    # ...and comes back one hour after the 1-day reminder was due: the 7-day one is stale.
    clock.set(START - timedelta(hours=23))
    second = make_runner("second")
    second.run_pending()
    sent = keys(fake_slack)
    assert len(sent) == 1
    assert ":1440:" in sent[0]
    by_offset = {i.offset_minutes: i.status for i in items(sched_runtime) if i.kind == "reminder"}
    assert by_offset == {
        10080: ItemStatus.MISSED.value,
        1440: ItemStatus.DONE.value,
        60: ItemStatus.PENDING.value,
    }


def test_a_second_scheduler_stays_idle_and_nothing_is_sent_twice(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    for user in ("U0A", "U0B", "U0C"):
        add_member(sched_runtime, user)
    add_session(sched_runtime, START)
    one, two = make_runner("one"), make_runner("two")
    clock.set(START - timedelta(days=1))
    one.run_pending()
    two.run_pending()
    assert len(keys(fake_slack)) == 3
    assert two.context.hold_lease() is False

    # Even if the lease expires mid-way and both run the same work, keys stop duplicates.
    clock.set(START - timedelta(hours=1))
    one.stop()  # releases the lease
    two.run_pending()
    one.start(paused=True)
    one.run_pending()
    sent = keys(fake_slack)
    assert len(sent) == len(set(sent)) == 6


def test_day_offsets_keep_the_wall_clock_across_uk_clock_changes(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A", "Europe/London")
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    spring = datetime(2026, 3, 29, 9, 0, tzinfo=UTC)  # Sunday 10:00 BST, the day clocks go forward
    autumn = datetime(2026, 10, 25, 10, 0, tzinfo=UTC)  # Sunday 10:00 GMT, the day they go back
    add_session(sched_runtime, spring, title="Spring")
    add_session(sched_runtime, autumn, title="Autumn")
    dues = {
        (i.session_id, i.offset_minutes): i.due_at
        for i in items(sched_runtime)
        if i.kind == "reminder"
    }
    # 1 day before 10:00 BST Sunday is 10:00 GMT Saturday (= 10:00 UTC), not 09:00.
    assert dues[(1, 1440)] == datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
    assert dues[(1, 60)] == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    # 1 day before 10:00 GMT Sunday is 10:00 BST Saturday (= 09:00 UTC).
    assert dues[(2, 1440)] == datetime(2026, 10, 24, 9, 0, tzinfo=UTC)
    runner = make_runner()
    clock.set(datetime(2026, 3, 29, 8, 0, tzinfo=UTC))
    runner.run_pending()
    texts = [str(p["blocks"]) for p in posts(fake_slack)]
    assert any("Sunday 29 March, 10:00–11:30 (Europe/London)" in t for t in texts)


def test_delivery_records_the_message_id_and_marks_permanent_failures(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    add_member(sched_runtime, "U0GONE")
    add_session(sched_runtime, START)
    fake_slack.deactivate_user("U0GONE")
    runner = make_runner()
    clock.set(START - timedelta(days=1))
    runner.run_pending()
    rows = {r.recipient: r for r in outbox_rows(sched_runtime)}
    assert rows["U0A"].status == OutboxStatus.SENT.value
    assert rows["U0A"].sent_ts
    assert rows["U0GONE"].status == OutboxStatus.FAILED.value
    assert rows["U0GONE"].last_error == "account_inactive"


def test_rate_limit_pauses_sending_for_retry_after(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    for user in ("U0A", "U0B"):
        add_member(sched_runtime, user)
    add_session(sched_runtime, START)
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=5)
    runner = make_runner()
    clock.set(START - timedelta(days=1))
    runner.run_pending()
    # Sends to different channels run at once: the second may start before or after the
    # first came back 429. Either way, once it has, no new call may start until its
    # Retry-After has passed.
    attempts = len(fake_slack.calls_to("chat.postMessage"))
    assert attempts in (1, 2)
    assert len(keys(fake_slack)) == attempts - 1
    clock.advance(timedelta(seconds=4))
    runner.run_pending()
    assert len(fake_slack.calls_to("chat.postMessage")) == attempts
    clock.advance(timedelta(seconds=2))
    runner.run_pending()
    assert len(keys(fake_slack)) == 2


def test_reminders_list_the_library_resources_attached_to_the_session(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    from core.models import Community
    from core.resources import service as resources

    add_member(sched_runtime, "U0A")
    session_id = add_session(sched_runtime, START)
    with unit_of_work(sched_runtime.session_factory) as session:
        cs = session.get(CommunitySession, session_id)
        assert cs is not None
        community = session.get(Community, cs.community_id)
        assert community is not None
        resource = resources.add(
            session,
            community,
            sched_runtime.settings,
            resources.ResourceDraft(
                title="Positional power <!channel>",
                url="https://example.org/power",
                format="reading",
                language="en",
            ),
            clock.now(),
            by=None,
            facilitator=True,
        )
        resources.attach(session, cs, resource, clock.now())
    runner = make_runner()
    clock.set(START - timedelta(days=1))
    runner.run_pending()
    [post] = posts(fake_slack)
    blocks = json.dumps(post["blocks"])
    assert "From the library" in blocks
    assert "https://example.org/power" in blocks
    assert "<!channel>" not in blocks
