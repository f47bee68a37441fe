"""Sessions end to end through Slack's HTTP endpoint: the facilitator's modal, the member's
list, one-click answers, the "can't make it" modal and the calendar file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar
from sqlalchemy import select

from core.db import unit_of_work
from core.sessions import buttons as action_ids
from core.sessions.models import CommunitySession, SessionRsvp
from tests.conftest import table_counts
from tests.fakes.slack_api import block_kit_problems
from tests.helpers import profile_values
from tests.slack_harness import SlackHarness

FACILITATOR = "UFACIL01"
SESSION = {
    "title": "Access to senior positions",
    "theme": "Access to senior positions",
    "date": "2026-12-03",
    "start_time": "18:00",
    "duration": "90",
    "location": "https://zoom.us/j/555",
    "description": "Think of one door that opened for you, and who held it.",
    "reminder_offsets": "",
    "reflection_prompt": "",
}


def open_modal(slack: SlackHarness, text: str, user: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.open"))
    reply = slack.command(text, user=user)
    assert reply.status == 200
    view: dict[str, Any] = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    return view


def settled(slack: SlackHarness, posts: int, publishes: int) -> None:
    """Wait for the DMs and home refreshes a submission sends after its ack."""
    slack.fake.wait_for("chat.postMessage", count=posts)
    slack.fake.wait_for("views.publish", count=publishes)


def sent(slack: SlackHarness) -> tuple[int, int]:
    return len(slack.fake.calls_to("chat.postMessage")), len(slack.fake.calls_to("views.publish"))


def join(slack: SlackHarness, user: str = "U0AMINA", **changes: Any) -> None:
    view = open_modal(slack, "join", user)
    posts, publishes = sent(slack)
    assert slack.submit(view, profile_values(**changes), user=user).body == ""
    settled(slack, posts + 1, publishes + 1)


def add_session(slack: SlackHarness, **changes: Any) -> dict[str, Any]:
    view = open_modal(slack, "session add", FACILITATOR)
    posts, publishes = sent(slack)
    reply = slack.submit(view, {**SESSION, **changes}, user=FACILITATOR)
    assert reply.status == 200
    settled(slack, posts + 1, publishes + 1)
    return {"view": view, "body": reply.body}


def session_id(slack: SlackHarness) -> str:
    with unit_of_work(slack.runtime.session_factory) as session:
        return str(session.scalars(select(CommunitySession.id)).one())


def answers(slack: SlackHarness) -> list[tuple[str, bool, str | None]]:
    with unit_of_work(slack.runtime.session_factory) as session:
        return [(r.answer, r.wants_recap, r.apology) for r in session.scalars(select(SessionRsvp))]


def test_the_add_modal_uses_pickers_and_saves_the_session(slack: SlackHarness) -> None:
    added = add_session(slack)
    view = added["view"]
    assert view["callback_id"] == "session.add"
    kinds = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert kinds["date"] == "datepicker"
    assert kinds["start_time"] == "timepicker"
    assert kinds["duration"] == "number_input"
    assert kinds["theme"] == "static_select"
    assert added["body"] == ""
    with unit_of_work(slack.runtime.session_factory) as session:
        cs = session.scalars(select(CommunitySession)).one()
        assert (cs.number, cs.starts_at) == (1, datetime(2026, 12, 3, 18, 0, tzinfo=UTC))
    dm = slack.fake.wait_for("chat.postMessage")[0]
    assert dm.params["channel"] == FACILITATOR
    assert "Session 1 is added" in dm.params["text"]


def test_a_bad_submission_keeps_the_modal_open_with_errors(slack: SlackHarness) -> None:
    view = open_modal(slack, "session add", FACILITATOR)
    before = table_counts(slack.runtime)
    reply = slack.submit(
        view,
        {**SESSION, "date": "2025-01-01", "location": "https://", "title": "x" * 3000},
        user=FACILITATOR,
    )
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"date", "location", "title"}
    assert table_counts(slack.runtime) == before


def test_a_member_lists_sessions_and_answers_in_one_click(slack: SlackHarness) -> None:
    add_session(slack)
    join(slack)
    body = slack.answer("sessions")
    assert block_kit_problems("message", body) == []
    text = json.dumps(body, ensure_ascii=False)
    assert "Access to senior positions" in text
    assert "Thursday 3 December, 18:00–19:30 (Europe/London)" in text
    ids = [
        (e["action_id"], e["value"])
        for block in body["blocks"]
        if block["type"] == "actions"
        for e in block["elements"]
    ]
    sid = session_id(slack)
    assert ids == [
        (action_ids.RSVP_GOING, sid),
        (action_ids.RSVP_MAYBE, sid),
        (action_ids.RSVP_DECLINE, sid),
        (action_ids.SESSION_CALENDAR, sid),
    ]

    _posts, publishes = sent(slack)
    slack.click(action_ids.RSVP_GOING, sid)
    response = slack.fake.wait_for_response()[-1]
    slack.fake.wait_for("views.publish", count=publishes + 1)  # the home shows the answer
    assert response.payload["replace_original"] is True
    assert "You're going to Access to senior positions" in response.payload["text"]
    assert block_kit_problems("message", response.payload) == []
    assert answers(slack) == [("going", False, None)]


def test_cant_make_it_opens_a_small_modal_and_records_the_apology(slack: SlackHarness) -> None:
    add_session(slack)
    join(slack)
    sid = session_id(slack)
    before = len(slack.fake.calls_to("views.open"))
    slack.click(action_ids.RSVP_DECLINE, sid)
    view = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    assert (view["callback_id"], view["private_metadata"]) == ("session.decline", sid)
    posts, publishes = sent(slack)
    reply = slack.submit(view, {"apology": "Home Office appointment", "wants_recap": True})
    assert reply.body == ""
    settled(slack, posts + 1, publishes + 1)
    assert answers(slack) == [("declined", True, "Home Office appointment")]
    dms = [c for c in slack.fake.calls_to("chat.postMessage") if c.params["channel"] == "U0AMINA"]
    assert "can't make Access to senior positions" in dms[-1].params["text"]


def test_the_calendar_button_uploads_an_ics_file(slack: SlackHarness) -> None:
    add_session(slack)
    join(slack)
    slack.click(action_ids.SESSION_CALENDAR, session_id(slack))
    slack.fake.wait_for("files.completeUploadExternal")
    assert "calendar file" in slack.fake.wait_for_response()[-1].payload["text"]
    [(_title, content)] = slack.fake.uploaded_files()
    [event] = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert str(event["url"]) == "https://zoom.us/j/555"


def test_the_home_tab_shows_the_next_session_with_buttons(slack: SlackHarness) -> None:
    add_session(slack)
    join(slack)
    before = len(slack.fake.calls_to("views.publish"))
    slack.open_home()
    call = slack.fake.wait_for("views.publish", count=before + 1)[-1]
    assert call.params["user_id"] == "U0AMINA"
    view = call.params["view"]
    assert block_kit_problems("home", view) == []
    text = json.dumps(view, ensure_ascii=False)
    assert "Next session" in text
    assert action_ids.RSVP_GOING in text


def test_facilitators_see_who_is_coming_and_the_apology_notes(slack: SlackHarness) -> None:
    add_session(slack)
    join(slack)
    join(slack, "U0SAM", display_name="Sam Okafor")
    sid = session_id(slack)
    _posts, publishes = sent(slack)
    slack.click(action_ids.RSVP_GOING, sid, user="U0SAM")
    slack.fake.wait_for("views.publish", count=publishes + 1)
    before = len(slack.fake.calls_to("views.open"))
    slack.click(action_ids.RSVP_DECLINE, sid)
    view = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    posts, publishes = sent(slack)
    slack.submit(view, {"apology": "Trustee meeting clash, sorry <!channel>", "wants_recap": True})
    settled(slack, posts + 1, publishes + 1)

    body = slack.answer("session #1", user=FACILITATOR)
    assert block_kit_problems("message", body) == []
    text = json.dumps(body, ensure_ascii=False)
    assert "Who's coming to session 1" in text
    assert "*Going (1)*\\nSam Okafor" in text
    assert (
        "*Can't make it (1)*\\n• Amina Yusuf: “Trustee meeting clash, sorry &lt;!channel&gt;”"
        in (text)
    )

    # The same list from the button on the facilitator's Home tab arrives by DM.
    posts, _ = sent(slack)
    slack.click("session.who", sid, user=FACILITATOR, from_home=True)
    dm = slack.fake.wait_for("chat.postMessage", count=posts + 1)[-1].params
    assert dm["channel"] == FACILITATOR
    assert "Trustee meeting clash" in json.dumps(dm["blocks"], ensure_ascii=False)

    # A member asking gets a sentence, not the notes.
    reply = json.dumps(slack.answer("session 1"), ensure_ascii=False)
    assert "Only facilitators" in reply
    assert "Trustee" not in reply
