"""Peer coaching through the dispatcher: members' `pair …`, the introduction and check-in
buttons, and facilitators' `pairing settings | preview | run | stats` and settings form.

Each bad input (an unknown word, a junk button value, someone else's group) gets one plain
sentence and changes nothing. Every date comes from the fake clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core.clock import FakeClock
from core.context import Caller
from core.db import unit_of_work
from core.models import Community, Member
from core.pairing import notices as pairing_notices
from core.pairing import plan as pairing_plan
from core.pairing import service as pairing
from core.pairing.models import PairingGroup, PairingPreference, PairingRound, PairingSettings
from core.timefmt import when
from core.ui import (
    DirectMessage,
    FieldValue,
    FormErrors,
    Message,
    OpenForm,
    RefreshHome,
    Reply,
)
from handlers.dispatch import Dispatcher
from handlers.pairing import commands as pairing_handlers
from handlers.pairing import form as form_defs
from tests.conftest import table_counts
from tests.handlers.plain import buttons, message_text, one, said
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)
AMINA = caller("U0AMINA")
SAM = caller("U0SAM")
NOOR = caller("U0NOOR")
LEE = caller("U0LEE")
STRANGER = caller("U0NEVERJOINED")
T = TypeVar("T")


def in_db(runtime: Runtime, work: Callable[[Session], T]) -> T:
    with unit_of_work(runtime.session_factory) as session:
        return work(session)


def join(dispatcher: Dispatcher, who: Caller, **changes: FieldValue) -> None:
    values = profile_values(
        display_name=f"Member {who.user_id}",
        organisation=f"Organisation {who.user_id}",
        pairing_cadence="weekly",
        languages=["en"],
    )
    values.update(changes)
    one(dispatcher.submit(who, "membership.join", values, ""), DirectMessage)


def leave(dispatcher: Dispatcher, who: Caller) -> None:
    assert "You've left" in message_text(
        one(dispatcher.action(who, "membership.leave", ""), Message)
    )


def pair(dispatcher: Dispatcher, who: Caller, words: str = "") -> str:
    """The text of the message `pair …` answers with (a RefreshHome may come with it)."""
    return message_text(one(dispatcher.command(who, f"pair {words}".strip()), Message))


def run_round(dispatcher: Dispatcher) -> str:
    confirm = one(dispatcher.command(FACILITATOR, "pairing run"), Message)
    [run_button] = [b for b in buttons(confirm) if b.action_id == pairing_handlers.CONFIRM_RUN]
    return said_first(dispatcher.action(FACILITATOR, run_button.action_id, run_button.value or ""))


def said_first(replies: list[Reply]) -> str:
    return message_text(one(replies, Message))


def group_of(runtime: Runtime, user_id: str) -> tuple[int, list[str]]:
    """The user's group id in the latest round, and everyone in it."""

    def read(session: Session) -> tuple[int, list[str]]:
        member = session.scalars(select(Member).where(Member.platform_user_id == user_id)).one()
        current = pairing.current_group(session, member)
        assert current is not None
        _round, group, others = current
        return group.id, sorted([user_id, *(m.platform_user_id for m in others)])

    return in_db(runtime, read)


def outcome_of(runtime: Runtime, group_id: int) -> str:
    return in_db(runtime, lambda s: s.get_one(PairingGroup, group_id).outcome)


def preference(runtime: Runtime, user_id: str) -> tuple[object, bool] | None:
    def read(session: Session) -> tuple[object, bool] | None:
        member = session.scalars(select(Member).where(Member.platform_user_id == user_id)).one()
        row = session.get(PairingPreference, member.id)
        return None if row is None else (row.paused_until, row.skip_next)

    return in_db(runtime, read)


def settings_values(**changes: FieldValue) -> dict[str, FieldValue]:
    values: dict[str, FieldValue] = {
        "enabled": True,
        "weekday": "2",
        "local_time": "09:00",
        "recency_weeks": "12",
        "blend": "mix",
    }
    values.update(dict.fromkeys(pairing.WEIGHT_FIELDS, "1"))
    values.update(changes)
    return values


def unchanged(runtime: Runtime, act: Callable[[], str]) -> str:
    """What `act` says, after checking it changed no table."""
    before = table_counts(runtime)
    said_now = act()
    assert table_counts(runtime) == before
    return said_now


# ---- who may ----------------------------------------------------------------------------------


def test_pair_is_for_members_only(dispatcher: Dispatcher) -> None:
    assert "You haven't joined yet. Type `/cop join`" in said(dispatcher.command(STRANGER, "pair"))
    join(dispatcher, AMINA)
    leave(dispatcher, AMINA)
    assert "You've left the community" in said(dispatcher.command(AMINA, "pair pause 2w"))
    assert "You haven't joined yet" in said(dispatcher.action(STRANGER, pairing_notices.MET, "1"))


def test_pairing_is_for_facilitators_only(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    join(dispatcher, SAM)
    before = table_counts(runtime)
    for words in ("pairing settings", "pairing run", "pairing preview", "pairing stats"):
        assert "Only facilitators can do that" in said(dispatcher.command(AMINA, words))
    assert "Only facilitators" in said(dispatcher.action(AMINA, pairing_handlers.CONFIRM_RUN, "1"))
    assert "Only facilitators" in said(
        dispatcher.submit(AMINA, form_defs.SETTINGS_FORM, settings_values(), "")
    )
    assert table_counts(runtime) == before


# ---- a member's own choices --------------------------------------------------------------------


def test_pair_before_any_round_says_so_and_how_they_take_part(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    shown = pair(dispatcher, AMINA)
    assert "You don't have a partner in the current round." in shown
    assert "You take part: weekly." in shown
    assert "Peer-coaching rounds haven't been started by the facilitators yet." in shown


def test_pause_for_weeks_then_resume(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA)
    replies = dispatcher.command(AMINA, "pair pause 4w")
    one(replies, RefreshHome)
    until = clock.now() + timedelta(weeks=4)
    assert f"Paused until {when(until, 'Europe/London')}." in message_text(one(replies, Message))
    assert preference(runtime, "U0AMINA") == (until, False)
    assert f"Paused until {when(until, 'Europe/London')}." in pair(dispatcher, AMINA)

    assert "Welcome back" in pair(dispatcher, AMINA, "resume")
    assert preference(runtime, "U0AMINA") == (None, False)
    assert "You weren't paused, so nothing changed." in pair(dispatcher, AMINA, "resume")


def test_pause_for_days_and_until_a_date(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA, timezone="Asia/Amman")
    pair(dispatcher, AMINA, "pause 10 days")
    assert preference(runtime, "U0AMINA") == (clock.now() + timedelta(days=10), False)

    day = (clock.now() + timedelta(days=40)).date()
    shown = pair(dispatcher, AMINA, f"pause until {day.isoformat()}")
    stored = preference(runtime, "U0AMINA")
    assert stored is not None
    until = stored[0]
    assert isinstance(until, datetime)
    assert until.astimezone(ZoneInfo("Asia/Amman")).date() == day
    assert f"Paused until {when(until, 'Asia/Amman')}." in shown


@pytest.mark.parametrize(
    "words",
    ["pause", "pause soon", "pause 4 fortnights", "pause until tomorrow", "pause until 2027-13-45"],
)
def test_a_pause_it_cannot_read_is_answered_with_an_example(
    dispatcher: Dispatcher, runtime: Runtime, words: str
) -> None:
    join(dispatcher, AMINA)
    shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, f"pair {words}")))
    assert "Say how long, like `/cop pair pause 4w`" in shown


def test_a_pause_in_the_past_or_beyond_a_year_is_refused(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA)
    yesterday = (clock.now() - timedelta(days=1)).date().isoformat()
    shown = unchanged(
        runtime, lambda: said(dispatcher.command(AMINA, f"pair pause until {yesterday}"))
    )
    assert "That date has already passed." in shown
    shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, "pair pause 60w")))
    assert "Pauses can last up to a year." in shown


def test_skip_the_next_round_only(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    assert "Done: you'll sit out the next round only." in pair(dispatcher, AMINA, "skip")
    assert preference(runtime, "U0AMINA") == (None, True)
    assert "You're skipping the next round (weekly otherwise)." in pair(dispatcher, AMINA)
    assert "Welcome back" in pair(dispatcher, AMINA, "resume")
    assert preference(runtime, "U0AMINA") == (None, False)


@pytest.mark.parametrize(
    ("word", "label", "stored"),
    [
        ("monthly", "Monthly", "monthly"),
        ("Fortnightly", "Every two weeks", "fortnightly"),
        ("biweekly", "Every two weeks", "fortnightly"),
        ("off", "Not now", "not_now"),
    ],
)
def test_cadence_words(
    dispatcher: Dispatcher, runtime: Runtime, word: str, label: str, stored: str
) -> None:
    join(dispatcher, AMINA)
    assert f"Peer coaching: *{label}*." in pair(dispatcher, AMINA, f"cadence {word}")
    cadence = in_db(
        runtime,
        lambda s: s.scalars(select(Member.pairing_cadence)).one(),
    )
    assert cadence == stored


def test_not_now_shows_how_to_start_again(dispatcher: Dispatcher) -> None:
    join(dispatcher, AMINA)
    pair(dispatcher, AMINA, "cadence off")
    assert "You're not taking part for now. `/cop pair cadence weekly` to start." in pair(
        dispatcher, AMINA
    )


@pytest.mark.parametrize("words", ["cadence", "cadence sometimes", "cadence weekly please"])
def test_an_unknown_cadence_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime, words: str
) -> None:
    join(dispatcher, AMINA)
    shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, f"pair {words}")))
    assert "Choose weekly, fortnightly, monthly or off" in shown
    assert in_db(runtime, lambda s: s.scalars(select(Member.pairing_cadence)).one()) == "weekly"


def test_an_unknown_word_after_pair_is_answered_with_what_it_knows(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, AMINA)
    shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, "pair dance")))
    assert "Type `/cop pair` to see your partner" in shown
    assert "`pair skip`" in shown


def test_avoid_and_unavoid_someone_privately(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    join(dispatcher, SAM)
    shown = said(dispatcher.command(AMINA, "pair avoid <@U0SAM|sam>"))
    assert "Noted, privately: you won't be paired with them." in shown
    assert "Member U0SAM" not in shown  # the reply doesn't even repeat the name

    assert "Done: you may be paired with them again." in said(
        dispatcher.command(AMINA, "pair unavoid <@U0SAM>")
    )
    shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, "pair unavoid <@U0SAM>")))
    assert "You hadn't asked to avoid them, so nothing changed." in shown


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("avoid", "Mention one person, like `/cop pair avoid @someone`."),
        ("avoid sam", "Mention one person"),
        ("avoid <@U0SAM> <@U0NOOR>", "Mention one person"),
        ("unavoid", "Mention one person, like `/cop pair unavoid @someone`."),
        ("avoid <@U0NOBODY>", "That person isn't a member"),
        ("avoid <@U0AMINA>", "You can't avoid yourself."),
    ],
)
def test_an_avoid_without_one_member_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime, words: str, expected: str
) -> None:
    join(dispatcher, AMINA)
    join(dispatcher, SAM)
    join(dispatcher, NOOR)
    shown = unchanged(runtime, lambda: said(dispatcher.command(AMINA, f"pair {words}")))
    assert expected in shown


# ---- facilitators ------------------------------------------------------------------------------


def test_settings_form_opens_with_the_defaults_and_rounds_ticked_on(
    dispatcher: Dispatcher,
) -> None:
    form = one(dispatcher.command(FACILITATOR, "pairing settings"), OpenForm).form
    assert form.form_id == form_defs.SETTINGS_FORM
    fields = {f.name: f for f in form.fields}
    assert list(fields) == [
        "enabled",
        "weekday",
        "local_time",
        "recency_weeks",
        "blend",
        *pairing.WEIGHT_FIELDS,
    ]
    assert fields["enabled"].initial is True
    assert (fields["weekday"].initial, fields["local_time"].initial) == ("0", "09:00")
    assert fields["recency_weeks"].initial == "12"
    assert fields["weight_organisation"].initial == "20"


def test_saving_settings_says_when_the_next_round_is_and_the_form_opens_with_them(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    replies = dispatcher.submit(
        FACILITATOR,
        form_defs.SETTINGS_FORM,
        settings_values(weekday="4", local_time="13:15", weight_hours="2.5"),
        "",
    )
    one(replies, RefreshHome)
    shown = message_text(one(replies, DirectMessage).message)
    upcoming = in_db(runtime, lambda s: pairing_next(s, clock))
    assert upcoming is not None
    assert upcoming.astimezone(ZoneInfo("Europe/London")).strftime("%A %H:%M") == "Friday 13:15"
    assert f"Saved. The next round is {when(upcoming, 'Europe/London')}" in shown

    form = one(dispatcher.command(FACILITATOR, "pairing settings"), OpenForm).form
    fields = {f.name: f.initial for f in form.fields}
    assert (fields["weekday"], fields["local_time"], fields["weight_hours"]) == (
        "4",
        "13:15",
        "2.5",
    )


def pairing_next(session: Session, clock: FakeClock) -> datetime | None:
    community = session.scalars(select(Community)).one()
    found = pairing_plan.next_round(session, community, clock.now())
    return None if found is None else found.at


def test_saving_with_rounds_unticked_turns_them_off(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    replies = dispatcher.submit(
        FACILITATOR, form_defs.SETTINGS_FORM, settings_values(enabled=None), ""
    )
    assert "Saved. Rounds are off; no one will be paired until you turn them on." in message_text(
        one(replies, DirectMessage).message
    )
    assert in_db(runtime, lambda s: s.scalars(select(PairingSettings.enabled)).one()) is False


def test_bad_settings_keep_the_form_open_with_one_sentence_per_field(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    dispatcher.command(FACILITATOR, "help")  # the community exists before counting
    before = table_counts(runtime)
    replies = dispatcher.submit(
        FACILITATOR,
        form_defs.SETTINGS_FORM,
        settings_values(
            weekday="7",
            local_time="25:00",
            blend="shuffle",
            recency_weeks="0",
            weight_hours="lots",
            weight_theme="101",
            weight_org_size="-1",
            weight_role_level=None,
        ),
        "",
    )
    errors = one(replies, FormErrors).errors
    assert errors == {
        "weekday": "Choose a day.",
        "local_time": "Enter a time like 09:00.",
        "blend": "Choose mix or match.",
        "recency_weeks": "Enter a number from 1 to 52.",
        "weight_hours": "Enter a number from 0 to 100.",
        "weight_theme": "Enter a number from 0 to 100.",
        "weight_org_size": "Enter a number from 0 to 100.",
        "weight_role_level": "Enter a number from 0 to 100.",
    }
    assert table_counts(runtime) == before


def test_preview_with_too_few_members_says_so(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, AMINA)
    shown = unchanged(runtime, lambda: said(dispatcher.command(FACILITATOR, "pairing preview")))
    assert "Only 1 member would take part right now, so there's nothing to pair." in shown
    assert "Fewer than two members would take part right now" in said(
        dispatcher.command(FACILITATOR, "pairing run")
    )


def test_preview_shows_the_groups_and_sends_nothing(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    for who in (AMINA, SAM, NOOR, LEE):
        join(dispatcher, who)
    shown = unchanged(runtime, lambda: said(dispatcher.command(FACILITATOR, "pairing preview")))
    assert "Pairing preview (nothing sent)" in shown
    assert "Taking part: 4" in shown
    assert "Groups: 2 (0 of three)" in shown
    assert "Across organisations: 2 of 2" in shown
    assert shown.count(" + ") == 2
    assert "Private preferences are used for matching but never shown." in shown


def test_preview_counts_the_unplaced_without_naming_them_or_whom_they_avoided(
    dispatcher: Dispatcher,
) -> None:
    for who in (AMINA, SAM, NOOR):
        join(dispatcher, who)
    dispatcher.command(SAM, "pair avoid <@U0AMINA>")
    dispatcher.command(NOOR, "pair avoid <@U0AMINA>")
    shown = said(dispatcher.command(FACILITATOR, "pairing preview"))
    assert "Couldn't be placed: 1" in shown
    assert "1 person could not be paired this time" in shown
    assert "Member U0AMINA" not in shown
    assert "Member U0SAM + Member U0NOOR" in shown or "Member U0NOOR + Member U0SAM" in shown


def test_run_asks_first_then_runs_one_round_once(dispatcher: Dispatcher, runtime: Runtime) -> None:
    for who in (AMINA, SAM, NOOR, LEE):
        join(dispatcher, who)
    confirm = one(dispatcher.command(FACILITATOR, "pairing run"), Message)
    assert "Run a pairing round now?* 4 members would be introduced in 2 group DMs" in message_text(
        confirm
    )
    assert in_db(runtime, lambda s: s.scalars(select(PairingRound)).all()) == []
    [run_button] = [b for b in buttons(confirm) if b.action_id == pairing_handlers.CONFIRM_RUN]
    assert run_button.value == "1"

    replies = dispatcher.action(FACILITATOR, pairing_handlers.CONFIRM_RUN, "1")
    one(replies, RefreshHome)
    ran = one(replies, Message)
    assert ran.replace_original
    assert "Round 1 is under way: 2 introductions are on their way to 4 members." in message_text(
        ran
    )

    # The same button again (a double click, a second facilitator): no second round.
    for value in ("1", "abc", "", "99999999999999"):
        shown = unchanged(
            runtime,
            lambda value=value: said(
                dispatcher.action(FACILITATOR, pairing_handlers.CONFIRM_RUN, value)
            ),  # type: ignore[misc]
        )
        assert "That round has already been run." in shown
    assert [r.number for r in in_db(runtime, lambda s: s.scalars(select(PairingRound)).all())] == [
        1
    ]


def test_stats_before_and_after_a_round(dispatcher: Dispatcher, runtime: Runtime) -> None:
    assert "No rounds yet. `/cop pairing run` runs one now." in said(
        dispatcher.command(FACILITATOR, "pairing stats")
    )
    for who in (AMINA, SAM, NOOR, LEE, caller("U0FIFTH")):
        join(dispatcher, who)
    run_round(dispatcher)
    group_id, _members = group_of(runtime, "U0AMINA")
    dispatcher.action(AMINA, pairing_notices.MET, str(group_id))

    shown = said(dispatcher.command(FACILITATOR, "pairing stats"))
    assert "Peer coaching: the last rounds" in shown
    assert "Rounds: 1" in shown
    assert "Taking part per round: 5.0" in shown
    assert "Met: 50%" in shown
    assert "Groups of three: 1" in shown
    assert "5 people, 2 groups, 1 met, 0 booked, 0 couldn't" in shown


def test_an_unknown_pairing_word_lists_the_four(dispatcher: Dispatcher, runtime: Runtime) -> None:
    dispatcher.command(FACILITATOR, "help")
    shown = unchanged(runtime, lambda: said(dispatcher.command(FACILITATOR, "pairing go")))
    assert (
        "Type `/cop pairing settings`, `pairing preview`, `pairing run` or `pairing stats`."
        in shown
    )


# ---- the buttons in an introduction and the check-in -------------------------------------------


@pytest.fixture
def paired(dispatcher: Dispatcher) -> None:
    """Four members and a round: two pairs."""
    for who in (AMINA, SAM, NOOR, LEE):
        join(dispatcher, who)
    assert "Round 1 is under way" in run_round(dispatcher)


@pytest.mark.usefixtures("paired")
def test_pair_shows_the_partner_the_guide_and_the_answer_buttons(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    group_id, users = group_of(runtime, "U0AMINA")
    [partner] = [u for u in users if u != "U0AMINA"]
    shown = one(dispatcher.command(AMINA, "pair"), Message)
    assert f"*Your partner this round:* Member {partner}" in message_text(shown)
    assert "GROW" in message_text(shown)
    assert {(b.action_id, b.value) for b in buttons(shown)} == {
        (pairing_notices.BOOKED, str(group_id)),
        (pairing_notices.MET, str(group_id)),
        (pairing_notices.CANT, str(group_id)),
    }


@pytest.mark.usefixtures("paired")
@pytest.mark.parametrize(
    ("action_id", "outcome", "sentence", "buttons_again"),
    [
        (pairing_notices.BOOKED, "booked", "we've booked a time. Enjoy the conversation!", True),
        (pairing_notices.MET, "met", "we met. Thank you", False),
        (pairing_notices.CANT, "couldnt", "we can't this time. No problem", False),
        (pairing_notices.CHECKIN_YES, "met", "we met.", False),
        (pairing_notices.CHECKIN_NOT_YET, "not_yet", "not yet. There's still time", True),
        (pairing_notices.CHECKIN_COULDNT, "couldnt", "we can't this time.", False),
    ],
)
def test_each_answer_button_records_the_outcome_and_replaces_the_message(
    dispatcher: Dispatcher,
    runtime: Runtime,
    action_id: str,
    outcome: str,
    sentence: str,
    buttons_again: bool,
) -> None:
    group_id, _users = group_of(runtime, "U0AMINA")
    replies = dispatcher.action(AMINA, action_id, str(group_id))
    one(replies, RefreshHome)
    answered = one(replies, Message)
    assert answered.replace_original
    assert f"Member U0AMINA: {sentence}" in message_text(answered).replace("*", "")
    assert bool(buttons(answered)) is buttons_again
    assert outcome_of(runtime, group_id) == outcome


@pytest.mark.usefixtures("paired")
def test_we_met_is_not_undone_by_a_later_not_yet(dispatcher: Dispatcher, runtime: Runtime) -> None:
    group_id, users = group_of(runtime, "U0AMINA")
    dispatcher.action(AMINA, pairing_notices.MET, str(group_id))
    partner = caller(next(u for u in users if u != "U0AMINA"))
    dispatcher.action(partner, pairing_notices.CHECKIN_NOT_YET, str(group_id))
    assert outcome_of(runtime, group_id) == "met"


@pytest.mark.usefixtures("paired")
def test_nobody_answers_for_someone_elses_group(dispatcher: Dispatcher, runtime: Runtime) -> None:
    group_id, users = group_of(runtime, "U0AMINA")
    outsider = caller(next(u for u in ("U0SAM", "U0NOOR", "U0LEE") if u not in users))
    for action_id in (pairing_notices.MET, pairing_notices.CANT, pairing_notices.BOOKED):
        shown = unchanged(
            runtime,
            lambda action_id=action_id: said(dispatcher.action(outsider, action_id, str(group_id))),  # type: ignore[misc]
        )
        assert "That pairing is no longer yours to answer for." in shown
    assert outcome_of(runtime, group_id) == "open"


@pytest.mark.usefixtures("paired")
@pytest.mark.parametrize("value", ["", "abc", "0", "-3", "1.5", "٣", "99999999999999999999"])
def test_a_junk_group_id_is_a_plain_sentence(
    dispatcher: Dispatcher, runtime: Runtime, value: str
) -> None:
    shown = unchanged(runtime, lambda: said(dispatcher.action(AMINA, pairing_notices.MET, value)))
    assert "That button no longer works. Type `/cop pair` to see your pairing." in shown


@pytest.mark.usefixtures("paired")
def test_a_group_id_that_is_no_group_is_a_plain_sentence(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    shown = unchanged(
        runtime, lambda: said(dispatcher.action(AMINA, pairing_notices.MET, "424242"))
    )
    assert "That pairing is no longer yours to answer for." in shown


def test_skip_this_one_button_before_the_round(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, AMINA)
    round_at = clock.now() + timedelta(days=1)
    replies = dispatcher.action(AMINA, pairing_notices.SKIP_NEXT, round_at.isoformat())
    one(replies, RefreshHome)
    skipped = one(replies, Message)
    assert skipped.replace_original
    assert "Done: you'll sit out this round only." in message_text(skipped)
    assert preference(runtime, "U0AMINA") == (None, True)


@pytest.mark.parametrize("when_", ["past", "naive", "junk", "empty"])
def test_skip_this_one_after_the_round_started_or_junk_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock, when_: str
) -> None:
    join(dispatcher, AMINA)
    value = {
        "past": (clock.now() - timedelta(minutes=1)).isoformat(),
        "naive": (clock.now() + timedelta(days=1)).replace(tzinfo=None).isoformat(),
        "junk": "next monday",
        "empty": "",
    }[when_]
    shown = unchanged(
        runtime, lambda: said(dispatcher.action(AMINA, pairing_notices.SKIP_NEXT, value))
    )
    assert "That round has already started. Type `/cop pair` to see your pairing." in shown
    assert preference(runtime, "U0AMINA") is None
