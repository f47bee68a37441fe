"""Inbound and outbound together, on the fake clock: a facilitator adds a session through
the paged modal, a member RSVPs, the reminder arrives by DM through the outbox's Discord
sender, its buttons work from the DM, and the reflection prompt's thread keeps replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.discord import interactions
from core.clock import FakeClock
from core.db import unit_of_work
from core.sessions.models import SessionRsvp
from tests.discord.test_core_flows import SESSION, fill_form, join
from tests.discord.test_message_events import eventually, reflections
from tests.discord_harness import Seen, World

STARTS = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # 18:00 in London, winter time


def test_session_reminder_rsvp_from_the_dm_and_a_reflection_thread(
    world: World, clock: FakeClock
) -> None:
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    join(discord)
    added = fill_form(
        discord, discord.command("session add", user=facilitator), SESSION, facilitator
    )
    assert "Please fix" not in added.text, added.text

    clock.set(STARTS - timedelta(days=1))
    runner.run_pending()
    reminder = fake.dms_to(fake.member_id)[-1]
    seen = Seen("", 4, reminder, reminder)
    assert "Access to senior positions" in seen.text
    going = discord.click(seen, "Going")  # clicked in the DM: no guild in the payload
    assert going.type in (4, 5, 7)  # 5: a loaded machine deferred, then answered
    with unit_of_work(discord.runtime.session_factory) as session:
        assert [r.answer for r in session.scalars(select(SessionRsvp))] == ["going"]

    clock.set(STARTS + timedelta(minutes=90, hours=1, seconds=30))
    runner.run_pending()
    prompt = next(m for m in fake.messages_in(fake.channel_id) if "thread" in m)
    thread = prompt["thread"]["id"]
    reply = fake.user_message(fake.member_id, "One door: my first manager.", channel_id=thread)
    assert eventually(lambda: reflections(discord)) == [
        ("One door: my first manager.", reply["id"])
    ]


def test_a_pairing_round_introduces_the_pair_in_a_private_thread(
    world: World, clock: FakeClock
) -> None:
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    join(discord)
    join(discord, user=facilitator, display_name="Bob Facilitator")
    asked = discord.command("pairing run", user=facilitator)
    started = discord.click(asked, "Run the round", user=facilitator)
    assert "under way" in started.text
    clock.advance(timedelta(minutes=1))
    runner.run_pending()
    (thread,) = [c for c in fake.channels.values() if c["type"] == 12]  # a private thread
    assert thread["parent_id"] == fake.channel_id
    assert {fake.member_id, facilitator} <= set(fake.thread_members[thread["id"]])
    (intro,) = fake.messages_in(thread["id"])
    assert "GROW" in Seen("", 4, intro, intro).text


def test_a_slow_click_in_a_dm_still_replaces_the_message_clicked(
    world: World, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a deferral the interaction's own message is "thinking…": an answer meant to
    replace the clicked reminder edits the reminder itself, and "thinking…" goes away."""
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    join(discord)
    added = fill_form(
        discord, discord.command("session add", user=facilitator), SESSION, facilitator
    )
    assert "Please fix" not in added.text, added.text
    clock.set(STARTS - timedelta(days=1))
    runner.run_pending()
    dms = fake.dms_to(fake.member_id)
    reminder = dms[-1]
    assert "Going" in Seen("", 4, reminder, reminder).text

    monkeypatch.setattr(interactions, "ACK_BUDGET", 0.0)  # every answer takes the slow path
    going = discord.click(Seen("", 4, reminder, reminder), "Going")
    assert going.type == 5
    assert "Access to senior positions" in going.text
    assert len(fake.dms_to(fake.member_id)) == len(dms)  # replaced, not answered below
    edited = fake.dms_to(fake.member_id)[-1]
    assert edited["id"] == reminder["id"]
    assert Seen("", 4, edited, edited).text == going.text
    with unit_of_work(discord.runtime.session_factory) as session:
        assert [r.answer for r in session.scalars(select(SessionRsvp))] == ["going"]
