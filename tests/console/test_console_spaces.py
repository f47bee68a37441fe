"""Private spaces in the console: a set's space is a named room its members see, and
archiving it is shown. The same recipients as Slack's (core.delivery.recipients)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.console.inbox import ConsoleInbox
from bot.console.shell import COMMUNITY, PLATFORM, Console, user_id_for
from bot.wiring import Runtime, build_console
from core import communities, ui
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery import outbox
from core.delivery import recipients as to
from core.delivery.models import OutboxMessage, OutboxStatus
from core.delivery.outbox import PermanentFailure
from scheduler.delivery import OutboxWorker

ANA, BEN, ZED = user_id_for("Ana"), user_id_for("Ben"), user_id_for("Zed")
SPACE = to.private_space("cop-set-cedar", [ANA, BEN])
SINCE = datetime(2020, 1, 1, tzinfo=UTC)
ARCHIVED = "(this room is now archived)"


def note(text: str) -> ui.Message:
    return ui.Message(summary=text, blocks=[ui.Section(ui.literal(text))])


def texts(inbox: ConsoleInbox, user_id: str) -> list[str]:
    return [d.message.summary for d in inbox.take_for(user_id)]


def test_a_space_is_a_room_its_members_read(clock: FakeClock) -> None:
    inbox = ConsoleInbox(clock)
    delivered = inbox.send(SPACE, note("Welcome to your set"), key="set:1:welcome")

    assert delivered.channel == "#cop-set-cedar"
    assert inbox.members_of("#cop-set-cedar") == [ANA, BEN]
    assert texts(inbox, ANA) == ["Welcome to your set"]
    assert texts(inbox, BEN) == ["Welcome to your set"]
    assert texts(inbox, ZED) == []
    assert inbox.find_sent(SPACE, "set:1:welcome", SINCE) == delivered

    # A newcomer is let in; a message sent again under the same key is not repeated.
    grown = to.private_space("cop-set-cedar", [ANA, BEN, ZED])
    inbox.send(grown, note("Zed joins you"), key="set:1:late")
    assert inbox.send(grown, note("Zed joins you"), key="set:1:late").channel == "#cop-set-cedar"
    assert inbox.members_of("#cop-set-cedar") == [ANA, BEN, ZED]
    assert texts(inbox, ZED) == ["Zed joins you"]


def test_archiving_closes_the_room_once(clock: FakeClock) -> None:
    inbox = ConsoleInbox(clock)
    room = inbox.send(SPACE, note("Welcome"), key="k1").channel
    closing = inbox.send(to.archive(room), note("Thank you all"), key="close")
    again = inbox.send(to.archive(room), note("Thank you all"), key="close")

    assert again == closing
    assert inbox.is_archived(room)
    [welcome, last] = inbox.take_for(ANA)
    assert (welcome.closes_room, last.closes_room) == (False, True)
    assert inbox.find_sent(to.archive(room), "close", SINCE) == closing
    with pytest.raises(PermanentFailure, match="is_archived"):
        inbox.send(SPACE, note("Anyone there?"), key="k3")


def test_archiving_a_group_dm_just_delivers(clock: FakeClock) -> None:
    inbox = ConsoleInbox(clock)
    inbox.send(to.archive(f"{ANA},{BEN}"), note("Thank you all"), key="close")
    [delivery] = inbox.take_for(ANA)
    assert delivery.room is None
    assert not delivery.closes_room
    assert texts(inbox, BEN) == ["Thank you all"]


def run_as(runtime: Runtime, inbox: ConsoleInbox, persona: str, lines: Sequence[str]) -> str:
    stdout = io.StringIO()
    console = Console(
        dispatcher=runtime.dispatcher(),
        settings=runtime.settings,
        stdin=io.StringIO("".join(line + "\n" for line in lines)),
        stdout=stdout,
        persona=persona,
        inbox=inbox,
    )
    assert console.run() == 0
    return stdout.getvalue()


def test_the_outbox_worker_delivers_a_space_into_the_console(
    runtime: Runtime, clock: FakeClock
) -> None:
    """The console's own outbox worker sends a set's messages: its members see the room by
    name, the closing message and that the room is archived; nobody else sees any of it."""
    parts = build_console(runtime)
    now = clock.now()
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, PLATFORM, COMMUNITY, timezone="Europe/London", now=now
        )
        welcome = outbox.Outgoing(
            key="set:1:welcome",
            kind="sets",
            recipient=SPACE,
            message=note("Welcome to your action learning set."),
            due_at=now,
        )
        outbox.enqueue(session, community.id, [welcome], now)
    worker = OutboxWorker(runtime.session_factory, clock, parts.inbox, "console", concurrency=1)
    worker.run_until_idle()
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.status == OutboxStatus.SENT.value
        room = str(row.sent_channel)
        closing = outbox.Outgoing(
            key="set:1:close",
            kind="sets",
            recipient=to.archive(room),
            message=note("The cycle has ended. Thank you all."),
            due_at=now,
        )
        outbox.enqueue(session, community.id, [closing], now)
    worker.run_until_idle()

    seen = run_as(runtime, parts.inbox, "Ana", [])
    assert room == "#cop-set-cedar"
    assert seen.count("— Catalyst, in #cop-set-cedar —") == 2
    assert "Welcome to your action learning set." in seen
    assert seen.index("Thank you all.") < seen.index(ARCHIVED)
    assert ARCHIVED in run_as(runtime, parts.inbox, "Ben", [])
    outsider = run_as(runtime, parts.inbox, "Zed", [])
    assert "cop-set-cedar" not in outsider
    assert ARCHIVED not in outsider
