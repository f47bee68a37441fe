"""Gateway messages through the Discord adapter: replies in a prompt's thread become
reflections (edits and deletions follow them), the bot's own messages are ignored, and a
DM to the bot is read as a command; plus the slow path (deferred, then filled in)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot.discord import interactions
from core import communities
from core.db import unit_of_work
from core.sessions.models import Reflection
from tests.conftest import table_counts
from tests.discord.test_core_flows import join
from tests.discord_harness import DiscordHarness
from tests.fakes.test_discord_fake import raw
from tests.reflection_helpers import add_prompt, add_session


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Wait until `check()` is truthy (gateway events are handled on the adapter's thread)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        threading.Event().wait(0.02)


def reflections(discord: DiscordHarness) -> list[tuple[str, str]]:
    with unit_of_work(discord.runtime.session_factory) as session:
        return [(r.body, r.platform_ts) for r in session.scalars(select(Reflection))]


def prompt_thread(discord: DiscordHarness) -> str:
    """A prompt posted in the community channel with a thread, as the sender leaves it:
    the prompt's ts is its message id, which is also its thread's id on Discord."""
    fake = discord.fake
    status, _, message = raw(
        fake,
        "POST",
        f"/channels/{fake.channel_id}/messages",
        {"content": "What will you carry into your work this month?"},
    )
    assert status == 200
    status, _, thread = raw(
        fake,
        "POST",
        f"/channels/{fake.channel_id}/messages/{message['id']}/threads",
        {"name": "Reflections"},
    )
    assert status == 201
    with unit_of_work(discord.runtime.session_factory) as session:
        community = communities.get_or_create(
            session,
            "discord",
            fake.guild_id,
            timezone="Europe/London",
            now=discord.runtime.clock.now(),
        )
        add_prompt(
            session,
            community,
            ts=message["id"],
            channel=fake.channel_id,
            cs=add_session(session, community),
        )
    return str(thread["id"])


def test_replies_in_a_prompt_thread_are_kept_edited_and_deleted(discord: DiscordHarness) -> None:
    fake = discord.fake
    join(discord)
    thread = prompt_thread(discord)
    assert thread == fake.messages_in(fake.channel_id)[0]["id"]
    reply = fake.user_message(fake.member_id, "I'll ask for the budget line.", channel_id=thread)
    assert eventually(lambda: reflections(discord)) == [
        ("I'll ask for the budget line.", reply["id"])
    ]
    fake.edit_user_message(thread, reply["id"], "I'll ask for two budget lines.")
    assert eventually(
        lambda: reflections(discord) == [("I'll ask for two budget lines.", reply["id"])]
    )
    fake.delete_user_message(thread, reply["id"])
    assert eventually(lambda: reflections(discord) == [])


def test_the_bots_own_and_outside_messages_are_not_reflections(discord: DiscordHarness) -> None:
    fake = discord.fake
    join(discord)
    thread = prompt_thread(discord)
    raw(fake, "POST", f"/channels/{thread}/messages", {"content": "A gentle nudge."})
    fake.user_message(fake.other_member_id, "Not a member yet.", channel_id=thread)
    fake.user_message(fake.member_id, "Just chatting in the channel.")
    fake.user_message(fake.member_id, "Counted.", channel_id=thread)
    assert eventually(lambda: reflections(discord))
    assert [body for body, _ in reflections(discord)] == ["Counted."]


def test_a_dm_to_the_bot_is_read_as_a_command(discord: DiscordHarness) -> None:
    fake = discord.fake
    dm = fake.open_dm(fake.member_id)
    fake.user_message(fake.member_id, "help", channel_id=dm)
    (answer,) = fake.wait_for("POST", f"/channels/{dm}/messages")
    assert answer.status == 200
    assert "join" in str(answer.json)


def test_slow_work_is_deferred_then_filled_in(discord: DiscordHarness, monkeypatch: Any) -> None:
    monkeypatch.setattr(interactions, "ACK_BUDGET", 0.0)  # every answer takes the slow path
    seen = discord.command("help")
    assert seen.type == 5
    call = discord.fake.calls_to("POST", "/interactions/{id}/{token}/callback")[-1]
    assert call.json["data"]["flags"] & 64
    assert "join" in seen.text  # the @original edit


def test_someone_joining_the_server_changes_nothing(discord: DiscordHarness) -> None:
    """Slack's team_join does nothing either: people join Catalyst with `/cop join`."""
    fake = discord.fake
    discord.command("help")
    before = table_counts(discord.runtime)
    member = fake.member_join("carol")
    assert discord.command("help", user=member["user"]["id"]).text
    after = table_counts(discord.runtime)
    after["processed_events"] -= 1  # the help just typed
    assert after == before
