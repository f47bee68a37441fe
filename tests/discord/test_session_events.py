"""Sessions as the server's scheduled events, end to end on the fake Discord and the real
scheduler: a facilitator adds a session through the paged modal, the Discord scheduler makes
one external event for it, an edit moves that event, a cancellation cancels it; a crash
between making the event and recording its id makes no second one; a missing Manage Events
permission is reported and changes nothing else; Discord being briefly down is tried again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.discord.events import CANCELED, SCHEDULED
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.calendar import CalendarEntry, CalendarMirror
from core.delivery.models import ItemStatus, ScheduledItem
from core.sessions.models import CommunitySession, SessionItemKind
from scheduler.runner import Runner
from tests.discord.test_core_flows import SESSION, fill_form, join
from tests.discord_harness import DiscordHarness, World
from tests.fakes.discord_api import MANAGE_EVENTS, FakeDiscord
from tests.slack.conftest import TracebackCatcher

STARTS = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # SESSION's 18:00 in London, winter time
EVENTS = "/guilds/{guild_id}/scheduled-events"


def add_session(discord: DiscordHarness) -> None:
    facilitator = discord.fake.other_member_id
    added = fill_form(
        discord, discord.command("session add", user=facilitator), SESSION, facilitator
    )
    assert "Please fix" not in added.text, added.text


def run_a_minute_later(runner: Runner, clock: FakeClock) -> None:
    clock.advance(timedelta(minutes=1))
    runner.run_pending()


def stored(discord: DiscordHarness) -> CommunitySession:
    with unit_of_work(discord.runtime.session_factory) as session:
        [cs] = session.scalars(select(CommunitySession)).all()
        session.expunge(cs)
        return cs


def calendar_items(discord: DiscordHarness) -> list[tuple[str, str | None]]:
    with unit_of_work(discord.runtime.session_factory) as session:
        items = session.scalars(
            select(ScheduledItem)
            .where(ScheduledItem.kind == SessionItemKind.CALENDAR.value)
            .order_by(ScheduledItem.id)
        )
        return [(item.status, item.note) for item in items]


def only_event(fake: FakeDiscord) -> dict[str, Any]:
    [event] = fake.scheduled_events.values()
    return event


def moment(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


def test_a_session_is_an_event_its_edit_moves_and_its_cancellation_cancels(
    world: World, clock: FakeClock
) -> None:
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    join(discord)
    add_session(discord)
    assert fake.scheduled_events == {}  # made by the scheduler, not while the form answers

    run_a_minute_later(runner, clock)
    event = only_event(fake)
    assert event["name"] == "Access to senior positions"
    assert event["entity_type"] == 3  # external: its place is a link
    assert event["entity_metadata"] == {"location": "https://zoom.us/j/555"}
    assert (moment(event["scheduled_start_time"]), moment(event["scheduled_end_time"])) == (
        STARTS,
        STARTS + timedelta(minutes=90),
    )
    assert "Think of one door" in event["description"]
    assert "Interested" in event["description"]  # Catalyst's buttons are the answers
    assert stored(discord).platform_event_id == event["id"]

    edit = discord.command("session edit 1", user=facilitator)
    edited = fill_form(discord, edit, {"start_time": "19:30"}, facilitator)
    assert "Please fix" not in edited.text, edited.text
    run_a_minute_later(runner, clock)
    moved = only_event(fake)
    assert moved["id"] == event["id"]
    assert moment(moved["scheduled_start_time"]) == STARTS + timedelta(minutes=90)
    assert moment(moved["scheduled_end_time"]) == STARTS + timedelta(minutes=180)
    assert moved["status"] == SCHEDULED

    question = discord.command("session cancel 1", user=facilitator)
    done = discord.click(question, "Cancel the session", user=facilitator)
    assert "is cancelled" in done.text
    run_a_minute_later(runner, clock)
    assert only_event(fake)["id"] == event["id"]
    assert only_event(fake)["status"] == CANCELED
    assert len(fake.calls_to("POST", EVENTS)) == 1
    assert [status for status, _note in calendar_items(discord)] == ["done"] * 3

    run_a_minute_later(runner, clock)  # nothing left to do: no call to Discord
    assert len(fake.calls_to("PATCH", EVENTS + "/{event_id}")) == 2


class DiesAfterPublishing:
    """The process dies once Discord has made the event, before its id is recorded."""

    def __init__(self, real: CalendarMirror) -> None:
        self.real = real

    def publish(self, entry: CalendarEntry, event_id: str | None, now: datetime) -> str | None:
        self.real.publish(entry, event_id, now)
        raise RuntimeError("the process died here")


def test_a_crash_between_making_the_event_and_recording_it_makes_no_second_one(
    world: World, clock: FakeClock, tracebacks: TracebackCatcher
) -> None:
    discord, runner = world
    fake = discord.fake
    real = runner.context.calendar
    assert real is not None
    add_session(discord)
    runner.context.calendar = DiesAfterPublishing(real)
    run_a_minute_later(runner, clock)
    assert len(fake.scheduled_events) == 1
    assert stored(discord).platform_event_id is None
    assert calendar_items(discord) == [("pending", None)]  # rolled back: tried again
    # The runner logs the crash it survived (each try), and nothing else.
    assert tracebacks.seen
    assert all("the process died here" in logged for logged in tracebacks.seen)
    tracebacks.seen.clear()

    runner.context.calendar = real  # the restarted process
    run_a_minute_later(runner, clock)
    event = only_event(fake)
    assert stored(discord).platform_event_id == event["id"]
    assert len(fake.calls_to("POST", EVENTS)) == 1
    assert [status for status, _note in calendar_items(discord)] == ["done"]


def test_without_manage_events_the_session_goes_on_without_its_event(
    world: World, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    discord, runner = world
    fake = discord.fake
    fake.set_bot_permission(MANAGE_EVENTS, False)
    join(discord)
    add_session(discord)
    with caplog.at_level(logging.WARNING):
        run_a_minute_later(runner, clock)
    assert fake.scheduled_events == {}
    [(status, note)] = calendar_items(discord)
    assert status == ItemStatus.FAILED.value
    assert note is not None
    assert "Manage Events" in note
    assert any("Manage Events" in r.getMessage() for r in caplog.records)
    assert stored(discord).platform_event_id is None

    run_a_minute_later(runner, clock)  # refused for good: not asked again and again
    assert len(fake.calls_to("POST", EVENTS)) == 1
    clock.set(STARTS - timedelta(days=1))  # the reminder still comes, by DM
    runner.run_pending()
    assert "Access to senior positions" in str(fake.dms_to(fake.member_id)[-1])


def test_discord_briefly_down_is_tried_again_a_little_later(
    world: World, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    discord, runner = world
    fake = discord.fake
    add_session(discord)
    fake.fail_next("POST", EVENTS, status=503)
    with caplog.at_level(logging.WARNING):
        run_a_minute_later(runner, clock)
    assert [call.status for call in fake.calls_to("POST", EVENTS)] == [503]
    run_a_minute_later(runner, clock)  # not at every sync: two minutes on
    assert [call.status for call in fake.calls_to("POST", EVENTS)] == [503]
    run_a_minute_later(runner, clock)
    assert [call.status for call in fake.calls_to("POST", EVENTS)] == [503, 200]
    assert any("stays pending" in r.getMessage() for r in caplog.records)
    assert stored(discord).platform_event_id == only_event(fake)["id"]
    assert [status for status, _note in calendar_items(discord)] == ["done"]
