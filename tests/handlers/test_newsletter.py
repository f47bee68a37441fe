"""The newsletter's handlers through the dispatcher: consent to be quoted in the reflect
form, the newsletter choice in the profile, Home, and the draft's buttons."""

from __future__ import annotations

from sqlalchemy import select

from bot.wiring import Runtime
from core import communities
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Member
from core.newsletter import buttons as newsletter_buttons
from core.sessions.models import PromptAudience, Reflection
from core.ui import DirectMessage, FieldKind, Message, OpenForm
from handlers.dispatch import Dispatcher
from tests.conftest import table_counts
from tests.handlers.plain import buttons, message_text, one, page_text, said
from tests.helpers import caller, profile_values
from tests.reflection_helpers import add_prompt, add_session


def join(dispatcher: Dispatcher, user_id: str = "U0AMINA", **changes: object) -> None:
    values = profile_values(**changes)  # type: ignore[arg-type]
    one(dispatcher.submit(caller(user_id), "membership.join", values, ""), DirectMessage)


def prompt_id(runtime: Runtime, clock: FakeClock, *, by_dm: bool = False) -> int:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", "T0001", timezone="Europe/London", now=clock.now()
        )
        audience = PromptAudience.DMS if by_dm else PromptAudience.CHANNEL
        cs = add_session(session, community, number=2 if by_dm else 1)
        return add_prompt(session, community, cs=cs, audience=audience).id


def test_the_reflect_form_asks_for_consent_only_where_sharing_is_possible(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher)
    shared_prompt = prompt_id(runtime, clock)
    form = one(dispatcher.action(caller(), "reflection.open", str(shared_prompt)), OpenForm).form
    [consent] = [f for f in form.fields if f.name == "quotable"]
    assert consent.kind is FieldKind.CHECKBOX
    assert consent.initial is False
    assert not consent.required

    dispatcher.submit(
        caller(),
        "reflection.write",
        {"body": "Quote me", "visibility": "shared", "quotable": True},
        str(shared_prompt),
    )
    dispatcher.submit(
        caller(),
        "reflection.write",
        {"body": "Mine alone", "visibility": "private", "quotable": True},
        str(shared_prompt),
    )
    dispatcher.submit(
        caller(),
        "reflection.write",
        {"body": "Not asked", "visibility": "shared"},
        str(shared_prompt),
    )
    with unit_of_work(runtime.session_factory) as session:
        stored = {r.body: r.quotable for r in session.scalars(select(Reflection))}
    assert stored == {"Quote me": True, "Mine alone": False, "Not asked": False}

    dm_prompt = prompt_id(runtime, clock, by_dm=True)
    form = one(dispatcher.action(caller(), "reflection.open", str(dm_prompt)), OpenForm).form
    assert "quotable" not in [f.name for f in form.fields]


def test_the_profile_asks_how_to_get_the_newsletter(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher)
    form = one(dispatcher.action(caller(), "membership.edit", ""), OpenForm).form
    [choice] = [f for f in form.fields if f.name == "newsletter"]
    assert choice.initial == "dm"
    assert {o.value for o in choice.options} == {"dm", "channel", "off"}
    dispatcher.submit(caller(), "membership.edit", profile_values(newsletter="off"), "")
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(Member.newsletter)).one() == "off"


def test_draft_buttons_and_home(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, "UFACIL01")
    facilitator = caller("UFACIL01", facilitator=True)
    draft = one(dispatcher.command(facilitator, "newsletter draft"), Message)
    ids = {b.action_id: b.value for b in buttons(draft)}
    assert set(ids) == {
        newsletter_buttons.EDIT,
        newsletter_buttons.SEND,
        newsletter_buttons.SCHEDULE,
        newsletter_buttons.SKIP,
    }
    assert "is a draft" in message_text(draft)
    home = page_text(dispatcher.home(facilitator))
    assert "Newsletter 1* is waiting" in home or "Newsletter 1 is waiting" in home

    before = table_counts(runtime)
    assert "no longer exists" in said(dispatcher.action(facilitator, newsletter_buttons.SEND, "99"))
    assert table_counts(runtime) == before

    sent = said(
        dispatcher.action(facilitator, newsletter_buttons.SEND, ids[newsletter_buttons.SEND])
    )
    assert "on its way to 1 person" in sent
    again = said(
        dispatcher.action(facilitator, newsletter_buttons.SEND, ids[newsletter_buttons.SEND])
    )
    assert "already been sent" in again
    assert "already been sent" in said(
        dispatcher.action(facilitator, newsletter_buttons.SKIP, ids[newsletter_buttons.SKIP])
    )
    assert "The latest newsletter went out on" in page_text(dispatcher.home(caller("UFACIL01")))
    assert "day 1 of each month at 09:00" in said(dispatcher.command(facilitator, "newsletter day"))
    assert "isn't a newsletter day" in said(dispatcher.command(facilitator, "newsletter day 40"))
