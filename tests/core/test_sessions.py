"""Sessions: the rules for adding, editing and cancelling, reminders planned on DST days,
answers, counts, and the calendar file."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities, privacy
from core.config import Settings
from core.db import unit_of_work
from core.delivery.models import ItemStatus, OutboxMessage, OutboxStatus, ScheduledItem
from core.delivery.outbox import Outgoing, enqueue
from core.errors import InvalidInput, UserError
from core.membership import service as membership
from core.models import Community, Member
from core.sessions import calendar as calendar
from core.sessions import checks as session_input
from core.sessions import service as sessions
from core.sessions.checks import SessionDraft
from core.sessions.models import (
    CommunitySession,
    RsvpAnswer,
    SessionItemKind,
    SessionRsvp,
    SessionStatus,
)
from core.ui import notice
from tests.core.drafts import draft as profile_draft

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)

GOOD = SessionDraft(
    title="Power and positionality in our organisations",
    theme="Power and positionality",
    date="2026-02-12",
    start_time="10:00",
    duration="90",
    location="https://zoom.us/j/123456",
    description="Read the two-page piece on positional power.",
)


def draft(**changes: str | None) -> SessionDraft:
    return dataclasses.replace(GOOD, **changes)


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session) -> Community:
    return communities.get_or_create(session, "slack", "T0001", timezone="Europe/London", now=NOW)


def plain_community(timezone: str = "Europe/London") -> Community:
    return communities.Community(
        platform="slack", external_id="T0", timezone=timezone, themes=["Power and positionality"]
    )


def field_errors(candidate: SessionDraft, now: datetime = NOW) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        session_input.check(candidate, plain_community(), now)
    return raised.value.errors


def add_member(session: Session, community: Community, user_id: str, tz: str) -> Member:
    profile = membership.check_profile(profile_draft(timezone=tz), community, joining=True)
    member, _ = membership.join(session, community, user_id, profile, NOW)
    return member


def create(
    session: Session, community: Community, settings: Settings, now: datetime = NOW, **changes: str
) -> CommunitySession:
    return sessions.create(session, community, settings, draft(**changes), now)


def items(session: Session, cs: CommunitySession, status: ItemStatus) -> list[ScheduledItem]:
    return list(
        session.scalars(
            select(ScheduledItem)
            .where(
                ScheduledItem.session_id == cs.id,
                ScheduledItem.kind == SessionItemKind.REMINDER.value,
                ScheduledItem.status == status.value,
            )
            .order_by(ScheduledItem.due_at)
        )
    )


# ---- checking ---------------------------------------------------------------------------------


def test_a_good_draft_is_read_in_the_community_timezone() -> None:
    details = session_input.check(GOOD, plain_community(), NOW)
    assert details.starts_at == datetime(2026, 2, 12, 10, 0, tzinfo=UTC)  # GMT in February
    assert details.duration_minutes == 90
    assert details.theme == "Power and positionality"
    assert details.reminder_offsets is None
    summer = session_input.check(draft(date="2026-06-11"), plain_community(), NOW)
    assert summer.starts_at == datetime(2026, 6, 11, 9, 0, tzinfo=UTC)  # BST
    bogota = session_input.check(GOOD, plain_community("America/Bogota"), NOW)
    assert bogota.starts_at == datetime(2026, 2, 12, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"date": "2026-01-09"}, "date", "in the past"),
        ({"date": "2026-01-10", "start_time": "11:30"}, "start_time", "in the past"),
        ({"date": "2031-01-01"}, "date", "two years"),
        ({"date": "next thursday"}, "date", "YYYY-MM-DD"),
        ({"date": ""}, "date", "choose the date"),
        ({"start_time": "25:00"}, "start_time", "HH:MM"),
        ({"start_time": None}, "start_time", "start time"),
        ({"title": "x" * 3000}, "title", "150 characters"),
        ({"title": "   "}, "title", "title"),
        ({"theme": "Astrology"}, "theme", "from the list"),
        ({"duration": "10"}, "duration", "15 to 480"),
        ({"duration": "481"}, "duration", "15 to 480"),
        ({"duration": "ninety"}, "duration", "whole minutes"),
        ({"location": ""}, "location", "joining link"),
        ({"location": "https://"}, "location", "https://"),
        ({"location": "htps//zoom"}, "location", None),  # no scheme: a place name, accepted
        ({"location": "ftp://files.example.org/x"}, "location", "https://"),
        ({"location": "https://zoom.us/j/1 passcode 42"}, "location", "just the link"),
        ({"location": "x" * 501}, "location", "500"),
        ({"description": "y" * 2501}, "description", "2,500"),
        ({"reminder_offsets": "7x"}, "reminder_offsets", "'7x' isn't a reminder time"),
        ({"reminder_offsets": "100d"}, "reminder_offsets", "60 days"),
    ],
)
def test_bad_input_gets_a_sentence_on_its_field(
    changes: dict[str, str | None], field: str, words: str | None
) -> None:
    if words is None:
        details = session_input.check(draft(**changes), plain_community(), NOW)
        assert details.location == "htps//zoom"
        return
    errors = field_errors(draft(**changes))
    assert set(errors) == {field}
    assert words in errors[field]
    assert errors[field].endswith(".")


def test_every_problem_is_reported_at_once() -> None:
    errors = field_errors(draft(title="", date="2020-01-01", location="", duration="0"))
    assert set(errors) == {"title", "date", "location", "duration"}


def test_text_is_tidied_and_links_and_offsets_normalised() -> None:
    details = session_input.check(
        draft(
            title="  Power\n and   <!channel>\u202e ",
            location="www.example.org/meet",
            description="Line one\r\n\r\n\r\n\r\nLine two\x07",
            reminder_offsets="1h, 7d,1D",
        ),
        plain_community(),
        NOW,
    )
    assert details.title == "Power and <!channel>"  # escaping is the renderer's job
    assert details.location == "https://www.example.org/meet"
    assert details.description == "Line one\n\nLine two"
    assert details.reminder_offsets == "7d,1d,1h"


def test_a_place_name_is_a_location_too() -> None:
    details = session_input.check(
        draft(location="Migrant Hub, 12 High Street, Leeds"), plain_community(), NOW
    )
    assert details.location == "Migrant Hub, 12 High Street, Leeds"
    assert not session_input.is_link(details.location)


def test_a_time_the_clocks_skip_does_not_exist() -> None:
    errors = field_errors(draft(date="2026-03-29", start_time="01:30"))
    assert set(errors) == {"start_time"}
    assert "There's no 01:30 on Sunday 29 March in Europe/London" in errors["start_time"]
    assert "clocks go forward" in errors["start_time"]
    assert "02:30" in errors["start_time"]


def test_a_repeated_time_means_the_first_one() -> None:
    details = session_input.check(
        draft(date="2026-10-25", start_time="01:30"), plain_community(), NOW
    )
    # 01:30 BST (the first 01:30 that night) is 00:30 UTC; the second would be 01:30 UTC.
    assert details.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


# ---- creating and planning ---------------------------------------------------------------------


def test_sessions_are_numbered_per_community(
    session: Session, community: Community, settings: Settings
) -> None:
    first = create(session, community, settings)
    second = create(session, community, settings, date="2026-03-12")
    other = communities.get_or_create(session, "slack", "T0002", timezone="Asia/Amman", now=NOW)
    elsewhere = create(session, other, settings)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert sessions.by_number(session, community, 2) is second
    assert sessions.by_number(session, community, 9) is None
    assert sessions.by_id(session, community, elsewhere.id) is None  # not across communities


@pytest.mark.parametrize(
    ("day", "week_before", "day_before", "hour_before"),
    [
        # Clocks go forward on 29 March: 10:00 BST is 09:00 UTC. Whole days count in
        # wall-clock time, so the week and day before are at 10:00 GMT (10:00 UTC).
        (
            "2026-03-29",
            datetime(2026, 3, 22, 10, 0, tzinfo=UTC),
            datetime(2026, 3, 28, 10, 0, tzinfo=UTC),
            datetime(2026, 3, 29, 8, 0, tzinfo=UTC),
        ),
        # Clocks go back on 25 October: 10:00 GMT is 10:00 UTC; the days before were BST.
        (
            "2026-10-25",
            datetime(2026, 10, 18, 9, 0, tzinfo=UTC),
            datetime(2026, 10, 24, 9, 0, tzinfo=UTC),
            datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_reminders_on_the_days_the_clocks_change(
    session: Session,
    community: Community,
    settings: Settings,
    day: str,
    week_before: datetime,
    day_before: datetime,
    hour_before: datetime,
) -> None:
    cs = create(session, community, settings, date=day, start_time="10:00")
    due = [item.due_at for item in items(session, cs, ItemStatus.PENDING)]
    # Each reminder at 10:00 London time (or an hour before the start), whatever the clocks did.
    assert due == [week_before, day_before, hour_before]


def test_per_session_offsets_override_the_default(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings, reminder_offsets="2d, 10m")
    offsets = [item.offset_minutes for item in items(session, cs, ItemStatus.PENDING)]
    assert offsets == [2880, 10]


def test_a_session_two_hours_away_gets_only_the_hour_before_reminder(
    session: Session, community: Community, settings: Settings
) -> None:
    now = datetime(2026, 2, 12, 8, 0, tzinfo=UTC)
    cs = create(session, community, settings, now=now)  # 10:00 GMT, two hours on
    [only] = items(session, cs, ItemStatus.PENDING)
    assert only.offset_minutes == 60
    assert only.due_at == datetime(2026, 2, 12, 9, 0, tzinfo=UTC)


# ---- editing ---------------------------------------------------------------------------------


def test_moving_a_session_moves_its_reminders_and_tells_those_coming(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    amina = add_member(session, community, "U0AMINA", "Europe/London")
    sam = add_member(session, community, "U0SAM", "America/Bogota")
    noor = add_member(session, community, "U0NOOR", "Asia/Amman")
    sessions.rsvp(session, amina, cs, RsvpAnswer.GOING, NOW)
    sessions.rsvp(session, sam, cs, RsvpAnswer.DECLINED, NOW)
    sessions.rsvp(session, noor, cs, RsvpAnswer.MAYBE, NOW)
    old = {item.key for item in items(session, cs, ItemStatus.PENDING)}
    queued = Outgoing(
        key="reminder:old-time:m1",
        kind="reminder",
        recipient="U0AMINA",
        message=notice("Coming up at the old time"),
        due_at=NOW,
        member_id=amina.id,
        session_id=cs.id,
    )
    enqueue(session, community.id, [queued], NOW)

    edited = sessions.edit(
        session, community, settings, cs, draft(date="2026-02-19", start_time="14:00"), NOW
    )

    assert edited.moved
    assert edited.told == 2
    assert cs.starts_at == datetime(2026, 2, 19, 14, 0, tzinfo=UTC)
    assert {item.key for item in items(session, cs, ItemStatus.CANCELLED)} == old
    new = items(session, cs, ItemStatus.PENDING)
    assert [item.due_at for item in new] == [
        datetime(2026, 2, 12, 14, 0, tzinfo=UTC),
        datetime(2026, 2, 18, 14, 0, tzinfo=UTC),
        datetime(2026, 2, 19, 13, 0, tzinfo=UTC),
    ]
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "session_moved"))
    assert sorted((row.recipient, row.status) for row in told) == [
        ("U0AMINA", OutboxStatus.PENDING.value),
        ("U0NOOR", OutboxStatus.PENDING.value),
    ]
    stale = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).one()
    assert stale.status == OutboxStatus.CANCELLED.value


def test_an_edit_that_keeps_the_time_tells_nobody(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    member = add_member(session, community, "U0AMINA", "Europe/London")
    sessions.rsvp(session, member, cs, RsvpAnswer.GOING, NOW)
    before = {item.key for item in items(session, cs, ItemStatus.PENDING)}
    edited = sessions.edit(session, community, settings, cs, draft(title="New title"), NOW)
    assert (edited.moved, edited.told, cs.title) == (False, 0, "New title")
    assert {item.key for item in items(session, cs, ItemStatus.PENDING)} == before
    assert cs.updated_at == NOW


def test_a_session_under_way_can_be_fixed_but_not_moved_into_the_past(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    during = datetime(2026, 2, 12, 10, 30, tzinfo=UTC)
    sessions.edit(session, community, settings, cs, draft(description="Typo fixed"), during)
    assert cs.description == "Typo fixed"
    with pytest.raises(InvalidInput) as raised:
        sessions.edit(session, community, settings, cs, draft(start_time="09:00"), during)
    assert "in the past" in raised.value.errors["start_time"]
    after = datetime(2026, 2, 12, 12, 0, tzinfo=UTC)
    with pytest.raises(UserError, match="already finished"):
        sessions.edit(session, community, settings, cs, draft(), after)


# ---- cancelling --------------------------------------------------------------------------------


def test_cancelling_stops_reminders_and_tells_only_those_going_or_maybe(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    members = {
        answer: add_member(session, community, f"U0{answer.value.upper()}", "Europe/London")
        for answer in RsvpAnswer
    }
    silent = add_member(session, community, "U0SILENT", "Europe/London")
    for answer, member in members.items():
        sessions.rsvp(session, member, cs, answer, NOW)
    # A reminder already queued for someone must not go out after the cancellation.
    enqueue(
        session,
        community.id,
        [
            Outgoing(
                key="reminder:x:m1",
                kind="reminder",
                recipient=silent.platform_user_id,
                message=notice("soon"),
                due_at=NOW + timedelta(minutes=5),
                member_id=silent.id,
                session_id=cs.id,
            )
        ],
        NOW,
    )

    told = sessions.cancel(session, community, settings, cs, NOW)

    assert told == 2
    assert cs.status == SessionStatus.CANCELLED.value
    assert items(session, cs, ItemStatus.PENDING) == []
    assert len(items(session, cs, ItemStatus.CANCELLED)) == 3
    rows = {row.key: row for row in session.scalars(select(OutboxMessage))}
    assert rows["reminder:x:m1"].status == OutboxStatus.CANCELLED.value
    going, maybe = members[RsvpAnswer.GOING], members[RsvpAnswer.MAYBE]
    news = [rows[f"cancel:{cs.id}:m{going.id}"], rows[f"cancel:{cs.id}:m{maybe.id}"]]
    assert [row.status for row in news] == [OutboxStatus.PENDING.value] * 2
    assert all(row.due_at == NOW and row.session_id == cs.id for row in news)
    assert "has been cancelled" in news[0].payload["summary"]
    assert len(rows) == 3  # nothing for the one who declined or the one who didn't answer
    assert sessions.upcoming(session, community, NOW) == []
    with pytest.raises(UserError, match="already cancelled"):
        sessions.cancel(session, community, settings, cs, NOW)


def test_a_session_that_started_cannot_be_cancelled(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    with pytest.raises(UserError, match="already started"):
        sessions.cancel(session, community, settings, cs, datetime(2026, 2, 12, 10, 1, tzinfo=UTC))


# ---- listing and answers -------------------------------------------------------------------------


def test_upcoming_lists_scheduled_sessions_not_yet_over_soonest_first(
    session: Session, community: Community, settings: Settings
) -> None:
    later = create(session, community, settings, date="2026-03-12")
    sooner = create(session, community, settings, date="2026-02-12")
    gone = create(session, community, settings, date="2026-02-19")
    sessions.cancel(session, community, settings, gone, NOW)
    assert sessions.upcoming(session, community, NOW) == [sooner, later]
    during = datetime(2026, 2, 12, 11, 0, tzinfo=UTC)  # under way: still listed
    assert sessions.upcoming(session, community, during) == [sooner, later]
    assert sessions.next_session(session, community, during) is sooner
    over = datetime(2026, 2, 12, 11, 30, tzinfo=UTC)
    assert sessions.upcoming(session, community, over) == [later]


def test_an_answer_is_one_row_that_changes(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    member = add_member(session, community, "U0AMINA", "Europe/London")
    sessions.rsvp(
        session, member, cs, RsvpAnswer.DECLINED, NOW, wants_recap=True, apology=" Sorry! "
    )
    later = NOW + timedelta(hours=1)
    row = sessions.rsvp(session, member, cs, RsvpAnswer.GOING, later)
    rows = list(session.scalars(select(SessionRsvp)))
    assert rows == [row]
    assert (row.answer, row.wants_recap, row.apology, row.answered_at) == (
        "going",
        False,
        None,
        later,
    )
    row = sessions.rsvp(session, member, cs, RsvpAnswer.DECLINED, later, apology="Clash")
    assert (row.answer, row.apology, row.wants_recap) == ("declined", "Clash", False)
    assert sessions.answers(session, member, [cs]) == {cs.id: "declined"}


def test_answers_are_refused_for_cancelled_or_finished_sessions(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    member = add_member(session, community, "U0AMINA", "Europe/London")
    with pytest.raises(UserError, match="already finished"):
        sessions.rsvp(session, member, cs, RsvpAnswer.GOING, datetime(2026, 3, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput) as raised:
        sessions.rsvp(session, member, cs, RsvpAnswer.DECLINED, NOW, apology="z" * 501)
    assert set(raised.value.errors) == {"apology"}
    sessions.cancel(session, community, settings, cs, NOW)
    with pytest.raises(UserError, match="cancelled"):
        sessions.rsvp(session, member, cs, RsvpAnswer.GOING, NOW)
    assert list(session.scalars(select(SessionRsvp))) == []


def test_counts_include_only_active_members(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    people = [add_member(session, community, f"U0P{i}", "Europe/London") for i in range(5)]
    answers = [RsvpAnswer.GOING, RsvpAnswer.GOING, RsvpAnswer.MAYBE, RsvpAnswer.DECLINED]
    for person, answer in zip(people, answers, strict=False):
        sessions.rsvp(session, person, cs, answer, NOW)
    membership.leave(session, people[0], NOW)
    assert sessions.counts(session, cs) == sessions.RsvpCounts(going=1, maybe=1, declined=1)


def test_my_data_holds_the_answers_and_apologies(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings)
    member = add_member(session, community, "U0AMINA", "Europe/London")
    sessions.rsvp(
        session, member, cs, RsvpAnswer.DECLINED, NOW, wants_recap=True, apology="Court hearing"
    )
    [held] = privacy.personal_data(session, member)["sessions"]["answers"]
    assert held["answer"] == "declined"
    assert held["title"].startswith("Power and positionality")
    assert held["wants_recap"] is True
    assert held["apology_note"] == "Court hearing"
    privacy.forget(session, member, NOW)
    assert list(session.scalars(select(SessionRsvp))) == []


# ---- calendar ----------------------------------------------------------------------------------


def test_the_calendar_file_parses_back_with_the_right_times(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings, date="2026-03-29", start_time="10:00")
    parsed = Calendar.from_ical(calendar.session_ics(cs, NOW))
    assert str(parsed["method"]) == "PUBLISH"
    [event] = parsed.walk("VEVENT")
    assert str(event["uid"]) == f"session-{cs.id}@catalyst"
    assert event.decoded("dtstart") == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 3, 29, 10, 30, tzinfo=UTC)
    assert str(event["summary"]) == cs.title
    assert str(event["location"]) == "https://zoom.us/j/123456"
    assert str(event["url"]) == "https://zoom.us/j/123456"
    assert "positional power" in str(event["description"])
    assert str(event["status"]) == "CONFIRMED"
    assert int(event["sequence"]) == 0


def test_an_edited_then_cancelled_session_bumps_its_sequence(
    session: Session, community: Community, settings: Settings
) -> None:
    cs = create(session, community, settings, location="Migrant Hub, Leeds")
    sessions.edit(
        session,
        community,
        settings,
        cs,
        draft(location="Migrant Hub, Leeds", title="Moved"),
        NOW + timedelta(minutes=5),
    )
    first = Calendar.from_ical(calendar.session_ics(cs, NOW)).walk("VEVENT")[0]
    assert "url" not in first
    sessions.cancel(session, community, settings, cs, NOW + timedelta(minutes=9))
    second = Calendar.from_ical(calendar.session_ics(cs, NOW)).walk("VEVENT")[0]
    assert int(second["sequence"]) > int(first["sequence"]) > 0
    assert str(second["status"]) == "CANCELLED"
    assert str(second["uid"]) == str(first["uid"])


def test_a_feed_holds_every_session(
    session: Session, community: Community, settings: Settings
) -> None:
    made = [create(session, community, settings, date=d) for d in ("2026-02-12", "2026-03-12")]
    parsed = Calendar.from_ical(calendar.feed_ics(made, NOW, name="Our CoP", language="en"))
    assert str(parsed["x-wr-calname"]) == "Our CoP"
    assert [str(e["uid"]) for e in parsed.walk("VEVENT")] == [calendar.uid(cs) for cs in made]
