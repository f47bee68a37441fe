"""Issue 14's "done means" for broadcasts, end to end over Slack's HTTP endpoint, the real
scheduler on the fake clock and the fake Web API: a facilitator reaches everyone who missed
last Tuesday's session with a catch-up note in one form, sees the count first, sends a test
to themself, confirms once (a second click sends nothing more), and gets a delivery report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core.broadcasts.models import Broadcast
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.models import Member
from core.sessions import buttons as session_buttons
from handlers.broadcasts.commands import CONFIRM, TEST
from handlers.broadcasts.form import BROADCAST_FORM
from tests.fakes.slack_api import FakeSlackApi, block_kit_problems
from tests.helpers import profile_values
from tests.scheduler.conftest import add_session
from tests.slack.conftest import World, scheduled_world
from tests.slack_harness import SlackHarness

FACILITATOR = "UFACIL01"
WENT = ["U0WENT1", "U0WENT2"]
APOLOGISED = "U0SORRY"
SILENT = ["U0QUIET1", "U0QUIET2"]
TURNED_OFF = "U0NODM"
LEFT = "U0LEFT"
EVERYONE = [FACILITATOR, *WENT, APOLOGISED, *SILENT, TURNED_OFF, LEFT]
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def world(database_url: str, clock: FakeClock) -> Iterator[World]:
    with FakeSlackApi(team_id="T0001", ts_clock=lambda: clock.now().timestamp()) as fake:
        for user in EVERYONE:
            fake.add_user(user, real_name=f"Member {user}", tz="Europe/London")
        with scheduled_world(database_url, clock, fake, "broadcasts") as world:
            yield world


def open_modal(slack: SlackHarness, text: str, user: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.open"))
    assert slack.command(text, user=user).status == 200
    view: dict[str, Any] = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    return view


def join(slack: SlackHarness, user: str) -> None:
    view = open_modal(slack, "join", user)
    assert slack.submit(view, profile_values(display_name=f"Member {user}"), user=user).body == ""


def dms_to(fake: FakeSlackApi, user: str) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == user]


def buttons_in(message: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    blocks = message.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return [
        element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]


def next_tuesday_evening(now: datetime) -> datetime:
    local = now.astimezone(LONDON)
    ahead = (1 - local.weekday()) % 7 or 7
    day = local.date() + timedelta(days=ahead)
    return datetime.combine(day, time(18, 0), tzinfo=LONDON)


def outbox_rows(slack: SlackHarness) -> int:
    with unit_of_work(slack.runtime.session_factory) as session:
        return len(session.scalars(select(OutboxMessage.id)).all())


def test_a_catch_up_to_everyone_who_missed_last_tuesday(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    # Time only moves forward (the scheduler started at the clock's time): everyone joins,
    # the session is next Tuesday evening, and the catch-up is written on Thursday.
    session_at = next_tuesday_evening(clock.now())
    for user in EVERYONE:
        join(slack, user)
    slack.settled()
    session_id = add_session(slack.runtime, session_at, title="Access to senior positions")
    for user in [FACILITATOR, *WENT]:
        slack.click(session_buttons.RSVP_GOING, str(session_id), user=user)
    slack.click(session_buttons.RSVP_DECLINE, str(session_id), user=APOLOGISED)
    slack.settled()
    with unit_of_work(slack.runtime.session_factory) as session:
        session.execute(
            update(Member)
            .where(Member.platform_user_id == TURNED_OFF)
            .values(broadcasts_enabled=False)
        )
        session.execute(update(Member).where(Member.platform_user_id == LEFT).values(status="left"))

    # Thursday morning: one form, with "missed session 1" on offer.
    clock.set(session_at + timedelta(days=1, hours=16))  # Thursday 10:00 London
    runner.run_pending()  # reminders and the prompt of the session go out first
    before_dms = {user: len(dms_to(fake, user)) for user in EVERYONE}
    view = open_modal(slack, "broadcast", FACILITATOR)
    assert view["callback_id"] == BROADCAST_FORM
    audience_block = next(b for b in view["blocks"] if b.get("block_id") == "audience")
    offered = {o["value"] for o in audience_block["element"]["options"]}
    assert f"missed:{session_id}" in offered
    rows_before = outbox_rows(slack)
    note = "We missed you on Tuesday. *Three things* from the session & a link: https://example.org/recap"
    values = {
        "body": note,
        "audience": [f"missed:{session_id}"],
        "way": "dm",
        "when": "now",
    }
    assert slack.submit(view, values, user=FACILITATOR).body == ""
    slack.settled()

    # The preview comes first, with the count: the apology and the two who didn't answer;
    # the one who turned DMs off and the one who left are counted, never named.
    preview = dms_to(fake, FACILITATOR)[-1]
    assert block_kit_problems("message", preview) == []
    shown = json.dumps(preview)
    assert "3 people" in shown
    assert "1 has left the community" in shown
    assert "1 has turned off" in shown
    assert "&amp; a link" in shown  # escaped: a facilitator's & can't start markup
    assert outbox_rows(slack) == rows_before  # a preview sends nothing

    # A test to themself, then Confirm (no second confirmation for 3 people).
    [test_button] = buttons_in(preview, TEST)
    slack.click(TEST, test_button["value"], user=FACILITATOR)
    slack.settled()
    assert "Three things" in json.dumps(dms_to(fake, FACILITATOR)[-1])
    [confirm] = buttons_in(preview, CONFIRM)
    assert "confirm" not in confirm
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)  # a second click
    slack.settled()
    assert "already confirmed" in json.dumps(fake.responses[-1].payload)

    clock.set(clock.now() + timedelta(minutes=1))  # the scheduler's next turn
    runner.run_pending()
    got = {user for user in EVERYONE if len(dms_to(fake, user)) > before_dms[user]}
    # The facilitator also got the test DM and the report: only members are compared here.
    assert got - {FACILITATOR} == {APOLOGISED, *SILENT}
    for user in [APOLOGISED, *SILENT]:
        [message] = list(dms_to(fake, user)[before_dms[user] :])
        assert "Three things" in json.dumps(message)
        assert block_kit_problems("message", message) == []

    # The report arrives once the last message is delivered.
    report = dms_to(fake, FACILITATOR)[-1]
    assert "3 delivered" in json.dumps(report)
    assert block_kit_problems("message", report) == []
    listed = slack.answer("broadcasts", user=FACILITATOR)
    assert "3 delivered" in json.dumps(listed)
    with unit_of_work(slack.runtime.session_factory) as session:
        [broadcast] = session.scalars(select(Broadcast)).all()
        assert broadcast.status == "done"
        sent = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "broadcast_dm")
        ).all()
    assert len(sent) == 3  # one each, never doubled by the second click


def test_home_shows_facilitators_their_broadcasts(world: World, clock: FakeClock) -> None:
    slack, _runner, fake = world
    join(slack, FACILITATOR)
    slack.settled()
    assert slack.open_home(user=FACILITATOR).status == 200
    slack.settled()
    view = fake.wait_for("views.publish")[-1].params["view"]
    assert block_kit_problems("home", view) == []
    assert "*Broadcasts*: 0 planned or on their way." in json.dumps(view)
    assert "broadcast.new" in json.dumps(view)
