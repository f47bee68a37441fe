"""Reflections end to end: thread replies as `message` events, the reflect modal, the export.

Events are acked before they are handled (Bolt runs the listener afterwards), so checks on
the database first wait for those listeners to finish (`SlackHarness.settled`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from core import communities
from core.db import unit_of_work
from core.models import Member
from core.sessions.models import Reflection
from tests.fakes.slack_api import block_kit_problems
from tests.reflection_helpers import CHANNEL, NOW, THREAD_TS, add_prompt, add_session
from tests.slack.test_membership_flow import join
from tests.slack_harness import TEAM, SlackHarness

T = TypeVar("T")
REPLY_TS = "1795000100.000200"


def posted_prompt(slack: SlackHarness, text: str = "What will you carry?") -> int:
    """A prompt the scheduler has already posted (its thread parent is CHANNEL/THREAD_TS)."""
    with unit_of_work(slack.runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=NOW
        )
        cs = add_session(session, community, number=1)
        return add_prompt(session, community, text=text, cs=cs).id


def reflections(slack: SlackHarness) -> list[Reflection]:
    with unit_of_work(slack.runtime.session_factory) as session:
        return list(session.scalars(select(Reflection).order_by(Reflection.id)))


def once_handled(slack: SlackHarness, read: Callable[[], T], check: Callable[[T], bool]) -> T:
    """What `read` finds once the listeners Bolt runs after its acks have finished; `check`
    must hold then."""
    slack.settled()
    value = read()
    assert check(value), f"still {value!r}"
    return value


def bodies(slack: SlackHarness) -> list[str]:
    return [r.body for r in reflections(slack)]


def thread_reply(
    text: str, user: str = "U0AMINA", ts: str = REPLY_TS, thread_ts: str = THREAD_TS
) -> dict[str, Any]:
    return {
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": thread_ts,
        "event_ts": ts,
    }


def test_a_thread_reply_is_stored_edited_and_deleted(slack: SlackHarness) -> None:
    join(slack)
    posted_prompt(slack)
    assert slack.event(thread_reply("I'll say it &lt;out loud&gt; &amp; often")).status == 200
    [stored] = once_handled(slack, lambda: reflections(slack), lambda rows: len(rows) == 1)
    assert stored.body == "I'll say it <out loud> & often"
    assert (stored.visibility, stored.source, stored.platform_ts) == ("shared", "thread", REPLY_TS)

    edited = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": CHANNEL,
        "ts": "1795000300.000100",
        "event_ts": "1795000300.000100",
        "message": {**thread_reply("Edited: I'll say it early"), "edited": {"user": "U0AMINA"}},
        "previous_message": thread_reply("I'll say it"),
    }
    slack.event(edited)
    once_handled(slack, lambda: bodies(slack), lambda found: found == ["Edited: I'll say it early"])

    deleted = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": CHANNEL,
        "ts": "1795000400.000100",
        "event_ts": "1795000400.000100",
        "deleted_ts": REPLY_TS,
        "previous_message": thread_reply("Edited: I'll say it early"),
    }
    slack.event(deleted)
    once_handled(slack, lambda: reflections(slack), lambda rows: rows == [])


def test_replies_that_are_not_reflections_are_ignored(slack: SlackHarness) -> None:
    join(slack)
    posted_prompt(slack)
    ignored = [
        thread_reply("to another thread", ts="1795000100.000301", thread_ts="1795000000.999"),
        thread_reply("from someone who never joined", user="U0SAM", ts="1795000100.000302"),
        {**thread_reply("from a bot", ts="1795000100.000303"), "bot_id": "B0OTHER"},
        {
            **thread_reply("bot message", ts="1795000100.000304"),
            "subtype": "bot_message",
        },
        {"type": "message", "channel": CHANNEL, "user": "U0AMINA", "text": "hi", "ts": "5.5"},
        {**thread_reply("joined", ts="1795000100.000305"), "subtype": "channel_join"},
    ]
    for payload in ignored:
        assert slack.event(payload).status == 200
    # A real reply afterwards proves the listener ran; the others left nothing behind.
    slack.event(thread_reply("the real one", ts="1795000100.000399"))
    once_handled(slack, lambda: bodies(slack), lambda found: "the real one" in found)
    assert bodies(slack) == ["the real one"]


def test_a_member_who_left_is_ignored(slack: SlackHarness) -> None:
    join(slack)
    join(slack, user="U0SAM", display_name="Sam Okafor")
    posted_prompt(slack)
    slack.command("leave", user="U0SAM")
    slack.click("membership.leave", user="U0SAM")
    once_handled(
        slack,
        lambda: [m.status for m in _members(slack) if m.platform_user_id == "U0SAM"],
        lambda found: found == ["left"],
    )
    slack.event(thread_reply("after leaving", user="U0SAM", ts="1795000100.000500"))
    slack.event(thread_reply("still here", ts="1795000100.000501"))
    once_handled(slack, lambda: bodies(slack), lambda found: "still here" in found)
    assert bodies(slack) == ["still here"]


def _members(slack: SlackHarness) -> list[Member]:
    with unit_of_work(slack.runtime.session_factory) as session:
        return list(session.scalars(select(Member)))


def open_reflect_form(slack: SlackHarness) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.open"))
    assert slack.command("reflect").status == 200
    view: dict[str, Any] = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    return view


def test_reflect_opens_a_modal_and_submitting_stores_it(slack: SlackHarness) -> None:
    join(slack)
    posted_prompt(slack, text="<!channel> what will you carry?")
    view = open_reflect_form(slack)
    assert view["callback_id"] == "reflection.write"
    assert "<!channel>" not in json.dumps(view)
    assert "&lt;!channel&gt; what will you carry?" in json.dumps(view)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["visibility"]["element"]["initial_option"]["value"] == "shared"

    errors = slack.submit(view, {"body": " ", "visibility": "private"}).json()
    assert errors["response_action"] == "errors"
    assert set(errors["errors"]) == {"body"}

    reply = slack.submit(view, {"body": "Only for me: I was scared.", "visibility": "private"})
    assert (reply.status, reply.body) == (200, "")
    [stored] = reflections(slack)
    assert (stored.body, stored.visibility, stored.source) == (
        "Only for me: I was scared.",
        "private",
        "form",
    )
    thanks = slack.fake.wait_for("chat.postMessage", count=2)[-1]  # after the welcome DM
    assert thanks.params["channel"] == "U0AMINA"
    assert "private journal" in thanks.params["text"]


def test_reflect_button_on_the_posted_prompt_opens_the_modal(slack: SlackHarness) -> None:
    join(slack)
    prompt_id = posted_prompt(slack)
    slack.click("reflection.open", str(prompt_id))
    view = slack.fake.wait_for("views.open", count=2)[-1].params["view"]
    assert view["callback_id"] == "reflection.write"
    assert view["private_metadata"] == str(prompt_id)


def test_no_more_nudges_button(slack: SlackHarness) -> None:
    join(slack)
    slack.click("notifications.off")
    response = slack.fake.wait_for_response()[0]
    assert "no more nudges" in response.payload["text"]
    assert [m.nudges_enabled for m in _members(slack)] == [False]


def test_export_uploads_a_csv_without_private_reflections(slack: SlackHarness) -> None:
    join(slack)
    posted_prompt(slack)
    slack.event(thread_reply("=shared in the thread"))
    once_handled(slack, lambda: reflections(slack), lambda rows: len(rows) == 1)
    view = open_reflect_form(slack)
    slack.submit(view, {"body": "a private worry", "visibility": "private"})
    slack.fake.wait_for("chat.postMessage", count=2)  # the thanks, after the welcome

    body = slack.answer("export", user="UFACIL01")
    assert "1 reflection" in body["text"]
    slack.fake.wait_for("files.completeUploadExternal")
    [(_title, content)] = slack.fake.uploaded_files()
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [(r["member"], r["visibility"], r["reflection"]) for r in rows] == [
        ("Amina Yusuf", "shared", "'=shared in the thread")
    ]
    assert b"a private worry" not in content


def test_members_cannot_export(slack: SlackHarness) -> None:
    join(slack)
    assert "Only facilitators" in slack.answer("export")["text"]
