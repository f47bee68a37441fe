"""Private spaces and archiving through the real SlackSender against the fake Slack API.

Recipients come from core.delivery.recipients: `space:<name>:U1,U2,…` makes (or finds) a
private channel and invites the people, `archive:<channel>` posts and then archives.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.slack.sender import SlackSender
from bot.wiring import build_runtime
from core import communities, ui
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery import outbox
from core.delivery import recipients as to
from core.delivery.models import OutboxMessage, OutboxStatus
from core.delivery.outbox import PermanentFailure, TransientFailure
from scheduler.delivery import OutboxWorker
from tests.conftest import make_settings
from tests.fakes.slack_api import BOT_USER_ID, FakeSlackApi

PEOPLE = ("U0ANA", "U0BEN", "U0CAT", "U0DEV", "U0EVE")
SINCE = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        for n in range(12):
            api.add_user(f"U0P{n:02d}")
        for user in PEOPLE:
            api.add_user(user)
        yield api


def sender(fake: FakeSlackApi) -> SlackSender:
    """A fresh sender: a new process that remembers nothing."""
    return SlackSender("xoxb-test", fake.base_url)


def note(text: str) -> ui.Message:
    return ui.Message(summary=text, blocks=[ui.Section(ui.literal(text))])


def methods(fake: FakeSlackApi) -> list[str]:
    return [c.method for c in fake.calls]


SPACE = to.private_space("cop-set-cedar", PEOPLE)


# ---- private spaces -----------------------------------------------------------------------


def test_a_space_is_a_private_channel_with_everyone_invited(fake: FakeSlackApi) -> None:
    delivered = sender(fake).send(SPACE, note("Welcome to your set"), key="set:1:welcome")

    [channel] = fake.channels_named()
    assert channel["name"] == "cop-set-cedar"
    assert channel["is_private"] is True
    assert delivered.channel == channel["id"]
    assert fake.members_of(channel["id"]) == [BOT_USER_ID, *PEOPLE]
    [posted] = fake.messages_in(channel["id"])
    assert posted["text"] == "Welcome to your set"
    assert fake.calls_to("conversations.create")[0].params["is_private"] in (True, "1", "true")


def test_the_sender_remembers_a_space_and_invites_only_newcomers(fake: FakeSlackApi) -> None:
    slack = sender(fake)
    first = slack.send(SPACE, note("one"), key="k1")
    fake.reset()
    again = slack.send(SPACE, note("two"), key="k2")
    assert again.channel == first.channel
    assert methods(fake) == ["chat.postMessage"]

    fake.reset()
    grown = to.private_space("cop-set-cedar", (*PEOPLE, "U0P01"))
    slack.send(grown, note("three"), key="k3")
    assert methods(fake) == ["conversations.invite", "chat.postMessage"]
    assert fake.calls_to("conversations.invite")[0].params["users"] == "U0P01"
    assert fake.members_of(first.channel)[-1] == "U0P01"


def test_a_crash_after_creating_reuses_the_channel(fake: FakeSlackApi) -> None:
    first = sender(fake).send(SPACE, note("Welcome"), key="set:1:welcome")
    # The process dies before recording; the next one remembers nothing.
    forgetful = sender(fake)
    assert forgetful.find_sent(SPACE, "set:1:welcome", SINCE) == outbox.Delivered(
        channel=first.channel, ts=fake.messages_in(first.channel)[0]["ts"]
    )
    again = sender(fake).send(SPACE, note("Choose a time"), key="set:1:slots")

    assert again.channel == first.channel
    assert len(fake.channels_named()) == 1
    assert [m["text"] for m in fake.messages_in(first.channel)] == ["Welcome", "Choose a time"]
    assert fake.members_of(first.channel) == [BOT_USER_ID, *PEOPLE]


def test_a_channel_created_but_never_posted_in_is_found_by_name(fake: FakeSlackApi) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    made = client.conversations_create(name="cop-set-cedar", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=made, users="U0ANA,U0BEN")  # half the invites done
    fake.reset()

    assert sender(fake).find_sent(SPACE, "set:1:welcome", SINCE) is None
    delivered = sender(fake).send(SPACE, note("Welcome"), key="set:1:welcome")

    assert delivered.channel == made
    assert len(fake.channels_named()) == 1
    assert fake.members_of(made) == [BOT_USER_ID, *PEOPLE]
    assert fake.calls_to("conversations.create")[-1].params["name"] == "cop-set-cedar"


def test_finding_the_channel_pages_through_every_private_channel(fake: FakeSlackApi) -> None:
    for n in range(450):
        fake.add_named_channel(f"other-{n}", is_private=True)
    made = fake.add_named_channel("cop-set-cedar", is_private=True)
    delivered = sender(fake).send(SPACE, note("Welcome"), key="k")
    assert delivered.channel == made
    cursors = [c.params.get("cursor") for c in fake.calls_to("conversations.list")]
    assert len(cursors) == 3
    assert cursors[0] is None
    assert all(cursors[1:])


def test_a_space_that_was_never_made_is_not_found(fake: FakeSlackApi) -> None:
    big = to.private_space("cop-set-oak", [f"U0P{n:02d}" for n in range(9)])
    assert sender(fake).find_sent(big, "k", SINCE) is None
    assert fake.channels_named() == []


def test_a_name_held_by_a_channel_catalyst_is_not_in_is_a_plain_failure(
    fake: FakeSlackApi,
) -> None:
    fake.add_named_channel("cop-set-cedar", is_private=True, bot_is_member=False)
    with pytest.raises(PermanentFailure, match="Catalyst is not in it"):
        sender(fake).send(SPACE, note("Welcome"), key="k")
    assert fake.all_posted() == []


def test_a_name_held_by_an_archived_set_is_a_plain_failure(fake: FakeSlackApi) -> None:
    old = fake.add_named_channel("cop-set-cedar", is_private=True)
    fake.archive_channel(old)
    with pytest.raises(PermanentFailure, match="archived"):
        sender(fake).send(SPACE, note("Welcome"), key="k")
    assert fake.all_posted() == []


# ---- when the workspace refuses private channels -------------------------------------------


def test_restricted_action_falls_back_to_a_group_dm(fake: FakeSlackApi) -> None:
    fake.restrict_channel_creation()
    delivered = sender(fake).send(SPACE, note("Welcome"), key="set:1:welcome")

    assert fake.channels_named() == []
    assert sorted(fake.members_of(delivered.channel)) == sorted(PEOPLE)
    assert [m["text"] for m in fake.messages_in(delivered.channel)] == ["Welcome"]
    assert fake.calls_to("conversations.open")[0].params["users"] == ",".join(PEOPLE)
    # After a restart the message is found in the group DM, not sent again.
    found = sender(fake).find_sent(SPACE, "set:1:welcome", SINCE)
    assert found is not None
    assert found.channel == delivered.channel


def test_a_missing_groups_write_scope_falls_back_to_a_group_dm(fake: FakeSlackApi) -> None:
    fake.fail_next("conversations.create", status=200, error="missing_scope")
    delivered = sender(fake).send(SPACE, note("Welcome"), key="k")
    assert fake.channels_named() == []
    assert sorted(fake.members_of(delivered.channel)) == sorted(PEOPLE)


def test_a_set_too_big_for_a_group_dm_fails_with_a_reason(fake: FakeSlackApi) -> None:
    fake.restrict_channel_creation()
    nine = to.private_space("cop-set-oak", [f"U0P{n:02d}" for n in range(9)])
    with pytest.raises(PermanentFailure) as failure:
        sender(fake).send(nine, note("Welcome"), key="k")
    reason = str(failure.value)
    assert "at most 8 people" in reason
    assert "this set has 9" in reason
    assert len(reason) <= 200  # outbox.last_error holds 200 characters
    assert fake.all_posted() == []
    assert fake.calls_to("conversations.open") == []


def test_eight_people_still_fit_in_a_group_dm(fake: FakeSlackApi) -> None:
    fake.restrict_channel_creation()
    eight = to.private_space("cop-set-oak", [f"U0P{n:02d}" for n in range(8)])
    delivered = sender(fake).send(eight, note("Welcome"), key="k")
    assert len(fake.members_of(delivered.channel)) == 8


# ---- invitations --------------------------------------------------------------------------


def test_people_already_in_and_the_bot_itself_are_fine(fake: FakeSlackApi) -> None:
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    made = client.conversations_create(name="cop-set-cedar", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=made, users="U0CAT")
    with_bot = to.private_space("cop-set-cedar", (*PEOPLE, BOT_USER_ID))

    sender(fake).send(with_bot, note("Welcome"), key="k")

    assert fake.members_of(made) == [BOT_USER_ID, "U0CAT", "U0ANA", "U0BEN", "U0DEV", "U0EVE"]
    assert len(fake.all_posted()) == 1


def test_someone_who_left_the_workspace_does_not_keep_the_others_out(
    fake: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    gone = to.private_space("cop-set-cedar", ("U0ANA", "U0GONE", "U0BEN"))
    with caplog.at_level(logging.WARNING, logger="bot.slack.sender"):
        delivered = sender(fake).send(gone, note("Welcome"), key="k")
    assert fake.members_of(delivered.channel) == [BOT_USER_ID, "U0ANA", "U0BEN"]
    assert "U0GONE" in caplog.text
    assert len(fake.all_posted()) == 1


def test_an_invite_that_fails_for_now_is_retried_without_a_second_channel(
    fake: FakeSlackApi,
) -> None:
    fake.fail_next("conversations.invite", status=500, error="internal_error")
    with pytest.raises(TransientFailure):
        sender(fake).send(SPACE, note("Welcome"), key="k")
    assert fake.all_posted() == []

    delivered = sender(fake).send(SPACE, note("Welcome"), key="k")  # after a restart
    assert len(fake.channels_named()) == 1
    assert fake.members_of(delivered.channel) == [BOT_USER_ID, *PEOPLE]
    assert len(fake.all_posted()) == 1


def test_a_rate_limited_create_is_a_pause_not_a_failure(fake: FakeSlackApi) -> None:
    fake.fail_next("conversations.create", status=429, retry_after=7)
    with pytest.raises(outbox.RateLimited) as limited:
        sender(fake).send(SPACE, note("Welcome"), key="k")
    assert limited.value.retry_after == 7
    assert fake.channels_named() == []


# ---- archiving ----------------------------------------------------------------------------


def test_archive_posts_then_archives(fake: FakeSlackApi) -> None:
    space = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    fake.reset()
    delivered = sender(fake).send(to.archive(space), note("Thank you all"), key="k2")
    assert delivered.channel == space
    assert methods(fake) == ["conversations.history", "chat.postMessage", "conversations.archive"]
    assert fake.is_archived(space)
    assert [m["text"] for m in fake.messages_in(space)] == ["Thank you all"]


def test_archiving_twice_posts_once_and_counts_as_done(fake: FakeSlackApi) -> None:
    space = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    first = sender(fake).send(to.archive(space), note("Thank you all"), key="close")
    # Posted and archived, then the process died before recording it: sent again.
    again = sender(fake).send(to.archive(space), note("Thank you all"), key="close")
    assert again.ts == first.ts
    assert [m["text"] for m in fake.messages_in(space)] == ["Welcome", "Thank you all"]
    assert fake.is_archived(space)


def test_archived_meanwhile_counts_as_done(fake: FakeSlackApi) -> None:
    space = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    fake.set_handler("conversations.archive", lambda _: {"ok": False, "error": "already_archived"})
    delivered = sender(fake).send(to.archive(space), note("Thank you all"), key="close")
    assert delivered.channel == space


def test_an_archive_that_fails_for_now_is_retried_without_posting_twice(
    fake: FakeSlackApi,
) -> None:
    space = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    fake.fail_next("conversations.archive", status=503, error="service_unavailable")
    with pytest.raises(TransientFailure):
        sender(fake).send(to.archive(space), note("Thank you all"), key="close")
    assert not fake.is_archived(space)
    sender(fake).send(to.archive(space), note("Thank you all"), key="close")
    assert fake.is_archived(space)
    assert [m["text"] for m in fake.messages_in(space)] == ["Welcome", "Thank you all"]


def test_a_crash_between_posting_and_archiving_is_finished_by_find_sent(
    fake: FakeSlackApi,
) -> None:
    space = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    fake.fail_next("conversations.archive", status=500, error="internal_error")
    with pytest.raises(TransientFailure):
        sender(fake).send(to.archive(space), note("Thank you all"), key="close")
    found = sender(fake).find_sent(to.archive(space), "close", SINCE)
    assert found is not None
    assert found.channel == space
    assert fake.is_archived(space)


def test_a_group_dm_is_posted_in_and_not_archived(
    fake: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    fake.restrict_channel_creation()
    group = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    with caplog.at_level(logging.INFO, logger="bot.slack.sender"):
        delivered = sender(fake).send(to.archive(group), note("Thank you all"), key="close")
    assert delivered.channel == group
    assert [m["text"] for m in fake.messages_in(group)] == ["Welcome", "Thank you all"]
    assert not fake.is_archived(group)
    assert "nothing to archive" in caplog.text


def test_a_channel_archived_before_the_closing_message_is_a_failure(fake: FakeSlackApi) -> None:
    space = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    fake.archive_channel(space)  # someone archived it by hand
    with pytest.raises(PermanentFailure, match="is_archived"):
        sender(fake).send(to.archive(space), note("Thank you all"), key="close")


# ---- the outbox worker, end to end, on both databases ------------------------------------


def test_the_outbox_worker_makes_one_space_with_everyone_and_the_message(
    database_url: str, clock: FakeClock, fake: FakeSlackApi
) -> None:
    fake.ts_clock = lambda: clock.now().timestamp()
    settings = make_settings(
        database_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        SLACK_API_URL=fake.base_url,
    )
    runtime = build_runtime(settings, clock=clock)
    try:
        now = clock.now()
        with unit_of_work(runtime.session_factory) as session:
            community = communities.get_or_create(
                session, "slack", "T0001", timezone="Europe/London", now=now
            )
            items = [
                outbox.Outgoing(
                    key=f"set:7:{what}",
                    kind="sets",
                    recipient=SPACE,
                    message=note(text),
                    due_at=now,
                )
                for what, text in (("welcome", "Welcome to your set"), ("slots", "Pick a time"))
            ]
            assert outbox.enqueue(session, community.id, items, now) == 2
        worker = OutboxWorker(runtime.session_factory, clock, sender(fake), "w1", concurrency=1)
        worker.run_until_idle()

        [channel] = fake.channels_named()
        assert channel["is_private"] is True
        assert fake.members_of(channel["id"]) == [BOT_USER_ID, *PEOPLE]
        assert [m["text"] for m in fake.messages_in(channel["id"])] == [
            "Welcome to your set",
            "Pick a time",
        ]
        with unit_of_work(runtime.session_factory) as session:
            rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
            assert [r.status for r in rows] == [OutboxStatus.SENT.value] * 2
            assert {r.sent_channel for r in rows} == {channel["id"]}

        # A worker that died after posting: the row is left "sending"; the next worker,
        # a new process, finds the message by its key and neither posts nor creates again.
        with unit_of_work(runtime.session_factory) as session:
            outbox.enqueue(
                session,
                community.id,
                [
                    outbox.Outgoing(
                        key="set:7:close",
                        kind="sets",
                        recipient=to.archive(channel["id"]),
                        message=note("Thank you all"),
                        due_at=clock.now(),
                    )
                ],
                clock.now(),
            )
        with unit_of_work(runtime.session_factory) as session:
            [claim] = outbox.claim_due(session, clock.now(), "crashed")
        sender(fake).send(claim.recipient, note("Thank you all"), key=claim.key)
        clock.advance(outbox.CLAIM_FOR + timedelta(seconds=1))
        OutboxWorker(runtime.session_factory, clock, sender(fake), "w2").run_until_idle()
        assert fake.posted_keys() == ["set:7:welcome", "set:7:slots", "set:7:close"]
        assert fake.is_archived(channel["id"])
        with unit_of_work(runtime.session_factory) as session:
            close = session.scalars(
                select(OutboxMessage).where(OutboxMessage.key == "set:7:close")
            ).one()
            assert close.status == OutboxStatus.SENT.value
    finally:
        runtime.close()


def test_removing_takes_people_out_then_tells_the_rest(fake: FakeSlackApi) -> None:
    space = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    assert "U0ANA" in fake.members_of(space)
    fake.reset()
    removal = to.remove(space, ["U0ANA"])
    delivered = sender(fake).send(removal, note("A member has left the set"), key="left")
    assert delivered.channel == space
    assert methods(fake) == ["conversations.kick", "chat.postMessage"]  # out before the note
    assert "U0ANA" not in fake.members_of(space)
    # Sent again after a crash: found by its key, the removal done again (already out).
    assert sender(fake).find_sent(removal, "left", datetime(2020, 1, 1, tzinfo=UTC)) is not None
    assert [m["text"] for m in fake.messages_in(space)] == ["A member has left the set"]


def test_removing_from_a_group_dm_only_posts(fake: FakeSlackApi) -> None:
    group = sender(fake).send("U0ANA,U0BEN,U0CAT", note("Welcome"), key="k1").channel
    delivered = sender(fake).send(to.remove(group, ["U0ANA"]), note("Someone left"), key="left")
    assert delivered.channel == group
    assert [m["text"] for m in fake.messages_in(group)] == ["Welcome", "Someone left"]


def test_removing_someone_already_out_counts_as_done(fake: FakeSlackApi) -> None:
    space = sender(fake).send(SPACE, note("Welcome"), key="k1").channel
    sender(fake).send(to.remove(space, ["U0ANA"]), note("Left"), key="a")
    again = sender(fake).send(to.remove(space, ["U0ANA", BOT_USER_ID]), note("Again"), key="b")
    assert again.channel == space
