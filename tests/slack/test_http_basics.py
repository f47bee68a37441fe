"""The HTTP endpoint: signatures, health, help, and replies that fit Block Kit."""

from __future__ import annotations

import time

from tests.conftest import table_counts
from tests.fakes.slack_api import block_kit_problems
from tests.slack_harness import SlackHarness


def test_signed_help_is_answered_in_the_ack_with_valid_blocks(slack: SlackHarness) -> None:
    reply = slack.command("help")
    assert reply.status == 200
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert "join" in body["text"] + str(body["blocks"])
    assert block_kit_problems("message", body) == []


def test_empty_text_is_help(slack: SlackHarness) -> None:
    assert "What you can do" in slack.answer("")["text"]


def test_forged_signature_is_rejected_and_changes_nothing(slack: SlackHarness) -> None:
    before = table_counts(slack.runtime)
    reply = slack.command("join", secret="f" * 32)
    assert reply.status == 401
    assert slack.fake.calls_to("views.open") == []
    assert table_counts(slack.runtime) == before  # not even the community row


def test_stale_timestamp_is_rejected_as_a_replay(slack: SlackHarness) -> None:
    reply = slack.command("help", timestamp=int(time.time()) - 10 * 60)
    assert reply.status == 401


def test_unsigned_request_is_rejected(slack: SlackHarness) -> None:
    reply = slack.request(
        "POST",
        "/slack/events",
        "command=%2Fcop&text=help",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 401


def test_healthz_checks_the_database(slack: SlackHarness) -> None:
    reply = slack.request("GET", "/healthz")
    assert (reply.status, reply.body) == (200, "ok\n")


def test_unknown_path_is_404_not_500(slack: SlackHarness) -> None:
    assert slack.request("GET", "/admin").status == 404


def test_unknown_subcommand_suggests_the_closest(slack: SlackHarness) -> None:
    body = slack.answer("profil")
    assert "Did you mean `/cop profile`?" in body["text"]


def test_hostile_text_is_just_an_unknown_command(slack: SlackHarness) -> None:
    for text in ["payload={}", "<!channel> hello", "'; DROP TABLE members; --", "x" * 2000]:
        reply = slack.command(text)
        assert reply.status == 200, text
        body = reply.json()
        assert "<!channel>" not in str(body), "a member's text must never ping"
        assert block_kit_problems("message", body) == []


def test_overlong_text_is_refused_politely(slack: SlackHarness) -> None:
    body = slack.answer("join " + "x" * 2100)
    assert "too long" in body["text"]
    assert slack.fake.calls_to("views.open") == []


def test_not_joined_member_is_told_how_to_join(slack: SlackHarness) -> None:
    body = slack.answer("profile", user="U0SAM")
    assert "haven't joined yet" in body["text"]
    assert "/cop join" in body["text"]


def test_member_cannot_use_facilitator_commands(slack: SlackHarness) -> None:
    body = slack.answer("members", user="U0SAM")
    assert "Only facilitators" in body["text"]


def test_configured_facilitator_sees_facilitator_help(slack: SlackHarness) -> None:
    member_help = str(slack.answer("help", user="U0SAM"))
    facilitator_help = str(slack.answer("help", user="UFACIL01"))
    assert "/cop members" not in member_help
    assert "/cop members" in facilitator_help


def test_a_message_in_the_bots_dm_is_read_as_a_command(slack: SlackHarness) -> None:
    reply = slack.event(
        {
            "type": "message",
            "channel": "D0AMINA",
            "channel_type": "im",
            "user": "U0AMINA",
            "text": "help",
            "ts": "1700000000.000100",
        }
    )
    assert reply.status == 200
    [answer] = slack.fake.wait_for("chat.postMessage")
    assert answer.params["channel"] == "U0AMINA"
    assert "What you can do" in answer.params["text"]


def test_a_form_command_in_the_dm_points_to_the_slash_command(slack: SlackHarness) -> None:
    slack.event(
        {
            "type": "message",
            "channel": "D0AMINA",
            "channel_type": "im",
            "user": "U0AMINA",
            "text": "join",
            "ts": "1700000000.000200",
        }
    )
    [answer] = slack.fake.wait_for("chat.postMessage")
    assert "type `/cop`" in answer.params["text"]
    assert slack.fake.calls_to("views.open") == []


def test_unknown_calendar_feed_is_404(slack: SlackHarness) -> None:
    reply = slack.request("GET", "/calendar/guess.ics")
    assert (reply.status, reply.body) == (404, "no such calendar\n")
