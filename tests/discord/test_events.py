"""Sessions as the server's scheduled events (bot/discord/events.py) against the fake:
made once, moved, cancelled, found again after a crash, never started in the past."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from discord.http import Route

from bot.discord.events import CANCELED, DiscordEvents, event_body
from bot.discord.sender import DiscordSender
from core.delivery.calendar import CalendarEntry
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_validation import Errors

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SESSION = CalendarEntry(
    title="Power and voice",
    starts_at=NOW + timedelta(days=3),
    ends_at=NOW + timedelta(days=3, minutes=90),
    location="https://meet.example.org/abc-defg",
    description="Read the chapter before we meet.",
)


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    # The fake refuses a start before its event clock, as Discord refuses one in the past.
    with FakeDiscord(event_clock=lambda: NOW) as running:
        yield running
        assert running.errors == []


@pytest.fixture
def make_events(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> Iterator[type]:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    senders: list[DiscordSender] = []

    def build() -> DiscordEvents:
        sender = DiscordSender(fake.token, guild_id=fake.guild_id, api_url=fake.api_base)
        senders.append(sender)
        return DiscordEvents(sender)

    yield build  # type: ignore[misc]
    for sender in senders:
        sender.close()


def test_a_session_becomes_one_external_event_and_follows_its_changes(
    fake: FakeDiscord, make_events: type
) -> None:
    events = make_events()
    event_id = events.publish(SESSION, None, NOW)
    assert event_id is not None
    made = fake.scheduled_events[event_id]
    assert made["entity_type"] == 3
    assert made["entity_metadata"] == {"location": SESSION.location}
    assert made["name"] == "Power and voice"
    moved = replace(SESSION, starts_at=SESSION.starts_at + timedelta(hours=1))
    assert events.publish(moved, event_id, NOW) == event_id
    assert datetime.fromisoformat(fake.scheduled_events[event_id]["scheduled_start_time"]) == (
        moved.starts_at
    )
    assert events.publish(replace(moved, cancelled=True), event_id, NOW) == event_id
    assert fake.scheduled_events[event_id]["status"] == CANCELED
    assert len(fake.scheduled_events) == 1


def test_an_event_made_before_a_crash_is_found_not_made_twice(
    fake: FakeDiscord, make_events: type
) -> None:
    first = make_events().publish(SESSION, None, NOW)  # then the process dies
    again = make_events().publish(SESSION, None, NOW)
    assert again == first
    assert len(fake.scheduled_events) == 1


def test_no_event_for_a_session_already_started_or_cancelled_before_it_was_made(
    fake: FakeDiscord, make_events: type
) -> None:
    events = make_events()
    assert events.publish(SESSION, None, SESSION.starts_at + timedelta(minutes=1)) is None
    assert events.publish(replace(SESSION, cancelled=True), None, NOW) is None
    assert fake.scheduled_events == {}


def test_a_long_meeting_link_is_kept_whole_in_the_description() -> None:
    link = "https://meet.example.org/" + "x" * 150
    body = event_body(replace(SESSION, location=link, title="T" * 150))
    assert len(body["entity_metadata"]["location"]) == 100
    assert body["description"].startswith(link)
    assert len(body["name"]) == 100
    errors = Errors()
    errors.max_len(("description",), body["description"], 1000)
    assert not errors
