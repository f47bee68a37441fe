"""Issue 13's "done means", end to end: 23 members from nine organisations in three size
bands ask for a set in the join form; a facilitator forms four sets with private channels,
previews and swaps one person, confirms; the real scheduler creates each set's private
channel (conversations.create + invite on the fake Slack) and posts its welcome; one set
picks its meeting time by vote; then the fake clock runs the whole six-meeting cycle with
reminders, follow-ups and the presenter rotating, to the closing and the archived channel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.models import Member
from core.sets.meeting_notices import MET, PICK_TIME, VOTE
from core.sets.models import LearningSet, SetCycle, SetMeeting, SetMembership
from handlers.sets.forming import CONFIRM, LEAVE_QUIET
from scheduler.runner import Runner
from tests.core.test_sets_service import ORGANISATIONS, TWENTY_THREE
from tests.fakes.slack_api import FakeSlackApi, block_kit_problems
from tests.helpers import profile_values
from tests.slack.conftest import World, scheduled_world
from tests.slack_harness import SlackHarness

FACILITATOR = "UFACIL01"
PEOPLE = {f"U0P{i:02d}": org for i, org in enumerate(TWENTY_THREE)}


@pytest.fixture
def world(database_url: str, clock: FakeClock) -> Iterator[World]:
    with FakeSlackApi(team_id="T0001", ts_clock=lambda: clock.now().timestamp()) as fake:
        for user in PEOPLE:
            fake.add_user(user, real_name=f"Member {user}", tz="Europe/London")
        fake.add_user(FACILITATOR, real_name="Fran Facilitator", tz="Europe/London")
        with scheduled_world(database_url, clock, fake, "sets-cycle") as world:
            yield world


def open_modal(slack: SlackHarness, text: str, user: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.open"))
    assert slack.command(text, user=user).status == 200
    view: dict[str, Any] = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    return view


def click(slack: SlackHarness, action_id: str, value: str, user: str) -> dict[str, Any]:
    before = len(slack.fake.responses)
    slack.click(action_id, value, user=user)
    payload: dict[str, Any] = slack.fake.wait_for_response(count=before + 1)[-1].payload
    assert block_kit_problems("message", payload) == []
    return payload


def command(slack: SlackHarness, text: str, user: str) -> dict[str, Any]:
    reply = slack.command(text, user=user)
    assert reply.status == 200
    body: dict[str, Any] = reply.json()
    assert block_kit_problems("message", body) == []
    return body


def placement(slack: SlackHarness) -> dict[str, int]:
    with unit_of_work(slack.runtime.session_factory) as session:
        rows = session.execute(
            select(Member.platform_user_id, LearningSet.number)
            .join(SetMembership, SetMembership.member_id == Member.id)
            .join(LearningSet, LearningSet.id == SetMembership.set_id)
        ).all()
    return {str(user): int(number) for user, number in rows}


def buttons(message: dict[str, Any], action_id: str) -> list[str]:
    return [
        str(element["value"])
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]


def test_twenty_three_members_four_sets_private_channels_and_a_whole_cycle(
    world: tuple[SlackHarness, Runner, FakeSlackApi], clock: FakeClock
) -> None:
    slack, runner, fake = world
    for user, organisation in PEOPLE.items():
        view = open_modal(slack, "join", user)
        values = profile_values(
            display_name=f"Member {user}",
            organisation=organisation,
            org_size=ORGANISATIONS[organisation],
            languages=["en"],
            wants_set=True,
        )
        assert slack.submit(view, values, user=user).body == ""
    slack.settled()

    form = open_modal(slack, "sets form", FACILITATOR)
    choices = {
        "min_size": "4",
        "max_size": "6",
        "grouping": "same_band",
        "meetings": "6",
        "rhythm_weeks": "4",
        "meeting_minutes": "120",
        "space_kind": "channel",
        "advised": False,
    }
    assert slack.submit(form, choices, user=FACILITATOR).body == ""
    slack.settled()
    placed = placement(slack)
    assert sorted(list(placed.values()).count(n) for n in set(placed.values())) == [5, 6, 6, 6]
    assert fake.calls_to("conversations.create") == []  # a preview sends nothing

    # One swap before confirming: two people from organisations absent from each other's set.
    a, b = next(
        (a, b)
        for a in PEOPLE
        for b in PEOPLE
        if placed[a] < placed[b]
        and not any(PEOPLE[o] == PEOPLE[b] for o in PEOPLE if placed[o] == placed[a] and o != a)
        and not any(PEOPLE[o] == PEOPLE[a] for o in PEOPLE if placed[o] == placed[b] and o != b)
    )
    slack.command(f"sets swap <@{a}|a> <@{b}|b>", user=FACILITATOR)
    assert placement(slack)[a] == placed[b]
    with unit_of_work(slack.runtime.session_factory) as session:
        cycle_id = session.scalars(select(SetCycle.id)).one()
    click(slack, CONFIRM, str(cycle_id), FACILITATOR)

    # The scheduler's sender makes each set's private channel and posts the welcome in it.
    runner.run_pending()
    created = fake.calls_to("conversations.create")
    assert len(created) == 4
    assert all(str(c.params.get("is_private")).lower() in {"true", "1"} for c in created)
    final = placement(slack)
    with unit_of_work(slack.runtime.session_factory) as session:
        spaces = {
            s.number: (s.id, s.space_id, s.name) for s in session.scalars(select(LearningSet))
        }
    for number, (_set_id, space_id, name) in spaces.items():
        assert space_id is not None, f"set {number}'s channel was not recorded"
        assert fake.channel_named(name) is not None
        in_channel = set(fake.members_of(space_id))
        assert {u for u, n in final.items() if n == number} <= in_channel
        assert len({PEOPLE[u] for u, n in final.items() if n == number}) == sum(
            1 for n in final.values() if n == number
        )  # never two colleagues in a set
        [welcome] = fake.messages_in(space_id)
        assert block_kit_problems("message", {"blocks": welcome["blocks"]}) == []

    # Someone leaves set 2: asked once whether to give their name, then taken out of the
    # set's private channel before the set is told there is a space.
    leaver = sorted(u for u, n in final.items() if n == 2)[0]
    _set2, channel2, _name2 = spaces[2]
    assert channel2 is not None
    asked = command(slack, "set leave", leaver)
    [quiet] = list(buttons(asked, LEAVE_QUIET))
    click(slack, LEAVE_QUIET, quiet, leaver)
    clock.set(clock.now() + timedelta(minutes=5))  # the sender's next turn
    runner.run_pending()
    assert leaver not in fake.members_of(channel2)
    told = fake.messages_in(channel2)[-1]
    assert "left" in json.dumps(told).lower()
    with unit_of_work(slack.runtime.session_factory) as session:
        kept = session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.recipient.startswith("remove:"))
        ).all()
    assert kept == [f"remove:{channel2}:"]  # done, and the leaver's id is not kept

    # Set 1 chooses its time: one member opens the vote, a majority clicks the first slot.
    set_id, space_id, _name = spaces[1]
    assert space_id is not None
    members = sorted(u for u, n in final.items() if n == 1)
    opened = click(slack, PICK_TIME, str(set_id), members[0])
    first_slot = buttons(opened, VOTE)[0]
    assert len(buttons(opened, VOTE)) == 3
    for voter in members[: len(members) // 2 + 1]:
        chosen = click(slack, VOTE, first_slot, voter)
    assert "Chosen" in json.dumps(chosen)
    with unit_of_work(slack.runtime.session_factory) as session:
        meetings = list(
            session.scalars(
                select(SetMeeting).where(SetMeeting.set_id == set_id).order_by(SetMeeting.number)
            )
        )
    assert [m.number for m in meetings] == [1, 2, 3, 4, 5, 6]

    # The whole cycle on the fake clock: reminders before, a follow-up after, each meeting.
    presenters: list[int | None] = []
    for meeting in meetings:
        clock.set(meeting.starts_at - timedelta(days=2))
        runner.run_pending()
        reminded = [m for u in members for m in fake.messages_in(u) if "Pick" not in str(m)]
        assert reminded, f"no reminder before meeting {meeting.number}"
        clock.set(meeting.starts_at + timedelta(minutes=meeting.minutes + 30))
        runner.run_pending()
        follow_ups = [m for m in fake.messages_in(space_id) if buttons(m, MET)]
        assert follow_ups, f"no follow-up after meeting {meeting.number}"
        click(slack, MET, buttons(follow_ups[-1], MET)[0], members[0])
        with unit_of_work(slack.runtime.session_factory) as session:
            presenters.append(
                session.scalars(
                    select(SetMeeting.presenter_member_id).where(SetMeeting.id == meeting.id)
                ).one()
            )
    # Everyone presents once before anyone presents twice.
    size = len(members)
    assert len(set(presenters[:size])) == min(size, 6)
    assert None not in presenters

    # `sets stats`: set 1 met six times; the others never chose a time and have gone quiet.
    stats = slack.answer("sets stats", user=FACILITATOR)
    assert block_kit_problems("message", stats) == []
    shown = json.dumps(stats, ensure_ascii=False)
    assert "*Set 1* (6 members): 6 of 6 meetings held" in shown or (
        "*Set 1* (5 members): 6 of 6 meetings held" in shown
    )
    assert "100% attendance" in shown
    assert shown.count("has gone quiet") == 3

    # The close: a closing reflection, then the channel is archived (kept, not deleted).
    clock.set(meetings[-1].starts_at + timedelta(days=9))
    runner.run_pending()
    clock.set(meetings[-1].starts_at + timedelta(days=10))
    runner.run_pending()
    assert fake.is_archived(space_id)
