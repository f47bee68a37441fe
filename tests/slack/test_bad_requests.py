"""What an attacker or a careless client sends to `/slack/events`, through the real endpoint.

Each case is a bad input: it gets a plain status (401 unsigned, 400 unreadable, 413 too big,
200 with nothing done for a signed but meaningless interaction), never a 500, never a
traceback in the log (the `slack` fixture fails any test whose server logged one), and it
changes nothing in the database.
"""

from __future__ import annotations

import json
import socket
import urllib.parse
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.sessions.models import CommunitySession
from tests.conftest import table_counts
from tests.fakes.slack_api import block_kit_problems
from tests.slack.test_sessions_flow import FACILITATOR, SESSION, join, open_modal
from tests.slack_harness import TEAM, SlackHarness, state_for

FORM = "application/x-www-form-urlencoded"

JUNK_BODIES = [
    ("application/json", "{not json"),
    ("application/json", "[]"),
    ("application/json", "null"),
    (FORM, "payload=%7Bnot"),
    (FORM, "payload=%5B%5D"),
    (FORM, "payload=null"),
    (FORM, "payload=%22just%20a%20string%22"),
]


@pytest.mark.parametrize(("content_type", "body"), JUNK_BODIES)
def test_unsigned_junk_is_refused_with_401_before_it_is_parsed(
    slack: SlackHarness, content_type: str, body: str
) -> None:
    before = table_counts(slack.runtime)
    reply = slack.request("POST", "/slack/events", body, {"Content-Type": content_type})
    assert reply.status == 401
    assert "Traceback" not in reply.body
    assert table_counts(slack.runtime) == before


@pytest.mark.parametrize(("content_type", "body"), JUNK_BODIES)
def test_signed_junk_is_refused_with_400(slack: SlackHarness, content_type: str, body: str) -> None:
    before = table_counts(slack.runtime)
    reply = slack.signed(body, content_type)
    assert reply.status == 400
    assert table_counts(slack.runtime) == before


@pytest.mark.parametrize("stamp", ["abc", "", "1e9", "-5", "²", "9" * 40])
def test_a_timestamp_that_is_not_a_number_is_401(slack: SlackHarness, stamp: str) -> None:
    body = "command=%2Fcop&text=help"
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    assert slack.request("POST", "/slack/events", body, headers).status == 401


def test_a_body_that_is_not_utf8_is_refused(slack: SlackHarness) -> None:
    # Signed over bytes that aren't text: the signature is checked first, then decoding fails.
    reply = slack.request(
        "POST", "/slack/events", "", {"Content-Type": FORM, "Content-Length": "abc"}
    )
    assert reply.status in {400, 401}


def test_an_oversized_body_is_refused_without_being_read(slack: SlackHarness) -> None:
    """The server answers 413 from the declared length, before the body arrives."""
    declared = 1024 * 1024 + 10
    with socket.create_connection(("127.0.0.1", slack.port), timeout=10) as conn:
        conn.sendall(
            (
                "POST /slack/events HTTP/1.1\r\nHost: localhost\r\n"
                f"Content-Type: {FORM}\r\nContent-Length: {declared}\r\n\r\npayload="
            ).encode()
        )
        status_line = conn.recv(200).split(b"\r\n", 1)[0]
    assert b" 413 " in status_line


def test_slacks_own_housekeeping_requests_are_still_answered(slack: SlackHarness) -> None:
    """The shape check must not refuse what Slack itself sends besides commands and events."""
    assert slack.signed("ssl_check=1&token=legacy-verification-token", FORM).status == 200
    limited = {"type": "app_rate_limited", "team_id": TEAM, "minute_rate_limited": 1}
    assert slack.signed(json.dumps(limited), "application/json").status == 200


def test_get_on_the_events_endpoint_is_405(slack: SlackHarness) -> None:
    assert slack.request("GET", "/slack/events").status == 405


def _interaction(kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": TEAM, "domain": "cop"},
        "user": {"id": "U0AMINA", "team_id": TEAM},
        "api_app_id": "A0CATALYST",
        "token": "legacy-verification-token",
        "trigger_id": "1.2.3",
        **fields,
    }


MALFORMED_INTERACTIONS = [
    _interaction("block_actions"),
    _interaction("block_actions", actions="not a list"),
    _interaction("block_actions", actions=[]),
    _interaction("block_actions", actions=["not an object"]),
    _interaction("block_actions", actions=[{"action_id": 5, "value": {"x": 1}}]),
    _interaction("view_submission"),
    _interaction("view_submission", view=None),
    _interaction("view_submission", view="V1"),
    _interaction("view_submission", view={"id": "V1", "callback_id": "session.add"}),
    _interaction("view_submission", view={"id": "V1", "callback_id": "session.add", "state": None}),
    _interaction(
        "view_submission",
        view={"id": "V1", "callback_id": "session.add", "state": {"values": "x"}},
    ),
    _interaction(
        "view_submission",
        view={"id": "V1", "callback_id": "session.add", "state": {"values": {"a": "b"}}},
    ),
    _interaction("shortcut"),
    _interaction("message_action", callback_id="save_to_library", message="nope"),
    _interaction("no_such_type"),
]


@pytest.mark.parametrize("payload", MALFORMED_INTERACTIONS)
def test_signed_malformed_interactions_are_200_with_nothing_done(
    slack: SlackHarness, payload: dict[str, Any]
) -> None:
    before = table_counts(slack.runtime)
    reply = slack.interaction(payload)
    assert reply.status in {200, 400, 404}, reply.body
    assert "Traceback" not in reply.body
    slack.settled()  # whatever runs after the ack has finished before counting
    after = table_counts(slack.runtime)
    after.pop("communities", None)
    before.pop("communities", None)
    assert after == before


HUGE = "99999999999999999999"
CARRY_NO_ID = {"membership.leave", "privacy.forget"}
JUNK_VALUES = (HUGE, "²", "-1", "0", "١٢", '{"q": 1, "o": "99999999999999999999", "a": 0}')


def test_every_button_given_a_junk_value_answers_in_a_plain_sentence(slack: SlackHarness) -> None:
    """Every registered action, with ids too large for the database, digits that int()
    can't read and JSON where an id belongs: no 500, no traceback, nothing stored."""
    join(slack)
    join(slack, user=FACILITATOR)
    before = table_counts(slack.runtime)
    # Confirmations (leave, erase) carry no id: whatever their value, they act on the clicker.
    action_ids = sorted(set(slack.runtime.dispatcher().registry.actions) - CARRY_NO_ID)
    assert len(action_ids) > 20
    for action_id in action_ids:
        for value in JUNK_VALUES:
            for user in ("U0AMINA", FACILITATOR):
                assert slack.click(action_id, value, user=user).status == 200
    slack.settled()
    said = json.dumps([r.payload for r in slack.fake.responses])
    said += json.dumps([c.params for c in slack.fake.calls_to("chat.postMessage")])
    assert "something went wrong" not in said
    after = table_counts(slack.runtime)
    for table in ("processed_events", "outbox"):  # a click may queue a harmless notice
        after.pop(table, None)
        before.pop(table, None)
    assert after == before


def test_a_form_state_too_large_for_the_database_changes_nothing(slack: SlackHarness) -> None:
    join(slack, user=FACILITATOR)
    view = open_modal(slack, "session add", FACILITATOR)
    before = table_counts(slack.runtime)
    for callback in ("session.edit", "resource.edit", "reflection.submit"):
        edited = {**view, "callback_id": callback, "private_metadata": HUGE}
        reply = slack.submit(edited, SESSION, user=FACILITATOR)
        assert reply.status == 200
    after = table_counts(slack.runtime)
    # Each answered submission is remembered (so a replay of it does nothing); that's all.
    assert after.pop("processed_events") == before.pop("processed_events") + 3
    assert after == before


def _sessions(slack: SlackHarness) -> int:
    with unit_of_work(slack.runtime.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(CommunitySession)) or 0)


def test_a_replayed_form_submission_is_stored_once(slack: SlackHarness) -> None:
    view = open_modal(slack, "session add", FACILITATOR)
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "cop"},
        "user": {"id": FACILITATOR, "team_id": TEAM},
        "api_app_id": "A0CATALYST",
        "token": "legacy-verification-token",
        "trigger_id": slack.fake.new_trigger_id(),
        "view": {
            "id": "V0REPLAYED",
            "team_id": TEAM,
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view.get("private_metadata", ""),
            "blocks": view["blocks"],
            "state": {"values": _state(slack, view)},
        },
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    first = slack.signed(body, FORM)
    second = slack.signed(body, FORM)  # the same signed bytes, inside the 5-minute window
    assert (first.status, second.status) == (200, 200)
    assert _sessions(slack) == 1


def test_a_form_sent_back_with_errors_can_be_corrected_and_submitted(slack: SlackHarness) -> None:
    """Only an accepted submission closes a view: the same view id, corrected, still saves."""
    view = {**open_modal(slack, "session add", FACILITATOR), "id": "V0CORRECTED"}
    refused = slack.submit(view, {**SESSION, "date": "not a date"}, user=FACILITATOR)
    assert refused.json()["response_action"] == "errors"
    accepted = slack.submit(view, SESSION, user=FACILITATOR)
    assert accepted.status == 200
    assert _sessions(slack) == 1
    again = slack.submit(view, SESSION, user=FACILITATOR)
    assert again.status == 200
    assert _sessions(slack) == 1


def _state(slack: SlackHarness, view: dict[str, Any]) -> dict[str, Any]:
    return state_for(view, SESSION)


def test_the_no_match_reply_gives_each_button_its_own_action_id(slack: SlackHarness) -> None:
    join(slack)
    body = slack.answer("resources anti-racsm")
    assert block_kit_problems("message", body) == []


def test_the_fake_slack_refuses_buttons_that_share_an_action_id() -> None:
    blocks = [
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": "A"}, "action_id": "x"},
                {"type": "button", "text": {"type": "plain_text", "text": "B"}, "action_id": "x"},
            ],
        }
    ]
    assert block_kit_problems("message", blocks) == [
        "action_id 'x' is not unique [json-pointer:/blocks/0/elements/1/action_id]"
    ]


@pytest.mark.parametrize("verb", ["retire 1", "edit 1", "restore 1", "attach 1 1", "review"])
def test_a_member_is_told_that_library_admin_is_for_facilitators(
    slack: SlackHarness, verb: str
) -> None:
    join(slack)
    text = slack.answer(f"resources {verb}")["text"]
    assert "Only facilitators can" in text
    assert "Nothing in the library matches" not in text


def test_a_member_can_still_search_for_words_that_start_like_a_verb(slack: SlackHarness) -> None:
    join(slack)
    text = slack.answer("resources review of asylum policy")["text"]
    assert "Only facilitators" not in text
