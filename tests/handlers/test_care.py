"""Who is drifting through the dispatcher: `/cop care` over a simulated programme (exactly
its drifters, by name), the check-in form and the answers a member clicks, Snooze, the
facilitators' Home section, `/cop pause` and `/cop resume`, and bad input changing
nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.wiring import Runtime
from core import communities
from core.care import buttons as care_buttons
from core.care.models import CareCheckin
from core.clock import FakeClock
from core.context import Caller
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.models import Community, Member
from core.ui import DirectMessage, Message, OpenForm
from handlers.care.commands import CHECKIN_FORM
from handlers.dispatch import Dispatcher
from tests.conftest import table_counts
from tests.handlers.plain import buttons, one, page_text, said
from tests.helpers import caller, profile_values
from tests.programme import Pattern, Programme, build_programme


@dataclass
class World:
    programme: Programme
    facilitator: Caller
    users: dict[str, str]  # display name -> platform user id
    ids: dict[str, int]  # display name -> member id


def world(runtime: Runtime, clock: FakeClock, members: int = 24) -> World:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", "T0001", timezone="Europe/London", now=clock.now()
        )
        programme = build_programme(session, community, clock.now(), members=members, seed=4)
        everyone = session.scalars(select(Member)).all()
        users = {m.display_name: m.platform_user_id for m in everyone}
        ids = {m.display_name: m.id for m in everyone}
        lead = session.get(Member, programme.facilitator_ids[0])
        assert lead is not None
        facilitator = caller(lead.platform_user_id, facilitator=True)
    clock.set(programme.ends_at)
    return World(programme, facilitator, users, ids)


def care_list(dispatcher: Dispatcher, who: Caller) -> Message:
    return one(dispatcher.command(who, "care"), Message)


def listed_names(message: Message, known: dict[str, str]) -> list[str]:
    """The names on the list, in the order shown."""
    found = []
    for button in buttons(message):
        if button.action_id == care_buttons.CHECKIN:
            found.append(next(n for n, i in known.items() if str(i) == button.value))
    return found


def test_care_lists_exactly_the_programmes_drifters_by_name(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    w = world(runtime, clock)
    message = care_list(dispatcher, w.facilitator)
    names = listed_names(message, {n: str(i) for n, i in w.ids.items()})
    assert names == w.programme.drifting_names()
    assert names == sorted(names, key=str.casefold)
    shown = said([message])
    fading = w.programme.names(Pattern.FADING)[0]
    assert f"*{fading}*: missed the last 2 sessions without a reply" in shown
    assert "hasn't answered the last 3 reminders" in shown
    assert "paired 2 times, didn't meet any of them" in shown
    assert "sent apologies for the last 2 set meetings" in shown
    assert "Last active" in shown
    for steady in w.programme.names(Pattern.STEADY):
        assert steady not in shown

    # A member never sees it, and asking changes nothing.
    member = caller(w.users[fading])
    before = table_counts(runtime)
    assert "Only facilitators can do that" in said(dispatcher.command(member, "care"))
    assert table_counts(runtime) == before
    assert "on its own" in said(dispatcher.command(w.facilitator, "care everyone"))


def test_a_check_in_its_answers_and_snooze(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    w = world(runtime, clock)
    first, second, third, fourth = w.programme.drifting_names()[:4]

    form = one(
        dispatcher.action(w.facilitator, care_buttons.CHECKIN, str(w.ids[first])), OpenForm
    ).form
    [body] = form.fields
    assert isinstance(body.initial, str)
    assert first.split()[0] in body.initial
    for offer in ("pause Catalyst for a month or two", "less", "you're fine"):
        assert offer in body.initial
    text = body.initial.replace("we've missed you", "I've been thinking of you")
    sent = said(dispatcher.submit(w.facilitator, CHECKIN_FORM, {"body": text}, form.state))
    assert "Sent" in sent
    with unit_of_work(runtime.session_factory) as session:
        [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "care_checkin"))
        assert row.recipient == w.users[first]
        assert "I've been thinking of you" in str(row.payload)
        [checkin] = session.scalars(select(CareCheckin))
        checkin_id = checkin.id
    assert "Checked in on" in said([care_list(dispatcher, w.facilitator)])

    # Someone else can't answer it; a made-up pause length changes nothing.
    before = table_counts(runtime)
    stranger = caller(w.users[second])
    assert "no longer there" in said(
        dispatcher.action(stranger, care_buttons.FINE, str(checkin_id))
    )
    member = caller(w.users[first])
    assert "1, 2 or 3 months" in said(
        dispatcher.action(member, care_buttons.pause_for(1), f"{checkin_id}:7")
    )
    assert table_counts(runtime) == before

    assert "Thanks" in said(dispatcher.action(member, care_buttons.FINE, str(checkin_id)))
    assert first not in listed_names(
        care_list(dispatcher, w.facilitator), {n: str(i) for n, i in w.ids.items()}
    )

    # The pause and essentials answers act on the member's own settings.
    for name, action, value in (
        (second, care_buttons.pause_for(2), "2"),
        (third, care_buttons.ESSENTIALS, ""),
    ):
        form = one(
            dispatcher.action(w.facilitator, care_buttons.CHECKIN, str(w.ids[name])), OpenForm
        ).form
        dispatcher.submit(w.facilitator, CHECKIN_FORM, {"body": "Hello"}, form.state)
        with unit_of_work(runtime.session_factory) as session:
            latest = max(session.scalars(select(CareCheckin.id)))
        answer = f"{latest}:{value}" if value else str(latest)
        reply = said(dispatcher.action(caller(w.users[name]), action, answer))
        assert "Paused until" in reply or "only get session reminders" in reply
    with unit_of_work(runtime.session_factory) as session:
        paused = session.get(Member, w.ids[second])
        essentials = session.get(Member, w.ids[third])
        assert paused is not None
        assert paused.paused_until is not None
        assert essentials is not None
        assert not essentials.broadcasts_enabled

    assert "hidden from the list until" in said(
        dispatcher.action(w.facilitator, care_buttons.SNOOZE, str(w.ids[fourth]))
    )
    names = listed_names(
        care_list(dispatcher, w.facilitator), {n: str(i) for n, i in w.ids.items()}
    )
    assert not {first, second, fourth} & set(names)

    before = table_counts(runtime)
    assert "no longer in the community" in said(
        dispatcher.action(w.facilitator, care_buttons.SNOOZE, "99999")
    )
    assert table_counts(runtime) == before


def test_facilitators_home_names_who_is_drifting_members_home_does_not(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    w = world(runtime, clock)
    home = page_text(dispatcher.home(w.facilitator))
    assert "Who is drifting" in home
    for name in w.programme.drifting_names():
        assert name in home
    member_home = page_text(dispatcher.home(caller(w.users[w.programme.names(Pattern.STEADY)[0]])))
    assert "Who is drifting" not in member_home


def test_pause_and_resume(dispatcher: Dispatcher, runtime: Runtime) -> None:
    one(dispatcher.submit(caller(), "membership.join", profile_values(), ""), DirectMessage)
    before = table_counts(runtime)
    assert "How long would you like to pause" in said(dispatcher.command(caller(), "pause"))
    assert "couldn't read how long" in said(dispatcher.command(caller(), "pause for a bit"))
    assert "has passed" in said(dispatcher.command(caller(), "pause until 2001-01-01"))
    assert "aren't paused" in said(dispatcher.command(caller(), "resume"))
    assert table_counts(runtime) == before

    assert "Paused until" in said(dispatcher.command(caller(), "pause 3 weeks"))
    home = page_text(dispatcher.home(caller()))
    assert "You're taking a break until" in home
    assert care_buttons.RESUME in home
    assert "Welcome back" in said(dispatcher.action(caller(), care_buttons.RESUME, ""))
    assert "taking a break" not in page_text(dispatcher.home(caller()))
    dispatcher.command(caller(), "pause until 2027-03-01")
    assert "Welcome back" in said(dispatcher.command(caller(), "resume"))
    assert "aren't paused" in said(dispatcher.command(caller(), "resume"))


def test_facilitators_see_and_change_the_rules_in_the_chat_and_a_typo_changes_nothing(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    """A facilitator with no one to run the command line still tunes who is listed."""
    w = world(runtime, clock, members=12)
    shown = said(dispatcher.command(w.facilitator, "care rules"))
    assert "`sessions=2`: the last 2 sessions all went without any reply" in shown
    assert "`no-shows=2`: said Going to the last 2 sessions with attendance recorded" in shown
    assert "`snooze-days=28`: Snooze hides someone for 28 days" in shown
    before = table_counts(runtime)
    for typo in ("naps=2", "sessions=two", "reminders=500", "sessions=2 x"):
        answer = said(dispatcher.command(w.facilitator, f"care rules {typo}"))
        assert "For example: `/cop care rules no-shows=3, reminders=0`." in answer
        assert table_counts(runtime) == before
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(Community.care_rules)).one() is None

    # Turning the sessions and reminders rules off empties the list of those reasons.
    changed = said(dispatcher.command(w.facilitator, "care rules sessions = 0 reminders=0"))
    assert changed.startswith("Saved.")
    assert "`sessions=0`: off" in changed
    assert "`reminders=0`: off" in changed
    after = said([care_list(dispatcher, w.facilitator)])
    assert "without a reply" not in after
    assert "reminders" not in after
    back = said(dispatcher.command(w.facilitator, "care rules defaults"))
    assert "back to the default rules" in back
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(Community.care_rules)).one() is None
    # Members can't read or change them: the whole command is for facilitators.
    member = caller(w.users[w.programme.names(Pattern.STEADY)[0]])
    assert "Only facilitators" in said(dispatcher.command(member, "care rules sessions=9"))
