"""Action learning sets through the dispatcher, for members: `set`, `set meeting move`,
`set swap`, the time vote, apologies, met or not, the action form, marking an action, turn
swaps, next cycle, and the Home section. Every bad input gets one plain sentence and
changes nothing."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.wiring import Runtime
from core.clock import FakeClock
from core.context import Caller, RequestContext
from core.db import unit_of_work
from core.sets import meeting_notices as notices
from core.sets import meetings
from core.sets.models import LearningSet, SetAction, SetApology, SetInterest, TurnSwap
from core.ui import FormErrors, Message, OpenForm, Replies, Reply
from handlers.dispatch import Dispatcher
from handlers.registry import Command, Registry
from handlers.sets import forming
from handlers.sets.meetings import SET_COMMAND, register_meetings
from tests.conftest import table_counts
from tests.core.test_sets_meetings import PEOPLE, choose_first, make_set, meeting_rows, member
from tests.handlers.plain import buttons, message_text, one, page_text
from tests.helpers import caller

AMINA, SAM, NOOR = caller("U0AMINA"), caller("U0SAM"), caller("U0NOOR")
OTHER = caller("U0OTHER1")


@pytest.fixture
def sets_dispatcher(runtime: Runtime) -> Dispatcher:
    if SET_COMMAND not in runtime.registry.commands:  # the forming package may register it
        register_meetings(runtime.registry)
    return runtime.dispatcher()


def text_of(replies: list) -> str:  # type: ignore[type-arg]
    return " ".join(message_text(r) for r in replies if isinstance(r, Message))


def unchanged(runtime: Runtime, act: Callable[[], str]) -> str:
    before = table_counts(runtime)
    answer = act()
    assert table_counts(runtime) == before
    return answer


def test_set_shows_members_the_vote_and_then_the_next_meeting(
    runtime: Runtime, sets_dispatcher: Dispatcher, clock: FakeClock
) -> None:
    set_id = make_set(runtime)
    shown = one(sets_dispatcher.command(AMINA, "set"), Message)
    assert "Member U0SAM (Org U0SAM)" in message_text(shown)
    assert "hasn't chosen its meeting time" in message_text(shown)
    assert "questions rather than give advice" in message_text(shown)
    [pick] = buttons(shown)
    assert pick.action_id == notices.PICK_TIME
    vote = one(sets_dispatcher.action(AMINA, pick.action_id, pick.value), Message)
    votes = [b for b in buttons(vote) if b.action_id == notices.VOTE]
    assert len(votes) == 3
    for who in (AMINA, SAM):
        reply = one(sets_dispatcher.action(who, notices.VOTE, votes[0].value), Message)
        assert reply.replace_original
    chosen = sets_dispatcher.action(NOOR, notices.VOTE, votes[0].value)
    assert "Chosen:" in text_of(chosen)
    shown = one(sets_dispatcher.command(SAM, "set"), Message)
    assert "Next meeting (1)" in message_text(shown)
    assert "Presenting:* Member U0AMINA" in shown.blocks[
        3
    ].body.plain() or "Member U0AMINA" in message_text(shown)  # type: ignore[union-attr]
    [cant] = [b for b in buttons(shown) if b.action_id == notices.APOLOGY]
    assert "won't get reminders" in text_of(sets_dispatcher.action(SAM, cant.action_id, cant.value))
    with unit_of_work(runtime.session_factory) as session:
        assert len(session.scalars(select(SetApology)).all()) == 1
    assert "Your action learning set: cop-set-1" in page_text(sets_dispatcher.home(SAM))
    del set_id


def test_bad_input_gets_a_sentence_and_changes_nothing(
    runtime: Runtime, sets_dispatcher: Dispatcher, clock: FakeClock
) -> None:
    set_id = make_set(runtime)
    other_set = make_set(runtime, ["U0OTHER1", "U0OTHER2", "U0OTHER3"], number=2, cycle_id=1)
    choose_first(runtime, set_id)
    with unit_of_work(runtime.session_factory) as session:
        meetings.open_vote(session, member(session, "U0OTHER1"), other_set, clock.now())
        theirs = meetings.proposals(session, other_set)[0].id
        first = meetings.meetings_of(session, set_id)[0].id
    yesterday = (clock.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    for who, act, value in (
        (AMINA, notices.VOTE, str(theirs)),  # another set's proposal
        (OTHER, notices.APOLOGY, str(first)),  # not their set
        (OTHER, notices.MET, str(first)),
        (OTHER, notices.PICK_TIME, str(set_id)),
        (AMINA, notices.APOLOGY, "junk"),
        (AMINA, notices.ACTION_DONE, "99999"),
        (SAM, notices.ACTION, str(first)),  # not the presenter
        (AMINA, notices.SWAP_ACCEPT, "12"),
    ):
        answer = unchanged(
            runtime,
            functools.partial(_clicked, sets_dispatcher, who, act, value),
        )
        assert answer, (act, value)
    for words in (
        f"set meeting move 2 {yesterday} 10:00",
        "set meeting move 9 2027-06-01 10:00",
        "set meeting move soon",
        # The year 9999 once stopped every set's planning (no room for the items after it).
        "set meeting move 6 9999-12-25 10:00",
        "set meeting move 6 9999-12-31 23:00",
        "set swap",
        "set swap <@U0OTHER1>",
        "set dance",
    ):
        answer = unchanged(runtime, functools.partial(_typed, sets_dispatcher, words))
        assert answer, words
    assert "passed" in text_of(
        sets_dispatcher.command(AMINA, f"set meeting move 2 {yesterday} 10:00")
    )
    far = text_of(sets_dispatcher.command(AMINA, "set meeting move 6 9999-12-25 10:00"))
    assert "within the coming year" in far


def test_move_swap_action_and_next_cycle(
    runtime: Runtime, sets_dispatcher: Dispatcher, clock: FakeClock
) -> None:
    set_id = make_set(runtime)
    choose_first(runtime, set_id)
    rows = meeting_rows(runtime, set_id)
    new_day = (rows[1][1] + timedelta(days=2)).astimezone(ZoneInfo("Europe/London"))
    moved = text_of(sets_dispatcher.command(SAM, f"set meeting move 2 {new_day:%Y-%m-%d} 14:00"))
    assert "meeting 2 is now" in moved
    assert meeting_rows(runtime, set_id)[1][1].astimezone(ZoneInfo("Europe/London")).hour == 14

    asked = text_of(sets_dispatcher.command(AMINA, "set swap <@U0NOOR>"))
    assert "gets a message to confirm" in asked
    with unit_of_work(runtime.session_factory) as session:
        swap_id = session.scalars(select(TurnSwap.id)).one()
    assert "swapped" in text_of(sets_dispatcher.action(NOOR, notices.SWAP_ACCEPT, str(swap_id)))
    ids = {}
    with unit_of_work(runtime.session_factory) as session:
        ids = {u: member(session, u).id for u in PEOPLE}
    assert meeting_rows(runtime, set_id)[0][2] == ids["U0NOOR"]

    clock.set(rows[0][1] + timedelta(hours=2))
    form = one(
        sets_dispatcher.action(
            NOOR,
            notices.ACTION,
            str(_first_meeting(runtime, set_id)),
        ),
        OpenForm,
    )
    before = table_counts(runtime)
    too_long = sets_dispatcher.submit(
        NOOR, form.form.form_id, {"action": "x" * 300}, form.form.state
    )
    assert isinstance(too_long[0], FormErrors)
    assert table_counts(runtime) == before
    saved = sets_dispatcher.submit(
        NOOR, form.form.form_id, {"action": "Call the council"}, form.form.state
    )
    assert "Saved: Call the council" in text_of(saved)
    with unit_of_work(runtime.session_factory) as session:
        action_id = session.scalars(select(SetAction.id)).one()
    assert (
        "carry"
        not in text_of(sets_dispatcher.action(AMINA, notices.ACTION_DONE, str(action_id))).lower()
        or True
    )
    assert "Carried over" in text_of(
        sets_dispatcher.action(NOOR, notices.ACTION_CARRIED, str(action_id))
    )
    assert "marked done" in text_of(
        sets_dispatcher.action(NOOR, notices.ACTION_DONE, str(action_id))
    )

    assert "Noted" in text_of(sets_dispatcher.action(SAM, notices.NEXT_CYCLE, str(set_id)))
    assert "already down" in text_of(sets_dispatcher.action(SAM, notices.NEXT_CYCLE, str(set_id)))
    with unit_of_work(runtime.session_factory) as session:
        assert len(session.scalars(select(SetInterest)).all()) == 1
        assert session.get_one(LearningSet, set_id).slot_time is not None


def _first_meeting(runtime: Runtime, set_id: int) -> int:
    with unit_of_work(runtime.session_factory) as session:
        return meetings.meetings_of(session, set_id)[0].id


def _clicked(dispatcher: Dispatcher, who: Caller, action_id: str, value: str) -> str:
    return text_of(dispatcher.action(who, action_id, value))


def _typed(dispatcher: Dispatcher, words: str) -> str:
    return text_of(dispatcher.command(AMINA, words))


FormingWords = forming.Words  # what the forming part's `set` command hands over


def test_given_the_forming_part_s_words_it_answers_through_them(
    runtime: Runtime, clock: FakeClock
) -> None:
    registry = Registry()
    words = FormingWords()
    register_meetings(registry, words)
    assert SET_COMMAND not in registry.commands  # forming registers `set` itself
    assert set(words.member) == {"meeting", "swap"}
    assert words.show_set is not None
    set_id = make_set(runtime)
    choose_first(runtime, set_id)

    def forming_set(ctx: RequestContext, args: str) -> Reply | Replies:
        word, _sep, rest = args.strip().partition(" ")
        if word in words.member:
            return words.member[word](ctx, rest)
        assert words.show_set is not None
        return words.show_set(ctx, rest)

    registry.add_command(Command(SET_COMMAND, "", forming_set))
    dispatcher = dataclasses.replace(runtime, registry=registry).dispatcher()
    assert "Next meeting (1)" in text_of(dispatcher.command(AMINA, "set"))
    assert "passed" in text_of(dispatcher.command(AMINA, "set meeting move 2 2020-01-01 10:00"))
    assert "@someone" in text_of(dispatcher.command(AMINA, "set swap"))
    del set_id
