"""Issue 15 on Discord: facilitators run it all with the same commands. The facilitator
flows the Slack suite proves, through the real Discord adapter against the fake Discord,
with the real scheduler sending through the outbox's Discord sender on the fake clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from core.broadcasts.models import Broadcast
from core.care.models import CareCheckin
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.models import Community, Member
from core.polls.models import PollOption
from core.sessions.models import CommunitySession, SessionRsvp
from core.sets.models import LearningSet, SetMembership
from core.timefmt import local
from scheduler.runner import Runner
from tests.core.test_sets_service import ORGANISATIONS, TWENTY_THREE
from tests.discord.test_core_flows import SESSION, counts, fill_form, join
from tests.discord_harness import MODAL, DiscordHarness, Seen, World
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_validation import message_errors

World = World
BEA, CHIDI, DAWIT, EFE, FARAH, GUS = (f"11800000000000003{n}" for n in range(10, 16))
NAMES = {BEA: "Bea", CHIDI: "Chidi", DAWIT: "Dawit", EFE: "Efe", FARAH: "Farah", GUS: "Gus"}
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def people(fake_discord: FakeDiscord) -> None:
    """Alice, Bea, Chidi, ... are in the server (each test says who joins); Bob facilitates."""
    for user, name in NAMES.items():
        fake_discord.add_user(user, name.lower(), global_name=name)


def join_all(discord: DiscordHarness, users: list[str]) -> None:
    for user in users:
        name = discord.fake.users[user]["global_name"]
        done = join(discord, user=user, display_name=f"{name} Member")
        assert "Please fix" not in done.text, done.text


def message(raw: dict[str, Any]) -> Seen:
    """A message the bot posted (not an interaction's answer), as something to click on."""
    return Seen("", 4, raw, raw)


def tick(clock: FakeClock, runner: Runner) -> None:
    clock.advance(timedelta(minutes=1))  # the scheduler's next turn
    runner.run_pending()


def poll_counts(discord: DiscordHarness) -> list[int]:
    with unit_of_work(discord.runtime.session_factory) as session:
        return [o.votes for o in session.scalars(select(PollOption).order_by(PollOption.position))]


def test_a_theme_poll_in_the_channel(world: World, clock: FakeClock) -> None:
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    join_all(discord, [facilitator, fake.member_id, BEA, CHIDI])
    with unit_of_work(discord.runtime.session_factory) as session:
        session.scalars(select(Community)).one().themes = ["Anti-racism", "Funding"]
    closes = local(clock.now() + timedelta(days=2), "Europe/London")
    values = {
        "question": "Which themes next cycle?",
        "options": "Anti-racism\nFunding",
        "members_add": True,
        "choice": "single",
        "anonymous": "anonymous",
        "date": closes.date().isoformat(),
        "time": "17:00",
        "audience": ["everyone"],
        "way": "channel",
    }
    form = discord.form(discord.command("poll themes", user=facilitator), user=facilitator)
    assert "Theme poll" in form.body["title"]
    preview = fill_form(discord, form, values, facilitator)
    assert "posted in the community channel" in preview.text
    assert preview.only_them
    assert not message_errors(preview.body, interaction=True)
    sent = discord.click(preview, "Confirm", user=facilitator)
    assert "Sent: the poll closes" in sent.text
    again = discord.click(preview, "Confirm", user=facilitator)  # a second click
    assert "sent already" in again.text
    tick(clock, runner)
    [post] = fake.messages_in(fake.channel_id)
    assert not message_errors(post)
    assert "Which themes next cycle?" in message(post).text
    assert "Suggest an option" in message(post).text

    # Alice votes from the channel: counted without her name, her own copy comes by DM.
    voted = discord.click(message(post), "Anti-racism")
    assert voted.type == 5  # a DM goes with it: the click is answered (deferred) first
    assert voted.only_them  # only she sees it
    assert "without your name" in voted.text
    copy = message(fake.dms_to(fake.member_id)[-1])
    assert not message_errors(copy.body)
    assert "✓ **Anti-racism**" in copy.text
    tick(clock, runner)
    [post] = fake.messages_in(fake.channel_id)  # edited in place, not posted again
    assert "▓▓▓▓▓▓▓▓▓▓ 1 (100%)" in message(post).text
    assert "░░░░░░░░░░ 0 (0%)" in message(post).text

    # She changes her mind from her copy: the copy is updated, the post redrawn.
    changed = discord.click(copy, "Funding")
    assert changed.type in (5, 7)  # her copy updated in place (slow: deferred, then edited)
    assert "✓ **Funding**" in changed.text
    assert "✓ **Anti-racism**" not in changed.text
    assert "✓ **Funding**" in message(fake.dms_to(fake.member_id)[-1]).text
    assert poll_counts(discord) == [0, 1]
    # The old copy (a replay) and a second click on the post change nothing.
    assert "out of date" in discord.click(copy, "Anti-racism").text
    assert "voted in this poll already" in discord.click(message(post), "Anti-racism").text
    assert "without your name" in discord.click(message(post), "Funding", user=BEA).text
    tick(clock, runner)
    assert poll_counts(discord) == [0, 2]
    [post] = fake.messages_in(fake.channel_id)
    assert "▓▓▓▓▓▓▓▓▓▓ 2 (100%)" in message(post).text

    # It closes on the clock: the final result is posted once, the post keeps no buttons.
    clock.set(closes.replace(hour=17, minute=1))
    runner.run_pending()
    tick(clock, runner)
    tick(clock, runner)
    posts = [message(p) for p in fake.messages_in(fake.channel_id)]
    assert len(posts) == 2  # the poll, edited, and the result
    assert all("Final result" in p.text and "2 (100%)" in p.text for p in posts)
    assert all(not p.body["components"] for p in posts)
    assert all(not message_errors(p.body) for p in posts)
    # Chidi's window still shows the buttons from before it closed.
    assert "closed" in discord.click(message(post), "Anti-racism", user=CHIDI).text
    assert poll_counts(discord) == [0, 2]


def outbox_rows(discord: DiscordHarness) -> int:
    with unit_of_work(discord.runtime.session_factory) as session:
        return len(session.scalars(select(OutboxMessage.id)).all())


def next_tuesday_evening(now: datetime) -> datetime:
    day = now.astimezone(LONDON).date()
    day += timedelta(days=(1 - day.weekday()) % 7 or 7)
    return datetime.combine(day, time(18, 0), tzinfo=LONDON)


def test_a_catch_up_by_dm_to_everyone_who_missed_last_tuesday(
    world: World, clock: FakeClock
) -> None:
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    went, apologised, silent = [fake.member_id, BEA], CHIDI, [DAWIT, EFE]
    turned_off, left = FARAH, GUS
    members = [*went, apologised, *silent, turned_off, left]
    join_all(discord, [facilitator, *members])
    session_at = next_tuesday_evening(clock.now())
    added = fill_form(
        discord,
        discord.command("session add", user=facilitator),
        {**SESSION, "date": session_at.date().isoformat(), "start_time": "18:00"},
        facilitator,
    )
    assert "Please fix" not in added.text, added.text
    for user in [facilitator, *went]:
        listing = discord.command("sessions", user=user)
        assert "Going" in discord.click(listing, "Going", user=user).text
    listing = discord.command("sessions", user=apologised)
    sorry = discord.click(listing, "Can't make it", user=apologised)
    fill_form(discord, sorry, {"apology": "Sorry, a board meeting."}, apologised)
    with unit_of_work(discord.runtime.session_factory) as session:
        answers = session.scalars(select(SessionRsvp.answer)).all()
        assert sorted(answers) == ["declined", "going", "going", "going"]
        session.execute(
            update(Member)
            .where(Member.platform_user_id == turned_off)
            .values(broadcasts_enabled=False)
        )
        session.execute(update(Member).where(Member.platform_user_id == left).values(status="left"))
        session_id = session.scalars(select(CommunitySession.id)).one()

    # Thursday morning: one form, with "missed session 1" on offer.
    clock.set(session_at + timedelta(days=1, hours=16))  # Thursday 10:00 London
    runner.run_pending()  # the session's reminders and prompt go out first
    before = {user: len(fake.dms_to(user)) for user in [facilitator, *members]}
    form = discord.form(discord.command("broadcast", user=facilitator), user=facilitator)
    assert "Broadcast" in form.body["title"]
    offered = [
        o["value"]
        for c in form.body["components"]
        if c["component"]["custom_id"] == "audience"
        for o in c["component"]["options"]
    ]
    assert f"missed:{session_id}" in offered
    [message_field] = [c for c in form.body["components"] if c["component"]["custom_id"] == "body"]
    # Written on Discord, where *this* is italic: the hint names no platform's markup.
    assert message_field["description"] == "Formatting works: bold, italic, lists and links."
    rows = outbox_rows(discord)
    note = "We missed you on Tuesday. **Three things** from the session & a link: https://example.org/recap"
    values = {"body": note, "audience": [f"missed:{session_id}"], "way": "dm", "when": "now"}
    preview = fill_form(discord, form, values, facilitator)

    # The preview comes first, with the count: the apology and the two who didn't answer;
    # the one who turned DMs off and the one who left are counted, never named.
    assert not message_errors(preview.body, interaction=True)
    assert preview.only_them
    assert "3 people" in preview.text
    assert "1 has left the community" in preview.text
    assert "1 has turned off" in preview.text
    assert outbox_rows(discord) == rows  # a preview sends nothing

    # A test to themself, then Confirm (no second confirmation for 3 people).
    tested = discord.click(preview, "Send a test to me", user=facilitator)
    assert "A test is in your DMs" in tested.text
    assert "Three things" in message(fake.dms_to(facilitator)[-1]).text
    assert outbox_rows(discord) == rows  # the test went straight to them, not to the members
    sent = discord.click(preview, "Confirm", user=facilitator)  # no "are you sure" first
    assert sent.type in (5, 7)  # the preview replaced (slow: answered below it)
    assert "Confirmed: broadcast" in sent.text
    again = discord.click(preview, "Confirm", user=facilitator)  # a second click
    assert "already confirmed" in again.text

    tick(clock, runner)  # the runner sends the DMs through the Discord sender
    got = {user for user in members if len(fake.dms_to(user)) > before[user]}
    assert got == {apologised, *silent}
    for user in got:
        [dm] = fake.dms_to(user)[before[user] :]
        assert not message_errors(dm)
        assert "**Three things** from the session & a link" in message(dm).text

    # The report arrives once the last message is delivered.
    report = message(fake.dms_to(facilitator)[-1])
    assert "3 delivered" in report.text
    assert not message_errors(report.body)
    assert "3 delivered" in discord.command("broadcasts", user=facilitator).text
    with unit_of_work(discord.runtime.session_factory) as session:
        assert session.scalars(select(Broadcast.status)).one() == "done"
        kinds = session.scalars(select(OutboxMessage.kind)).all()
    assert kinds.count("broadcast_dm") == 3  # one each, never doubled by the second click


def placement(discord: DiscordHarness) -> dict[str, int]:
    with unit_of_work(discord.runtime.session_factory) as session:
        rows = session.execute(
            select(Member.platform_user_id, LearningSet.number)
            .join(SetMembership, SetMembership.member_id == Member.id)
            .join(LearningSet, LearningSet.id == SetMembership.set_id)
        ).all()
    return {str(user): int(number) for user, number in rows}


def test_action_learning_sets_each_meet_in_a_private_thread(world: World, clock: FakeClock) -> None:
    """Twelve members from four organisations say (in the join form) that they want a set; a
    facilitator forms sets, gets the preview by DM (nothing sent to anyone), swaps two people,
    confirms once; the welcomes go out through the runner, and, as bots can't open group DMs
    on Discord, each set meets in a private thread of the community channel."""
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    people: dict[str, str] = {}
    for i, organisation in enumerate(TWENTY_THREE[:12]):
        user = fake.add_user(None, f"person{i}", global_name=f"Person {i}")["id"]
        people[user] = organisation
    join_all(discord, [facilitator])
    for user, organisation in people.items():
        name = fake.users[user]["global_name"]
        values = {"organisation": organisation, "org_size": ORGANISATIONS[organisation]}
        done = join(discord, user, display_name=name, languages=["en"], wants_set=True, **values)
        assert "Please fix" not in done.text, done.text
    assert "Only facilitators" in discord.command("sets form", user=next(iter(people))).text
    assert "12 members have said they'd like one" in discord.command("sets", user=facilitator).text

    form = discord.command("sets form", user=facilitator)
    choices = {
        "min_size": "4",
        "max_size": "6",
        "grouping": "mixed",
        "meetings": "6",
        "rhythm_weeks": "4",
        "meeting_minutes": "120",
        "space_kind": "group_dm",
        "advised": False,
    }
    fill_form(discord, form, choices, facilitator)
    preview = message(fake.dms_to(facilitator)[-1])  # the preview comes by DM
    assert not message_errors(preview.body)
    assert "nothing sent" in preview.text
    assert preview.text.count("**Set ") == 3
    assert [c for c in fake.channels.values() if c["type"] == 12] == []
    placed = placement(discord)
    assert sorted(list(placed.values()).count(n) for n in set(placed.values())) == [4, 4, 4]

    # Swapping someone into a set that has a colleague of theirs is refused.
    conflict = next(
        (a, b)
        for a in people
        for b in people
        if placed[a] != placed[b]
        and any(people[o] == people[b] and o != a for o in people if placed[o] == placed[a])
    )
    refused = discord.command(f"sets swap <@{conflict[0]}> <@{conflict[1]}>", user=facilitator)
    assert "same organisation" in refused.text
    assert placement(discord) == placed
    fine = next(
        (a, b)
        for a in people
        for b in people
        if placed[a] < placed[b]
        and not any(people[o] == people[b] for o in people if placed[o] == placed[a] and o != a)
        and not any(people[o] == people[a] for o in people if placed[o] == placed[b] and o != b)
    )
    swapped = discord.command(f"sets swap <@{fine[0]}> <@{fine[1]}>", user=facilitator)
    assert not message_errors(swapped.body, interaction=True)
    assert placement(discord)[fine[0]] == placed[fine[1]]
    placed = placement(discord)

    confirmed = discord.click(preview, "Confirm and create the sets", user=facilitator)
    assert "Cycle 1 has started" in confirmed.text
    again = discord.click(preview, "Confirm and create the sets", user=facilitator)
    assert "already been created" in again.text

    tick(clock, runner)  # the welcomes go out through the Discord sender
    threads = [c for c in fake.channels.values() if c["type"] == 12]  # private threads
    assert len(threads) == 3
    with unit_of_work(discord.runtime.session_factory) as session:
        spaces = {s.number: s.space_id for s in session.scalars(select(LearningSet))}
    assert sorted(spaces.values()) == sorted(t["id"] for t in threads)  # each set's space kept
    for number, thread in spaces.items():
        assert fake.channels[thread]["parent_id"] == fake.channel_id
        inside = set(fake.thread_members[thread]) - {fake.application_id}  # and the bot
        assert inside == {user for user, n in placed.items() if n == number}
        assert len({people[u] for u in inside}) == len(inside)  # never two colleagues
        [welcome] = fake.messages_in(thread)
        assert not message_errors(welcome)
        shown = message(welcome).text
        assert "How a meeting runs" in shown
        assert "questions, not advice" in shown
        assert "Who presents, in turn" in shown

    # The welcome's button works from the thread: the set votes on a time.
    thread = spaces[1]
    someone = next(user for user, n in placed.items() if n == 1)
    [welcome] = fake.messages_in(thread)
    picked = discord.click(message(welcome), "Pick our meeting time", user=someone)
    assert "When shall your set meet?" in picked.text


def test_the_programme_report_arrives_as_a_file_in_the_facilitators_dm(
    world: World, clock: FakeClock
) -> None:
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    join_all(discord, [facilitator, fake.member_id, BEA])
    session_at = next_tuesday_evening(clock.now())
    values = {**SESSION, "date": session_at.date().isoformat(), "start_time": "18:00"}
    fill_form(discord, discord.command("session add", user=facilitator), values, facilitator)
    discord.click(discord.command("sessions"), "Going")
    clock.set(session_at + timedelta(days=2))
    runner.run_pending()  # the session has happened: reminders, the prompt, the catch-ups
    day = local(clock.now(), "Europe/London").date()
    first = day - timedelta(days=10)

    refused = discord.command(f"report {first} {day}", user=BEA)
    assert "Only facilitators can do that" in refused.text
    assert all(not m["attachments"] for m in fake.dms_to(BEA))
    unreadable = discord.command(f"report {first} tomorrow", user=facilitator)
    assert "tomorrow isn't a date I can read" in unreadable.text

    dms = len(fake.dms_to(facilitator))
    asked = discord.command(f"report {first} {day}", user=facilitator)
    assert asked.only_them  # only they see it
    assert "sent you the programme report as a file in our DM" in asked.text
    [sent] = fake.dms_to(facilitator)[dms:]
    assert sent["content"].startswith("Here is the programme report.")
    [file] = sent["attachments"]
    assert file["filename"] == f"programme-report-{first}-{day}.html"
    assert file["content_type"] == "text/html"
    page = fake.attachment_content(file).decode("utf-8")
    assert '<h2 id="attendance-title">Attendance</h2>' in page
    assert "data:image/png;base64," in page
    assert f"{first.day} {first:%B %Y} to {day.day} {day:%B %Y}" in page  # the period asked
    assert "the community had 3 members" in page
    assert "1. Access to senior positions" in page  # the session, with its one "going"

    # Typed in a DM to the bot: the file comes into that DM, with the sentence.
    dm = fake.open_dm(facilitator)
    posted = len(fake.calls_to("POST", f"/channels/{dm}/messages"))
    fake.user_message(facilitator, f"report {first} {day}", channel_id=dm)
    calls = fake.wait_for("POST", f"/channels/{dm}/messages", count=posted + 2)[posted:]
    upload, said = (c.response for c in calls)
    assert [f["filename"] for f in upload["attachments"]] == [file["filename"]]
    assert "sent you the programme report" in message(said).text


def test_care_shows_a_member_who_drifted_and_a_check_in_reaches_them(
    world: World, clock: FakeClock
) -> None:
    discord, runner = world
    fake = discord.fake
    facilitator = fake.other_member_id
    amina = fake.member_id
    join_all(discord, [facilitator])
    join(discord, amina)
    now = clock.now()
    with unit_of_work(discord.runtime.session_factory) as session:
        community = session.scalars(select(Community)).one()
        member = session.scalars(select(Member).where(Member.platform_user_id == amina)).one()
        member.joined_at = now - timedelta(days=70)
        amina_id = member.id
        for number, days_ago in ((1, 40), (2, 12)):
            session.add(
                CommunitySession(
                    community_id=community.id,
                    number=number,
                    title=f"Session {number}",
                    starts_at=now - timedelta(days=days_ago),
                    duration_minutes=90,
                    location="https://meet.example.org/cop",
                    created_at=now - timedelta(days=60),
                    updated_at=now - timedelta(days=60),
                )
            )
    listed = discord.command("care", user=facilitator)
    assert not message_errors(listed.body, interaction=True)
    assert listed.only_them  # only the facilitator sees the list
    assert "**Amina Yusuf**: missed the last 2 sessions without a reply" in listed.text
    before = counts(discord)
    assert "Only facilitators can do that" in discord.command("care").text
    assert counts(discord) == before

    clicked = discord.click(listed, "Send a check-in", user=facilitator)
    form = discord.form(clicked, user=facilitator)
    assert form.type == MODAL
    [body] = [c["component"] for c in form.body["components"]]
    assert "pause Catalyst for a month or two" in body["value"]  # a draft to start from
    sent = fill_form(discord, form, {"body": "Hi Amina, thinking of you."}, facilitator)
    assert "Amina Yusuf gets your message by DM" in sent.text

    tick(clock, runner)  # the check-in goes through the outbox and the Discord sender
    [checkin] = [m for m in fake.dms_to(amina) if "thinking of you" in message(m).text]
    assert not message_errors(checkin)
    assert "A message from Bob Member" in message(checkin).text
    for label in ("Pause for 1 month", "Only session reminders", "I'm fine, thanks"):
        assert label in message(checkin).text  # its buttons
    paused = discord.click(message(checkin), "Pause for 2 months")  # clicked in her DM
    assert "Paused until" in paused.text
    with unit_of_work(discord.runtime.session_factory) as session:
        member = session.get(Member, amina_id)
        assert member is not None
        assert member.paused_until is not None
        assert member.paused_until > clock.now() + timedelta(days=55)
        [stored] = session.scalars(select(CareCheckin))
        assert stored.answer == "pause"
    assert "Nobody seems to be drifting" in discord.command("care", user=facilitator).text
