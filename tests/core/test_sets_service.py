"""Action learning sets, forming (core/sets/service.py) on a real database.

Who wants a set, a preview from the matcher (nothing sent), moves and swaps that keep the
hard rules, confirming (turns, welcomes in the outbox, once), and the cycle's changes: a
leaver (the set hears; facilitators hear when it is too small), a late joiner, a merge,
closing early, where a welcome landed, `my-data` and `forget-me`. Dates from the clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities, privacy
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery import recipients
from core.delivery.models import OutboxMessage
from core.errors import InvalidInput, UserError
from core.membership import service as membership
from core.models import Community, Member, Role
from core.sets import service as sets
from core.sets.models import (
    CycleStatus,
    LearningSet,
    SetCycle,
    SetInterest,
    SetMembership,
    SetStatus,
    SetWaiting,
    SpaceKind,
)
from tests.conftest import table_counts
from tests.core.drafts import draft

# Nine organisations in three size bands; 23 people (five organisations of three, four of two).
ORGANISATIONS = {
    "Small Steps": "under_10k",
    "Kitchen Table Aid": "under_10k",
    "Night Shelter North": "under_10k",
    "Refugee Action Now": "100k_1m",
    "Welcome Hub": "100k_1m",
    "Open Doors": "100k_1m",
    "Migrant Voice National": "over_10m",
    "Safe Passage": "over_10m",
    "Rights First": "over_10m",
}
TWENTY_THREE = [org for org in ORGANISATIONS for _ in range(3)][:23]


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as session:
        yield session


@pytest.fixture
def community(session: Session, clock: FakeClock) -> Community:
    return communities.get_or_create(
        session, "slack", "T0001", timezone="Europe/London", now=clock.now()
    )


def join(
    session: Session, community: Community, clock: FakeClock, user_id: str, **changes: Any
) -> Member:
    profile = membership.check_profile(
        draft(
            **{
                "display_name": f"Member {user_id}",
                "organisation": f"Organisation {user_id}",
                "languages": ["en"],
                **changes,
            }
        ),
        community,
        joining=True,
    )
    member, _ = membership.join(session, community, user_id, profile, clock.now())
    return member


def twenty_three(session: Session, community: Community, clock: FakeClock) -> list[Member]:
    people = []
    for i, organisation in enumerate(TWENTY_THREE):
        member = join(
            session,
            community,
            clock,
            f"U0P{i:02d}",
            organisation=organisation,
            org_size=ORGANISATIONS[organisation],
        )
        sets.set_interest(session, member, True, clock.now())
        people.append(member)
    return people


def preview(session: Session, community: Community, clock: FakeClock, **choices: Any) -> Any:
    return sets.form_preview(session, community, sets.FormChoices(**choices), None, clock.now())


def where(view: sets.CycleView) -> dict[int, int]:
    return {m.id: s.row.number for s in view.sets for m in s.members}


def outbox_rows(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# ---- interest ------------------------------------------------------------------------------------


def test_interest_is_recorded_once_and_withdrawn(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina = join(session, community, clock, "U0AMINA")
    assert not sets.wants_a_set(session, amina)
    assert sets.set_interest(session, amina, True, clock.now())
    assert not sets.set_interest(session, amina, True, clock.now())
    assert sets.interest_count(session, community) == 1
    assert sets.withdraw(session, amina, clock.now())
    assert not sets.withdraw(session, amina, clock.now())
    assert sets.interest_count(session, community) == 0


# ---- forming -------------------------------------------------------------------------------------


def test_twenty_three_people_make_four_sets_and_nothing_is_sent(
    session: Session, community: Community, clock: FakeClock
) -> None:
    people = twenty_three(session, community, clock)
    view = preview(session, community, clock)
    assert view.cycle.status == CycleStatus.PREVIEW.value
    assert sorted(len(s.members) for s in view.sets) == [5, 6, 6, 6]
    assert view.quality.hard_violations == 0
    assert view.waiting == []
    for shown in view.sets:
        organisations = [m.organisation for m in shown.members]
        assert len(set(organisations)) == len(organisations)
        assert shown.row.name.startswith("cop-set-")
        assert not any(m.display_name.lower() in shown.row.name for m in shown.members)
    assert set(where(view)) == {m.id for m in people}
    assert outbox_rows(session) == []

    # Forming again replaces the preview: still one cycle, numbered 1.
    again = preview(session, community, clock, min_size=5, max_size=6)
    assert again.cycle.number == 1
    assert len(list(session.scalars(select(SetCycle)))) == 1
    assert {s.row.cycle_id for s in again.sets} == {again.cycle.id}


def test_forming_with_too_few_or_bad_choices_says_so(
    runtime: Runtime, session: Session, community: Community, clock: FakeClock
) -> None:
    for i in range(3):
        member = join(session, community, clock, f"U0F{i}")
        sets.set_interest(session, member, True, clock.now())
    session.commit()
    before = table_counts(runtime)
    with pytest.raises(UserError, match="Only 3 members want a set so far"):
        preview(session, community, clock)
    with pytest.raises(InvalidInput) as problem:
        preview(session, community, clock, min_size=6, max_size=4, meetings=0)
    assert set(problem.value.errors) == {"max_size", "meetings"}
    session.rollback()
    assert table_counts(runtime) == before


def test_moves_and_swaps_keep_the_hard_rules(
    session: Session, community: Community, clock: FakeClock
) -> None:
    people = twenty_three(session, community, clock)
    view = preview(session, community, clock)
    placed = where(view)
    by_set = {s.row.number: s.members for s in view.sets}
    # A swap that would put two colleagues together is refused, saying which rule.
    conflict = next(
        (a, b)
        for a in people
        for b in people
        if placed[a.id] != placed[b.id]
        and any(m.organisation == b.organisation and m.id != a.id for m in by_set[placed[a.id]])
    )
    with pytest.raises(UserError, match="two people from the same organisation"):
        sets.swap(session, community, *conflict, clock.now())
    assert where(sets.view(session, community, view.cycle, clock.now().date())) == placed

    # A swap that keeps the rules goes through; the warnings are recomputed.
    fine = next(
        (a, b)
        for a in people
        for b in people
        if placed[a.id] < placed[b.id]
        and not any(m.organisation == b.organisation for m in by_set[placed[a.id]] if m != a)
        and not any(m.organisation == a.organisation for m in by_set[placed[b.id]] if m != b)
    )
    swapped = sets.swap(session, community, *fine, clock.now())
    after = where(swapped)
    assert (after[fine[0].id], after[fine[1].id]) == (placed[fine[1].id], placed[fine[0].id])
    assert swapped.quality.hard_violations == 0

    # Moving from a six to the five is allowed; a move past the largest size is not.
    sizes = {s.row.number: len(s.members) for s in swapped.sets}
    five = next(n for n, size in sizes.items() if size == 5)
    six = next(n for n, size in sizes.items() if size == 6)
    mover = next(
        m
        for m in people
        if after[m.id] == six
        and not any(o.organisation == m.organisation for o in people if after[o.id] == five)
    )
    moved = sets.move(session, community, mover, five, clock.now())
    assert where(moved)[mover.id] == five
    now_in_five = {o.organisation for o in people if where(moved)[o.id] == five}
    back_again = next(
        m for m in people if where(moved)[m.id] == six and m.organisation not in now_in_five
    )
    with pytest.raises(UserError, match="larger than the largest size"):
        sets.move(session, community, back_again, five, clock.now())

    outsider = join(session, community, clock, "U0OUTSIDE")
    with pytest.raises(UserError, match="isn't in this preview"):
        sets.move(session, community, outsider, 1, clock.now())
    with pytest.raises(UserError, match="no set 9"):
        sets.move(session, community, mover, 9, clock.now())


# ---- confirming ----------------------------------------------------------------------------------


def test_confirm_starts_the_cycle_once_with_turns_and_welcomes(
    session: Session, community: Community, clock: FakeClock
) -> None:
    twenty_three(session, community, clock)
    view = preview(session, community, clock)
    done = sets.confirm(session, community, view.cycle.id, clock.now())
    assert done is not None
    assert (done.sets, done.members, done.waiting) == (4, 23, 0)
    assert view.cycle.status == CycleStatus.ACTIVE.value
    rows = outbox_rows(session)
    assert sorted(r.key for r in rows) == sorted(f"sets:welcome:{s.row.id}" for s in view.sets)
    for shown in view.sets:
        turns = sorted(
            session.scalars(select(SetMembership.turn).where(SetMembership.set_id == shown.row.id))
        )
        assert turns == list(range(len(shown.members)))
        row = next(r for r in rows if r.key == f"sets:welcome:{shown.row.id}")
        target = recipients.parse(row.recipient)
        assert isinstance(target, recipients.PrivateSpace)
        assert target.name == shown.row.name
        assert set(target.user_ids) == {m.platform_user_id for m in shown.members}
        text = str(row.payload)
        assert "action learning set" in text
        assert "sets.pick_time" in text
    # A second click does nothing more.
    assert sets.confirm(session, community, view.cycle.id, clock.now()) is None
    assert len(outbox_rows(session)) == 4


def test_group_dm_cycles_and_where_the_welcome_landed(
    session: Session, community: Community, clock: FakeClock
) -> None:
    twenty_three(session, community, clock)
    view = preview(session, community, clock, space_kind=SpaceKind.GROUP_DM.value)
    sets.confirm(session, community, view.cycle.id, clock.now())
    row = outbox_rows(session)[0]
    assert "," in row.recipient
    assert ":" not in row.recipient
    row.sent_channel = "G0SPACE1"
    sets.message_sent(session, row, None)
    learning_set = session.get_one(LearningSet, int(row.key.split(":")[2]))
    assert (learning_set.space_id, learning_set.space_kind) == ("G0SPACE1", "group_dm")


# ---- during the cycle ----------------------------------------------------------------------------


def started(session: Session, community: Community, clock: FakeClock, **choices: Any) -> Any:
    people = twenty_three(session, community, clock)
    view = preview(session, community, clock, **choices)
    sets.confirm(session, community, view.cycle.id, clock.now())
    return people, view


def test_a_leaver_frees_a_space_and_facilitators_hear_of_a_small_set(
    session: Session, community: Community, clock: FakeClock
) -> None:
    facilitator = join(session, community, clock, "U0FACIL", organisation="Catalyst")
    facilitator.role = Role.FACILITATOR.value
    _people, view = started(session, community, clock)
    five = next(s for s in view.sets if len(s.members) == 5)
    leaver = five.members[0]
    clock.advance(timedelta(days=3))
    left = sets.leave_set(session, leaver, clock.now(), named=False)
    assert left is not None
    assert left.id == five.row.id
    assert sets.current_set(session, leaver) is None
    turns = sorted(
        session.scalars(select(SetMembership.turn).where(SetMembership.set_id == five.row.id))
    )
    assert turns == [0, 1, 2, 3]
    note = [r for r in outbox_rows(session) if r.key.startswith("sets:left:")]
    assert len(note) == 1
    assert "A member has left the set" in str(note[0].payload)
    assert leaver.platform_user_id not in note[0].recipient
    # Four is still the minimum: facilitators hear nothing yet. One more leaves: they do.
    assert not [r for r in outbox_rows(session) if r.kind == sets.FACILITATORS_KIND]
    sets.leave_set(session, five.members[1], clock.now(), named=True)
    told = [r for r in outbox_rows(session) if r.kind == sets.FACILITATORS_KIND]
    assert [r.recipient for r in told] == ["U0FACIL"]
    assert "is down to 3" in str(told[0].payload)
    named = [r for r in outbox_rows(session) if r.key.startswith("sets:left:")][-1]
    assert five.members[1].display_name in str(named.payload)
    # Leaving twice changes nothing.
    assert sets.leave_set(session, leaver, clock.now(), named=False) is None


def test_late_joiners_merges_and_closing(
    session: Session, community: Community, clock: FakeClock
) -> None:
    _people, view = started(session, community, clock)
    five = next(s for s in view.sets if len(s.members) == 5)
    late = join(session, community, clock, "U0LATE", organisation="Brand New Org")
    added = sets.add_late(session, community, late, five.row.number, clock.now(), "/cop")
    assert added.learning_set is not None
    assert added.learning_set.id == five.row.id
    assert sets.wants_a_set(session, late)
    keys = [r.key for r in outbox_rows(session)]
    assert any(k.startswith(f"sets:joined:{five.row.id}:") for k in keys)
    assert any(k.startswith(f"sets:placed:{five.row.id}:") for k in keys)
    with pytest.raises(UserError, match="already in set"):
        sets.add_late(session, community, late, None, clock.now(), "/cop")
    # Every set is full now: the next late joiner waits.
    later = join(session, community, clock, "U0LATER", organisation="Another New Org")
    assert sets.add_late(session, community, later, None, clock.now(), "/cop").learning_set is None
    assert session.get(SetWaiting, (view.cycle.id, later.id)) is not None
    full = view.sets[0].row.number
    with pytest.raises(UserError, match="larger than the largest size"):
        sets.add_late(session, community, later, full, clock.now(), "/cop")

    # Two sets of six can't merge (twelve is over six); refused, nothing changes.
    with pytest.raises(UserError, match="so nothing has changed"):
        sets.merge(
            session, community, view.sets[0].row.number, view.sets[1].row.number, clock.now()
        )

    cycle = view.cycle
    for number, learning_set in enumerate(session.scalars(select(LearningSet)), start=1):
        learning_set.space_id = f"C0SET{number}"  # their welcomes went out: spaces exist
    assert sets.close_cycle(session, community, cycle.id, clock.now())
    assert cycle.status == CycleStatus.CLOSED.value
    assert {s.status for s in session.scalars(select(LearningSet))} == {SetStatus.CLOSED.value}
    closing = [r for r in outbox_rows(session) if r.key.startswith("sets:closed:")]
    assert len(closing) == 4
    assert all(r.recipient.startswith("archive:C0SET") for r in closing)
    assert not sets.close_cycle(session, community, cycle.id, clock.now())


def test_merge_brings_a_small_set_into_another(
    session: Session, community: Community, clock: FakeClock
) -> None:
    _people, view = started(session, community, clock, min_size=2, max_size=8)
    sizes = Counter(len(s.members) for s in view.sets)
    assert sum(n * k for n, k in sizes.items()) == 23
    small = min(view.sets, key=lambda s: len(s.members))
    stayer, keep = next(
        (stayer, other)
        for stayer in small.members
        for other in view.sets
        if other is not small and stayer.organisation not in {m.organisation for m in other.members}
    )
    for member in small.members:
        if member is not stayer:
            sets.leave_set(session, member, clock.now(), named=False)
    small.row.space_id = "C0SMALL"  # its channel exists (the welcome went out)
    kept = sets.merge(session, community, keep.row.number, small.row.number, clock.now())
    assert kept.id == keep.row.id
    assert small.row.status == SetStatus.DISSOLVED.value
    assert len(sets.set_members(session, kept)) == len(keep.members) + 1
    assert any(r.key.startswith("sets:merged:") for r in outbox_rows(session))
    # The dissolved set's channel gets a last word and is archived (kept, not deleted).
    [goodbye] = [r for r in outbox_rows(session) if r.key == f"sets:dissolved:{small.row.id}"]
    assert goodbye.recipient == "archive:C0SMALL"
    assert f"joined set {keep.row.number}" in str(goodbye.payload)


def test_closing_before_a_welcome_went_makes_no_channel(
    session: Session, community: Community, clock: FakeClock
) -> None:
    _people, view = started(session, community, clock)
    welcomes = [r for r in outbox_rows(session) if r.key.startswith("sets:welcome:")]
    assert len(welcomes) == len(view.sets)  # confirmed, nothing delivered yet
    cycle_id = view.sets[0].row.cycle_id
    assert sets.close_cycle(session, community, cycle_id, clock.now())
    keys = [r.key for r in outbox_rows(session)]
    # No welcome left to create a channel, and no closing note to a channel never made.
    assert not [k for k in keys if k.startswith(("sets:welcome:", "sets:closed:"))]


def test_my_data_and_forget_me(session: Session, community: Community, clock: FakeClock) -> None:
    people, view = started(session, community, clock)
    someone = view.sets[0].members[0]
    data = sets.personal_data(session, someone)
    assert data["wants_a_set"] is True
    assert data["sets"][0]["set"] == view.sets[0].row.number
    assert "action_learning_sets" in privacy.personal_data(session, someone)

    privacy.forget(session, someone, clock.now())
    assert session.get(SetInterest, someone.id) is None
    assert sets.set_members(session, view.sets[0].row) == [
        m for m in sets.set_members(session, view.sets[0].row) if m.id != someone.id
    ]
    assert len(sets.set_members(session, view.sets[0].row)) == len(view.sets[0].members) - 1
    told = [r for r in outbox_rows(session) if r.key.startswith("sets:left:")]
    assert len(told) == 1
    assert "A member has left the set" in str(told[0].payload)
    assert all(someone.platform_user_id not in r.recipient for r in outbox_rows(session))
    assert len(people) == 23
