"""Reflecting, your own reflections, nudges, prompts and the export, through the dispatcher."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.console import render as console_render
from bot.slack import render
from bot.wiring import Runtime
from core import communities
from core.broadcasts import buttons as broadcast_buttons
from core.broadcasts.models import Broadcast
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import OutboxMessage, ScheduledItem
from core.models import Community, Member
from core.reflections import service as reflections
from core.reflections.service import MessageChange, MessageEvent
from core.sessions import buttons as action_ids
from core.sessions.models import PromptAudience, Reflection
from core.ui import (
    Actions,
    Button,
    DirectMessage,
    FieldKind,
    FieldValue,
    FormErrors,
    Message,
    OpenForm,
    Reply,
    SendFile,
)
from core.ui_codec import message_from_json
from handlers.broadcasts.commands import CONFIRM as BROADCAST_CONFIRM
from handlers.broadcasts.form import BROADCAST_FORM
from handlers.dispatch import Dispatcher
from tests.conftest import table_counts
from tests.handlers.plain import buttons, message_text, one, said
from tests.helpers import caller, profile_values
from tests.reflection_helpers import CHANNEL, NOW, THREAD_TS, add_prompt, add_session

FACILITATOR = caller("UFACIL01", facilitator=True)
T = TypeVar("T")


def join(dispatcher: Dispatcher, user_id: str = "U0AMINA", **changes: FieldValue) -> None:
    replies = dispatcher.submit(caller(user_id), "membership.join", profile_values(**changes), "")
    one(replies, DirectMessage)


def in_db(runtime: Runtime, work: Callable[[Session, Community], T]) -> T:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", "T0001", timezone="Europe/London", now=NOW
        )
        return work(session, community)


def prompt_id(runtime: Runtime, **kwargs: object) -> int:
    return in_db(runtime, lambda s, c: add_prompt(s, c, **kwargs).id)  # type: ignore[arg-type]


def all_reflections(runtime: Runtime) -> list[Reflection]:
    return in_db(runtime, lambda s, _c: list(s.scalars(select(Reflection).order_by(Reflection.id))))


def write(
    dispatcher: Dispatcher,
    prompt: int,
    body: str,
    visibility: str = "shared",
    user_id: str = "U0AMINA",
) -> list[Reply]:
    return dispatcher.submit(
        caller(user_id), "reflection.write", {"body": body, "visibility": visibility}, str(prompt)
    )


# ---- reflect ----------------------------------------------------------------------------------


def test_reflect_without_any_prompt_says_so(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    assert "no question to reflect on yet" in said(dispatcher.command(caller(), "reflect"))


def test_reflect_needs_membership(runtime: Runtime, dispatcher: Dispatcher) -> None:
    prompt_id(runtime)
    assert "haven't joined" in said(dispatcher.command(caller(), "reflect"))


def test_reflect_opens_the_form_on_the_latest_prompt(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    pid = in_db(runtime, lambda s, c: add_prompt(s, c, cs=add_session(s, c)).id)
    form = one(dispatcher.command(caller(), "reflect"), OpenForm).form
    assert form.state == str(pid)
    fields = {f.name: f for f in form.fields}
    assert fields["body"].kind is FieldKind.LONG_TEXT
    assert fields["body"].max_length == 3000
    assert fields["visibility"].kind is FieldKind.SELECT
    assert fields["visibility"].initial == "shared"
    assert {o.value for o in fields["visibility"].options} == {"shared", "facilitators", "private"}
    intro = json.dumps(render.form_view(form))
    assert "What will you carry into your work this month?" in intro
    assert "Power and voice" in intro


def test_the_reflect_button_opens_the_form_for_its_prompt(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    first = prompt_id(runtime, text="first question", ts="1.1")
    prompt_id(runtime, text="second question", ts="1.2")
    form = one(dispatcher.action(caller(), action_ids.REFLECT, str(first)), OpenForm).form
    assert form.state == str(first)
    assert "first question" in json.dumps(render.form_view(form))


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_a_reflect_button_for_no_prompt_says_so(
    runtime: Runtime, dispatcher: Dispatcher, value: str
) -> None:
    join(dispatcher)
    prompt_id(runtime)
    assert "no longer open" in said(dispatcher.action(caller(), action_ids.REFLECT, value))


def test_submitting_a_shared_reflection_stores_it_and_queues_it_for_the_thread(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    pid = prompt_id(runtime)
    shown = said(write(dispatcher, pid, "Name the pattern, then the person."))
    assert "will appear in the thread" in shown
    [saved] = all_reflections(runtime)
    assert (saved.body, saved.visibility, saved.source) == (
        "Name the pattern, then the person.",
        "shared",
        "form",
    )
    keys = in_db(runtime, lambda s, _c: list(s.scalars(select(OutboxMessage.key))))
    assert keys == [f"reflection:{saved.id}:share"]


@pytest.mark.parametrize(
    ("visibility", "sentence"),
    [("facilitators", "Only the facilitators"), ("private", "private journal")],
)
def test_unshared_reflections_say_who_can_read_them(
    runtime: Runtime, dispatcher: Dispatcher, visibility: str, sentence: str
) -> None:
    join(dispatcher)
    pid = prompt_id(runtime)
    assert sentence in said(write(dispatcher, pid, "words", visibility))
    assert in_db(runtime, lambda s, _c: s.scalars(select(OutboxMessage)).all()) == []


def test_a_bad_reflection_keeps_the_form_open_and_changes_nothing(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    pid = prompt_id(runtime)
    before = table_counts(runtime)
    errors = one(write(dispatcher, pid, "   ", "nobody"), FormErrors).errors
    assert set(errors) == {"body", "visibility"}
    assert table_counts(runtime) == before


def test_a_reflection_on_a_vanished_prompt_says_so(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    assert "no longer open" in said(write(dispatcher, 424242, "words"))


def test_a_prompt_sent_by_dm_offers_only_facilitators_or_private(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    pid = prompt_id(runtime, text="What helped you rest this week?", audience=PromptAudience.DMS)
    form = one(dispatcher.action(caller(), action_ids.REFLECT, str(pid)), OpenForm).form
    visibility = {f.name: f for f in form.fields}["visibility"]
    assert [o.value for o in visibility.options] == ["facilitators", "private"]
    assert visibility.initial == "facilitators"
    view = json.dumps(render.form_view(form))
    assert "Share in the thread" not in view
    assert "no thread to share in" in view


def test_a_reflection_on_a_dm_prompt_is_never_called_shared(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    """Issue 10: it was stored as "shared" while the member was told only facilitators."""
    join(dispatcher)
    join(dispatcher, "UFACIL01", display_name="Fran")
    pid = prompt_id(runtime, text="What helped you rest this week?", audience=PromptAudience.DMS)
    before = table_counts(runtime)
    errors = one(write(dispatcher, pid, "A long walk.", "shared"), FormErrors).errors
    assert set(errors) == {"visibility"}
    assert table_counts(runtime) == before
    assert "Only the facilitators" in said(write(dispatcher, pid, "A long walk.", "facilitators"))
    [saved] = all_reflections(runtime)
    assert saved.visibility == "facilitators"
    assert in_db(runtime, lambda s, _c: s.scalars(select(OutboxMessage)).all()) == []
    mine = said(dispatcher.command(caller(), "reflections"))
    assert "facilitators only ·" in mine
    assert "shared" not in mine
    sent = one(dispatcher.command(FACILITATOR, "export"), SendFile)
    [row] = list(csv.DictReader(io.StringIO(sent.content.lstrip("\ufeff"))))
    assert (row["visibility"], row["reflection"]) == ("facilitators", "A long walk.")
    report = one(dispatcher.command(FACILITATOR, "export md"), SendFile).content
    assert "**Amina Yusuf** · facilitators only ·" in report


def test_your_reflections_show_the_question_as_text(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    """Issue 10: the console showed the question as `_What helped you rest this week?_`."""
    join(dispatcher)
    pid = prompt_id(runtime, text="What helped you rest this week?")
    write(dispatcher, pid, "A long walk.", "private")
    page = one(dispatcher.command(caller(), "reflections"), Message)
    console, _ = console_render.blocks(page.blocks, console_render.Style(colour=False))
    assert "What helped you rest this week?\nA long walk." in console
    assert "_" not in console
    coloured, _ = console_render.blocks(page.blocks, console_render.Style(colour=True))
    assert "\033[3mWhat helped you rest this week?\033[0m" in coloured
    # Slack reads the same markup as italics.
    assert "_What helped you rest this week?_" in json.dumps(render.message(page))


# ---- your reflections -------------------------------------------------------------------------


def test_reflections_lists_your_own_newest_first_with_visibility(
    runtime: Runtime, dispatcher: Dispatcher, clock: FakeClock
) -> None:
    join(dispatcher)
    join(dispatcher, "UFACIL01", display_name="Fran")
    pid = prompt_id(runtime)
    write(dispatcher, pid, "older, shared", "shared")
    clock.advance(timedelta(minutes=5))
    write(dispatcher, pid, "newer, private", "private")
    write(dispatcher, pid, "Fran's own", "facilitators", user_id="UFACIL01")
    shown = said(dispatcher.command(caller(), "reflections"))
    assert shown.index("newer, private") < shown.index("older, shared")
    assert "private ·" in shown
    assert "shared ·" in shown
    assert "Fran's own" not in shown


def test_facilitators_never_see_other_peoples_private_reflections(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    pid = prompt_id(runtime)
    write(dispatcher, pid, "my secret worry", "private")
    write(dispatcher, pid, "for the facilitators", "facilitators")
    everything: list[str] = []
    for text in ("reflections", "export", "export md", "members", "home"):
        for reply in dispatcher.command(FACILITATOR, text):
            if isinstance(reply, SendFile):
                everything.append(reply.content)
            elif isinstance(reply, Message):
                everything.append(message_text(reply))
    page = dispatcher.home(FACILITATOR)
    everything.append(json.dumps(render.home_view(page)) if page else "")
    assert "for the facilitators" in "".join(everything)
    assert "my secret worry" not in "".join(everything)


def test_reflections_come_ten_at_a_time(runtime: Runtime, dispatcher: Dispatcher) -> None:
    join(dispatcher)
    pid = prompt_id(runtime)
    for i in range(12):
        write(dispatcher, pid, f"reflection number {i:02d}", "private")
    first = one(dispatcher.command(caller(), "reflections"), Message)
    assert "Showing 1–10 of 12" in message_text(first)
    [more] = buttons(first)
    second = said(dispatcher.action(caller(), more.action_id, more.value))
    assert "Showing 11–12 of 12" in second
    assert "Show older" not in second


def test_no_reflections_yet(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    assert "haven't written any" in said(dispatcher.command(caller(), "reflections"))


def test_mentions_in_prompts_and_reflections_are_escaped_everywhere(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher, display_name="<!here> Amina")
    pid = prompt_id(runtime, text="<!channel> what did you notice?")
    write(dispatcher, pid, "<!channel> we all should <@U0SAM>", "shared")
    rendered = [
        json.dumps(render.form_view(one(dispatcher.command(caller(), "reflect"), OpenForm).form)),
        json.dumps(render.message(one(dispatcher.command(caller(), "reflections"), Message))),
    ]
    payloads = in_db(runtime, lambda s, _c: list(s.scalars(select(OutboxMessage.payload))))
    rendered += [json.dumps(render.message(message_from_json(p))) for p in payloads]
    for text in rendered:
        assert "<!channel>" not in text
        assert "<!here>" not in text
        assert "<@U0SAM>" not in text
    assert "&lt;!channel&gt;" in rendered[0]


# ---- notifications ----------------------------------------------------------------------------


def nudges_enabled(runtime: Runtime, user_id: str = "U0AMINA") -> bool:
    return in_db(
        runtime,
        lambda s, _c: s.scalars(
            select(Member.nudges_enabled).where(Member.platform_user_id == user_id)
        ).one(),
    )


def test_notifications_turn_off_and_on(runtime: Runtime, dispatcher: Dispatcher) -> None:
    join(dispatcher)
    status = one(dispatcher.command(caller(), "notifications"), Message)
    assert "*on*" in message_text(status)
    off, dms_off = buttons(status)  # nudges, then facilitators' broadcasts by DM
    assert off.action_id == action_ids.NUDGES_OFF
    assert dms_off.action_id == broadcast_buttons.DMS_OFF
    done = one(dispatcher.action(caller(), off.action_id, off.value), Message)
    assert done.replace_original is True
    assert nudges_enabled(runtime) is False
    status = one(dispatcher.command(caller(), "notifications"), Message)
    assert "*off*" in message_text(status)
    on, _dms = buttons(status)
    dispatcher.action(caller(), on.action_id, on.value)
    assert nudges_enabled(runtime) is True
    # Broadcasts by DM turn off and back on the same way, separately.
    dispatcher.action(caller(), broadcast_buttons.DMS_OFF, "")
    status = one(dispatcher.command(caller(), "notifications"), Message)
    _nudges, dms_on = buttons(status)
    assert dms_on.action_id == broadcast_buttons.DMS_ON
    assert nudges_enabled(runtime) is True
    assert "messages by DM are *off*" in message_text(status)


def test_no_more_nudges_from_a_nudge_keeps_the_nudge_message(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    done = one(dispatcher.action(caller(), action_ids.NUDGES_OFF, ""), Message)
    assert done.replace_original is False
    assert "no more nudges" in message_text(done)
    assert nudges_enabled(runtime) is False


# ---- stand-alone prompts ----------------------------------------------------------------------


def prompt_values(**changes: FieldValue) -> dict[str, FieldValue]:
    """`/cop prompt`'s form (the broadcast form, question ticked) for tomorrow 10:00."""
    values: dict[str, FieldValue] = {
        "body": "What's one thing you said no to this week?",
        "question": ["question"],
        "audience": ["everyone"],
        "way": "dm",
        "when": "at",
        "date": "2026-11-24",
        "time": "10:00",
    }
    values.update(changes)
    return values


def test_prompt_is_for_facilitators(dispatcher: Dispatcher) -> None:
    join(dispatcher)
    assert "Only facilitators" in said(dispatcher.command(caller(), "prompt"))
    replies = dispatcher.submit(caller(), BROADCAST_FORM, prompt_values(), "")
    assert "Only facilitators" in said(replies)


def test_the_prompt_form_is_the_broadcast_form_with_the_question_ticked(
    dispatcher: Dispatcher,
) -> None:
    form = one(dispatcher.command(FACILITATOR, "prompt"), OpenForm).form
    assert form.form_id == BROADCAST_FORM
    fields = {f.name: f for f in form.fields}
    assert fields["question"].initial is True
    assert fields["way"].initial == "dm"  # no community channel yet
    assert "Europe/London" in (fields["time"].hint or "")


def test_a_prompt_is_previewed_then_planned_once_confirmed(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    preview = one(dispatcher.submit(FACILITATOR, BROADCAST_FORM, prompt_values(), ""), Message)
    assert "Tuesday 24 November, 10:00" in said([preview])
    assert in_db(runtime, lambda s, _c: list(s.scalars(select(ScheduledItem.kind)))) == []
    [confirm] = [
        e
        for b in preview.blocks
        if isinstance(b, Actions)
        for e in b.elements
        if isinstance(e, Button) and e.action_id == BROADCAST_CONFIRM
    ]
    assert "Confirmed" in said(dispatcher.action(FACILITATOR, BROADCAST_CONFIRM, confirm.value))
    items = in_db(runtime, lambda s, _c: list(s.scalars(select(ScheduledItem.kind))))
    assert items == ["broadcast"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date": "2026-11-22"}, "date"),
        ({"body": "x" * 40_001}, "body"),
        ({"way": "channel"}, "way"),
    ],
)
def test_bad_prompts_keep_the_form_open(
    runtime: Runtime, dispatcher: Dispatcher, changes: dict[str, FieldValue], field: str
) -> None:
    before = table_counts(runtime)
    replies = dispatcher.submit(FACILITATOR, BROADCAST_FORM, prompt_values(**changes), "")
    assert field in one(replies, FormErrors).errors
    assert table_counts(runtime) == before


def test_a_channel_prompt_when_the_community_has_a_channel(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    dispatcher.command(FACILITATOR, "help")  # the community exists from the first contact
    in_db(runtime, lambda s, _c: s.execute(update(Community).values(channel_id=CHANNEL)))
    form = one(dispatcher.command(FACILITATOR, "prompt"), OpenForm).form
    assert {f.name: f for f in form.fields}["way"].initial == "channel"
    values = prompt_values(way="channel", body="<!channel> a question")
    shown = said(dispatcher.submit(FACILITATOR, BROADCAST_FORM, values, ""))
    assert "community channel" in shown
    [broadcast] = in_db(runtime, lambda s, _c: list(s.scalars(select(Broadcast))))
    assert (broadcast.way, broadcast.channel_id) == ("channel", CHANNEL)


# ---- export -----------------------------------------------------------------------------------


def three_reflections(runtime: Runtime, dispatcher: Dispatcher) -> None:
    join(dispatcher)
    pid = in_db(runtime, lambda s, c: add_prompt(s, c, cs=add_session(s, c, number=3)).id)
    write(dispatcher, pid, "shared words", "shared")
    write(dispatcher, pid, '=HYPERLINK("http://evil")', "facilitators")
    write(dispatcher, pid, "private words", "private")


def test_export_is_for_facilitators(runtime: Runtime, dispatcher: Dispatcher) -> None:
    three_reflections(runtime, dispatcher)
    assert "Only facilitators" in said(dispatcher.command(caller(), "export"))


def test_export_sends_a_csv_of_shared_reflections(runtime: Runtime, dispatcher: Dispatcher) -> None:
    three_reflections(runtime, dispatcher)
    replies = dispatcher.command(FACILITATOR, "export")
    sent = one(replies, SendFile)
    assert "2 reflections" in message_text(one(replies, Message))
    assert sent.filename == "catalyst-reflections.csv"
    rows = list(csv.DictReader(io.StringIO(sent.content.lstrip("\ufeff"))))
    assert [(r["session_number"], r["member"], r["visibility"], r["reflection"]) for r in rows] == [
        ("3", "Amina Yusuf", "shared", "shared words"),
        ("3", "Amina Yusuf", "facilitators", '\'=HYPERLINK("http://evil")'),
    ]
    assert "private words" not in sent.content


def test_export_md_and_by_session(runtime: Runtime, dispatcher: Dispatcher) -> None:
    three_reflections(runtime, dispatcher)
    sent = one(dispatcher.command(FACILITATOR, "export md 3"), SendFile)
    assert sent.filename == "catalyst-reflections-session-3.md"
    assert "## Session 3: Power and voice" in sent.content
    assert "private words" not in sent.content
    assert "no session 4" in said(dispatcher.command(FACILITATOR, "export 4"))


def test_export_with_nothing_to_export_or_odd_words(dispatcher: Dispatcher) -> None:
    assert "no shared reflections" in said(dispatcher.command(FACILITATOR, "export"))
    assert "export md" in said(dispatcher.command(FACILITATOR, "export everything please"))


# ---- message events ---------------------------------------------------------------------------


def event(change: MessageChange, text: str = "", ts: str = "1795000100.000200") -> MessageEvent:
    return MessageEvent(change=change, channel=CHANNEL, ts=ts, thread_ts=THREAD_TS, text=text)


def test_message_events_store_edit_and_delete_reflections(
    runtime: Runtime, dispatcher: Dispatcher
) -> None:
    join(dispatcher)
    prompt_id(runtime)
    dispatcher.message_event(caller(), event(MessageChange.POSTED, "in the thread"))
    assert [r.body for r in all_reflections(runtime)] == ["in the thread"]
    dispatcher.message_event(caller(), event(MessageChange.EDITED, "edited"))
    assert [r.body for r in all_reflections(runtime)] == ["edited"]
    dispatcher.message_event(caller(), event(MessageChange.DELETED))
    assert all_reflections(runtime) == []


def test_channel_chatter_touches_nothing(runtime: Runtime, dispatcher: Dispatcher) -> None:
    join(dispatcher)
    prompt_id(runtime)
    before = table_counts(runtime)
    chatter = MessageEvent(MessageChange.POSTED, CHANNEL, "1795000200.000100", None, "hello all")
    dispatcher.message_event(caller(), chatter)
    dispatcher.message_event(caller("U0STRANGER"), event(MessageChange.POSTED, "not a member"))
    assert table_counts(runtime) == before


def test_a_failing_message_event_is_logged_not_raised(
    dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("database fell over")

    monkeypatch.setattr(reflections, "take_message", broken)
    with caplog.at_level(logging.ERROR):
        dispatcher.message_event(caller(), event(MessageChange.POSTED, "words"))
    assert "failed while handling a posted message event" in caplog.text
