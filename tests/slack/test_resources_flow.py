"""The resource library end to end through Slack's HTTP endpoint: search, paging, the
Helpful button, the add modal, review by a facilitator, and the message shortcut."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import select

from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.resources import notices as resource_notices
from core.resources.models import Resource
from handlers.resources.commands import HELPFUL, MORE, SAVE_SHORTCUT
from tests.conftest import table_counts
from tests.core.resource_helpers import community, load_library
from tests.fakes.slack_api import block_kit_problems
from tests.slack.test_sessions_flow import FACILITATOR, join, open_modal
from tests.slack_harness import TEAM, SlackHarness

NEW_LINK = {
    "title": "Power at work: a reading list",
    "url": "https://www.example.net/power-reading/?utm_source=slack",
    "format": "reading",
    "themes": ["Power and positionality"],
    "language": "en",
    "description": "Five short pieces to read before the session on power.",
}


def stock(slack: SlackHarness) -> None:
    with unit_of_work(slack.runtime.session_factory) as session:
        load_library(session, community(session))


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        element
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_search_pages_and_counts_helpful(slack: SlackHarness) -> None:
    stock(slack)
    join(slack)
    started = time.perf_counter()
    body = slack.answer("resources lived experience")
    assert time.perf_counter() - started < 1.0
    assert block_kit_problems("message", body) == []
    text = json.dumps(body, ensure_ascii=False)
    assert "Leading with lived experience: a practical guide" in text
    assert "https://www.livedexperience.example.org/guide" in text

    broad = slack.answer("resources the")
    more = next(b for b in buttons(broad) if b["action_id"] == MORE)
    first_page = {b["value"] for b in buttons(broad) if b["action_id"] == HELPFUL}
    assert len(first_page) == 5
    slack.click(MORE, more["value"])
    page_two = slack.fake.wait_for_response()[-1].payload
    assert block_kit_problems("message", page_two) == []
    second_page = {b["value"] for b in buttons(page_two) if b["action_id"] == HELPFUL}
    assert second_page
    assert not first_page & second_page
    assert "Showing 6–" in json.dumps(page_two, ensure_ascii=False)

    helpful = next(b for b in buttons(body) if b["action_id"] == HELPFUL)
    slack.click(HELPFUL, helpful["value"])
    slack.click(HELPFUL, helpful["value"])  # twice counts once
    replies = slack.fake.wait_for_response(count=3)
    # The two clicks are handled at once, on two threads: either may answer first.
    answers = [str(r.payload["text"]) for r in replies[-2:]]
    [counted] = [a for a in answers if "helped you" in a]
    [again] = [a for a in answers if "already marked" in a]
    assert "1 person found it helpful" in counted
    assert "1 person found it helpful" in again  # the count the other click made
    with unit_of_work(slack.runtime.session_factory) as session:
        assert session.get(Resource, int(helpful["value"])).helpful_count == 1  # type: ignore[union-attr]


def test_no_match_suggests_and_offers_to_add(slack: SlackHarness) -> None:
    stock(slack)
    join(slack)
    body = slack.answer("resources representaton")
    assert block_kit_problems("message", body) == []
    text = json.dumps(body, ensure_ascii=False)
    assert "Did you mean *representation*?" in text
    assert "Add one" in text
    weird = slack.answer('resources "NEAR( -*) AND 😀 <!channel>')
    assert block_kit_problems("message", weird) == []
    assert "<!channel>" not in json.dumps(weird)  # what people type is escaped


def test_a_member_suggests_and_a_facilitator_approves(slack: SlackHarness) -> None:
    join(slack)
    view = open_modal(slack, "resources add", "U0AMINA")
    assert view["callback_id"] == "resource.add"
    assert slack.submit(view, NEW_LINK).body == ""
    slack.fake.wait_for("chat.postMessage")
    with unit_of_work(slack.runtime.session_factory) as session:
        suggestion = session.scalars(select(Resource)).one()
        assert suggestion.status == "pending"
        review = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "resource_review")
        ).one()
        assert review.recipient == FACILITATOR
        resource_id = str(suggestion.id)
    # Not findable until approved.
    assert "Nothing in the library" in json.dumps(slack.answer("resources power"))

    # The same page again, spelt differently: caught, nothing stored.
    before = table_counts(slack.runtime)
    again = open_modal(slack, "resources add", "U0AMINA")
    reply = slack.submit(again, {**NEW_LINK, "url": "http://example.net/power-reading"}).json()
    assert reply["response_action"] == "errors"
    assert "already been suggested" in reply["errors"]["url"]
    assert table_counts(slack.runtime) == before

    # The facilitator sees the queue at home and approves from the DM's button.
    published = len(slack.fake.calls_to("views.publish"))
    slack.open_home(user=FACILITATOR)
    calls = slack.fake.wait_for("views.publish", count=published + 1)
    home = next(c for c in calls if c.params["user_id"] == FACILITATOR).params["view"]
    assert block_kit_problems("home", home) == []
    assert "1 suggestion" in json.dumps(home)
    slack.click(resource_notices.APPROVE, resource_id, user=FACILITATOR)
    approved = slack.fake.wait_for_response()[-1].payload
    assert approved["replace_original"] is True
    assert "is in the library now" in approved["text"]
    with unit_of_work(slack.runtime.session_factory) as session:
        assert session.get(Resource, int(resource_id)).status == "live"  # type: ignore[union-attr]
        told = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "resource_approved")
        ).one()
        assert told.recipient == "U0AMINA"
    found = slack.answer("resources power reading")
    assert "Power at work: a reading list" in json.dumps(found, ensure_ascii=False)
    # A second click (another facilitator's DM) changes nothing and says why.
    slack.click(resource_notices.APPROVE, resource_id, user=FACILITATOR)
    assert "already been approved" in slack.fake.wait_for_response(count=2)[-1].payload["text"]


def test_a_facilitators_addition_is_live_at_once(slack: SlackHarness) -> None:
    join(slack, FACILITATOR)
    view = open_modal(slack, "resources add", FACILITATOR)
    posts = len(slack.fake.calls_to("chat.postMessage"))
    assert slack.submit(view, NEW_LINK, user=FACILITATOR).body == ""
    slack.fake.wait_for("chat.postMessage", count=posts + 1)
    with unit_of_work(slack.runtime.session_factory) as session:
        assert session.scalars(select(Resource.status)).one() == "live"


def test_the_message_shortcut_opens_the_prefilled_modal(slack: SlackHarness) -> None:
    join(slack)
    opened = len(slack.fake.calls_to("views.open"))
    payload = {
        "type": "message_action",
        "callback_id": SAVE_SHORTCUT,
        "team": {"id": TEAM, "domain": "cop"},
        "user": {"id": "U0AMINA", "team_id": TEAM, "name": "amina"},
        "channel": {"id": "C0GENERAL", "name": "general"},
        "api_app_id": "A0CATALYST",
        "token": "legacy-verification-token",
        "trigger_id": slack.fake.new_trigger_id(),
        "response_url": slack.fake.response_url("shortcut"),
        "message_ts": "1700000000.000100",
        "message": {
            "type": "message",
            "user": "U0SAM",
            "ts": "1700000000.000100",
            "text": "This helped me a lot &amp; might help you: "
            "<https://www.example.net/power-reading/?utm_source=slack|Power at work>",
        },
    }
    assert slack.interaction(payload).status == 200
    view = slack.fake.wait_for("views.open", count=opened + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    initial = {
        b["block_id"]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert initial["url"] == "https://www.example.net/power-reading/?utm_source=slack"
    assert initial["title"] == "Power at work"
    assert "This helped me a lot & might help you" in initial["description"]
