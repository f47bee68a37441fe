"""Action learning sets, forming, through the dispatcher: `set join | leave` (and the
profile question), the facilitators' `sets`, `sets form` and its preview, `sets move |
swap | add | merge | close`, and the buttons. Each bad input gets one plain sentence and
changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from bot.wiring import Runtime
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.models import Member
from core.sets import service as sets
from core.sets.models import CycleStatus, LearningSet, SetCycle, SetMembership
from core.ui import DirectMessage, FieldValue, Message, OpenForm
from handlers.dispatch import Dispatcher
from handlers.sets import forming
from handlers.sets.form import FORMING_FORM
from tests.conftest import table_counts
from tests.core.test_sets_service import ORGANISATIONS, TWENTY_THREE
from tests.handlers.plain import buttons, message_text, one, said
from tests.helpers import caller, profile_values

FACILITATOR = caller("UFACIL01", facilitator=True)
USERS = [f"U0P{i:02d}" for i in range(23)]


def join(
    dispatcher: Dispatcher, user: str, organisation: str, band: str, **more: FieldValue
) -> None:
    values = profile_values(
        display_name=f"Member {user}", organisation=organisation, org_size=band, languages=["en"]
    )
    values.update(more)
    one(dispatcher.submit(caller(user), "membership.join", values, ""), DirectMessage)


def everyone_joins(dispatcher: Dispatcher) -> None:
    for user, organisation in zip(USERS, TWENTY_THREE, strict=True):
        join(dispatcher, user, organisation, ORGANISATIONS[organisation], wants_set=True)


def form_values(**changes: FieldValue) -> dict[str, FieldValue]:
    values: dict[str, FieldValue] = {
        "min_size": "4",
        "max_size": "6",
        "grouping": "same_band",
        "meetings": "6",
        "rhythm_weeks": "4",
        "meeting_minutes": "120",
        "space_kind": "group_dm",
        "advised": False,
    }
    values.update(changes)
    return values


def placement(runtime: Runtime) -> dict[str, int]:
    with unit_of_work(runtime.session_factory) as session:
        rows = session.execute(
            select(Member.platform_user_id, LearningSet.number)
            .join(SetMembership, SetMembership.member_id == Member.id)
            .join(LearningSet, LearningSet.id == SetMembership.set_id)
        ).all()
        return {str(user): int(number) for user, number in rows}


def organisations(runtime: Runtime) -> dict[str, str]:
    with unit_of_work(runtime.session_factory) as session:
        return {m.platform_user_id: m.organisation for m in session.scalars(select(Member))}


def test_members_ask_for_a_set_and_leave_the_list(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, "U0AMINA", "Refugee Action Now", "100k_1m")
    assert "You'll be in the next forming" in message_text(
        one(dispatcher.command(caller("U0AMINA"), "set join"), Message)
    )
    assert "already on the list" in message_text(
        one(dispatcher.command(caller("U0AMINA"), "set join"), Message)
    )
    assert "on the list for one" in said(dispatcher.command(caller("U0AMINA"), "set"))
    # The profile form asks too, prefilled.
    form = one(dispatcher.command(caller("U0AMINA"), "join"), OpenForm).form
    wants = next(f for f in form.fields if f.name == "wants_set")
    assert wants.initial is True
    assert "off the list" in message_text(
        one(dispatcher.command(caller("U0AMINA"), "set leave"), Message)
    )
    before = table_counts(runtime)
    assert "weren't on the list" in message_text(
        one(dispatcher.command(caller("U0AMINA"), "set leave"), Message)
    )
    assert "`/cop set join`" in said(dispatcher.command(caller("U0AMINA"), "set dance"))
    assert table_counts(runtime) == before
    assert "haven't joined" in said(dispatcher.command(caller("U0NEVER"), "set join"))


def test_only_facilitators_form_sets(dispatcher: Dispatcher, runtime: Runtime) -> None:
    join(dispatcher, "U0AMINA", "Refugee Action Now", "100k_1m")
    before = table_counts(runtime)
    for words in ("sets", "sets form", "sets swap <@U0A> <@U0B>"):
        assert "Only facilitators" in said(dispatcher.command(caller("U0AMINA"), words))
    assert "Only facilitators" in said(
        dispatcher.submit(caller("U0AMINA"), FORMING_FORM, form_values(), "")
    )
    assert "Only facilitators" in said(dispatcher.action(caller("U0AMINA"), forming.CONFIRM, "1"))
    assert table_counts(runtime) == before


def test_forming_previewing_swapping_and_confirming(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    everyone_joins(dispatcher)
    overview = one(dispatcher.command(FACILITATOR, "sets"), Message)
    assert "23 members have said they'd like one" in message_text(overview)
    start = next(b for b in buttons(overview) if b.action_id == forming.START_FORMING)
    form = one(dispatcher.action(FACILITATOR, start.action_id, ""), OpenForm).form
    assert form.form_id == FORMING_FORM
    assert {f.name: f.initial for f in form.fields}["max_size"] == "6"

    # A bad form keeps it open with the problems, and stores nothing.
    before = table_counts(runtime)
    errors = dispatcher.submit(
        FACILITATOR, FORMING_FORM, form_values(min_size="6", max_size="4"), ""
    )
    assert "max_size" in str(errors)
    assert table_counts(runtime) == before

    preview = one(dispatcher.submit(FACILITATOR, FORMING_FORM, form_values(), ""), DirectMessage)
    shown = message_text(preview.message)
    assert "preview (nothing sent)" in shown
    assert shown.count("*Set ") == 4
    assert "Refugee Action Now (£100k–£1m)" in shown
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(OutboxMessage.id)) is None

    placed, orgs = placement(runtime), organisations(runtime)
    # Bad moves and swaps: one sentence each, nothing changes.
    before = table_counts(runtime)
    join(dispatcher, "U0OUT", "Elsewhere", "under_10k")
    before = table_counts(runtime)
    assert "isn't in this preview" in said(dispatcher.command(FACILITATOR, "sets move <@U0OUT> 2"))
    assert "Mention one person" in said(dispatcher.command(FACILITATOR, "sets move 2"))
    conflict = next(
        (a, b)
        for a in USERS
        for b in USERS
        if placed[a] != placed[b]
        and any(orgs[o] == orgs[b] and o != a for o in USERS if placed[o] == placed[a])
    )
    refused = said(dispatcher.command(FACILITATOR, f"sets swap <@{conflict[0]}> <@{conflict[1]}>"))
    assert "same organisation" in refused
    assert placement(runtime) == placed
    assert table_counts(runtime) == before

    fine = next(
        (a, b)
        for a in USERS
        for b in USERS
        if placed[a] < placed[b]
        and not any(orgs[o] == orgs[b] for o in USERS if placed[o] == placed[a] and o != a)
        and not any(orgs[o] == orgs[a] for o in USERS if placed[o] == placed[b] and o != b)
    )
    swapped = said(dispatcher.command(FACILITATOR, f"sets swap <@{fine[0]}> <@{fine[1]}>"))
    assert "preview (nothing sent)" in swapped
    assert placement(runtime)[fine[0]] == placed[fine[1]]

    confirm = next(b for b in buttons(preview.message) if b.action_id == forming.CONFIRM)
    started = message_text(
        one(dispatcher.action(FACILITATOR, confirm.action_id, confirm.value), Message)
    )
    assert "Cycle 1 has started" in started
    before = table_counts(runtime)
    again = said(dispatcher.action(FACILITATOR, confirm.action_id, confirm.value))
    assert "already been created" in again
    assert table_counts(runtime) == before
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalars(select(SetCycle.status)).one() == CycleStatus.ACTIVE.value
        welcomes = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == sets.WELCOME_KIND)
        ).all()
        assert len(welcomes) == 4

    overview_text = said(dispatcher.command(FACILITATOR, "sets"))
    assert "cycle 1" in overview_text
    assert "0 meetings held; no meeting planned yet" in overview_text
    assert "0 people are waiting" in overview_text
    # Forming again while a cycle runs says what to do instead.
    assert "already running" in said(
        dispatcher.submit(FACILITATOR, FORMING_FORM, form_values(), "")
    )

    # A member in a set leaves: asked once, then the set hears.
    leaver = USERS[0]
    ask = one(dispatcher.command(caller(leaver), "set leave"), Message)
    quiet = next(b for b in buttons(ask) if b.action_id == forming.LEAVE_QUIET)
    left = message_text(
        one(dispatcher.action(caller(leaver), quiet.action_id, quiet.value), Message)
    )
    assert "set has been told there's a space" in left
    assert "not in that set any more" in said(
        dispatcher.action(caller(leaver), quiet.action_id, quiet.value)
    )
    assert leaver not in placement(runtime)

    # Late joiner, merge refused, close with a confirm.
    assert "isn't a member" in said(dispatcher.command(FACILITATOR, "sets add <@U0NEVER> 1"))
    added = said(dispatcher.command(FACILITATOR, f"sets add <@{leaver}>"))
    assert "is now in set" in added or "waiting list" in added
    assert "nothing has changed" in said(dispatcher.command(FACILITATOR, "sets merge 1 2"))
    assert "Name two sets" in said(dispatcher.command(FACILITATOR, "sets merge 1"))
    ask_close = one(dispatcher.command(FACILITATOR, "sets close"), Message)
    close = next(b for b in buttons(ask_close) if b.action_id == forming.CLOSE)
    assert close.confirm is not None
    closed = one(dispatcher.action(FACILITATOR, close.action_id, close.value), Message)
    assert "cycle is closed" in message_text(closed)
    assert "already ended" in said(dispatcher.action(FACILITATOR, close.action_id, close.value))


def test_stats_before_any_cycle_say_how_to_start_and_are_for_facilitators(
    dispatcher: Dispatcher, runtime: Runtime
) -> None:
    join(dispatcher, USERS[0], "Welcome Hub", "100k_1m")
    before = table_counts(runtime)
    assert "Only facilitators" in said(dispatcher.command(caller(USERS[0]), "sets stats"))
    shown = said(dispatcher.command(FACILITATOR, "sets stats"))
    assert "No cycle of action learning sets is running" in shown
    assert "`/cop sets form`" in shown
    assert table_counts(runtime) == before
