"""English, French and Arabic in one community, on one day, through Slack's HTTP endpoint,
the fake Web API and the real scheduler on the fake clock.

Expected text is looked up in the shipped catalogues (`in_language`), so these tests fail
when a flow is not translated (or loses its translation) and keep passing when a translator
improves a wording. Each also checks that the translation differs from the English, so a
missing entry cannot pass unnoticed, and that every message and modal fits Block Kit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.slack.sender import SlackSender
from core import i18n
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Member
from core.pairing.models import PairingGroup, PairingGroupMember
from core.pairing.notices import GROW_LINES
from core.sessions.buttons import REFLECT
from core.sessions.models import Prompt, Reflection
from handlers.broadcasts.commands import CONFIRM as BROADCAST_CONFIRM
from handlers.pairing.commands import CONFIRM_RUN
from scheduler.delivery import OutboxWorker
from scheduler.runner import Runner
from tests.fakes.slack_api import FakeSlackApi, block_kit_problems
from tests.helpers import profile_values
from tests.slack.conftest import World, scheduled_world
from tests.slack.test_sessions_flow import SESSION
from tests.slack_harness import BOT_TOKEN, SlackHarness

FACILITATOR = "UFACIL01"
CHANNEL = "C0COMMUNITY"
STARTS = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # a Thursday; 18:00 in London
PEOPLE = {  # user: (name, Slack locale, timezone, organisation)
    "U0AMINA": ("Amina Yusuf", "ar", "Asia/Amman", "Refugee Action Now"),
    "U0CLAIRE": ("Claire Dubois", "fr-FR", "Europe/Paris", "Welcome Hub"),
    "U0SAM": ("Sam Okafor", "en-GB", "Europe/London", "Migrant Voice"),
}
LANGUAGE = {"U0AMINA": "ar", "U0CLAIRE": "fr", "U0SAM": "en"}


def in_language(code: str, msgid: str, **values: object) -> str:
    """What the catalogue says for `msgid` in `code`, without isolation marks."""
    with i18n.speaking(code):
        return i18n.without_marks(i18n.t(msgid, **values))


def translated(code: str, msgid: str, **values: object) -> str:
    said = in_language(code, msgid, **values)
    if code != "en":
        assert said != in_language("en", msgid, **values), f"{code} has no entry for {msgid!r}"
    return said


def readable(payload: Any) -> str:
    return i18n.without_marks(json.dumps(payload, ensure_ascii=False))


@pytest.fixture
def world(database_url: str, clock: FakeClock) -> Iterator[World]:
    with FakeSlackApi(team_id="T0001", ts_clock=lambda: clock.now().timestamp()) as fake:
        for user, (name, locale, zone, _org) in PEOPLE.items():
            fake.add_user(user, real_name=name, tz=zone, locale=locale)
        fake.add_user(FACILITATOR, real_name="Fran Facilitator", locale="en-GB")
        fake.add_channel(CHANNEL)
        with scheduled_world(
            database_url,
            clock,
            fake,
            "languages",
            CATALYST_CHANNEL=CHANNEL,
            CATALYST_REMINDER_OFFSETS="1d",
            CATALYST_LANGUAGE="fr",  # the community's: channel posts are in French
        ) as world:
            yield world


def open_modal(slack: SlackHarness, text: str, user: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.open"))
    assert slack.command(text, user=user).status == 200
    view: dict[str, Any] = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    return view


def join(slack: SlackHarness, user: str) -> dict[str, Any]:
    """Join through the modal, keeping the language it suggests from the Slack locale."""
    view = open_modal(slack, "join", user)
    [language] = [b for b in view["blocks"] if b.get("block_id") == "language"]
    suggested = language["element"]["initial_option"]["value"]
    name, _locale, zone, org = PEOPLE[user]
    values = profile_values(
        display_name=name,
        organisation=org,
        timezone=zone,
        languages=["en", "ar", "fr"],
        pairing_cadence="weekly",
        language=suggested,
    )
    reply = slack.submit(view, values, user=user)
    assert (reply.status, reply.body) == (200, "")
    slack.settled()
    return view


def command(slack: SlackHarness, text: str, user: str) -> str:
    reply = slack.command(text, user=user)
    assert reply.status == 200
    body = reply.json()
    assert block_kit_problems("message", body) == []
    return readable(body)


def deliver(slack: SlackHarness) -> None:
    sender = SlackSender(BOT_TOKEN, slack.fake.base_url)
    worker = OutboxWorker(slack.runtime.session_factory, slack.runtime.clock, sender, "test")
    worker.run_until_idle(budget_seconds=5)


def dms_to(fake: FakeSlackApi, user: str) -> list[dict[str, Any]]:
    posted = fake.messages_in(user)
    for message in posted:
        assert block_kit_problems("message", {"blocks": message.get("blocks", [])}) == []
    return posted


def test_three_languages_in_one_community_on_the_same_day(
    world: tuple[SlackHarness, Runner, FakeSlackApi], clock: FakeClock
) -> None:
    """The issue's "done means": reminders, the pairing introduction and the GROW guide in
    Arabic for Amina, in French for Claire, in English for Sam, with dates in each."""
    slack, runner, fake = world
    # The join form is already in the visitor's Slack language, and suggests it.
    french_form = join(slack, "U0CLAIRE")
    assert french_form["title"]["text"] == translated("fr", "Join the community")[:24]
    arabic_form = join(slack, "U0AMINA")
    assert arabic_form["title"]["text"].startswith(translated("ar", "Join the community")[:10])
    join(slack, "U0SAM")
    with unit_of_work(slack.runtime.session_factory) as session:
        stored = dict(session.execute(select(Member.platform_user_id, Member.language)).all())
    assert stored == LANGUAGE

    view = open_modal(slack, "session add", FACILITATOR)
    assert slack.submit(view, SESSION, user=FACILITATOR).body == ""
    slack.settled()

    # The day before: one reminder each, in their language, their timezone, their calendar.
    clock.set(STARTS - timedelta(days=1))
    runner.run_pending()
    reminders = {user: readable(dms_to(fake, user)[-1]) for user in PEOPLE}
    assert "jeudi 3 décembre" in reminders["U0CLAIRE"]
    assert "19:00–20:30 (Europe/Paris)" in reminders["U0CLAIRE"]
    assert translated("fr", "Going") in reminders["U0CLAIRE"]
    assert "الخميس" in reminders["U0AMINA"]  # Thursday
    assert "ديسمبر" in reminders["U0AMINA"]  # December
    assert "(Asia/Amman)" in reminders["U0AMINA"]
    assert translated("ar", "Going") in reminders["U0AMINA"]
    assert "Thursday 3 December, 18:00–19:30 (Europe/London)" in reminders["U0SAM"]
    assert "Going" in reminders["U0SAM"]
    for user, code in LANGUAGE.items():
        can_you = translated(code, "Can you make it? One click lets the facilitators know.")
        assert can_you in reminders[user], user

    # A round of peer coaching: the facilitator works in English, the intro reaches the
    # group in the group's language, and `/cop pair` shows each person the guide in theirs.
    slack.command("pairing run", user=FACILITATOR)
    slack.click(CONFIRM_RUN, "1", user=FACILITATOR)
    slack.fake.wait_for_response()
    deliver(slack)
    with unit_of_work(slack.runtime.session_factory) as session:
        [group_id] = session.scalars(select(PairingGroup.id)).all()
        in_group = set(
            session.scalars(
                select(Member.platform_user_id)
                .join(PairingGroupMember, PairingGroupMember.member_id == Member.id)
                .where(PairingGroupMember.group_id == group_id)
            )
        )
    assert in_group == set(PEOPLE)  # three people: one group of three
    [intro] = [p for p in fake.all_posted() if str(p["channel"]).startswith("G")]
    assert block_kit_problems("message", {"blocks": intro["blocks"]}) == []
    # One message the three read together: wholly in one of their languages (the first
    # member's, as they speak different ones), whoever ran the round.
    guide_in = [
        code for code in ("ar", "fr", "en") if in_language(code, GROW_LINES[0]) in readable(intro)
    ]
    assert len(guide_in) == 1
    for user, code in LANGUAGE.items():
        mine = command(slack, "pair", user)
        for line in GROW_LINES:
            assert translated(code, line) in mine, (user, line)

    # The community's language is French: the reflection question goes to the channel in it.
    clock.set(STARTS + timedelta(minutes=90, hours=1))
    runner.run_pending()
    [prompt_post] = fake.messages_in(CHANNEL)
    assert block_kit_problems("message", {"blocks": prompt_post["blocks"]}) == []
    assert translated("fr", "Reflect") in readable(prompt_post)

    # Amina reflects from the post: the form is in Arabic, what she writes is kept as written.
    [reflect_value] = [
        element["value"]
        for block in prompt_post["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == REFLECT
    ]
    before = len(fake.calls_to("views.open"))
    slack.click(REFLECT, reflect_value, user="U0AMINA")
    form = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", form) == []
    assert translated("ar", "Your reflection") in readable(form)
    assert translated("ar", "A line or two is plenty.") in readable(form)
    written = "سأطلب من مديرتي فرصة لمرافقة مجلس الإدارة."
    reply = slack.submit(form, {"body": written, "visibility": "private"}, user="U0AMINA")
    assert (reply.status, reply.body) == (200, "")
    slack.settled()
    with unit_of_work(slack.runtime.session_factory) as session:
        assert session.scalars(select(Reflection.body)).all() == [written]


@pytest.mark.parametrize(("user", "code"), [("U0CLAIRE", "fr"), ("U0AMINA", "ar")])
def test_every_flow_speaks_the_members_language(
    world: tuple[SlackHarness, Runner, FakeSlackApi], user: str, code: str
) -> None:
    slack, _runner, _fake = world
    join(slack, user)

    # Help explains the same command words in their language; the word in their language
    # finds the command.
    help_text = command(slack, "help", user)
    assert "`/cop join`" in help_text or "/cop join" in help_text
    assert translated(code, "Upcoming sessions: say if you're coming in one click") in help_text
    word = {"fr": "aide", "ar": "مساعدة"}[code]
    suggestion = translated(
        code,
        "I don't know `{word}`. Did you mean `{command} {suggestion}`? Type `{command} help` "
        "to see everything you can do.",
        word=word,
        command="/cop",
        suggestion="help",
    )
    assert suggestion in command(slack, word, user)

    # Home, in their language.
    published = len(slack.fake.calls_to("views.publish"))
    assert slack.open_home(user).status == 200
    home = slack.fake.wait_for("views.publish", count=published + 1)[-1].params
    assert home["user_id"] == user
    assert block_kit_problems("home", home["view"]) == []
    assert translated(code, "Your profile") in readable(home["view"])

    profile = command(slack, "profile", user)
    assert translated(code, "Edit profile") in profile

    nothing_yet = "Nothing is planned just yet. I'll remind you as soon as the next session is set."
    assert translated(code, nothing_yet) in command(slack, "sessions", user)

    library = command(slack, "resources", user)
    assert (
        translated(code, "The library is empty so far.") in library
        or translated(code, "The library is empty so far. Be the first to share something useful.")
        in library
    )

    # Forms fit Slack's limits in the language (titles cut with an ellipsis, not refused).
    for text in ("join", "resources add"):
        view = open_modal(slack, text, user)
        assert len(view["title"]["text"]) <= 24
        assert readable(view) != ""

    # A bad language code: the list of available ones, in their language, nothing changed.
    bad = command(slack, "language de", user)
    assert "English" in bad
    assert "Français" in bad
    assert "العربية" in bad
    with unit_of_work(slack.runtime.session_factory) as session:
        assert (
            session.scalars(select(Member.language).where(Member.platform_user_id == user)).one()
            == code
        )


def test_a_facilitator_picks_the_language_of_a_channel_post(
    world: tuple[SlackHarness, Runner, FakeSlackApi], clock: FakeClock
) -> None:
    """The community speaks French; this question goes to the channel in Arabic, and by
    DM each member would get their own language (see the reminders above)."""
    slack, runner, fake = world
    view = open_modal(slack, "prompt", FACILITATOR)
    [language] = [b for b in view["blocks"] if b.get("block_id") == "language"]
    assert language["element"]["initial_option"]["value"] == "fr"  # the community's
    post_at = clock.now() + timedelta(hours=2)
    values = {
        "body": "ما الذي ستفعله بشكل مختلف هذا الشهر؟",
        "question": ["question"],
        "audience": ["everyone"],
        "way": "channel",
        "when": "at",
        "date": post_at.date().isoformat(),
        "time": f"{post_at:%H}:00",
        "language": "ar",
    }
    reply = slack.submit(view, values, user=FACILITATOR)
    assert (reply.status, reply.body) == (200, "")
    slack.settled()
    preview = [
        c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == FACILITATOR
    ][-1]
    [confirm] = [
        e
        for b in preview["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == BROADCAST_CONFIRM
    ]
    slack.click(BROADCAST_CONFIRM, confirm["value"], user=FACILITATOR)
    slack.settled()
    clock.set(post_at + timedelta(hours=1))
    runner.run_pending()
    [post] = fake.messages_in(CHANNEL)
    assert block_kit_problems("message", {"blocks": post["blocks"]}) == []
    assert translated("ar", "Reflect") in readable(post)
    assert values["body"] in readable(post)  # the question itself, as written

    # A forged submission with a language Catalyst doesn't speak is refused on the field,
    # and nothing more is scheduled.
    later = clock.now() + timedelta(hours=2)
    view = open_modal(slack, "prompt", FACILITATOR)
    [language] = [b for b in view["blocks"] if b.get("block_id") == "language"]
    language["element"]["options"].append(
        {"text": {"type": "plain_text", "text": "de"}, "value": "de"}
    )
    values |= {"date": later.date().isoformat(), "time": f"{later:%H}:00", "language": "de"}
    refused = slack.submit(view, values, user=FACILITATOR).json()
    assert refused["response_action"] == "errors"
    assert list(refused["errors"]) == ["language"]
    with unit_of_work(slack.runtime.session_factory) as session:
        assert session.scalars(select(Prompt.language)).all() == ["ar"]
