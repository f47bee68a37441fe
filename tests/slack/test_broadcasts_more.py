"""Broadcasts beyond the catch-up: DMs that wait for each reader's morning and a cancel half
way; a channel question whose thread replies become reflections and whose post is corrected
in place; and every bad input answered with a sentence that changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.broadcasts import buttons as broadcast_buttons
from core.broadcasts.models import Broadcast
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.sessions import buttons as session_buttons
from core.sessions.models import Reflection
from handlers.broadcasts.commands import CONFIRM
from tests.conftest import table_counts
from tests.fakes.slack_api import FakeSlackApi, block_kit_problems
from tests.helpers import profile_values
from tests.slack.conftest import World, scheduled_world
from tests.slack.test_broadcasts_flow import buttons_in, dms_to, open_modal
from tests.slack_harness import SlackHarness

FACILITATOR = "UFACIL01"
CHANNEL = "C0COMMUNITY"
LONDONERS = ["U0LDN1", "U0LDN2"]
WEST_COAST = ["U0LAX1", "U0LAX2"]
MEMBER = "U0MEMBER"
ZONES = {FACILITATOR: "Europe/London", MEMBER: "Europe/London"}
ZONES |= dict.fromkeys(LONDONERS, "Europe/London") | dict.fromkeys(
    WEST_COAST, "America/Los_Angeles"
)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def world(database_url: str, clock: FakeClock) -> Iterator[World]:
    with FakeSlackApi(team_id="T0001", ts_clock=lambda: clock.now().timestamp()) as fake:
        fake.add_channel(CHANNEL)
        for user, zone in ZONES.items():
            fake.add_user(user, real_name=f"Member {user}", tz=zone)
        with scheduled_world(
            database_url, clock, fake, "broadcasts", CATALYST_CHANNEL=CHANNEL
        ) as w:
            slack = w[0]
            for user, zone in ZONES.items():
                view = open_modal(slack, "join", user)
                values = profile_values(display_name=f"Member {user}", timezone=zone)
                assert slack.submit(view, values, user=user).body == ""
            slack.settled()
            yield w


def at_london(clock: FakeClock, hour: int) -> None:
    """The next day at `hour`:00 in London (time only moves forward)."""
    day = clock.now().astimezone(LONDON).date() + timedelta(days=1)
    clock.set(datetime.combine(day, time(hour, 0), tzinfo=LONDON))


def preview_of(slack: SlackHarness, values: dict[str, Any]) -> dict[str, Any]:
    before = len(dms_to(slack.fake, FACILITATOR))
    view = open_modal(slack, "broadcast", FACILITATOR)
    assert slack.submit(view, values, user=FACILITATOR).body == ""
    slack.settled()
    sent = dms_to(slack.fake, FACILITATOR)
    assert len(sent) == before + 1
    assert block_kit_problems("message", sent[-1]) == []
    return sent[-1]


def next_turn(clock: FakeClock, runner: Any, minutes: int = 1) -> None:
    clock.set(clock.now() + timedelta(minutes=minutes))
    runner.run_pending()


def test_dms_wait_for_each_readers_morning_and_a_cancel_stops_only_what_has_not_gone(
    world: World, clock: FakeClock
) -> None:
    slack, runner, fake = world
    at_london(clock, 10)  # 10:00 in London is 02:00 in Los Angeles
    people = [*LONDONERS, *WEST_COAST]
    before = {u: len(dms_to(fake, u)) for u in people}
    preview = preview_of(
        slack,
        {"body": "Session notes are up.", "audience": ["everyone"], "way": "dm", "when": "now"},
    )
    assert "6 people" in json.dumps(preview)
    [confirm] = buttons_in(preview, CONFIRM)
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    next_turn(clock, runner)
    got = {u for u in people if len(dms_to(fake, u)) > before[u]}
    assert got == set(LONDONERS)  # the west coast is asleep: theirs wait for 08:00 there

    listed = slack.answer("broadcasts", user=FACILITATOR)
    assert block_kit_problems("message", listed) == []
    assert "2 still queued" in json.dumps(listed)
    [cancel] = buttons_in(listed, broadcast_buttons.CANCEL)
    assert cancel["confirm"]  # asks before it stops anything
    slack.click(broadcast_buttons.CANCEL, cancel["value"], user=FACILITATOR)
    slack.settled()
    assert "2 queued messages won't go" in json.dumps(fake.responses[-1].payload)

    at_london(clock, 17)  # 09:00 in Los Angeles: nothing more goes
    runner.run_pending()
    assert {u for u in people if len(dms_to(fake, u)) > before[u]} == set(LONDONERS)
    with unit_of_work(slack.runtime.session_factory) as session:
        statuses = sorted(
            session.scalars(
                select(OutboxMessage.status).where(OutboxMessage.kind == "broadcast_dm")
            )
        )
    assert statuses.count("cancelled") == 2
    assert statuses.count("sent") == 4


def test_a_channel_question_keeps_replies_as_reflections_and_is_corrected_in_place(
    world: World, clock: FakeClock
) -> None:
    slack, runner, fake = world
    at_london(clock, 12)
    values = {
        "body": "What got in the way of taking on a senior role this month?",
        "question": ["question"],
        "audience": ["everyone"],
        "way": "channel",
        "notify": ["notify"],
        "when": "now",
    }
    preview = preview_of(slack, values)
    [confirm] = buttons_in(preview, CONFIRM)
    assert confirm["confirm"]  # @channel asks a second time
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    next_turn(clock, runner)
    [post] = list(fake.messages_in(CHANNEL))
    assert post["blocks"][0]["text"]["text"] == "<!channel>"
    slack.event(
        {
            "type": "message",
            "channel": CHANNEL,
            "channel_type": "channel",
            "user": LONDONERS[0],
            "text": "Time, mostly. And confidence.",
            "ts": "1999999999.000100",
            "thread_ts": post["ts"],
            "event_ts": "1999999999.000100",
        }
    )
    slack.settled()
    with unit_of_work(slack.runtime.session_factory) as session:
        assert [r.body for r in session.scalars(select(Reflection))] == [
            "Time, mostly. And confidence."
        ]

    # A typo fixed after it went: the post itself is corrected with chat.update.
    listed = slack.answer("broadcasts", user=FACILITATOR)
    [edit] = buttons_in(listed, broadcast_buttons.EDIT)
    before = len(fake.calls_to("views.open"))
    slack.click(broadcast_buttons.EDIT, edit["value"], user=FACILITATOR)
    view = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    fixed = dict(values, body="What got in the way of applying for a senior role this month?")
    assert slack.submit(view, fixed, user=FACILITATOR).body == ""
    slack.settled()
    next_turn(clock, runner)
    [update] = fake.calls_to("chat.update")
    assert update.params["ts"] == post["ts"]
    assert "applying for a senior role" in json.dumps(fake.messages_in(CHANNEL)[0])
    assert len(fake.messages_in(CHANNEL)) == 1  # corrected, not posted again


def test_bad_input_gets_a_sentence_and_changes_nothing(world: World, clock: FakeClock) -> None:
    slack, _runner, fake = world
    at_london(clock, 12)
    counts = table_counts(slack.runtime)

    # A member who isn't a facilitator.
    answer = slack.answer("broadcast", user=MEMBER)
    assert "facilitator" in json.dumps(answer).lower()

    view = open_modal(slack, "broadcast", FACILITATOR)

    def errors(values: dict[str, Any]) -> dict[str, str]:
        reply = slack.submit(view, values, user=FACILITATOR)
        found: dict[str, str] = reply.json()["errors"]
        return found

    base = {"audience": ["everyone"], "way": "dm", "when": "now"}
    assert "body" in errors(dict(base, body="   "))
    assert "date" in errors(dict(base, body="Hello", when="at", date="2020-01-01", time="09:00"))
    assert "until" in errors(
        dict(base, body="Hello", when="weekly", date="2030-01-01", time="09:00")
    )
    assert "audience" in errors(dict(base, body="Hello", way="channel", audience=["facilitators"]))
    assert "notify" in errors(dict(base, body="Hello", notify=["notify"]))
    assert "body" in errors(dict(base, body="x" * 40_001))
    assert table_counts(slack.runtime) == counts

    # Nobody in the audience: the preview says so and offers no Confirm.
    preview = preview_of(
        slack, dict(base, body="Hello", audience=["size:over_10m", "level:trustee"])
    )
    assert "Nobody matches" in json.dumps(preview)
    assert buttons_in(preview, CONFIRM) == []
    # A forged Confirm for it sends nothing either.
    with unit_of_work(slack.runtime.session_factory) as session:
        before = len(session.scalars(select(OutboxMessage.id)).all())
    slack.click(CONFIRM, buttons_in(preview, broadcast_buttons.EDIT)[0]["value"], user=FACILITATOR)
    slack.settled()
    assert "nothing was sent" in json.dumps(fake.responses[-1].payload)
    with unit_of_work(slack.runtime.session_factory) as session:
        assert len(session.scalars(select(OutboxMessage.id)).all()) == before


def test_a_forty_thousand_character_message_is_split_into_sections_not_refused(
    world: World, clock: FakeClock
) -> None:
    slack, runner, fake = world
    at_london(clock, 12)
    paragraph = ("Leadership is a practice. " * 40).strip() + "\n\n"
    body = (paragraph * 40)[:40_000]
    preview = preview_of(
        slack, {"body": body, "audience": ["facilitators"], "way": "dm", "when": "now"}
    )
    [confirm] = buttons_in(preview, CONFIRM)
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    next_turn(clock, runner)
    [sent] = [
        c.params
        for c in fake.calls_to("chat.postMessage")
        if c.params["channel"] == FACILITATOR and c.params["text"].startswith("Leadership")
    ]
    assert block_kit_problems("message", sent) == []
    sections = [b["text"]["text"] for b in sent["blocks"] if b["type"] == "section"]
    assert len(sections) >= 14
    assert all(len(s) <= 3000 for s in sections)
    assert "".join(sections).replace("\n", "").replace(" ", "") == body.replace("\n", "").replace(
        " ", ""
    )


def test_a_deactivated_account_is_reported_in_plain_words(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    at_london(clock, 12)
    fake.deactivate_user(LONDONERS[1])
    preview = preview_of(
        slack,
        {"body": "Notes from today.", "audience": ["everyone"], "way": "dm", "when": "now"},
    )
    [confirm] = buttons_in(preview, CONFIRM)
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    next_turn(clock, runner)  # it goes out: London now, the west coast at 08:00 there
    at_london(clock, 17)  # the next day, after 08:00 in Los Angeles
    runner.run_pending()
    next_turn(clock, runner, minutes=10)  # the check after the last was due: the report
    report = dms_to(fake, FACILITATOR)[-1]
    shown = json.dumps(report)
    assert "Your broadcast has gone out" in shown
    assert "5 delivered" in shown
    assert "1 failed" in shown
    assert "account deactivated: 1" in shown
    assert LONDONERS[1] not in shown  # counts and reasons, never who


def test_a_scheduled_broadcast_moved_before_it_goes(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    at_london(clock, 12)
    tomorrow = clock.now().astimezone(LONDON).date() + timedelta(days=1)
    values = {
        "body": "Reminder: the library has new readings.",
        "audience": ["everyone"],
        "way": "dm",
        "when": "at",
        "date": tomorrow.isoformat(),
        "time": "09:00",
    }
    preview = preview_of(slack, values)
    [confirm] = buttons_in(preview, CONFIRM)
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()

    listed = slack.answer("broadcasts", user=FACILITATOR)
    assert "Nothing has gone yet" in json.dumps(listed)
    [edit] = buttons_in(listed, broadcast_buttons.EDIT)
    before = len(fake.calls_to("views.open"))
    slack.click(broadcast_buttons.EDIT, edit["value"], user=FACILITATOR)
    view = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    moved = dict(values, time="15:00", body="Reminder: the library has three new readings.")
    assert slack.submit(view, moved, user=FACILITATOR).body == ""
    slack.settled()

    clock.set(datetime.combine(tomorrow, time(9, 30), tzinfo=LONDON))
    runner.run_pending()
    assert not any("library" in json.dumps(m) for m in dms_to(fake, LONDONERS[0]))
    clock.set(datetime.combine(tomorrow, time(15, 1), tzinfo=LONDON))
    runner.run_pending()
    [got] = [m for m in dms_to(fake, LONDONERS[0]) if "library" in json.dumps(m)]
    assert "three new readings" in json.dumps(got)


def test_a_confirmed_broadcast_keeps_who_it_is_for_and_whether_it_pings(
    world: World, clock: FakeClock
) -> None:
    """Its audience and @channel were agreed on a preview; an edit shows none, so it can't
    widen either (a facilitators-only note can't quietly become one for everyone)."""
    slack, _runner, fake = world
    at_london(clock, 12)
    tomorrow = clock.now().astimezone(LONDON).date() + timedelta(days=1)
    when = {"when": "at", "date": tomorrow.isoformat(), "time": "09:00"}
    by_dm = dict(when, body="Facilitators: notes for Thursday.", audience=["facilitators"])
    by_dm["way"] = "dm"
    in_channel = dict(when, body="Thursday's room has moved.", audience=["everyone"])
    in_channel["way"] = "channel"
    for values in (by_dm, in_channel):
        [confirm] = buttons_in(preview_of(slack, values), CONFIRM)
        slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
        slack.settled()

    def edit_form(index: int) -> dict[str, Any]:
        listed = slack.answer("broadcasts", user=FACILITATOR)
        edit = buttons_in(listed, broadcast_buttons.EDIT)[index]
        before = len(fake.calls_to("views.open"))
        slack.click(broadcast_buttons.EDIT, edit["value"], user=FACILITATOR)
        view: dict[str, Any] = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
        return view

    def kept() -> list[tuple[list[str], bool, str]]:
        with unit_of_work(slack.runtime.session_factory) as session:
            rows = session.scalars(select(Broadcast).order_by(Broadcast.id)).all()
            return [(list(b.audience), b.notify_channel, b.body) for b in rows]

    counts, before = table_counts(slack.runtime), kept()
    errors = {}
    for index in (0, 1):
        view = edit_form(index)
        shown = json.dumps(view)
        if "notes for Thursday" in shown:
            widened = dict(by_dm, audience=["everyone"])
            errors["dm"] = slack.submit(view, widened, user=FACILITATOR).json()["errors"]
        else:
            pinging = dict(in_channel, notify=["notify"])
            errors["channel"] = slack.submit(view, pinging, user=FACILITATOR).json()["errors"]
    assert "keeps who it is for" in errors["dm"]["audience"]
    assert "notifies the channel" in errors["channel"]["notify"]
    assert table_counts(slack.runtime) == counts
    assert kept() == before


def test_a_weekly_broadcast_keeps_its_local_time_across_the_clock_change(
    world: World, clock: FakeClock
) -> None:
    slack, runner, fake = world
    # Saturday 20 March 2027, then Saturdays 27 March (the clocks go forward that night)
    # and 3 April, each at 10:00 in London.
    clock.set(datetime(2027, 3, 19, 12, 0, tzinfo=LONDON))
    values = {
        "body": "Weekly: one thing you're proud of?",
        "audience": ["everyone"],
        "way": "dm",
        "when": "weekly",
        "date": "2027-03-20",
        "time": "10:00",
        "until": "2027-04-03",
    }
    preview = preview_of(slack, values)
    assert "3 times" in json.dumps(preview)
    [confirm] = buttons_in(preview, CONFIRM)
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    arrived: list[str] = []
    for day in ["2027-03-20", "2027-03-27", "2027-04-03", "2027-04-10"]:
        at = datetime.combine(datetime.fromisoformat(day).date(), time(10, 1), tzinfo=LONDON)
        clock.set(at)
        runner.run_pending()
        for message in dms_to(fake, LONDONERS[0]):
            if "proud" in json.dumps(message) and json.dumps(message) not in arrived:
                arrived.append(json.dumps(message))
    with unit_of_work(slack.runtime.session_factory) as session:
        sent = session.scalars(
            select(OutboxMessage.sent_at)
            .where(OutboxMessage.kind == "broadcast_dm", OutboxMessage.member_id.is_not(None))
            .order_by(OutboxMessage.sent_at)
        ).all()
    local_times = {s.astimezone(LONDON).strftime("%H:%M") for s in sent}
    assert local_times == {"10:01"}  # 10:00 local each week, sent on the next turn
    assert len(sent) == 3 * len(ZONES)  # three weeks, each person once; none after the end


def test_a_question_by_dm_is_answered_with_the_reflect_button(
    world: World, clock: FakeClock
) -> None:
    slack, runner, fake = world
    at_london(clock, 12)
    values = {
        "body": "<!here> What would make next month easier? @here",
        "question": ["question"],
        "audience": [f"level:{'manager'}"],
        "way": "dm",
        "when": "now",
    }
    preview = preview_of(slack, values)
    assert "<!here>" not in json.dumps(preview)  # typed markup is shown, never obeyed
    [confirm] = buttons_in(preview, CONFIRM)
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    next_turn(clock, runner)
    [dm] = [m for m in dms_to(fake, LONDONERS[0]) if "next month" in json.dumps(m)]
    assert "<!here>" not in json.dumps(dm)
    [reflect] = buttons_in(dm, session_buttons.REFLECT)
    before = len(fake.calls_to("views.open"))
    slack.click(session_buttons.REFLECT, reflect["value"], user=LONDONERS[0])
    view = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    choice = {"body": "Fewer meetings on Mondays.", "visibility": "facilitators"}
    assert slack.submit(view, choice, user=LONDONERS[0]).body == ""
    slack.settled()
    with unit_of_work(slack.runtime.session_factory) as session:
        [kept] = session.scalars(select(Reflection)).all()
    assert (kept.body, kept.visibility) == ("Fewer meetings on Mondays.", "facilitators")
    listed = slack.answer("broadcasts", user=FACILITATOR)
    assert "1 reply" in json.dumps(listed)
