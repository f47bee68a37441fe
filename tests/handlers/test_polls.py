"""Polls and the survey through the dispatcher: who may start them, the forms (the theme
poll pre-filled), bad input answered plainly with nothing changed, preview and confirm,
voting from a DM copy, and answering the survey once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.models import Community
from core.polls import buttons as poll_buttons
from core.polls.models import Poll, PollOption
from core.timefmt import local
from core.ui import DirectMessage, FormErrors, Message, OpenForm
from handlers.dispatch import Dispatcher
from handlers.polls.commands import CONFIRM, SURVEY_CONFIRM
from handlers.polls.form import ANSWER_FORM, POLL_FORM, SUGGEST_FORM, SURVEY_FORM
from tests.conftest import table_counts
from tests.handlers.plain import buttons, message_text, one, said
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)
PEOPLE = ["U0AMINA", "U0BEA", "U0CHIDI"]


def join(dispatcher: Dispatcher, user_id: str) -> None:
    values = profile_values(display_name=f"Member {user_id}")
    one(dispatcher.submit(caller(user_id), "membership.join", values, ""), DirectMessage)


def poll_values(clock: FakeClock, **changes: object) -> dict[str, object]:
    closes = local(clock.now() + timedelta(days=3), "Europe/London")
    values: dict[str, object] = {
        "question": "Which theme next?",
        "options": "Power and voice\nAnti-racism\nFunding",
        "members_add": False,
        "choice": "single",
        "anonymous": "anonymous",
        "date": closes.date().isoformat(),
        "time": "17:00",
        "audience": ["everyone"],
        "way": "dm",
    }
    values.update(changes)
    return values


def dm_value(runtime: Runtime, user_id: str) -> str:
    with unit_of_work(runtime.session_factory) as session:
        row = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == user_id, OutboxMessage.kind == "poll_dm"
            )
        ).one()
        return str(
            next(
                e["value"]
                for b in row.payload["blocks"]
                if b.get("type") == "actions"
                for e in b["elements"]
            )
        )


def counts(runtime: Runtime) -> list[int]:
    with unit_of_work(runtime.session_factory) as session:
        return [o.votes for o in session.scalars(select(PollOption).order_by(PollOption.id))]


def test_only_facilitators_start_a_poll_or_a_survey(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, "U0AMINA")
    for command in ("poll", "poll themes", "survey"):
        assert "Only facilitators can do that" in said(dispatcher.command(caller(), command))
    form = one(dispatcher.command(FACILITATOR, "poll"), OpenForm).form
    assert form.form_id == POLL_FORM
    assert "poll themes" in said(dispatcher.command(FACILITATOR, "poll sometime"))


def test_the_theme_poll_is_filled_with_the_communitys_themes(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, "U0AMINA")
    with unit_of_work(runtime.session_factory) as session:
        community = session.scalars(select(Community)).one()
        community.themes = ["Anti-racism", "Lived experience leadership"]
    form = one(dispatcher.command(FACILITATOR, "poll themes"), OpenForm).form
    fields = {f.name: f for f in form.fields}
    assert fields["options"].initial == "Anti-racism\nLived experience leadership"
    assert fields["members_add"].initial is True
    assert fields["choice"].initial == "multiple"
    assert {"audience", "way", "date", "time"} <= set(fields)


def test_bad_polls_are_answered_plainly_and_change_nothing(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    join(dispatcher, "U0AMINA")
    before = table_counts(runtime)
    eleven = "\n".join(f"Option {n}" for n in range(11))
    for changes, field in [
        ({"options": "Only one"}, "options"),
        ({"options": eleven}, "options"),
        ({"date": local(clock.now(), "Europe/London").date().isoformat(), "time": "00:01"}, "time"),
        ({"date": "2020-01-01"}, "date"),
    ]:
        errors = one(
            dispatcher.submit(FACILITATOR, POLL_FORM, poll_values(clock, **changes), ""),
            FormErrors,
        ).errors
        assert field in errors
        assert errors[field].endswith(".")
    assert table_counts(runtime) == before


def test_a_poll_is_previewed_confirmed_once_and_voted_on_from_a_dm(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    for user in PEOPLE:
        join(dispatcher, user)
    preview = one(dispatcher.submit(FACILITATOR, POLL_FORM, poll_values(clock), ""), Message)
    assert "goes by DM to *3 people*" in message_text(preview)
    [confirm] = [b for b in buttons(preview) if b.action_id == CONFIRM]
    sent = one(dispatcher.action(FACILITATOR, CONFIRM, confirm.value), Message)
    assert sent.replace_original
    assert "closes" in message_text(sent)
    assert "sent already" in said(dispatcher.action(FACILITATOR, CONFIRM, confirm.value))
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(Poll.status)).one() == "open"
    value = dm_value(runtime, "U0AMINA")
    mine = one(dispatcher.action(caller("U0AMINA"), poll_buttons.vote_action(2), value), Message)
    assert mine.replace_original
    assert "✓ *Anti-racism*" in message_text(mine)
    assert "▓▓▓▓▓▓▓▓▓▓ 1 (100%)" in message_text(mine)
    assert counts(runtime) == [0, 1, 0]
    before = table_counts(runtime)
    # Her first copy again (a replay), Bea using Amina's copy, a made-up value.
    for user, value_sent in [
        ("U0AMINA", value),
        ("U0BEA", value),
        ("U0BEA", value.rsplit("|", 1)[0] + "|" + "0" * 32),
    ]:
        answer = said(dispatcher.action(caller(user), poll_buttons.vote_action(3), value_sent))
        assert "nothing was counted" in answer or "out of date" in answer
    assert counts(runtime) == [0, 1, 0]
    assert table_counts(runtime) == before
    # Her new copy changes her vote.
    new_value = next(b.value for b in buttons(mine) if b.action_id == poll_buttons.vote_action(3))
    changed = one(
        dispatcher.action(caller("U0AMINA"), poll_buttons.vote_action(3), new_value), Message
    )
    assert "✓ *Funding*" in message_text(changed)
    assert counts(runtime) == [0, 0, 1]
    clock.advance(timedelta(days=4))
    late = said(
        dispatcher.action(caller("U0BEA"), poll_buttons.vote_action(1), dm_value(runtime, "U0BEA"))
    )
    assert "closed" in late
    assert counts(runtime) == [0, 0, 1]


def test_members_suggest_an_option(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    for user in PEOPLE:
        join(dispatcher, user)
    preview = one(
        dispatcher.submit(
            FACILITATOR,
            POLL_FORM,
            poll_values(clock, options="Anti-racism\nFunding", members_add=["members_add"]),
            "",
        ),
        Message,
    )
    poll_id = next(b.value for b in buttons(preview) if b.action_id == CONFIRM)
    dispatcher.action(FACILITATOR, CONFIRM, poll_id)
    form = one(dispatcher.action(caller("U0BEA"), poll_buttons.SUGGEST, poll_id), OpenForm).form
    assert form.form_id == SUGGEST_FORM
    assert "Added" in said(
        dispatcher.submit(caller("U0BEA"), SUGGEST_FORM, {"option": "Peer coaching"}, poll_id)
    )
    errors = one(
        dispatcher.submit(caller("U0BEA"), SUGGEST_FORM, {"option": "anti racism"}, poll_id),
        FormErrors,
    ).errors
    assert "already an option" in errors["option"]
    assert len(counts(runtime)) == 3


def test_the_survey_goes_by_dm_and_is_answered_once(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    for user in PEOPLE:
        join(dispatcher, user)
    form = one(dispatcher.command(FACILITATOR, "survey"), OpenForm).form
    assert form.form_id == SURVEY_FORM
    closes = local(clock.now() + timedelta(days=10), "Europe/London").date().isoformat()
    before = table_counts(runtime)
    errors = one(
        dispatcher.submit(
            FACILITATOR,
            SURVEY_FORM,
            {"audience": ["everyone"], "date": "2020-01-01", "time": "17:00"},
            "",
        ),
        FormErrors,
    ).errors
    assert "date" in errors
    assert table_counts(runtime) == before
    preview = one(
        dispatcher.submit(
            FACILITATOR,
            SURVEY_FORM,
            {"audience": ["everyone"], "date": closes, "time": "17:00", "anonymous": True},
            "",
        ),
        Message,
    )
    assert "*3 people*" in message_text(preview)
    survey_id = next(b.value for b in buttons(preview) if b.action_id == SURVEY_CONFIRM)
    assert "Sent to 3 people" in said(dispatcher.action(FACILITATOR, SURVEY_CONFIRM, survey_id))
    answer_form = one(
        dispatcher.action(caller("U0BEA"), poll_buttons.SURVEY_OPEN, survey_id), OpenForm
    ).form
    assert answer_form.form_id == ANSWER_FORM
    assert [f.name for f in answer_form.fields] == [
        "helped",
        "hindered",
        "continue",
        "value",
        "change",
    ]
    thanks = one(
        dispatcher.submit(
            caller("U0BEA"), ANSWER_FORM, {"helped": "The sets", "continue": "4"}, survey_id
        ),
        DirectMessage,
    )
    assert "Thank you" in message_text(thanks.message)
    assert "already" in said(
        dispatcher.action(caller("U0BEA"), poll_buttons.SURVEY_OPEN, survey_id)
    )
    before = table_counts(runtime)
    assert "already" in said(
        dispatcher.submit(caller("U0BEA"), ANSWER_FORM, {"helped": "Twice"}, survey_id)
    )
    assert table_counts(runtime) == before


def test_facilitators_see_who_chose_what_only_in_a_named_poll(
    dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock
) -> None:
    for user in PEOPLE:
        join(dispatcher, user)
    assert "No polls yet" in said(dispatcher.command(FACILITATOR, "polls"))
    for anonymous, question in (("anonymous", "Secret ballot?"), ("named", "Open ballot?")):
        preview = one(
            dispatcher.submit(
                FACILITATOR,
                POLL_FORM,
                poll_values(clock, anonymous=anonymous, question=question),
                "",
            ),
            Message,
        )
        poll_id = next(b.value for b in buttons(preview) if b.action_id == CONFIRM)
        dispatcher.action(FACILITATOR, CONFIRM, poll_id)
        for user in PEOPLE[:2]:
            value = next(
                v for v in dm_values(runtime, user) if v == poll_id or v.startswith(poll_id + "|")
            )
            dispatcher.action(caller(user), poll_buttons.vote_action(2), value)
    listing = message_text(one(dispatcher.command(FACILITATOR, "polls"), Message))
    assert "Open ballot?" in listing
    assert "Secret ballot?" in listing
    assert "Anti-racism: Member U0AMINA and Member U0BEA" in listing
    assert listing.count("Member U0") == 2  # the named poll's two voters, nobody else
    assert "Only facilitators" in said(dispatcher.command(caller("U0AMINA"), "polls"))


def dm_values(runtime: Runtime, user_id: str) -> list[str]:
    with unit_of_work(runtime.session_factory) as session:
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == user_id, OutboxMessage.kind == "poll_dm"
            )
        ).all()
        return [
            str(e["value"])
            for row in rows
            for b in row.payload["blocks"]
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["action_id"] == poll_buttons.vote_action(1)
        ]
