"""Action learning sets end to end through Slack's HTTP endpoint: 23 members from nine
organisations in three size bands say (in the join form) that they want a set; a
facilitator opens `/cop sets form`, gets the preview by DM (nothing sent to anyone), swaps
one person, confirms; four welcomes go out through the real outbox worker to group DMs
(`conversations.open`), each within Block Kit's limits, with the "Pick our meeting time"
button. A second confirm does nothing more."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.slack.sender import SlackSender
from core.db import unit_of_work
from core.models import Member
from core.sets.models import LearningSet, SetCycle, SetMembership
from core.sets.notices import PICK_TIME
from handlers.sets.forming import CONFIRM
from scheduler.delivery import OutboxWorker
from tests.core.test_sets_service import ORGANISATIONS, TWENTY_THREE
from tests.fakes.slack_api import block_kit_problems
from tests.helpers import profile_values
from tests.slack.test_sessions_flow import open_modal, sent, settled
from tests.slack_harness import BOT_TOKEN, SlackHarness

FACILITATOR = "UFACIL01"
PEOPLE = {f"U0P{i:02d}": org for i, org in enumerate(TWENTY_THREE)}


def placement(slack: SlackHarness) -> dict[str, int]:
    with unit_of_work(slack.runtime.session_factory) as session:
        rows = session.execute(
            select(Member.platform_user_id, LearningSet.number)
            .join(SetMembership, SetMembership.member_id == Member.id)
            .join(LearningSet, LearningSet.id == SetMembership.set_id)
        ).all()
    return {str(user): int(number) for user, number in rows}


def latest_post(slack: SlackHarness) -> dict[str, Any]:
    return slack.fake.all_posted()[-1]


def test_a_facilitator_forms_previews_swaps_and_confirms_four_sets(slack: SlackHarness) -> None:
    for user, organisation in PEOPLE.items():
        view = open_modal(slack, "join", user)
        assert any("action learning set" in json.dumps(b) for b in view["blocks"])
        posts, publishes = sent(slack)
        values = profile_values(
            display_name=f"Member {user}",
            organisation=organisation,
            org_size=ORGANISATIONS[organisation],
            languages=["en"],
            wants_set=True,
        )
        assert slack.submit(view, values, user=user).body == ""
        settled(slack, posts + 1, publishes + 1)

    # A member can't form sets.
    assert "Only facilitators" in slack.answer("sets form", user="U0P00")["text"]

    overview = slack.answer("sets", user=FACILITATOR)
    assert block_kit_problems("message", overview) == []
    assert "23 members" in json.dumps(overview)

    form = open_modal(slack, "sets form", FACILITATOR)
    posts, _publishes = sent(slack)
    choices = {
        "min_size": "4",
        "max_size": "6",
        "grouping": "same_band",
        "meetings": "6",
        "rhythm_weeks": "4",
        "meeting_minutes": "120",
        "space_kind": "group_dm",
        "advised": False,
    }
    assert slack.submit(form, choices, user=FACILITATOR).body == ""
    slack.fake.wait_for("chat.postMessage", count=posts + 1)
    preview = latest_post(slack)
    assert preview["channel"].startswith("D")  # the facilitator's DM
    assert block_kit_problems("message", {"blocks": preview["blocks"]}) == []
    shown = json.dumps(preview, ensure_ascii=False)
    assert "nothing sent" in shown
    assert shown.count("*Set ") == 4
    assert slack.fake.calls_to("conversations.open") == []

    placed = placement(slack)
    assert sorted(list(placed.values()).count(n) for n in set(placed.values())) == [5, 6, 6, 6]
    # Swapping someone into a set that has a colleague of theirs is refused.
    conflict = next(
        (a, b)
        for a in PEOPLE
        for b in PEOPLE
        if placed[a] != placed[b]
        and any(PEOPLE[o] == PEOPLE[b] and o != a for o in PEOPLE if placed[o] == placed[a])
    )
    refused = slack.command(f"sets swap <@{conflict[0]}|a> <@{conflict[1]}|b>", user=FACILITATOR)
    assert "same organisation" in refused.json()["text"]
    assert placement(slack) == placed
    fine = next(
        (a, b)
        for a in PEOPLE
        for b in PEOPLE
        if placed[a] < placed[b]
        and not any(PEOPLE[o] == PEOPLE[b] for o in PEOPLE if placed[o] == placed[a] and o != a)
        and not any(PEOPLE[o] == PEOPLE[a] for o in PEOPLE if placed[o] == placed[b] and o != b)
    )
    swapped = slack.answer(f"sets swap <@{fine[0]}|a> <@{fine[1]}|b>", user=FACILITATOR)
    assert block_kit_problems("message", swapped) == []
    assert placement(slack)[fine[0]] == placed[fine[1]]

    with unit_of_work(slack.runtime.session_factory) as session:
        cycle_id = session.scalars(select(SetCycle.id)).one()
    before = len(slack.fake.responses)
    slack.click(CONFIRM, str(cycle_id), user=FACILITATOR)
    answer = slack.fake.wait_for_response(count=before + 1)[-1].payload
    assert "Cycle 1 has started" in json.dumps(answer)
    slack.click(CONFIRM, str(cycle_id), user=FACILITATOR)
    again = slack.fake.wait_for_response(count=before + 2)[-1].payload
    assert "already been created" in json.dumps(again)

    sender = SlackSender(BOT_TOKEN, slack.fake.base_url)
    worker = OutboxWorker(slack.runtime.session_factory, slack.runtime.clock, sender, "w")
    worker.run_until_idle(budget_seconds=10)

    opened = [
        set(str(c.params["users"]).split(",")) for c in slack.fake.calls_to("conversations.open")
    ]
    groups = [g for g in opened if len(g) > 1]
    assert sorted(len(g) for g in groups) == [5, 6, 6, 6]
    assert set().union(*groups) == set(PEOPLE)
    for group in groups:
        assert len({PEOPLE[u] for u in group}) == len(group)  # never two colleagues
    welcomes = [p for p in slack.fake.all_posted() if "Pick our meeting time" in json.dumps(p)]
    assert len(welcomes) == 4
    with unit_of_work(slack.runtime.session_factory) as session:
        set_ids = {str(s.id) for s in session.scalars(select(LearningSet))}
        spaces = {s.space_id for s in session.scalars(select(LearningSet))}
    assert None not in spaces  # each welcome recorded its set's space
    for welcome in welcomes:
        assert block_kit_problems("message", {"blocks": welcome["blocks"]}) == []
        text = json.dumps(welcome, ensure_ascii=False)
        assert "How a meeting runs" in text
        assert "questions, not advice" in text
        assert "Who presents, in turn" in text
        [button] = [
            e
            for b in welcome["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e.get("action_id") == PICK_TIME
        ]
        assert button["value"] in set_ids
