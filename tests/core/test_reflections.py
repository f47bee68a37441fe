"""The reflections service on a real database: thread replies, the form, nudges, prompts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.slack import render
from bot.wiring import Runtime
from core import communities, privacy
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.errors import InvalidInput
from core.membership import service as membership
from core.models import Community
from core.reflections import service as reflections
from core.reflections.service import MessageChange, MessageEvent
from core.sessions import notices as notices
from core.sessions.models import (
    PromptAudience,
    PromptStatus,
    Reflection,
    Visibility,
)
from core.ui_codec import message_from_json
from tests.reflection_helpers import CHANNEL, NOW, THREAD_TS, add_member, add_prompt

REPLY_TS = "1795000100.000200"


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session) -> Community:
    return communities.get_or_create(session, "slack", "T0001", timezone="Europe/London", now=NOW)


def stored(session: Session) -> list[Reflection]:
    return list(session.scalars(select(Reflection).order_by(Reflection.id)))


def reply(
    session: Session,
    community: Community,
    text: str = "I'll ask for the budget line in writing.",
    *,
    user: str = "U0AMINA",
    thread_ts: str | None = THREAD_TS,
    ts: str = REPLY_TS,
    channel: str = CHANNEL,
) -> Reflection | None:
    return reflections.record_thread_reply(
        session, community, channel, thread_ts, ts, user, text, NOW + timedelta(minutes=5)
    )


# ---- latest prompt -------------------------------------------------------------------------


def test_no_prompt_yet(session: Session, community: Community) -> None:
    assert reflections.latest_prompt(session, community) is None


def test_latest_posted_prompt_wins_over_scheduled_ones(
    session: Session, community: Community
) -> None:
    add_prompt(session, community, text="older", ts="1.1", post_at=NOW - timedelta(days=30))
    newest = add_prompt(
        session, community, text="newest", ts="1.2", post_at=NOW - timedelta(days=1)
    )
    add_prompt(session, community, text="next", posted=False, post_at=NOW + timedelta(days=2))
    assert reflections.latest_prompt(session, community) == newest


def test_before_anything_is_posted_the_soonest_scheduled_prompt(
    session: Session, community: Community
) -> None:
    add_prompt(session, community, text="later", posted=False, post_at=NOW + timedelta(days=9))
    soon = add_prompt(
        session, community, text="soon", posted=False, post_at=NOW + timedelta(days=1)
    )
    add_prompt(
        session,
        community,
        text="cancelled",
        posted=False,
        status=PromptStatus.CANCELLED,
        post_at=NOW + timedelta(hours=1),
    )
    assert reflections.latest_prompt(session, community) == soon


def test_prompt_for_refuses_cancelled_and_other_communities(
    session: Session, community: Community
) -> None:
    other = communities.get_or_create(session, "slack", "T0OTHER", timezone="UTC", now=NOW)
    theirs = add_prompt(session, other, ts="9.9")
    cancelled = add_prompt(session, community, posted=False, status=PromptStatus.CANCELLED)
    ours = add_prompt(session, community)
    assert reflections.prompt_for(session, community, ours.id) == ours
    assert reflections.prompt_for(session, community, theirs.id) is None
    assert reflections.prompt_for(session, community, cancelled.id) is None
    assert reflections.prompt_for(session, community, 999_999) is None


# ---- thread replies ---------------------------------------------------------------------------


def test_a_reply_in_the_prompt_thread_is_stored_as_a_shared_reflection(
    session: Session, community: Community
) -> None:
    prompt = add_prompt(session, community)
    member = add_member(session, community, "U0AMINA")
    saved = reply(session, community, "  I'll ask for the budget line in writing.  ")
    assert saved is not None
    [row] = stored(session)
    assert (row.prompt_id, row.member_id, row.body) == (
        prompt.id,
        member.id,
        "I'll ask for the budget line in writing.",
    )
    assert (row.visibility, row.source) == (Visibility.SHARED.value, "thread")
    assert (row.platform_channel, row.platform_ts) == (CHANNEL, REPLY_TS)


def test_the_same_reply_twice_is_stored_once_and_updated(
    session: Session, community: Community
) -> None:
    add_prompt(session, community)
    add_member(session, community, "U0AMINA")
    reply(session, community, "first")
    reply(session, community, "second")
    assert [r.body for r in stored(session)] == ["second"]


@pytest.mark.parametrize(
    ("thread_ts", "channel", "ts"),
    [
        ("1795000000.999999", CHANNEL, REPLY_TS),  # another thread
        (THREAD_TS, "C0ELSEWHERE", REPLY_TS),  # same ts, another channel
        (None, CHANNEL, REPLY_TS),  # not in a thread at all
        (THREAD_TS, CHANNEL, THREAD_TS),  # the thread parent itself
    ],
)
def test_messages_that_are_not_replies_to_a_prompt_are_ignored(
    session: Session, community: Community, thread_ts: str | None, channel: str, ts: str
) -> None:
    add_prompt(session, community)
    add_member(session, community, "U0AMINA")
    assert reply(session, community, thread_ts=thread_ts, channel=channel, ts=ts) is None
    assert stored(session) == []


def test_a_prompt_of_another_community_is_not_matched(
    session: Session, community: Community
) -> None:
    other = communities.get_or_create(session, "slack", "T0OTHER", timezone="UTC", now=NOW)
    add_prompt(session, other)
    add_member(session, community, "U0AMINA")
    assert reply(session, community) is None


def test_non_members_people_who_left_and_empty_replies_are_ignored(
    session: Session, community: Community
) -> None:
    add_prompt(session, community)
    assert reply(session, community, user="U0STRANGER") is None
    gone = add_member(session, community, "U0SAM")
    membership.leave(session, gone, NOW)
    assert reply(session, community, user="U0SAM") is None
    add_member(session, community, "U0AMINA")
    assert reply(session, community, "   \n ") is None
    assert reply(session, community, user="") is None
    assert stored(session) == []


def test_edits_update_and_deletions_remove(session: Session, community: Community) -> None:
    add_prompt(session, community)
    add_member(session, community, "U0AMINA")
    reply(session, community, "first thought")
    later = NOW + timedelta(hours=1)
    edited = reflections.edit_thread_reply(
        session, community, CHANNEL, REPLY_TS, "second thought", later
    )
    assert edited is not None
    assert (edited.body, edited.updated_at) == ("second thought", later)
    assert reflections.delete_thread_reply(session, community, CHANNEL, REPLY_TS) is True
    assert stored(session) == []
    assert reflections.delete_thread_reply(session, community, CHANNEL, REPLY_TS) is False
    assert reflections.edit_thread_reply(session, community, CHANNEL, REPLY_TS, "x", later) is None


def test_an_edit_that_empties_the_reply_removes_it(session: Session, community: Community) -> None:
    add_prompt(session, community)
    add_member(session, community, "U0AMINA")
    reply(session, community)
    reflections.edit_thread_reply(session, community, CHANNEL, REPLY_TS, " ", NOW)
    assert stored(session) == []


def test_take_message_routes_posted_edited_and_deleted(
    session: Session, community: Community
) -> None:
    add_prompt(session, community)
    add_member(session, community, "U0AMINA")

    def event(change: MessageChange, text: str = "") -> MessageEvent:
        return MessageEvent(change, CHANNEL, REPLY_TS, THREAD_TS, text)

    # An edit of a reply we never saw (Catalyst was down) is stored as new.
    reflections.take_message(session, community, "U0AMINA", event(MessageChange.EDITED, "a"), NOW)
    assert [r.body for r in stored(session)] == ["a"]
    reflections.take_message(session, community, "U0AMINA", event(MessageChange.EDITED, "b"), NOW)
    assert [r.body for r in stored(session)] == ["b"]
    reflections.take_message(session, community, "U0AMINA", event(MessageChange.DELETED), NOW)
    assert stored(session) == []


def test_a_member_who_left_can_still_edit_or_delete_what_is_stored(
    session: Session, community: Community
) -> None:
    add_prompt(session, community)
    member = add_member(session, community, "U0AMINA")
    reply(session, community, "before leaving")
    membership.leave(session, member, NOW)
    reflections.edit_thread_reply(session, community, CHANNEL, REPLY_TS, "corrected", NOW)
    assert [r.body for r in stored(session)] == ["corrected"]


# ---- the form ----------------------------------------------------------------------------------


def outbox(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize(
    ("body", "visibility", "fields"),
    [
        ("", "shared", {"body"}),
        ("   \n\t ", "private", {"body"}),
        ("x" * 3001, "shared", {"body"}),
        ("fine", "everyone", {"visibility"}),
        ("fine", None, {"visibility"}),
        (None, None, {"body", "visibility"}),
    ],
)
def test_form_input_is_checked_and_nothing_is_stored(
    session: Session,
    community: Community,
    body: str | None,
    visibility: str | None,
    fields: set[str],
) -> None:
    prompt = add_prompt(session, community)
    member = add_member(session, community, "U0AMINA")
    with pytest.raises(InvalidInput) as problem:
        reflections.add_from_form(session, member, prompt, body, visibility, NOW)
    assert set(problem.value.errors) == fields
    assert stored(session) == []


def test_exactly_3000_characters_after_trimming_is_accepted(
    session: Session, community: Community
) -> None:
    prompt = add_prompt(session, community)
    member = add_member(session, community, "U0AMINA")
    saved = reflections.add_from_form(session, member, prompt, f"  {'x' * 3000}\n", "private", NOW)
    assert len(saved.body) == 3000


def test_a_shared_form_reflection_is_queued_for_the_thread(
    session: Session, community: Community
) -> None:
    prompt = add_prompt(session, community)
    member = add_member(session, community, "U0AMINA")
    saved = reflections.add_from_form(session, member, prompt, "Name it early.", "shared", NOW)
    assert (saved.source, saved.visibility, saved.platform_ts) == ("form", "shared", None)
    [queued] = outbox(session)
    assert queued.key == f"reflection:{saved.id}:share"
    assert (queued.kind, queued.recipient, queued.thread_ts) == (
        "reflection_share",
        CHANNEL,
        THREAD_TS,
    )
    assert (queued.member_id, queued.prompt_id, queued.due_at) == (member.id, prompt.id, NOW)
    shown = json.dumps(render.message(message_from_json(queued.payload)))
    assert "Amina Yusuf" in shown
    assert "Name it early." in shown


@pytest.mark.parametrize("visibility", ["facilitators", "private"])
def test_unshared_form_reflections_are_never_posted(
    session: Session, community: Community, visibility: str
) -> None:
    prompt = add_prompt(session, community)
    member = add_member(session, community, "U0AMINA")
    reflections.add_from_form(session, member, prompt, "just for me", visibility, NOW)
    assert outbox(session) == []
    assert [r.visibility for r in stored(session)] == [visibility]


THREADLESS = {
    "sent by DM": {"audience": PromptAudience.DMS},
    "not posted yet": {"posted": False},
    "posted, but its post failed": {"ts": None},
}


def test_sharing_is_offered_only_where_there_is_a_thread(
    session: Session, community: Community
) -> None:
    with_thread = add_prompt(session, community)
    assert reflections.visibility_choices(with_thread) == [
        Visibility.SHARED,
        Visibility.FACILITATORS,
        Visibility.PRIVATE,
    ]
    assert reflections.default_visibility(with_thread) is Visibility.SHARED
    for how, changes in THREADLESS.items():
        prompt = add_prompt(session, community, **changes)  # type: ignore[arg-type]
        assert reflections.visibility_choices(prompt) == [
            Visibility.FACILITATORS,
            Visibility.PRIVATE,
        ], how
        assert reflections.default_visibility(prompt) is Visibility.FACILITATORS, how


@pytest.mark.parametrize("how", list(THREADLESS))
def test_a_reflection_on_a_prompt_without_a_thread_is_never_stored_as_shared(
    session: Session, community: Community, how: str
) -> None:
    prompt = add_prompt(session, community, **THREADLESS[how])  # type: ignore[arg-type]
    member = add_member(session, community, "U0AMINA")
    with pytest.raises(InvalidInput) as problem:
        reflections.add_from_form(session, member, prompt, "early thoughts", "shared", NOW)
    assert set(problem.value.errors) == {"visibility"}
    assert "no thread" in problem.value.errors["visibility"]
    assert stored(session) == []
    reflections.add_from_form(session, member, prompt, "early thoughts", "facilitators", NOW)
    assert outbox(session) == []
    assert [r.visibility for r in stored(session)] == ["facilitators"]


def test_channel_mentions_cannot_ping_from_a_shared_reflection(
    session: Session, community: Community
) -> None:
    prompt = add_prompt(session, community, text="<!channel> what now?")
    member = add_member(session, community, "U0AMINA", display_name="<!here> Amina")
    reflections.add_from_form(
        session, member, prompt, "<!channel> <@U0SAM> &lt; <https://x.example|click>", "shared", NOW
    )
    [queued] = outbox(session)
    rendered = json.dumps(render.message(message_from_json(queued.payload)))
    for raw in ("<!channel>", "<!here>", "<@U0SAM>", "<https://"):
        assert raw not in rendered
    assert "&lt;!channel&gt;" in rendered
    posted = json.dumps(render.message(notices.prompt_post(prompt, None)))
    assert "<!channel>" not in posted
    assert "&lt;!channel&gt; what now?" in posted


# ---- your own, nudges, my-data, forget-me -----------------------------------------------------


def test_own_is_newest_first_with_every_visibility_and_pages(
    session: Session, community: Community
) -> None:
    prompt = add_prompt(session, community)
    member = add_member(session, community, "U0AMINA")
    other = add_member(session, community, "U0SAM", display_name="Sam")
    kinds = ["shared", "facilitators", "private"]
    for i in range(12):
        reflections.add_from_form(
            session, member, prompt, f"r{i}", kinds[i % 3], NOW + timedelta(minutes=i)
        )
    reflections.add_from_form(session, other, prompt, "Sam's", "shared", NOW)
    first = reflections.own(session, member)
    assert first.total == 12
    assert [e.reflection.body for e in first.entries] == [f"r{i}" for i in range(11, 1, -1)]
    second = reflections.own(session, member, offset=10)
    assert [e.reflection.body for e in second.entries] == ["r1", "r0"]
    assert second.entries[0].prompt == prompt


def test_set_nudges(session: Session, community: Community) -> None:
    member = add_member(session, community, "U0AMINA")
    assert member.nudges_enabled is True
    assert reflections.set_nudges(session, member, False) is True
    assert reflections.set_nudges(session, member, False) is False
    assert member.nudges_enabled is False
    assert reflections.set_nudges(session, member, True) is True


def test_my_data_holds_every_reflection_including_private_ones(
    session: Session, community: Community
) -> None:
    prompt = add_prompt(session, community)
    member = add_member(session, community, "U0AMINA")
    reflections.add_from_form(session, member, prompt, "my journal", "private", NOW)
    data = privacy.personal_data(session, member)["reflections"]
    assert data["nudges_and_catch_ups"] is True
    [entry] = data["reflections"]
    assert (entry["text"], entry["visibility"], entry["question"]) == (
        "my journal",
        "private",
        prompt.text,
    )
    other = add_member(session, community, "U0SAM", display_name="Sam")
    assert privacy.personal_data(session, other)["reflections"]["reflections"] == []


def test_forget_me_erases_the_members_reflections_and_queued_shares(
    session: Session, community: Community
) -> None:
    prompt = add_prompt(session, community)
    amina = add_member(session, community, "U0AMINA")
    sam = add_member(session, community, "U0SAM", display_name="Sam")
    reply(session, community, "thread words")
    reflections.add_from_form(session, amina, prompt, "form words", "shared", NOW)
    reflections.add_from_form(session, sam, prompt, "Sam's words", "shared", NOW)
    privacy.forget(session, amina, NOW)
    assert [r.body for r in stored(session)] == ["Sam's words"]
    assert [o.member_id for o in outbox(session)] == [sam.id]
