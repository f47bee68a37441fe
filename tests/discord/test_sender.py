"""The outbox's Discord sender against the fake Discord: where each kind of recipient's
message lands, what survives a crash, and how Discord's refusals reach the delivery loop.

The sender runs discord.py's REST client on its own loop (no gateway), so these tests call it
as the scheduler does, synchronously. Tests that involve the outbox run on both databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from discord.http import Route
from sqlalchemy import select

from bot.discord import messages
from bot.discord.client import CatalystDiscord
from bot.discord.sender import (
    MARKER,
    PRIVATE_THREAD,
    DiscordSender,
    group_thread_name,
    nonce_for,
)
from bot.wiring import Runtime, discord_sender
from core import communities, ui
from core.broadcasts import notices as broadcast_notices
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery import outbox, recipients
from core.delivery.models import OutboxMessage, OutboxStatus
from core.delivery.outbox import Outgoing, PermanentFailure, RateLimited
from core.models import Community
from core.reflections import service as reflections
from core.sessions import notices as session_notices
from core.sessions.models import Prompt
from handlers.dispatch import Dispatcher
from scheduler.delivery import OutboxWorker
from tests.conftest import make_settings
from tests.fakes.discord_api import FakeDiscord
from tests.reflection_helpers import add_member, add_prompt

SINCE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord() as running:
        yield running
        assert running.errors == []  # the fake's own bugs


@pytest.fixture
def make_sender(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> Iterator[type]:
    """A sender per call (a new one is a restarted process); all closed at the end."""
    monkeypatch.setattr(Route, "BASE", Route.BASE)  # process-wide: put back afterwards
    made: list[DiscordSender] = []

    def build() -> DiscordSender:
        sender = DiscordSender(
            fake.token,
            guild_id=fake.guild_id,
            community_channel_id=fake.channel_id,
            api_url=fake.api_base,
        )
        made.append(sender)
        return sender

    yield build  # type: ignore[misc]
    for sender in made:
        sender.close()


@pytest.fixture
def sender(make_sender: type) -> DiscordSender:
    return make_sender()  # type: ignore[no-any-return]


def note(words: str, button: bool = False) -> ui.Message:
    actions = [ui.Actions([ui.Button("Reflect", "reflection.open", "5", "primary")])]
    return ui.Message(words, [ui.Section(ui.literal(words)), *(actions if button else [])])


def descriptions(message: dict) -> str:  # type: ignore[type-arg]
    return "\n".join(str(e.get("description") or "") for e in message.get("embeds") or [])


# ---- where messages land ------------------------------------------------------------------------


def test_a_user_id_gets_a_dm_opened_once(fake: FakeDiscord, sender: DiscordSender) -> None:
    first = sender.send(fake.member_id, note("Hello Alice"), key="k:dm:1")
    second = sender.send(fake.member_id, note("Again"), key="k:dm:2")
    dms = fake.dms_to(fake.member_id)
    assert [descriptions(m) for m in dms] == ["Hello Alice", "Again"]
    assert first.channel == second.channel == fake.dm_channel_of(fake.member_id)
    assert first.ts == dms[0]["id"]
    assert len(fake.calls_to("POST", "/users/@me/channels")) == 1
    assert dms[0]["nonce"] == nonce_for("k:dm:1")


def test_a_channel_id_is_posted_in_without_opening_a_dm(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    delivered = sender.send(fake.channel_id, note("To everyone", button=True), key="k:ch")
    [posted] = fake.messages_in(fake.channel_id)
    assert delivered.channel == fake.channel_id
    assert delivered.ts == posted["id"]
    assert descriptions(posted) == "To everyone"
    assert posted["components"][0]["components"][0]["custom_id"] == "reflection.open|5"
    assert fake.calls_to("POST", "/users/@me/channels") == []
    assert delivered.permalink is None


def test_an_id_that_is_neither_person_nor_channel_fails_for_good(
    sender: DiscordSender,
) -> None:
    with pytest.raises(PermanentFailure, match="user_not_found"):
        sender.send("123456789012345678", note("Hello?"), key="k:nobody")


def test_a_group_gets_one_private_thread_with_its_members(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    group = f"{fake.member_id},{fake.other_member_id}"
    first = sender.send(group, note("You two are paired"), key="k:pair:1")
    second = sender.send(group, note("A check-in"), key="k:pair:2")
    assert first.channel == second.channel
    thread = fake.channels[first.channel]
    assert thread["type"] == PRIVATE_THREAD
    assert thread["parent_id"] == fake.channel_id
    assert thread["thread_metadata"]["invitable"] is False
    assert thread["name"] == group_thread_name([fake.other_member_id, fake.member_id])
    assert set(fake.thread_members[first.channel]) >= {fake.member_id, fake.other_member_id}
    posted = fake.messages_in(first.channel)
    assert len(posted) == 2
    assert len(fake.calls_to("POST", "/channels/{channel_id}/threads")) == 1
    # A private thread notifies nobody by itself: a group's people are mentioned, as a
    # group DM would notify them, and only they can be pinged.
    for message in posted:
        assert f"<@{fake.member_id}>" in message["content"]
        assert f"<@{fake.other_member_id}>" in message["content"]
    sent_bodies = [c.json for c in fake.calls_to("POST", "/channels/{channel_id}/messages")]
    assert sent_bodies[0]["allowed_mentions"] == {
        "parse": [],
        "users": [fake.member_id, fake.other_member_id],
    }
    assert fake.messages_in(fake.channel_id) == []  # nothing in the channel itself


def test_a_space_is_found_again_after_a_crash_not_made_twice(
    fake: FakeDiscord, make_sender: type
) -> None:
    space = recipients.private_space("set-1-cycle-2", [fake.member_id, fake.other_member_id])
    before = make_sender()
    made = before.send(space, note("Welcome to your set"), key="k:set:welcome")
    # The process dies before recording where it landed; a new one looks, then sends.
    after = make_sender()
    found = after.find_sent(space, "k:set:welcome", SINCE)
    assert found is not None
    assert found.channel == made.channel
    assert found.ts == made.ts
    again = after.send(space, note("First meeting"), key="k:set:meeting")
    assert again.channel == made.channel
    welcome, meeting = fake.messages_in(made.channel)
    assert f"<@{fake.member_id}>" in welcome["content"]  # just added: told
    assert not meeting.get("content")  # in it already (the new process asked): not pinged
    assert len(fake.calls_to("POST", "/channels/{channel_id}/threads")) == 1
    assert fake.channels[made.channel]["name"] == "set-1-cycle-2"
    # A space nobody made yet: nothing was sent, and looking makes nothing.
    unmade = recipients.private_space("set-9", [fake.member_id])
    assert after.find_sent(unmade, "k:set:9", SINCE) is None
    assert len(fake.calls_to("POST", "/channels/{channel_id}/threads")) == 1


def test_update_edits_the_message_and_posts_nothing(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    first = sender.send(fake.channel_id, note("Meeting at 10", button=True), key="k:b:1")
    edited = sender.send(
        recipients.update(first.channel, first.ts), note("Meeting at 11"), key="k:b:1:edit"
    )
    assert (edited.channel, edited.ts) == (first.channel, first.ts)
    [message] = fake.messages_in(fake.channel_id)
    assert descriptions(message) == "Meeting at 11"
    assert message["components"] == []  # the old button went with the old words
    with pytest.raises(PermanentFailure, match="message_not_found"):
        sender.send(recipients.update(fake.channel_id, "1"), note("x"), key="k:b:gone")


def test_archive_posts_then_archives_and_locks_the_thread(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    space = recipients.private_space("set-2", [fake.member_id])
    thread = sender.send(space, note("Hello set"), key="k:s2").channel
    sender.send(recipients.archive(thread), note("This set has closed"), key="k:s2:close")
    assert [descriptions(m) for m in fake.messages_in(thread)][-1] == "This set has closed"
    metadata = fake.channels[thread]["thread_metadata"]
    assert metadata["archived"] is True
    assert metadata["locked"] is True
    # After a crash between posting and recording: found, archived again, nothing posted.
    found = sender.find_sent(recipients.archive(thread), "k:s2:close", SINCE)
    assert found is not None
    assert len(fake.messages_in(thread)) == 2
    # A channel can't be archived on Discord: the message is posted, the channel stays.
    sender.send(recipients.archive(fake.channel_id), note("Bye"), key="k:ch:close")
    assert descriptions(fake.messages_in(fake.channel_id)[-1]) == "Bye"


def test_remove_takes_people_out_of_the_thread_before_posting(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    space = recipients.private_space("set-3", [fake.member_id, fake.other_member_id])
    thread = sender.send(space, note("Hello"), key="k:s3").channel
    sender.send(
        recipients.remove(thread, [fake.other_member_id, "999999999999999999"]),
        note("Bob has left the set"),
        key="k:s3:left",
    )
    assert fake.other_member_id not in fake.thread_members[thread]
    assert fake.member_id in fake.thread_members[thread]
    assert descriptions(fake.messages_in(thread)[-1]) == "Bob has left the set"


# ---- threads of posts -----------------------------------------------------------------------


def test_a_prompt_post_starts_its_thread_and_replies_go_there(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    prompt = sender.send(
        fake.channel_id, note("What did you notice?", True), key="k:p", want_permalink=True
    )
    assert prompt.permalink == (
        f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/{prompt.ts}"
    )
    # Core keeps (channel, ts) of the post; on Discord the thread has the post's id.
    assert fake.channels[prompt.ts]["parent_id"] == fake.channel_id
    reply = sender.send(fake.channel_id, note("Shared: I noticed…"), key="k:r", thread_ts=prompt.ts)
    assert reply.channel == prompt.ts
    assert [descriptions(m) for m in fake.messages_in(prompt.ts)] == ["Shared: I noticed…"]
    found = sender.find_sent(fake.channel_id, "k:r", SINCE, thread_ts=prompt.ts)
    assert found == reply


def test_a_reply_to_a_post_without_a_thread_starts_one(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    post = sender.send(fake.channel_id, note("A post"), key="k:post")
    assert post.ts not in fake.channels
    reply = sender.send(fake.channel_id, note("A reply"), key="k:reply", thread_ts=post.ts)
    assert reply.channel == post.ts
    assert fake.channels[post.ts]["parent_id"] == fake.channel_id


# ---- failures ---------------------------------------------------------------------------


def test_closed_dms_are_a_permanent_failure_with_a_plain_reason(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    fake.close_dms(fake.member_id)
    with pytest.raises(PermanentFailure) as failed:
        sender.send(fake.member_id, note("Hello"), key="k:closed")
    assert broadcast_notices.failure_reason(str(failed.value)) == "DMs closed"


def test_a_short_429_is_waited_out_and_retried(fake: FakeDiscord, sender: DiscordSender) -> None:
    fake.fail_next("POST", "/channels/{channel_id}/messages", retry_after=0.05)
    delivered = sender.send(fake.channel_id, note("Patience"), key="k:429")
    statuses = [c.status for c in fake.calls_to("POST", "/channels/{channel_id}/messages")]
    assert statuses == [429, 200]
    assert [m["id"] for m in fake.messages_in(fake.channel_id)] == [delivered.ts]


def test_a_long_429_goes_to_the_delivery_loop_as_rate_limited(
    fake: FakeDiscord, sender: DiscordSender
) -> None:
    fake.fail_next("POST", "/channels/{channel_id}/messages", retry_after=90.0)
    with pytest.raises(RateLimited) as limited:
        sender.send(fake.channel_id, note("Later"), key="k:429:long")
    assert limited.value.retry_after == pytest.approx(90.0)
    assert fake.messages_in(fake.channel_id) == []


def test_the_same_key_sent_twice_posts_once(fake: FakeDiscord, make_sender: type) -> None:
    """A crash between sending and recording: the row is sent again by a new process."""
    first = make_sender().send(fake.member_id, note("Once"), key="k:once")
    again = make_sender().send(fake.member_id, note("Once"), key="k:once")
    assert again.ts == first.ts
    assert len(fake.dms_to(fake.member_id)) == 1
    [message] = fake.dms_to(fake.member_id)
    assert message["embeds"][0]["url"].startswith(MARKER)


def test_a_very_long_message_goes_in_parts_and_a_retry_posts_only_the_rest(
    fake: FakeDiscord, make_sender: type
) -> None:
    body = ("A paragraph of news. " * 200 + "\n\n") * 6  # about 25,000 characters
    message = broadcast_notices.message(body, prompt_id=4, in_channel=True, notify_channel=False)
    parts = len(messages.message_payloads(message))
    assert parts > 2
    sent = make_sender().send(fake.channel_id, message, key="k:long")
    posted = fake.messages_in(fake.channel_id)
    assert len(posted) == parts
    assert sent.ts == posted[0]["id"]
    assert posted[-1]["components"]  # the buttons come last
    # As if the process had died after the first part: the rest never arrived.
    with fake._cond:
        fake.messages[fake.channel_id] = fake.messages[fake.channel_id][:1]
    after = make_sender()
    assert after.find_sent(fake.channel_id, "k:long", SINCE) is None  # not all of it
    again = after.send(fake.channel_id, message, key="k:long")
    assert again.ts == sent.ts
    assert len(fake.messages_in(fake.channel_id)) == parts
    found = after.find_sent(fake.channel_id, "k:long", SINCE)
    assert found is not None
    assert found.ts == sent.ts


# ---- through the outbox -------------------------------------------------------------------


def _community(runtime: Runtime, fake: FakeDiscord) -> int:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "discord", fake.guild_id, timezone="Europe/London", now=runtime.clock.now()
        )
        return community.id


def _enqueue(runtime: Runtime, community_id: int, recipient: str, key: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        outbox.enqueue(
            session,
            community_id,
            [Outgoing(key, "broadcast_dm", recipient, note("News"), runtime.clock.now())],
            runtime.clock.now(),
        )


def _rows(runtime: Runtime) -> list[OutboxMessage]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_delivery_loop_sends_by_dm_and_records_a_closed_dm(
    runtime: Runtime, clock: FakeClock, fake: FakeDiscord, sender: DiscordSender
) -> None:
    community = _community(runtime, fake)
    fake.close_dms(fake.other_member_id)
    _enqueue(runtime, community, fake.member_id, "test:dm:alice")
    _enqueue(runtime, community, fake.other_member_id, "test:dm:bob")
    OutboxWorker(runtime.session_factory, clock, sender, "w").run_until_idle()
    alice, bob = _rows(runtime)
    assert alice.status == OutboxStatus.SENT.value
    assert alice.sent_channel == fake.dm_channel_of(fake.member_id)
    assert alice.sent_ts == fake.dms_to(fake.member_id)[0]["id"]
    assert bob.status == OutboxStatus.FAILED.value
    assert broadcast_notices.failure_reason(bob.last_error) == "DMs closed"


def test_a_message_sent_just_before_a_crash_is_found_not_sent_again(
    runtime: Runtime, clock: FakeClock, fake: FakeDiscord, make_sender: type
) -> None:
    community = _community(runtime, fake)
    _enqueue(runtime, community, fake.member_id, "test:crash")
    with unit_of_work(runtime.session_factory) as session:
        [claim] = outbox.claim_due(session, clock.now(), "crashed-worker")
    make_sender().send(claim.recipient, note("News"), key=claim.key)  # then the process dies
    # The claim is uncertain: the worker looks in the DM for the marker before sending.
    clock.advance(outbox.CLAIM_FOR + timedelta(minutes=5))
    OutboxWorker(runtime.session_factory, clock, make_sender(), "w").run_until_idle()
    [row] = _rows(runtime)
    assert row.status == OutboxStatus.SENT.value
    [message] = fake.dms_to(fake.member_id)
    assert row.sent_ts == message["id"]
    assert len(fake.calls_to("POST", "/channels/{channel_id}/messages")) == 1


def test_without_a_server_or_channel_set_the_bots_server_and_its_system_channel_are_used(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    sender = DiscordSender(fake.token, api_url=fake.api_base)
    try:
        group = f"{fake.member_id},{fake.other_member_id}"
        thread = sender.send(group, note("Hi"), key="k:g").channel
        assert fake.channels[thread]["parent_id"] == fake.channel_id  # the system channel
        sender.send(group, note("Again"), key="k:g2")
        assert len(fake.calls_to("GET", "/users/@me/guilds")) == 1
        assert len(fake.calls_to("GET", "/guilds/{guild_id}")) == 1
    finally:
        sender.close()


def test_without_any_channel_for_threads_a_group_fails_with_a_reason(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(fake, "channel_id", None)  # the server has no system channel
    sender = DiscordSender(fake.token, guild_id=fake.guild_id, api_url=fake.api_base)
    try:
        with pytest.raises(PermanentFailure, match="nowhere to make a private thread"):
            sender.send(f"{fake.member_id},{fake.other_member_id}", note("Hi"), key="k:g")
        assert fake.calls_to("POST", "/channels/{channel_id}/threads") == []
    finally:
        sender.close()


def test_a_prompt_posted_by_the_outbox_keeps_its_thread_replies_as_reflections(
    runtime: Runtime, clock: FakeClock, fake: FakeDiscord, sender: DiscordSender
) -> None:
    """Core stores the post's (channel, ts); a reply in the thread the sender started comes
    back as (parent channel, thread id = post id, reply id), which is what core looks up."""
    community_id = _community(runtime, fake)
    with unit_of_work(runtime.session_factory) as session:
        community = session.get(Community, community_id)
        assert community is not None
        add_member(session, community, fake.member_id)
        prompt = add_prompt(session, community, posted=False, channel=fake.channel_id)
        prompt_id = prompt.id
        outbox.enqueue(
            session,
            community_id,
            [
                Outgoing(
                    f"test:prompt:{prompt_id}",
                    "prompt_post",
                    fake.channel_id,
                    session_notices.prompt_post(prompt, "Power and voice"),
                    clock.now(),
                    prompt_id=prompt_id,
                )
            ],
            clock.now(),
        )
    OutboxWorker(runtime.session_factory, clock, sender, "w").run_until_idle()
    with unit_of_work(runtime.session_factory) as session:
        posted = session.get(Prompt, prompt_id)
        assert posted is not None
        assert posted.posted_channel == fake.channel_id
        assert posted.permalink is not None
        thread = posted.posted_ts
        assert thread == fake.messages_in(fake.channel_id)[0]["id"]
    assert fake.channels[thread]["parent_id"] == fake.channel_id  # started with the post

    reply = fake.user_message(fake.member_id, "I noticed who spoke first.", channel_id=thread)
    with unit_of_work(runtime.session_factory) as session:
        community = session.get(Community, community_id)
        assert community is not None
        kept = reflections.record_thread_reply(
            session,
            community,
            fake.channel_id,
            thread,
            reply["id"],
            fake.member_id,
            reply["content"],
            clock.now(),
        )
        assert kept is not None
        assert kept.prompt_id == prompt_id

    # And a message core sends "in the thread" (a shared reflection) lands there.
    with unit_of_work(runtime.session_factory) as session:
        outbox.enqueue(
            session,
            community_id,
            [
                Outgoing(
                    "test:share",
                    "reflection_share",
                    fake.channel_id,
                    note("Amina shared a reflection"),
                    clock.now(),
                    thread_ts=thread,
                )
            ],
            clock.now(),
        )
    OutboxWorker(runtime.session_factory, clock, sender, "w").run_until_idle()
    assert [descriptions(m) for m in fake.messages_in(thread)][-1] == "Amina shared a reflection"
    assert len(fake.messages_in(fake.channel_id)) == 1  # nothing else in the channel


def test_a_bot_in_no_server_leaves_the_guild_to_the_sender(database_url: str) -> None:
    settings = make_settings(database_url, DISCORD_BOT_TOKEN="token")
    with ThreadPoolExecutor(1) as pool:
        client = CatalystDiscord(settings, cast(Dispatcher, None), pool=pool)
    assert client.known_guild_id() is None  # not "unknown", which would reach /guilds/unknown
    sender = discord_sender(settings, client.known_guild_id())
    assert sender is not None
    assert sender.guild_id is None  # its _guild() asks, or says to set DISCORD_GUILD_ID
