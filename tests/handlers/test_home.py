"""The home page: Join for strangers, the profile for members, numbers for facilitators,
and never the private lived-experience preference."""

from __future__ import annotations

from datetime import UTC, datetime

from core.clock import FakeClock
from core.context import Caller
from core.ui import (
    Actions,
    Button,
    DirectMessage,
    Fields,
    FieldValue,
    HomePage,
    OpenForm,
    RefreshHome,
)
from handlers.dispatch import Dispatcher
from tests.handlers.plain import one, page_text
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)


def home(dispatcher: Dispatcher, who: Caller) -> HomePage:
    page = dispatcher.home(who)
    assert page is not None
    return page


def page_buttons(page: HomePage) -> dict[str, str]:
    return {
        element.action_id: element.label
        for block in page.blocks
        if isinstance(block, Actions)
        for element in block.elements
        if isinstance(element, Button)
    }


def facilitator_numbers(page: HomePage) -> dict[str, str]:
    fields = [block for block in page.blocks if isinstance(block, Fields)]
    return dict(fields[-1].pairs)


def join(dispatcher: Dispatcher, who: Caller, **changes: FieldValue) -> None:
    values = profile_values(**changes)
    one(dispatcher.submit(who, "membership.join", values, ""), DirectMessage)


def set_preference(dispatcher: Dispatcher, who: Caller, *, on: bool) -> None:
    values = profile_values(lived_experience_match=on)
    replies = dispatcher.submit(who, "membership.edit", values, "")
    one(replies, RefreshHome)


def test_a_stranger_sees_a_join_button(dispatcher: Dispatcher) -> None:
    page = home(dispatcher, caller())
    assert page_buttons(page) == {"membership.open_join": "Join"}
    assert "Welcome to Catalyst" in page_text(page)
    assert "For facilitators" not in page_text(page)


def test_the_join_button_opens_the_join_form(dispatcher: Dispatcher) -> None:
    form = one(dispatcher.action(caller(), "membership.open_join", ""), OpenForm).form
    assert form.form_id == "membership.join"


def test_a_member_sees_their_profile(dispatcher: Dispatcher) -> None:
    join(dispatcher, caller())
    page = home(dispatcher, caller())
    shown = page_text(page)
    assert "Hello, Amina Yusuf" in shown
    assert "Organisation: Refugee Action Now" in shown
    assert "Size: £100k–£1m" in shown
    assert "membership.edit" in page_buttons(page)
    assert "membership.open_join" not in page_buttons(page)
    assert "For facilitators" not in shown


def test_a_member_who_left_is_invited_back(dispatcher: Dispatcher) -> None:
    join(dispatcher, caller())
    dispatcher.action(caller(), "membership.leave", "")
    page = home(dispatcher, caller())
    assert page_buttons(page) == {"membership.open_join": "Come back"}
    assert "Refugee Action Now" not in page_text(page)


def test_a_facilitator_also_sees_members_and_joins_this_month(
    dispatcher: Dispatcher, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    join(dispatcher, caller("U0OCT"))
    clock.set(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    join(dispatcher, caller("U0AMINA"))
    join(dispatcher, caller("U0SAM"), display_name="Sam Okafor")
    dispatcher.action(caller("U0SAM"), "membership.leave", "")
    page = home(dispatcher, FACILITATOR)
    shown = page_text(page)
    assert "For facilitators" in shown
    assert facilitator_numbers(page) == {
        "Members": "2",
        "Facilitators": "0",
        "Joined this month": "2",
        "Left this month": "1",
    }
    assert "members.more" in page_buttons(page)


def test_a_member_granted_the_role_sees_the_facilitator_section(dispatcher: Dispatcher) -> None:
    join(dispatcher, caller("U0SAM"), display_name="Sam Okafor")
    dispatcher.command(FACILITATOR, "role grant <@U0SAM|sam> facilitator")
    page = home(dispatcher, caller("U0SAM"))
    assert "For facilitators" in page_text(page)
    assert facilitator_numbers(page)["Facilitators"] == "1"


def test_the_private_preference_never_shows_on_a_members_home(dispatcher: Dispatcher) -> None:
    join(dispatcher, caller(), lived_experience_match=True)
    with_preference = page_text(home(dispatcher, caller()))
    set_preference(dispatcher, caller(), on=False)
    without_preference = page_text(home(dispatcher, caller()))
    assert with_preference == without_preference
    assert "preference" not in with_preference.lower()


def test_the_private_preference_never_shows_on_a_facilitators_home(
    dispatcher: Dispatcher,
) -> None:
    join(dispatcher, FACILITATOR, lived_experience_match=True)
    join(dispatcher, caller("U0SAM"), display_name="Sam Okafor", lived_experience_match=True)
    with_preference = page_text(home(dispatcher, FACILITATOR))
    set_preference(dispatcher, FACILITATOR, on=False)
    set_preference(dispatcher, caller("U0SAM"), on=False)
    without_preference = page_text(home(dispatcher, FACILITATOR))
    assert with_preference == without_preference
    assert "For facilitators" in with_preference
    assert "preference" not in with_preference.lower()
    assert "Sam Okafor" not in with_preference
