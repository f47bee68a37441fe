"""Issue 16's co-design poll end to end over Slack's HTTP endpoint, the real scheduler on
the fake clock and the fake Web API: a facilitator writes a theme poll for the channel,
previews and confirms it; members vote with buttons and change their vote; the post is
edited in place with its bars; when it closes the final result is posted once. And the
end-of-programme survey: sent by DM, answered once from its button."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Community
from core.polls import buttons as poll_buttons
from core.polls.models import PollOption
from core.timefmt import local
from handlers.polls.commands import CONFIRM, SURVEY_CONFIRM
from handlers.polls.form import POLL_FORM, SURVEY_FORM
from tests.fakes.slack_api import FakeSlackApi, block_kit_problems
from tests.helpers import profile_values
from tests.slack.conftest import World, scheduled_world
from tests.slack_harness import SlackHarness

FACILITATOR = "UFACIL01"
AMINA, BEA, CHIDI = "U0AMINA", "U0BEA", "U0CHIDI"
EVERYONE = [FACILITATOR, AMINA, BEA, CHIDI]
CHANNEL = "C0COP"


@pytest.fixture
def world(database_url: str, clock: FakeClock) -> Iterator[World]:
    with FakeSlackApi(team_id="T0001", ts_clock=lambda: clock.now().timestamp()) as fake:
        for user in EVERYONE:
            fake.add_user(user, real_name=f"Member {user}", tz="Europe/London")
        fake.add_channel(CHANNEL)
        with scheduled_world(database_url, clock, fake, "polls", CATALYST_CHANNEL=CHANNEL) as world:
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


def blocks_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = message.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def buttons_in(message: dict[str, Any], action_id: str) -> list[dict[str, Any]]:
    return [
        element
        for block in blocks_of(message)
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]


def counts(slack: SlackHarness) -> list[int]:
    with unit_of_work(slack.runtime.session_factory) as session:
        return [o.votes for o in session.scalars(select(PollOption).order_by(PollOption.position))]


def tick(slack: SlackHarness, clock: FakeClock, runner: Any) -> None:
    slack.settled()
    clock.advance(timedelta(minutes=1))  # the scheduler's next turn
    runner.run_pending()


def last_response(fake: FakeSlackApi) -> dict[str, Any]:
    return dict(fake.responses[-1].payload)


def test_a_theme_poll_in_the_channel(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    for user in EVERYONE:
        join(slack, user)
    slack.settled()
    with unit_of_work(slack.runtime.session_factory) as session:
        session.scalars(select(Community)).one().themes = ["Anti-racism", "Funding"]

    view = open_modal(slack, "poll themes", FACILITATOR)
    assert view["callback_id"] == POLL_FORM
    closes = local(clock.now() + timedelta(days=2), "Europe/London")
    values = {
        "question": "Which themes next cycle?",
        "options": "Anti-racism\nFunding",
        "members_add": ["members_add"],
        "choice": "single",
        "anonymous": "anonymous",
        "date": closes.date().isoformat(),
        "time": "17:00",
        "audience": ["everyone"],
        "way": "channel",
    }
    assert slack.submit(view, values, user=FACILITATOR).body == ""
    slack.settled()
    preview = dms_to(fake, FACILITATOR)[-1]
    assert block_kit_problems("message", preview) == []
    assert "posted in the community channel" in json.dumps(preview)
    [confirm] = buttons_in(preview, CONFIRM)
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)  # a second click
    slack.settled()
    assert "sent already" in json.dumps(last_response(fake))
    tick(slack, clock, runner)
    [post] = fake.messages_in(CHANNEL)
    assert block_kit_problems("message", post) == []
    assert "Which themes next cycle?" in json.dumps(post)
    poll_id = buttons_in(post, poll_buttons.vote_action(1))[0]["value"]
    assert buttons_in(post, poll_buttons.SUGGEST)

    # Amina votes from the channel: counted without her name, and her own copy comes by DM.
    slack.click(poll_buttons.vote_action(1), poll_id, user=AMINA)
    slack.settled()
    assert "without your name" in json.dumps(last_response(fake))
    copy = dms_to(fake, AMINA)[-1]
    assert block_kit_problems("message", copy) == []
    assert "✓ *Anti-racism*" in json.dumps(copy, ensure_ascii=False)
    tick(slack, clock, runner)
    [post] = fake.messages_in(CHANNEL)  # edited in place, not posted again
    shown = json.dumps(post, ensure_ascii=False)
    assert "▓▓▓▓▓▓▓▓▓▓ 1 (100%)" in shown
    assert "░░░░░░░░░░ 0 (0%)" in shown

    # She changes her mind from her copy: the copy is replaced, the post redrawn.
    [change] = buttons_in(copy, poll_buttons.vote_action(2))
    slack.click(poll_buttons.vote_action(2), change["value"], user=AMINA)
    slack.settled()
    replaced = last_response(fake)
    assert replaced.get("replace_original") is True
    assert "✓ *Funding*" in json.dumps(replaced, ensure_ascii=False)
    assert counts(slack) == [0, 1]
    # The old copy (a replay) and a second click on the post change nothing.
    slack.click(poll_buttons.vote_action(1), change["value"], user=AMINA)
    slack.settled()
    assert "out of date" in json.dumps(last_response(fake))
    slack.click(poll_buttons.vote_action(1), poll_id, user=AMINA)
    slack.settled()
    assert "voted in this poll already" in json.dumps(last_response(fake))
    slack.click(poll_buttons.vote_action(2), poll_id, user=BEA)
    tick(slack, clock, runner)
    assert counts(slack) == [0, 2]
    [post] = fake.messages_in(CHANNEL)
    assert "2 (100%)" in json.dumps(post, ensure_ascii=False)

    # It closes on the clock: the final result is posted once, the post keeps no buttons.
    clock.set(closes.replace(hour=17, minute=1))
    runner.run_pending()
    tick(slack, clock, runner)
    tick(slack, clock, runner)
    posts = fake.messages_in(CHANNEL)
    assert len(posts) == 2
    assert sum("Final result" in json.dumps(p) for p in posts) == 2  # the edit and the post
    assert all(not buttons_in(p, poll_buttons.vote_action(1)) for p in posts)
    slack.click(poll_buttons.vote_action(1), poll_id, user=CHIDI)
    slack.settled()
    assert "closed" in json.dumps(last_response(fake))
    assert counts(slack) == [0, 2]


def test_the_survey_by_dm(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    for user in EVERYONE:
        join(slack, user)
    slack.settled()
    view = open_modal(slack, "survey", FACILITATOR)
    assert view["callback_id"] == SURVEY_FORM
    closes = local(clock.now() + timedelta(days=10), "Europe/London").date().isoformat()
    values = {"audience": ["everyone"], "date": closes, "time": "17:00", "anonymous": ["anonymous"]}
    assert slack.submit(view, values, user=FACILITATOR).body == ""
    slack.settled()
    preview = dms_to(fake, FACILITATOR)[-1]
    [confirm] = buttons_in(preview, SURVEY_CONFIRM)
    slack.click(SURVEY_CONFIRM, confirm["value"], user=FACILITATOR)
    clock.set(clock.now().replace(hour=10) + timedelta(days=1))  # inside delivery hours
    runner.run_pending()
    invitation = dms_to(fake, BEA)[-1]
    assert block_kit_problems("message", invitation) == []
    [open_button] = buttons_in(invitation, poll_buttons.SURVEY_OPEN)
    slack.click(poll_buttons.SURVEY_OPEN, open_button["value"], user=BEA)
    slack.settled()
    form = fake.calls_to("views.open")[-1].params["view"]
    assert block_kit_problems("modal", form) == []
    assert slack.submit(form, {"helped": "The sets", "continue": "4"}, user=BEA).body == ""
    slack.settled()
    assert "Thank you" in json.dumps(dms_to(fake, BEA)[-1])
    slack.click(poll_buttons.SURVEY_OPEN, open_button["value"], user=BEA)
    slack.settled()
    assert "answered this survey already" in json.dumps(last_response(fake))


def test_a_named_poll_by_dm_with_several_choices(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    for user in EVERYONE:
        join(slack, user)
    slack.settled()
    clock.set(clock.now().replace(hour=10) + timedelta(days=1))  # inside delivery hours
    runner.run_pending()
    view = open_modal(slack, "poll", FACILITATOR)
    closes = local(clock.now() + timedelta(days=1), "Europe/London")
    values = {
        "question": "Which evenings suit you?",
        "options": "Monday\nWednesday\nThursday",
        "choice": "multiple",
        "anonymous": "named",
        "date": closes.date().isoformat(),
        "time": "12:00",
        "audience": ["everyone"],
        "way": "dm",
    }
    assert slack.submit(view, values, user=FACILITATOR).body == ""
    slack.settled()
    [confirm] = buttons_in(dms_to(fake, FACILITATOR)[-1], CONFIRM)
    slack.click(CONFIRM, confirm["value"], user=FACILITATOR)
    tick(slack, clock, runner)
    copy = dms_to(fake, AMINA)[-1]
    assert block_kit_problems("message", copy) == []
    assert "Named: facilitators can see who chose what" in json.dumps(copy)
    for position in (1, 3, 1):  # Monday on, Thursday on, Monday off again
        [button] = buttons_in(copy, poll_buttons.vote_action(position))
        slack.click(poll_buttons.vote_action(position), button["value"], user=AMINA)
        slack.settled()
        assert last_response(fake).get("replace_original") is True
    shown = json.dumps(last_response(fake), ensure_ascii=False)
    assert "✓ *Thursday*" in shown
    assert "✓ *Monday*" not in shown
    assert counts(slack) == [0, 0, 1]

    clock.set(closes.replace(hour=12, minute=1))
    runner.run_pending()
    tick(slack, clock, runner)
    tick(slack, clock, runner)
    for user in EVERYONE:
        results = [m for m in dms_to(fake, user) if "Final result" in json.dumps(m)]
        assert len(results) == 1, user
    mine = next(m for m in dms_to(fake, AMINA) if "Final result" in json.dumps(m))
    assert "✓ *Thursday*" in json.dumps(mine, ensure_ascii=False)
    assert not buttons_in(mine, poll_buttons.vote_action(1))
