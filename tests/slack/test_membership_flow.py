"""Joining, profile, home, leaving and erasing, end to end through Slack's HTTP endpoint."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from core.db import unit_of_work
from core.models import Member
from tests.conftest import table_counts
from tests.fakes.slack_api import block_kit_problems
from tests.helpers import profile_values
from tests.slack_harness import SlackHarness


def open_join_form(slack: SlackHarness, user: str = "U0AMINA") -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.open"))
    reply = slack.command("join", user=user)
    assert reply.status == 200
    call = slack.fake.wait_for("views.open", count=before + 1)[-1]
    view: dict[str, Any] = call.params["view"]
    assert block_kit_problems("modal", view) == []
    return view


def join(slack: SlackHarness, user: str = "U0AMINA", **overrides: Any) -> None:
    view = open_join_form(slack, user)
    reply = slack.submit(view, profile_values(**overrides), user=user)
    assert reply.status == 200
    assert reply.body == "", reply.body


def members(slack: SlackHarness) -> list[Member]:
    with unit_of_work(slack.runtime.session_factory) as session:
        return list(session.query(Member).all())


def test_join_modal_opens_prefilled_from_the_slack_profile(slack: SlackHarness) -> None:
    view = open_join_form(slack)
    assert view["callback_id"] == "membership.join"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["display_name"]["element"]["initial_value"] == "Amina Yusuf"
    assert inputs["timezone"]["element"]["initial_option"]["value"] == "Asia/Amman"
    assert inputs["agreed"]["optional"] is False
    assert "Ground rules" in json.dumps(view)
    assert slack.fake.calls_to("users.info")[0].params["user"] == "U0AMINA"


def test_submitting_the_join_form_stores_the_member_and_welcomes_them(
    slack: SlackHarness,
) -> None:
    join(slack)
    [member] = members(slack)
    assert (member.display_name, member.organisation, member.timezone) == (
        "Amina Yusuf",
        "Refugee Action Now",
        "Europe/London",
    )
    dm = slack.fake.wait_for("chat.postMessage")[0]
    assert dm.params["channel"] == "U0AMINA"
    assert "Welcome" in dm.params["text"]
    home = slack.fake.wait_for("views.publish")[0]
    assert home.params["user_id"] == "U0AMINA"
    assert "Refugee Action Now" in json.dumps(home.params["view"])


def test_invalid_join_keeps_the_modal_open_with_inline_errors(slack: SlackHarness) -> None:
    view = open_join_form(slack)
    before = table_counts(slack.runtime)
    reply = slack.submit(view, profile_values(display_name="", agreed=False, timezone="Mars/Base"))
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"display_name", "agreed", "timezone"}
    assert table_counts(slack.runtime) == before


def test_profile_shows_what_was_saved_with_an_edit_button(slack: SlackHarness) -> None:
    join(slack)
    body = slack.answer("profile")
    assert block_kit_problems("message", body) == []
    text = json.dumps(body, ensure_ascii=False)
    assert "Refugee Action Now" in text
    assert "£100k–£1m" in text
    assert "membership.edit" in text


def test_edit_button_opens_the_prefilled_form_and_saves_changes(slack: SlackHarness) -> None:
    join(slack)
    slack.click("membership.edit")
    view = slack.fake.wait_for("views.open", count=2)[-1].params["view"]
    assert view["callback_id"] == "membership.edit"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["organisation"]["element"]["initial_value"] == "Refugee Action Now"
    assert "agreed" not in inputs  # agreed once, at join
    values = profile_values(organisation="Migrant Voice")
    values.pop("agreed")
    assert slack.submit(view, values).body == ""
    assert members(slack)[0].organisation == "Migrant Voice"


def test_display_name_cannot_ping_anyone(slack: SlackHarness) -> None:
    join(slack, display_name="<!channel> Amina")
    profile = slack.answer("profile")
    assert "<!channel>" not in json.dumps(profile)
    assert "&lt;!channel&gt; Amina" in json.dumps(profile)
    facilitator_list = json.dumps(slack.answer("members", user="UFACIL01"))
    assert "<!channel>" not in facilitator_list
    dm = slack.fake.wait_for("chat.postMessage")[0]
    assert "<!channel>" not in json.dumps(dm.params)


def test_home_tab_is_published_when_opened(slack: SlackHarness) -> None:
    assert slack.open_home(user="U0SAM").status == 200
    call = slack.fake.wait_for("views.publish")[0]
    assert block_kit_problems("home", call.params["view"]) == []
    assert "Join" in json.dumps(call.params["view"])


def test_event_retries_are_handled_once(slack: SlackHarness) -> None:
    assert slack.open_home(event_id="Ev0RETRY").status == 200
    slack.fake.wait_for("views.publish")
    retry = slack.event(
        {"type": "app_home_opened", "user": "U0AMINA", "channel": "D0HOME", "tab": "home"},
        event_id="Ev0RETRY",
        retry_num=1,
    )
    assert retry.status == 200
    # A fresh event afterwards is still handled, so the retry was really dropped, not queued.
    slack.open_home(event_id="Ev0FRESH")
    slack.fake.wait_for("views.publish", count=2)
    assert len(slack.fake.calls_to("views.publish")) == 2


def test_facilitator_home_has_the_admin_summary(slack: SlackHarness) -> None:
    join(slack)
    slack.open_home(user="UFACIL01")
    views = slack.fake.wait_for("views.publish", count=2)
    # The join's own home refresh runs after its ack, so the two may arrive in any order.
    [facilitators] = [v for v in views if v.params["user_id"] == "UFACIL01"]
    facilitator_view = json.dumps(facilitators.params["view"])
    assert "For facilitators" in facilitator_view
    assert "Joined this month" in facilitator_view


def test_leave_asks_for_confirmation_then_pauses_everything(slack: SlackHarness) -> None:
    join(slack)
    body = slack.answer("leave")
    assert "membership.leave" in json.dumps(body)
    assert members(slack)[0].status == "active"  # nothing changes before the click
    slack.click("membership.leave")
    response = slack.fake.wait_for_response()[0]
    assert response.payload["replace_original"] is True
    assert "You've left" in response.payload["text"]
    assert members(slack)[0].status == "left"
    assert "You've left" in slack.answer("profile")["text"]


def test_forget_me_erases_after_confirmation(slack: SlackHarness) -> None:
    join(slack)
    slack.command("forget-me")
    assert len(members(slack)) == 1
    slack.click("privacy.forget")
    slack.fake.wait_for_response()
    assert members(slack) == []


def test_my_data_shows_everything_and_sends_json_on_request(slack: SlackHarness) -> None:
    join(slack)
    body = slack.answer("my-data")
    text = json.dumps(body)
    assert "Refugee Action Now" in text
    assert "Consent" in text
    slack.click("privacy.export_json")
    slack.fake.wait_for("files.completeUploadExternal")
    [(_name, content)] = slack.fake.uploaded_files()
    data = json.loads(content)
    assert data["profile"]["organisation"] == "Refugee Action Now"
    assert data["profile"]["private_lived_experience_matching_preference"] is True
    slack.fake.wait_for_response()  # the "I've sent you a file" sentence, before teardown


def test_my_data_is_a_letter_in_their_timezone_and_a_typed_json_file(
    slack: SlackHarness,
) -> None:
    join(slack, timezone="Asia/Amman", display_name="Amina <!channel>")
    body = slack.answer("my-data")
    assert block_kit_problems("message", body) == []
    text = json.dumps(body, ensure_ascii=False)
    assert "Times are in your timezone, Asia/Amman." in text
    assert "You agreed to the ground rules and privacy notice on" in text
    assert "(the version in force today)" in text
    assert "Amina &lt;!channel&gt;" in text
    assert "<!channel>" not in text
    for raw in ("+00:00", "UTC", "Consent version", "English, Arabic"):
        assert raw not in text
    slack.click("privacy.export_json")
    slack.fake.wait_for("files.completeUploadExternal")
    [(_name, content)] = slack.fake.uploaded_files()
    data = json.loads(content)
    assert data["profile"]["languages"] == ["English", "Arabic"]
    assert data["profile"]["consent_given_at"].endswith("+00:00")
    assert data["sessions"] == {"answers": []}
    assert "JSON file" in slack.fake.wait_for_response()[-1].payload["text"]


def test_role_grant_with_an_escaped_mention(slack: SlackHarness) -> None:
    join(slack, user="U0SAM", display_name="Sam")
    body = slack.answer("role grant <@U0SAM|sam> facilitator", user="UFACIL01")
    assert "Sam* is now a facilitator" in body["text"]
    assert "/cop members" in json.dumps(slack.answer("help", user="U0SAM"))
    body = slack.answer("role revoke <@U0SAM|sam> facilitator", user="UFACIL01")
    assert "no longer a facilitator" in body["text"]


def test_a_form_whose_trigger_ran_out_waits_behind_a_button(slack: SlackHarness) -> None:
    trigger_id = slack.fake.new_trigger_id()
    real_clock = slack.fake.clock
    slack.fake.clock = lambda: real_clock() + 3.5  # Slack's 3 seconds have passed
    slack.command("join", trigger_id=trigger_id)
    offer = slack.fake.wait_for_response()[0].payload
    slack.fake.clock = real_clock
    assert slack.fake.calls_to("views.open")[0].params["trigger_id"] == trigger_id
    assert "Your form is ready" in offer["text"]
    assert block_kit_problems("message", offer) == []
    (button,) = [e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Open the form"

    before = table_counts(slack.runtime)
    slack.click(button["action_id"], button["value"], user="U0SAM")  # not Sam's form
    assert "That form has expired" in slack.fake.wait_for_response(2)[-1].payload["text"]
    slack.click(button["action_id"], "made-up", user="U0AMINA")
    assert "That form has expired" in slack.fake.wait_for_response(3)[-1].payload["text"]
    assert len(slack.fake.calls_to("views.open")) == 1
    assert table_counts(slack.runtime) == before

    slack.click(button["action_id"], button["value"], user="U0AMINA")  # a fresh trigger
    (_first, opened) = slack.fake.wait_for("views.open", count=2)
    assert opened.params["view"]["callback_id"] == "membership.join"
    reply = slack.submit(opened.params["view"], profile_values())
    assert reply.status == 200
    assert reply.body == "", reply.body
    assert [m.display_name for m in members(slack)] == ["Amina Yusuf"]


def test_a_form_that_could_not_open_for_another_reason_says_try_again(
    slack: SlackHarness,
) -> None:
    slack.fake.fail_next("views.open", status=200, error="internal_error")
    slack.command("join")
    response = slack.fake.wait_for_response()[0]
    assert "try again" in response.payload["text"]


def test_slow_command_is_acked_at_once_and_answered_after(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.slack.listeners import commands as slack_app
    from core.ui import notice
    from handlers.registry import Access, Command

    monkeypatch.setattr(slack_app, "ACK_BUDGET", 0.2)
    done = threading.Event()

    def slow(ctx: object, args: str) -> object:
        done.wait(1.0)  # slower than the (shortened) budget
        return notice("Here is the slow answer.")

    slack.runtime.registry.add_command(Command("slowly", "test", slow, Access.ANYONE))  # type: ignore[arg-type]
    reply = slack.command("slowly")
    assert reply.status == 200
    assert "One moment" in reply.json()["text"]
    later = slack.fake.wait_for_response()[0]
    assert later.payload["text"] == "Here is the slow answer."
    assert later.payload["replace_original"] is True


def test_rate_limited_home_publish_is_retried(slack: SlackHarness) -> None:
    slack.fake.fail_next("views.publish", status=429, retry_after=1)
    slack.open_home()
    calls = slack.fake.wait_for("views.publish", count=2, timeout=10)
    assert len(calls) == 2


def test_button_from_the_home_tab_answers_by_dm(slack: SlackHarness) -> None:
    join(slack)
    slack.click("ui.dismiss", from_home=True)
    dms = slack.fake.wait_for("chat.postMessage", count=2)
    assert any("Nothing changed" in dm.params["text"] for dm in dms)


def test_a_slow_submission_is_acked_in_time_and_answered_after(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the budget the modal closes (Slack would otherwise fail it at 3 s and lose what
    was typed) and the answer follows: field errors by DM, a join saved all the same."""
    from bot.slack.listeners import views as slack_views

    monkeypatch.setattr(slack_views, "SUBMIT_BUDGET", 0.0)
    refused = slack.submit(open_join_form(slack), profile_values(agreed=False))
    assert refused.status == 200
    assert refused.body == ""  # acked plainly: no response_action can wait for the work
    slack.settled()
    assert members(slack) == []
    (said,) = [
        c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == "U0AMINA"
    ]
    assert "agree" in json.dumps(said.params).lower()

    saved = slack.submit(open_join_form(slack), profile_values())
    assert saved.status == 200
    assert saved.body == ""
    slack.settled()
    assert [m.display_name for m in members(slack)] == ["Amina Yusuf"]


def _late_listener(monkeypatch: pytest.MonkeyPatch, slack: SlackHarness, seconds: float) -> None:
    """A busy server: Bolt's pool starts each listener `seconds` after the request arrived."""
    listeners = slack.parts.listeners
    submit = listeners.submit

    def late(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        def started_late() -> Any:
            time.sleep(seconds)
            return fn(*args, **kwargs)

        return submit(started_late)

    monkeypatch.setattr(listeners, "submit", late)


def _slow(monkeypatch: pytest.MonkeyPatch, slack: SlackHarness, name: str, seconds: float) -> None:
    dispatcher = slack.parts.dispatcher
    work = getattr(dispatcher, name)

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return work(*args, **kwargs)

    monkeypatch.setattr(dispatcher, name, slow)


def test_a_submission_that_reaches_its_listener_late_is_still_acked_in_time(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget counts from the request's arrival, as Slack's 3 s do: a listener that
    starts 1.2 s late and work that takes 2.5 s still ack by about 2 s after arrival."""
    form = open_join_form(slack)
    _late_listener(monkeypatch, slack, 1.2)
    _slow(monkeypatch, slack, "submit", 2.5)
    saved = slack.submit(form, profile_values())
    assert saved.status == 200, saved.body  # Bolt answers 404 when no ack came within 3 s
    slack.settled()
    assert [m.display_name for m in members(slack)] == ["Amina Yusuf"]


def test_a_command_that_reaches_its_listener_late_still_says_one_moment_in_time(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _late_listener(monkeypatch, slack, 1.2)
    _slow(monkeypatch, slack, "command", 2.5)
    url = slack.fake.response_url("command")
    reply = slack.command("help", response_url=url)
    assert reply.status == 200, reply.body  # Bolt answers 404 when no ack came within 3 s
    assert "One moment" in reply.json()["text"]
    slack.settled()
    (answer,) = [posted for posted in slack.fake.responses if posted.url == url]
    assert answer.payload.get("replace_original") is True
    assert "join" in json.dumps(answer.payload).lower()


def test_requests_are_acked_while_many_replies_wait_out_a_rate_limit(slack: SlackHarness) -> None:
    """Work after an ack runs off Bolt's listener threads: twelve Home tabs waiting out a
    429's Retry-After (more than Bolt's 10 listener threads) leave a command's ack on time."""
    slack.fake.fail_next("views.publish", status=429, retry_after=4, times=12)
    for n in range(12):
        assert slack.open_home(user=f"U0BUSY{n:02d}", event_id=f"Ev0BUSY{n:02d}").status == 200
    reply = slack.command("help")
    assert reply.status == 200, reply.body  # Bolt answers 404 when no ack came within 3 s
    slack.settled()
    assert len(slack.fake.calls_to("views.publish")) == 24  # each retried once, after 4 s
