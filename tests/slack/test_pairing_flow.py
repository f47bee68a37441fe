"""Peer coaching end to end through Slack's HTTP endpoint: a facilitator runs a round, the
introductions go out as group DMs (conversations.open with the members), members answer
with the buttons and `/cop pair`, and the facilitator sees who met in `/cop pairing stats`."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.slack.sender import SlackSender
from core.db import unit_of_work
from core.models import Member
from core.pairing.models import PairingGroup, PairingGroupMember
from core.pairing.notices import BOOKED, CHECKIN_COULDNT, MET
from handlers.pairing.commands import CONFIRM_RUN
from scheduler.delivery import OutboxWorker
from tests.fakes.slack_api import block_kit_problems
from tests.helpers import profile_values
from tests.slack.test_sessions_flow import open_modal, sent, settled
from tests.slack_harness import BOT_TOKEN, SlackHarness

FACILITATOR = "UFACIL01"
PEOPLE = {
    "U0AMINA": "Refugee Action Now",
    "U0SAM": "Welcome Hub",
    "U0LEE": "Migrant Voice",
    "U0KIT": "Refugee Action Now",
}


def join_all(slack: SlackHarness) -> None:
    for user, org in PEOPLE.items():
        view = open_modal(slack, "join", user)
        posts, publishes = sent(slack)
        values = profile_values(
            display_name=f"Member {user}", organisation=org, pairing_cadence="weekly"
        )
        assert slack.submit(view, values, user=user).body == ""
        settled(slack, posts + 1, publishes + 1)


def deliver(slack: SlackHarness) -> None:
    sender = SlackSender(BOT_TOKEN, slack.fake.base_url)
    worker = OutboxWorker(slack.runtime.session_factory, slack.runtime.clock, sender, "test-worker")
    worker.run_until_idle(budget_seconds=5)


def click(slack: SlackHarness, action_id: str, value: str, user: str) -> str:
    """Click a button; the text of the reply that replaces the message."""
    before = len(slack.fake.responses)
    slack.click(action_id, value, user=user)
    payload = slack.fake.wait_for_response(count=before + 1)[-1].payload
    assert block_kit_problems("message", payload) == []
    return json.dumps(payload, ensure_ascii=False)


def test_a_round_runs_introduces_pairs_and_learns_who_met(slack: SlackHarness) -> None:
    join_all(slack)
    preview = slack.answer("pairing preview", user=FACILITATOR)
    assert block_kit_problems("message", preview) == []
    assert "nothing sent" in json.dumps(preview)
    assert slack.fake.calls_to("conversations.open") == []

    ask = slack.answer("pairing run", user=FACILITATOR)
    assert "Run a pairing round now?" in ask["text"]
    assert '"value": "1"' in json.dumps(ask)  # the button carries the round it confirms
    assert "Round 1 is under way" in click(slack, CONFIRM_RUN, "1", FACILITATOR)
    # A second click on the same button (or another facilitator's) runs nothing more.
    assert "already been run" in click(slack, CONFIRM_RUN, "1", FACILITATOR)
    deliver(slack)

    opened = [
        set(str(c.params["users"]).split(",")) for c in slack.fake.calls_to("conversations.open")
    ]
    assert sorted(map(sorted, opened)) != []
    assert len(opened) == 2
    assert set().union(*opened) == set(PEOPLE)
    for group in opened:  # never two people from one organisation
        assert len({PEOPLE[u] for u in group}) == 2
    intros = [p for p in slack.fake.all_posted() if str(p["channel"]).startswith("G")]
    assert len(intros) == 2
    assert all(block_kit_problems("message", {"blocks": p["blocks"]}) == [] for p in intros)

    # Intros go out in parallel, so conversations.open order says nothing about group ids:
    # ask the database which group Amina is in.
    with unit_of_work(slack.runtime.session_factory) as session:
        group_ids = [g.id for g in session.scalars(select(PairingGroup).order_by(PairingGroup.id))]
        amina_group = session.scalars(
            select(PairingGroupMember.group_id)
            .join(Member, Member.id == PairingGroupMember.member_id)
            .where(Member.platform_user_id == "U0AMINA")
        ).one()
    other_group = next(g for g in group_ids if g != amina_group)

    mine = slack.answer("pair", user="U0AMINA")
    assert "Your partner this round" in json.dumps(mine)
    assert "GROW" in json.dumps(mine) or "Goal" in json.dumps(mine)

    assert "booked a time" in click(slack, BOOKED, str(amina_group), "U0AMINA")
    assert "we met" in click(slack, MET, str(amina_group), "U0AMINA")
    # Someone else's group: a sentence, and nothing changes.
    assert "no longer yours" in click(slack, MET, str(other_group), "U0AMINA")
    others = next(o for o in opened if "U0AMINA" not in o)
    assert "can't this time" in click(slack, CHECKIN_COULDNT, str(other_group), sorted(others)[0])

    stats = slack.answer("pairing stats", user=FACILITATOR)
    assert block_kit_problems("message", stats) == []
    text = json.dumps(stats, ensure_ascii=False)
    assert "1 met" in text
    assert "1 couldn't" in text
    assert "50%" in text  # met rate: one of two groups


def test_members_set_pauses_cadence_and_private_avoids(slack: SlackHarness) -> None:
    join_all(slack)
    assert "Paused until" in slack.answer("pair pause 4w", user="U0SAM")["text"]
    assert "pause" in slack.answer("pair pause sometime", user="U0SAM")["text"]
    assert "Monthly" in slack.answer("pair cadence monthly", user="U0SAM")["text"]
    avoid = slack.answer("pair avoid <@U0AMINA|amina>", user="U0SAM")
    assert "privately" in avoid["text"]
    assert "Welcome back" in slack.answer("pair resume", user="U0SAM")["text"]
    assert "Only facilitators" in slack.answer("pairing run", user="U0SAM")["text"]
