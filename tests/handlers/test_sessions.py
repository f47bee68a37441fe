"""Sessions through the dispatcher: the facilitator's form, the member's list and buttons,
cancelling, the calendar file and the home page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.wiring import Runtime
from core.clock import FakeClock
from core.context import Caller
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.sessions import buttons as action_ids
from core.sessions.models import CommunitySession, SessionRsvp
from core.ui import (
    DirectMessage,
    FieldValue,
    FormErrors,
    HomePage,
    Message,
    OpenForm,
    RefreshHome,
    Section,
    SendFile,
)
from core.ui_codec import message_from_json
from handlers.dispatch import Dispatcher
from tests.conftest import table_counts
from tests.handlers.plain import buttons, message_text, one, page_text, said
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)
AMINA = caller("U0AMINA")
SAM = caller("U0SAM")
NOOR = caller("U0NOOR")


def join(dispatcher: Dispatcher, who: Caller, timezone: str = "Europe/London") -> None:
    values = profile_values(display_name=who.user_id, timezone=timezone)
    one(dispatcher.submit(who, "membership.join", values, ""), DirectMessage)


def session_values(**changes: FieldValue) -> dict[str, FieldValue]:
    values: dict[str, FieldValue] = {
        "title": "Lived experience leadership",
        "theme": "Lived experience leadership",
        "date": "2026-12-03",
        "start_time": "10:00",
        "duration": "90",
        "location": "https://zoom.us/j/98765",
        "description": "Bring one example from your own organisation.",
        "reminder_offsets": None,
        "reflection_prompt": None,
    }
    values.update(changes)
    return values


def add_session(dispatcher: Dispatcher, **changes: FieldValue) -> Message:
    replies = dispatcher.submit(FACILITATOR, "session.add", session_values(**changes), "")
    one(replies, RefreshHome)
    return one(replies, DirectMessage).message


def stored(runtime: Runtime) -> list[CommunitySession]:
    with unit_of_work(runtime.session_factory) as session:
        return list(session.scalars(select(CommunitySession).order_by(CommunitySession.number)))


def rsvps(runtime: Runtime) -> list[tuple[str, bool, str | None]]:
    with unit_of_work(runtime.session_factory) as session:
        return [
            (row.answer, row.wants_recap, row.apology)
            for row in session.scalars(select(SessionRsvp))
        ]


def listing(dispatcher: Dispatcher, who: Caller = AMINA) -> Message:
    return one(dispatcher.command(who, "sessions"), Message)


def home(dispatcher: Dispatcher, who: Caller) -> HomePage:
    page = dispatcher.home(who)
    assert page is not None
    return page


# ---- facilitators: adding ---------------------------------------------------------------------


def test_session_add_opens_the_form_with_the_community_defaults(dispatcher: Dispatcher) -> None:
    form = one(dispatcher.command(FACILITATOR, "session add"), OpenForm).form
    assert form.form_id == "session.add"
    fields = {f.name: f for f in form.fields}
    assert list(fields) == [
        "title",
        "theme",
        "date",
        "start_time",
        "duration",
        "location",
        "description",
        "reminder_offsets",
        "reflection_prompt",
    ]
    assert fields["duration"].initial == "90"
    assert "7d,1d,1h" in (fields["reminder_offsets"].hint or "")
    assert "Europe/London" in (fields["start_time"].hint or "")
    assert not fields["theme"].required
    assert not fields["reflection_prompt"].required


def test_members_cannot_add_sessions(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    assert "Only facilitators" in said(dispatcher.command(AMINA, "session add"))
    replies = dispatcher.submit(AMINA, "session.add", session_values(), "")
    assert "Only facilitators" in said(replies)


def test_adding_a_session_confirms_with_its_number_and_reminders(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    shown = message_text(add_session(dispatcher))
    assert "Session 1 is added: Lived experience leadership" in shown
    assert "Thursday 3 December, 10:00–11:30 (Europe/London)" in shown
    assert "Reminders go out 7 days, 1 day and 1 hour before." in shown
    [cs] = stored(runtime)
    assert cs.starts_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def test_a_bad_form_keeps_it_open_and_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    dispatcher.command(FACILITATOR, "help")  # the community exists before counting
    before = table_counts(runtime)
    replies = dispatcher.submit(
        FACILITATOR,
        "session.add",
        session_values(
            title="t" * 3000, date="2026-01-01", location="https://nowhere", reminder_offsets="7x"
        ),
        "",
    )
    errors = one(replies, FormErrors).errors
    assert set(errors) == {"title", "date", "location", "reminder_offsets"}
    assert table_counts(runtime) == before


def test_no_theme_is_a_choice(dispatcher: Dispatcher, runtime: Runtime) -> None:
    add_session(dispatcher, theme="_none")
    assert stored(runtime)[0].theme is None


# ---- members: the list ------------------------------------------------------------------------


def test_nothing_upcoming_gets_a_friendly_sentence(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    assert "Nothing is planned just yet" in said(dispatcher.command(AMINA, "sessions"))


def test_each_member_sees_the_time_in_their_own_timezone(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA, "Europe/London")
    join(dispatcher, SAM, "America/Bogota")
    join(dispatcher, NOOR, "Asia/Amman")
    add_session(dispatcher)
    assert "Thursday 3 December, 10:00–11:30 (Europe/London)" in message_text(listing(dispatcher))
    assert "Thursday 3 December, 05:00–06:30 (America/Bogota)" in message_text(
        listing(dispatcher, SAM)
    )
    assert "Thursday 3 December, 13:00–14:30 (Asia/Amman)" in message_text(
        listing(dispatcher, NOOR)
    )


def test_the_list_has_one_click_answers_carrying_the_session_id(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher)
    add_session(dispatcher, date="2027-01-14", title="Power")
    message = listing(dispatcher)
    ids = [cs.id for cs in stored(runtime)]
    assert [(b.label, b.action_id, b.value) for b in buttons(message)] == [
        (label, action, str(session_id))
        for session_id in ids
        for label, action in (
            ("Going", action_ids.RSVP_GOING),
            ("Maybe", action_ids.RSVP_MAYBE),
            ("Can't make it", action_ids.RSVP_DECLINE),
            ("Add to calendar", action_ids.SESSION_CALENDAR),
        )
    ]
    shown = message_text(message)
    assert shown.index("Lived experience leadership") < shown.index("Power")
    assert "Can you make it?" in shown


def test_strangers_are_asked_to_join_first(dispatcher: Dispatcher) -> None:
    add_session(dispatcher)
    assert "haven't joined yet" in said(dispatcher.command(AMINA, "sessions"))
    assert "haven't joined yet" in said(dispatcher.action(AMINA, action_ids.RSVP_GOING, "1"))


# ---- members: answering ------------------------------------------------------------------------


def test_going_replaces_the_message_and_is_marked_in_the_list(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher)
    session_id = str(stored(runtime)[0].id)
    replies = dispatcher.action(AMINA, action_ids.RSVP_GOING, session_id)
    one(replies, RefreshHome)
    confirmation = one(replies, Message)
    assert confirmation.replace_original
    shown = message_text(confirmation)
    assert "You're going to Lived experience leadership" in shown
    assert "https://zoom.us/j/98765" in shown
    assert "Bring one example" in shown
    assert "I'll remind you 7 days, 1 day and 1 hour before." in shown
    assert rsvps(runtime) == [("going", False, None)]
    listed = listing(dispatcher)
    assert [b.label for b in buttons(listed)][:3] == ["✓ Going", "Maybe", "Can't make it"]
    assert "Your answer: *Going*" in message_text(listed)


def test_maybe_then_going_keeps_one_answer(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher)
    session_id = str(stored(runtime)[0].id)
    dispatcher.action(AMINA, action_ids.RSVP_MAYBE, session_id)
    assert rsvps(runtime) == [("maybe", False, None)]
    dispatcher.action(AMINA, action_ids.RSVP_GOING, session_id)
    assert rsvps(runtime) == [("going", False, None)]


def test_cant_make_it_asks_one_optional_question_then_records_the_apology(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher)
    session_id = str(stored(runtime)[0].id)
    form = one(dispatcher.action(AMINA, action_ids.RSVP_DECLINE, session_id), OpenForm).form
    assert form.form_id == "session.decline"
    assert form.state == session_id
    assert [(f.name, f.required) for f in form.fields] == [
        ("apology", False),
        ("wants_recap", False),
    ]
    assert rsvps(runtime) == []  # nothing recorded until the form is sent
    replies = dispatcher.submit(
        AMINA, "session.decline", {"apology": "Tribunal hearing", "wants_recap": True}, form.state
    )
    shown = message_text(one(replies, DirectMessage).message)
    assert "can't make Lived experience leadership" in shown
    assert "catch-up afterwards" in shown
    assert rsvps(runtime) == [("declined", True, "Tribunal hearing")]


def test_an_overlong_apology_keeps_the_form_open(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher)
    session_id = str(stored(runtime)[0].id)
    replies = dispatcher.submit(AMINA, "session.decline", {"apology": "x" * 600}, session_id)
    assert set(one(replies, FormErrors).errors) == {"apology"}
    assert rsvps(runtime) == []


def test_the_calendar_button_sends_an_ics_file(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher)
    session_id = str(stored(runtime)[0].id)
    replies = dispatcher.action(AMINA, action_ids.SESSION_CALENDAR, session_id)
    sent = one(replies, SendFile)
    assert sent.filename == "catalyst-session-1.ics"
    [event] = Calendar.from_ical(sent.content).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert "calendar file" in message_text(one(replies, Message))


def test_buttons_on_a_cancelled_or_finished_session_change_nothing(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher)
    add_session(dispatcher, date="2026-12-10")
    first, second = (str(cs.id) for cs in stored(runtime))
    dispatcher.action(FACILITATOR, "session.cancel", first)
    for action in (action_ids.RSVP_GOING, action_ids.RSVP_DECLINE, action_ids.SESSION_CALENDAR):
        assert "was cancelled" in said(dispatcher.action(AMINA, action, first))
    clock.set(datetime(2026, 12, 11, 12, 0, tzinfo=UTC))
    assert "already happened" in said(dispatcher.action(AMINA, action_ids.RSVP_MAYBE, second))
    assert "no longer exists" in said(dispatcher.action(AMINA, action_ids.RSVP_GOING, "999"))
    assert "no longer exists" in said(dispatcher.action(AMINA, action_ids.RSVP_GOING, "x"))
    assert rsvps(runtime) == []


def test_a_button_cannot_reach_another_communitys_session(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    add_session(dispatcher)
    session_id = str(stored(runtime)[0].id)
    elsewhere = caller("U0AMINA", team="T0OTHER")
    join(dispatcher, elsewhere)
    assert "no longer exists" in said(
        dispatcher.action(elsewhere, action_ids.RSVP_GOING, session_id)
    )
    assert rsvps(runtime) == []


def test_what_facilitators_wrote_is_kept_out_of_the_markup(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher, title="<!channel> *urgent*", location="<https://evil|zoom>")
    message = listing(dispatcher)
    templates = " ".join(b.body.template for b in message.blocks if isinstance(b, Section))
    assert "<!channel>" not in templates
    assert "evil" not in templates
    assert "<!channel> *urgent*" in message_text(message)


# ---- facilitators: edit and cancel ------------------------------------------------------------


@pytest.mark.parametrize("args", ["session edit", "session edit nine", "session cancel 42"])
def test_a_missing_or_unknown_number_lists_the_upcoming_ones(
    dispatcher: Dispatcher, args: str
) -> None:
    add_session(dispatcher)
    add_session(dispatcher, date="2027-01-14")
    shown = said(dispatcher.command(FACILITATOR, args))
    assert "session " in shown
    assert "3` with its number" in shown
    assert "Upcoming: 1 (Thursday 3 December), 2 (Thursday 14 January)." in shown


def test_session_on_its_own_explains_itself(dispatcher: Dispatcher) -> None:
    shown = said(dispatcher.command(FACILITATOR, "session"))
    assert "/cop session add" in shown
    assert "There are no upcoming sessions." in shown


def test_editing_opens_a_prefilled_form_and_moves_the_session(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher, reminder_offsets="2d")
    dispatcher.action(AMINA, action_ids.RSVP_GOING, str(stored(runtime)[0].id))
    form = one(dispatcher.command(FACILITATOR, "session edit #1"), OpenForm).form
    assert (form.form_id, form.state, form.title) == ("session.edit", "1", "Edit session 1")
    initial = {f.name: f.initial for f in form.fields}
    assert initial["date"] == "2026-12-03"
    assert initial["start_time"] == "10:00"
    assert initial["duration"] == "90"
    assert initial["reminder_offsets"] == "2d"
    assert initial["theme"] == "Lived experience leadership"

    values = {**initial, "start_time": "14:30"}
    replies = dispatcher.submit(FACILITATOR, "session.edit", values, form.state)
    shown = message_text(one(replies, DirectMessage).message)
    assert "Session 1 is updated" in shown
    assert "14:30–16:00" in shown
    assert "the one member who said going or maybe is being told" in shown
    assert stored(runtime)[0].starts_at == datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
    with unit_of_work(runtime.session_factory) as session:
        [moved] = session.scalars(select(OutboxMessage)).all()
    assert (moved.kind, moved.recipient) == ("session_moved", "U0AMINA")


def day_after(clock: FakeClock, days: int) -> str:
    return f"{clock.now() + timedelta(days=days):%Y-%m-%d}"


def change_news(runtime: Runtime) -> list[str]:
    """What members going or maybe were told about changes, oldest first."""
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "session_moved")
            .order_by(OutboxMessage.id)
        ).all()
        return [message_text(message_from_json(row.payload)) for row in rows]


def edit_session(dispatcher: Dispatcher, **changes: FieldValue) -> str:
    form = one(dispatcher.command(FACILITATOR, "session edit 1"), OpenForm).form
    values = {**{f.name: f.initial for f in form.fields}, **changes}
    replies = dispatcher.submit(FACILITATOR, "session.edit", values, form.state)
    return message_text(one(replies, DirectMessage).message)


def test_an_edit_tells_those_coming_exactly_what_changed(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher, date=day_after(clock, 10), start_time="10:00", duration="90")
    dispatcher.action(AMINA, action_ids.RSVP_GOING, str(stored(runtime)[0].id))

    confirmation = edit_session(dispatcher, duration="120")
    [length] = change_news(runtime)
    assert "has a new length. It's now" in length
    assert "10:00–12:00" in length
    assert "new time" not in length
    assert "being told it has a new length" in confirmation

    edit_session(dispatcher, start_time="14:00", location="https://meet.example.org/cop")
    both = change_news(runtime)[1]
    assert "has a new time and a new link." in both
    assert "14:00–16:00" in both
    assert "The new link is https://meet.example.org/cop." in both

    confirmation = edit_session(dispatcher, location="Room 4, Mill Street")
    place = change_news(runtime)[2]
    assert "has a new place. It's now at Room 4, Mill Street." in place
    assert "new time" not in place
    assert "Reminders moved" not in confirmation
    assert "being told it has a new place" in confirmation

    edit_session(dispatcher, description="Only the notes change")
    assert len(change_news(runtime)) == 3  # nothing people coming need to hear


def test_cancelling_asks_first_then_tells_those_coming(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    join(dispatcher, SAM)
    add_session(dispatcher)
    session_id = str(stored(runtime)[0].id)
    dispatcher.action(AMINA, action_ids.RSVP_GOING, session_id)
    question = one(dispatcher.command(FACILITATOR, "session cancel 1"), Message)
    assert "Cancel session 1, Lived experience leadership?" in message_text(question)
    assert "the one member who said going or maybe" in message_text(question)
    assert [(b.action_id, b.value, b.style) for b in buttons(question)] == [
        ("session.cancel", session_id, "danger"),
        ("ui.dismiss", "", None),
    ]
    assert stored(runtime)[0].status == "scheduled"  # nothing changes before the click

    replies = dispatcher.action(FACILITATOR, "session.cancel", session_id)
    done = one(replies, Message)
    assert done.replace_original
    assert "is cancelled" in message_text(done)
    assert stored(runtime)[0].status == "cancelled"
    with unit_of_work(runtime.session_factory) as session:
        [news] = session.scalars(select(OutboxMessage)).all()
    assert (news.kind, news.recipient, news.key) == (
        "session_cancelled",
        "U0AMINA",
        f"cancel:{session_id}:m1",
    )
    assert "Only facilitators" in said(dispatcher.action(AMINA, "session.cancel", session_id))
    assert "already cancelled" in said(dispatcher.command(FACILITATOR, "session cancel 1"))
    assert "was cancelled" in said(dispatcher.command(FACILITATOR, "session edit 1"))


# ---- home ----------------------------------------------------------------------------------------


def test_home_shows_the_next_session_and_the_members_answer(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA, "America/Bogota")
    assert "Nothing is planned just yet" in page_text(home(dispatcher, AMINA))
    add_session(dispatcher, date="2027-01-14", title="Later")
    add_session(dispatcher)
    shown = page_text(home(dispatcher, AMINA))
    assert "Next session" in shown
    assert "Thursday 3 December, 05:00–06:30 (America/Bogota)" in shown
    assert "Later" not in shown
    dispatcher.action(AMINA, action_ids.RSVP_GOING, str(stored(runtime)[1].id))
    shown = page_text(home(dispatcher, AMINA))
    assert "Your answer: *Going*" in shown
    assert "✓ Going" in shown
    clock.advance(timedelta(days=11))  # the first is over: the next one moves up
    assert "Later" in page_text(home(dispatcher, AMINA))


def test_facilitators_see_who_is_coming_to_the_next_session(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    for who in (AMINA, SAM, NOOR):
        join(dispatcher, who)
    add_session(dispatcher)
    session_id = str(stored(runtime)[0].id)
    dispatcher.action(AMINA, action_ids.RSVP_GOING, session_id)
    dispatcher.action(SAM, action_ids.RSVP_MAYBE, session_id)
    shown = page_text(home(dispatcher, FACILITATOR))
    assert "*Next session (1):* Lived experience leadership, Thursday 3 December" in shown
    assert "Going: 1\nMaybe: 1\nCan't make it: 0\nNo answer yet: 1" in shown
    assert "Members: 3" in shown  # the membership numbers are still there
    assert "Going" not in page_text(home(dispatcher, AMINA)).split("Your profile")[1]


# ---- who's coming -------------------------------------------------------------------------------


def answer_all(dispatcher: Dispatcher, runtime: Runtime) -> str:
    """Amina going, Sam maybe, Noor can't make it with a note, Lena can't without one."""
    lena = caller("U0LENA")
    for who in (AMINA, SAM, NOOR, lena, caller("U0OMAR")):
        join(dispatcher, who)
    session_id = str(stored(runtime)[0].id)
    dispatcher.action(AMINA, action_ids.RSVP_GOING, session_id)
    dispatcher.action(SAM, action_ids.RSVP_MAYBE, session_id)
    for who, note in ((NOOR, "Trustee meeting clash, sorry"), (lena, None)):
        one(dispatcher.action(who, action_ids.RSVP_DECLINE, session_id), OpenForm)
        dispatcher.submit(
            who, "session.decline", {"apology": note, "wants_recap": False}, session_id
        )
    return session_id


@pytest.mark.parametrize("typed", ["session 1", "session #1"])
def test_facilitators_see_who_is_coming_with_the_apology_notes(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock, typed: str
) -> None:
    add_session(dispatcher, date=day_after(clock, 10))
    answer_all(dispatcher, runtime)
    shown = said(dispatcher.command(FACILITATOR, typed))
    assert "Who's coming to session 1, Lived experience leadership" in shown
    assert "*Going (1)*\nU0AMINA" in shown
    assert "*Maybe (1)*\nU0SAM" in shown
    assert "*Can't make it (2)*\n• U0LENA, no note\n• U0NOOR: “Trustee meeting clash, sorry”" in (
        shown
    )
    assert "Not answered yet: 1." in shown  # Omar


def test_only_facilitators_see_who_is_coming_and_the_notes(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    add_session(dispatcher, date=day_after(clock, 10))
    session_id = answer_all(dispatcher, runtime)
    for reply in (
        dispatcher.command(AMINA, "session 1"),
        dispatcher.action(AMINA, "session.who", session_id),
    ):
        assert "Only facilitators" in said(reply)
        assert "Trustee" not in said(reply)
    member_card = listing(dispatcher, AMINA)
    assert "session.who" not in [b.action_id for b in buttons(member_card)]
    assert "Trustee" not in message_text(member_card)
    assert "Trustee" not in page_text(home(dispatcher, AMINA))


def test_the_session_card_has_a_whos_coming_button_for_facilitators(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    add_session(dispatcher, date=day_after(clock, 10))
    session_id = answer_all(dispatcher, runtime)
    facilitator_member = caller("U0FRAN")
    join(dispatcher, facilitator_member)
    dispatcher.command(FACILITATOR, "role grant <@U0FRAN> facilitator")
    card = listing(dispatcher, facilitator_member)
    assert ("session.who", session_id) in [(b.action_id, b.value) for b in buttons(card)]
    shown = said(dispatcher.action(facilitator_member, "session.who", session_id))
    assert "“Trustee meeting clash, sorry”" in shown
    # A facilitator who hasn't joined has no card on Home, so the button is by the counts.
    page = home(dispatcher, FACILITATOR)
    assert "[Who's coming] session.who " + session_id in page_text(page)


# ---- my-data -----------------------------------------------------------------------------------


def test_my_data_reads_as_a_letter_in_the_members_own_time(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA, "America/Bogota")
    add_session(dispatcher, date=day_after(clock, 10), start_time="15:00")
    session_id = str(stored(runtime)[0].id)
    dispatcher.action(AMINA, action_ids.RSVP_DECLINE, session_id)
    dispatcher.submit(
        AMINA,
        "session.decline",
        {"apology": "Trustee meeting clash, sorry", "wants_recap": True},
        session_id,
    )
    message = one(dispatcher.command(AMINA, "my-data"), Message)
    shown = message_text(message)
    joined = clock.now().astimezone(ZoneInfo("America/Bogota"))
    day = f"{joined:%A} {joined.day} {joined:%B} {joined.year} at {joined:%H:%M}"
    starts = (clock.now() + timedelta(days=10)).replace(hour=15, minute=0)
    assert (
        f"You agreed to the ground rules and privacy notice on {day} (the version in force "
        "today)." in shown
    )
    assert f"You joined on {day}" in shown
    assert f"{starts:%A} {starts.day} {starts:%B}, 10:00–11:30 (America/Bogota)" in shown
    assert "you said you can't make it, and asked for the recap." in shown
    assert "Your note: “Trustee meeting clash, sorry”." in shown
    assert "The themes you care about: Anti-racism and Lived experience leadership." in shown
    assert "Your languages: English and Arabic." in shown
    for raw in ("+00:00", "T09:30", "UTC", clock.now().isoformat()[:10]):
        assert raw not in shown
    assert "version 1" not in shown.lower()
    assert "[Send me this as a JSON file] privacy.export_json" in shown


def test_my_data_json_is_structured_and_typed(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA)
    add_session(dispatcher, date=day_after(clock, 10))
    session_id = str(stored(runtime)[0].id)
    dispatcher.submit(
        AMINA, "session.decline", {"apology": "Court hearing", "wants_recap": False}, session_id
    )
    sent = one(dispatcher.action(AMINA, "privacy.export_json", ""), SendFile)
    data = json.loads(sent.content)
    profile = data["profile"]
    assert profile["languages"] == ["English", "Arabic"]
    assert profile["themes"] == ["Anti-racism", "Lived experience leadership"]
    assert datetime.fromisoformat(profile["consent_given_at"]) == clock.now()
    assert profile["consent_version_is_current"] is True
    [answer] = data["sessions"]["answers"]
    starts = datetime.fromisoformat(answer["starts_at"])
    assert starts.utcoffset() is not None
    assert answer == {
        "number": 1,
        "title": "Lived experience leadership",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=90)).isoformat(),
        "cancelled": False,
        "answer": "declined",
        "answered_at": clock.now().isoformat(),
        "wants_recap": False,
        "apology_note": "Court hearing",
    }
    assert data["peer_coaching"] == {
        "paused_until": None,
        "skip_next_round": False,
        "never_pair_me_with": [],
        "rounds": [],
    }
    assert data["resources"] == {"shared": [], "found_helpful": []}
    assert data["reflections"]["reflections"] == []
