"""The monthly newsletter end to end through Slack: the scheduler drafts it on the fake
clock, the facilitator gets it by DM, edits it (a note and a chosen quote) in the modal,
sends it; members get it as they chose, in their language; `/cop newsletter` shows it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core import communities, i18n, privacy
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Member, Role
from core.newsletter import buttons as newsletter_buttons
from core.newsletter.models import Newsletter
from core.sessions import buttons as session_buttons
from core.sessions.models import (
    CommunitySession,
    Prompt,
    PromptStatus,
    Reflection,
    RsvpAnswer,
    SessionRsvp,
    Visibility,
)
from scheduler.runner import Runner
from tests.conftest import table_counts
from tests.fakes.slack_api import FakeSlackApi, block_kit_problems
from tests.slack.conftest import scheduled_world
from tests.slack.test_membership_flow import join
from tests.slack_harness import TEAM, SlackHarness

CHANNEL = "C0COMMUNITY"
FACILITATOR = "UFACIL01"
World = tuple[SlackHarness, Runner, FakeSlackApi]


@pytest.fixture
def world(database_url: str, clock: FakeClock) -> Iterator[World]:
    with FakeSlackApi(team_id=TEAM, ts_clock=lambda: clock.now().timestamp()) as fake:
        fake.add_user("U0AMINA", real_name="Amina Yusuf", tz="Asia/Amman")
        fake.add_user("U0SAM", real_name="Sam Okafor", tz="Europe/London")
        fake.add_user("U0OLU", real_name="Olu Off", tz="Europe/London")
        fake.add_user("U0GONE", real_name="Gone Person", tz="Europe/London")
        fake.add_user(FACILITATOR, real_name="Fran Facilitator", tz="Europe/London")
        fake.add_channel(CHANNEL)
        with scheduled_world(
            database_url, clock, fake, "newsletter", CATALYST_CHANNEL=CHANNEL
        ) as built:
            yield built


def _at(clock: FakeClock, days: float) -> datetime:
    return clock.now() + timedelta(days=days)


def setup_month(slack: SlackHarness, clock: FakeClock) -> dict[str, int]:
    """Members with their choices, a past session with reflections of every kind, and the
    next session; someone who then erases their data."""
    join(slack, "U0AMINA", display_name="Amina Yusuf", language="fr", timezone="Asia/Amman")
    join(slack, "U0SAM", display_name="Sam Okafor")
    join(slack, "U0OLU", display_name="Olu Off")
    join(slack, "U0GONE", display_name="Gone Person")
    join(slack, FACILITATOR, display_name="Fran Facilitator")
    ids: dict[str, int] = {}
    with unit_of_work(slack.runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=clock.now()
        )
        people = {m.platform_user_id: m for m in session.scalars(select(Member))}
        people[FACILITATOR].role = Role.FACILITATOR.value
        people["U0SAM"].newsletter = "channel"
        people["U0OLU"].newsletter = "off"
        last = CommunitySession(
            community_id=community.id,
            number=1,
            title="Power and voice",
            theme="Power and positionality",
            starts_at=_at(clock, -3),
            duration_minutes=90,
            location="https://meet.example.org/cop",
            created_at=_at(clock, -20),
            updated_at=_at(clock, -20),
        )
        upcoming = CommunitySession(
            community_id=community.id,
            number=2,
            title="Leading through change",
            starts_at=_at(clock, 15),
            duration_minutes=90,
            location="https://meet.example.org/cop",
            description="Bring one change you are leading.",
            created_at=_at(clock, -1),
            updated_at=_at(clock, -1),
        )
        session.add_all([last, upcoming])
        session.flush()
        session.add(
            SessionRsvp(
                session_id=last.id,
                member_id=people["U0AMINA"].id,
                answer=RsvpAnswer.GOING.value,
                answered_at=_at(clock, -5),
            )
        )
        prompt = Prompt(
            community_id=community.id,
            session_id=last.id,
            text="What will you carry into your work?",
            post_at=_at(clock, -2.9),
            channel_id=CHANNEL,
            status=PromptStatus.POSTED.value,
            posted_channel=CHANNEL,
            posted_ts="1795000000.000100",
            created_at=_at(clock, -4),
        )
        session.add(prompt)
        session.flush()

        def reflect(user: str, body: str, visibility: Visibility, quotable: bool) -> int:
            row = Reflection(
                community_id=community.id,
                prompt_id=prompt.id,
                member_id=people[user].id,
                body=body,
                visibility=visibility.value,
                source="form",
                quotable=quotable,
                created_at=_at(clock, -2),
                updated_at=_at(clock, -2),
            )
            session.add(row)
            session.flush()
            return row.id

        ids["quote"] = reflect("U0AMINA", "Ask the board early.", Visibility.SHARED, True)
        reflect("U0AMINA", "PRIVATE-JOURNAL", Visibility.PRIVATE, True)
        reflect("U0SAM", "FACILITATORS-ONLY", Visibility.FACILITATORS, True)
        reflect("U0SAM", "NOT-CONSENTED", Visibility.SHARED, False)
        ids["gone"] = reflect("U0GONE", "ERASED-WORDS", Visibility.SHARED, True)
        ids["next"] = upcoming.id
        ids["amina"] = people["U0AMINA"].id
    return ids


def erase(slack: SlackHarness, user: str, clock: FakeClock) -> None:
    with unit_of_work(slack.runtime.session_factory) as session:
        member = session.scalars(select(Member).where(Member.platform_user_id == user)).one()
        privacy.forget(session, member, clock.now())


def blocks_text(message: dict[str, Any]) -> str:
    return i18n.without_marks(json.dumps(message.get("blocks", []), ensure_ascii=False))


def button_value(message: dict[str, Any], action_id: str) -> str:
    return next(
        str(e.get("value", ""))
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def open_view(slack: SlackHarness, action_id: str, value: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.open"))
    assert slack.click(action_id, value, user=FACILITATOR).status == 200
    view: dict[str, Any] = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    return view


def first_of_next_month(clock: FakeClock) -> datetime:
    local = clock.now().astimezone(ZoneInfo("Europe/London"))
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, 9, 0, tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)


def test_drafted_edited_and_sent_once_to_each_as_they_chose(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    ids = setup_month(slack, clock)
    erase(slack, "U0GONE", clock)
    runner.run_pending()  # plans the draft for the 1st at 09:00
    assert not any(p["channel"] for p in fake.all_posted() if "newsletter" in str(p)), (
        "nothing is drafted before the day"
    )

    clock.set(first_of_next_month(clock) + timedelta(minutes=1))
    runner.run_pending()
    [draft_dm] = [
        m for m in fake.messages_in(FACILITATOR) if newsletter_buttons.SEND in json.dumps(m)
    ]
    assert block_kit_problems("message", draft_dm) == []
    shown = blocks_text(draft_dm)
    assert "Power and voice" in shown
    assert "What will you carry into your work?" in shown
    assert "Leading through change" in shown
    for never in ("PRIVATE-JOURNAL", "FACILITATORS-ONLY", "NOT-CONSENTED", "ERASED-WORDS"):
        assert never not in shown
    newsletter_id = button_value(draft_dm, newsletter_buttons.EDIT)

    view = open_view(slack, newsletter_buttons.EDIT, newsletter_id)
    quotes = next(b for b in view["blocks"] if b.get("block_id") == "quotes")
    offered = {o["value"] for o in quotes["element"]["options"]}
    assert offered == {str(ids["quote"])}, "only shared, consented, still-present reflections"
    posts_before = len(fake.calls_to("chat.postMessage"))
    reply = slack.submit(
        view,
        {"title": "", "note": "Welcome to the new month, everyone.", "quotes": [str(ids["quote"])]},
        user=FACILITATOR,
    )
    assert reply.status == 200
    assert reply.body == ""
    fake.wait_for("chat.postMessage", count=posts_before + 1)
    updated = fake.messages_in(FACILITATOR)[-1]
    assert "Welcome to the new month" in blocks_text(updated)
    assert "Ask the board early." in blocks_text(updated)

    slack.click(newsletter_buttons.SEND, newsletter_id, user=FACILITATOR)
    fake.wait_for_response()
    slack.click(newsletter_buttons.SEND, newsletter_id, user=FACILITATOR)  # a second click
    fake.wait_for_response(count=2)
    runner.run_pending()

    keys = [k for k in fake.posted_keys() if k.startswith(f"newsletter:{newsletter_id}:")]
    members_dms = [k for k in keys if ":draft:" not in k]
    with unit_of_work(slack.runtime.session_factory) as session:
        people = {m.platform_user_id: m.id for m in session.scalars(select(Member))}
    assert sorted(members_dms) == sorted(
        [
            f"newsletter:{newsletter_id}:m{people['U0AMINA']}",
            f"newsletter:{newsletter_id}:m{people[FACILITATOR]}",
            f"newsletter:{newsletter_id}:channel",
        ]
    ), "Sam (channel only) and Olu (off) get no DM; sent once despite two clicks"

    [amina_copy] = [m for m in fake.messages_in("U0AMINA") if "Ask the board" in json.dumps(m)]
    amina_text = blocks_text(amina_copy)
    with i18n.speaking("fr"):
        going = i18n.without_marks(i18n._("Going"))
    assert going != "Going"
    assert going in amina_text, "Amina reads it in French"
    assert session_buttons.RSVP_GOING in json.dumps(amina_copy)
    assert "Welcome to the new month" in amina_text
    assert not [m for m in fake.messages_in("U0SAM") if "Ask the board" in json.dumps(m)]
    assert not [m for m in fake.messages_in("U0OLU") if "Ask the board" in json.dumps(m)]
    [post] = [m for m in fake.messages_in(CHANNEL) if "Ask the board" in json.dumps(m)]
    for never in ("PRIVATE-JOURNAL", "FACILITATORS-ONLY", "NOT-CONSENTED", "ERASED-WORDS"):
        assert never not in blocks_text(post)
        assert never not in amina_text

    # The RSVP button in the newsletter answers for the next session.
    slack.click(session_buttons.RSVP_GOING, str(ids["next"]))
    slack.settled()
    with unit_of_work(slack.runtime.session_factory) as session:
        answer = session.get(SessionRsvp, (ids["next"], ids["amina"]))
        assert answer is not None
        assert answer.answer == RsvpAnswer.GOING.value

    latest = slack.answer("newsletter", user="U0SAM")
    assert block_kit_problems("message", latest) == []
    assert "Welcome to the new month" in i18n.without_marks(json.dumps(latest))


def test_a_member_cannot_see_or_make_the_draft(world: World, clock: FakeClock) -> None:
    slack, _runner, _fake = world
    join(slack, "U0SAM", display_name="Sam Okafor")
    before = table_counts(slack.runtime)
    reply = slack.answer("newsletter draft", user="U0SAM")
    assert "Only facilitators can see the newsletter draft" in json.dumps(reply)
    assert table_counts(slack.runtime) == before
    reply = slack.answer("newsletter", user="U0SAM")
    assert "No newsletter has gone out yet" in json.dumps(reply)


def test_schedule_in_the_past_is_refused_in_the_form(world: World, clock: FakeClock) -> None:
    slack, _runner, _fake = world
    join(slack, FACILITATOR, display_name="Fran Facilitator")
    reply = slack.answer("newsletter draft", user=FACILITATOR)
    assert block_kit_problems("message", reply) == []
    newsletter_id = button_value(reply, newsletter_buttons.SCHEDULE)
    view = open_view(slack, newsletter_buttons.SCHEDULE, newsletter_id)
    before = table_counts(slack.runtime)
    yesterday = (clock.now() - timedelta(days=1)).astimezone(ZoneInfo("Europe/London")).date()
    answer = slack.submit(view, {"date": yesterday.isoformat(), "time": "09:00"}, user=FACILITATOR)
    assert answer.status == 200
    errors = answer.json()["errors"]
    assert set(errors) == {"date"}
    assert table_counts(slack.runtime) == before

    tomorrow = (clock.now() + timedelta(days=1)).astimezone(ZoneInfo("Europe/London")).date()
    answer = slack.submit(view, {"date": tomorrow.isoformat(), "time": "09:00"}, user=FACILITATOR)
    assert answer.body == ""
    with unit_of_work(slack.runtime.session_factory) as session:
        [row] = session.scalars(select(Newsletter)).all()
        assert row.status == "scheduled"
