"""Peer coaching, the service itself (core/pairing/service.py) on a real database.

Settings and the next round, who takes part in a round (cadence, pauses, skips, leaving),
running a round (everyone placed once, avoid-lists, repeats, what is queued), answers
(and that nobody answers for a group they are not in) and `my-data`'s pairing part. Every
date comes from the fake clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import ItemStatus, OutboxMessage, ScheduledItem
from core.errors import UserError
from core.membership import service as membership
from core.models import Community, Member, PairingCadence
from core.pairing import matching
from core.pairing import service as pairing
from core.pairing.models import (
    Outcome,
    PairingGroup,
    PairingGroupMember,
    PairingItemKind,
    PairingPreference,
    PairingRound,
    PairingSettings,
)
from tests.core.drafts import draft

LONDON = ZoneInfo("Europe/London")
ORGS = ("Refugee Action Now", "Welcome Hub", "Migrant Voice North", "Open Doors", "Safe Haven")


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
    session: Session,
    community: Community,
    clock: FakeClock,
    user_id: str,
    *,
    cadence: str = "weekly",
    organisation: str | None = None,
    **changes: object,
) -> Member:
    """A member as `join` stores them; each in their own organisation unless told."""
    profile = membership.check_profile(
        draft(
            **{
                "display_name": f"Member {user_id}",
                "organisation": organisation or f"Organisation {user_id}",
                "pairing_cadence": cadence,
                "languages": ["en"],
                **changes,
            }
        ),
        community,
        joining=True,
    )
    member, _ = membership.join(session, community, user_id, profile, clock.now())
    return member


def many(
    session: Session, community: Community, clock: FakeClock, count: int, **changes: Any
) -> list[Member]:
    return [join(session, community, clock, f"U0M{i:02d}", **changes) for i in range(count)]


def settings_draft(**changes: object) -> pairing.SettingsDraft:
    values: dict[str, object] = {
        "enabled": True,
        "weekday": 2,
        "local_time": "09:00",
        "recency_weeks": 12,
        "blend": "mix",
        "weights": dict.fromkeys(pairing.WEIGHT_FIELDS, 1.0) | {"weight_organisation": 20.0},
    }
    values.update(changes)
    return pairing.SettingsDraft(**values)  # type: ignore[arg-type]


def first_after(now: datetime, weekday: int, at: time) -> datetime:
    """The first `weekday` at `at` (London wall clock) strictly after `now`, day by day."""
    day = now.astimezone(LONDON).date()
    while True:
        slot = datetime.combine(day, at, tzinfo=LONDON)
        if slot.weekday() == weekday and slot > now:
            return slot.astimezone(UTC)
        day += timedelta(days=1)


def ids(members: list[Member]) -> set[int]:
    return {m.id for m in members}


def run(
    session: Session, community: Community, clock: FakeClock, *, weeks_later: int = 0
) -> pairing.RoundResult:
    """A round at the clock's now, after moving it on by `weeks_later` weeks."""
    clock.advance(timedelta(weeks=weeks_later))
    return pairing.run_round(session, community, clock.now(), clock.now(), manual=True)


def groups_of(session: Session, pairing_round: PairingRound) -> list[list[int]]:
    found = session.scalars(
        select(PairingGroup).where(PairingGroup.round_id == pairing_round.id)
    ).all()
    return [[m.id for m in pairing.group_members(session, g)] for g in found]


def the_group(session: Session, member: Member) -> PairingGroup:
    current = pairing.current_group(session, member)
    assert current is not None, "the member has no group in the latest round"
    return current[1]


# ---- settings -----------------------------------------------------------------------------------


def test_before_saving_the_defaults_are_rounds_off_on_monday_at_nine(
    session: Session, community: Community, clock: FakeClock
) -> None:
    assert pairing.settings_of(session, community) is None
    found = pairing.effective(session, community, clock.now())
    assert (found.enabled, found.weekday, found.local_time, found.recency_weeks) == (
        False,
        0,
        "09:00",
        12,
    )
    assert pairing.weights_of(found) == matching.Weights()  # the matching's own defaults


def test_saving_settings_stores_them_and_plans_the_next_round(
    session: Session, community: Community, clock: FakeClock
) -> None:
    weights = {name: float(i) for i, name in enumerate(pairing.WEIGHT_FIELDS)}
    upcoming = pairing.save_settings(
        session,
        community,
        settings_draft(
            weekday=3, local_time="14:30", recency_weeks=6, blend="match", weights=weights
        ),
        clock.now(),
    )

    expected = first_after(clock.now(), 3, time(14, 30))
    assert upcoming is not None
    assert upcoming.at == expected
    assert upcoming.notice_at == expected - timedelta(days=1)
    row = pairing.settings_of(session, community)
    assert row is not None
    assert (row.enabled, row.weekday, row.local_time, row.recency_weeks, row.blend) == (
        True,
        3,
        "14:30",
        6,
        "match",
    )
    assert {name: getattr(row, name) for name in pairing.WEIGHT_FIELDS} == weights
    assert pairing.weights_of(row).recency_days == 42
    planned = session.execute(
        select(ScheduledItem.kind, ScheduledItem.due_at).where(
            ScheduledItem.status == ItemStatus.PENDING.value
        )
    ).all()
    assert sorted(planned) == sorted(
        [
            (PairingItemKind.ROUND.value, expected),
            (PairingItemKind.NOTICE.value, expected - timedelta(days=1)),
        ]
    )


def test_saving_again_changes_the_one_row_and_turning_rounds_off_cancels_the_round(
    session: Session, community: Community, clock: FakeClock
) -> None:
    pairing.save_settings(session, community, settings_draft(weekday=2), clock.now())
    moved = pairing.save_settings(session, community, settings_draft(weekday=4), clock.now())
    assert moved is not None
    assert moved.at == first_after(clock.now(), 4, time(9, 0))
    assert len(session.scalars(select(PairingSettings)).all()) == 1

    assert (
        pairing.save_settings(session, community, settings_draft(enabled=False), clock.now())
        is None
    )
    pending = session.scalars(
        select(ScheduledItem).where(ScheduledItem.status == ItemStatus.PENDING.value)
    ).all()
    assert pending == []


# ---- who takes part -----------------------------------------------------------------------------


def test_everyone_who_asked_takes_part_in_the_first_round_but_not_not_now_or_left(
    session: Session, community: Community, clock: FakeClock
) -> None:
    weekly = join(session, community, clock, "U0WEEK", cadence="weekly")
    fortnightly = join(session, community, clock, "U0FORT", cadence="fortnightly")
    monthly = join(session, community, clock, "U0MONTH", cadence="monthly")
    join(session, community, clock, "U0NOTNOW", cadence="not_now")
    gone = join(session, community, clock, "U0GONE", cadence="weekly")
    membership.leave(session, gone, clock.now())

    found = pairing.participants(session, community, clock.now())
    assert ids(found) == {weekly.id, fortnightly.id, monthly.id}


def test_weekly_every_round_fortnightly_every_second_monthly_every_fourth(
    session: Session, community: Community, clock: FakeClock
) -> None:
    weekly = [join(session, community, clock, f"U0W{i}", cadence="weekly") for i in range(2)]
    fortnightly = join(session, community, clock, "U0FORT", cadence="fortnightly")
    monthly = join(session, community, clock, "U0MONTH", cadence="monthly")

    taking_part = []
    for number in range(1, 7):
        result = run(session, community, clock, weeks_later=0 if number == 1 else 1)
        assert result.round is not None
        assert result.round.number == number
        taking_part.append(set(result.plan.members))
    w = ids(weekly)
    assert taking_part == [
        w | {fortnightly.id, monthly.id},  # round 1: everyone is due
        w,
        w | {fortnightly.id},  # round 3
        w,
        w | {fortnightly.id, monthly.id},  # round 5
        w,
    ]


def test_a_paused_member_is_out_until_the_pause_ends(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam, noor = many(session, community, clock, 3)
    until = clock.now() + timedelta(weeks=2)
    pairing.pause(session, amina, until, clock.now())

    assert ids(pairing.participants(session, community, clock.now())) == {sam.id, noor.id}
    assert ids(pairing.participants(session, community, until - timedelta(minutes=1))) == {
        sam.id,
        noor.id,
    }
    assert ids(pairing.participants(session, community, until + timedelta(minutes=1))) == {
        amina.id,
        sam.id,
        noor.id,
    }


def test_pause_refuses_a_past_date_and_one_more_than_a_year_away(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina = join(session, community, clock, "U0AMINA")
    now = clock.now()
    with pytest.raises(UserError, match="already passed"):
        pairing.pause(session, amina, now, now)
    with pytest.raises(UserError, match="up to a year"):
        pairing.pause(session, amina, now + timedelta(days=367), now)
    assert session.get(PairingPreference, amina.id) is None  # nothing was stored

    pairing.pause(session, amina, now + timedelta(days=366), now)
    assert (
        pairing.personal_data(session, amina)["paused_until"]
        == (now + timedelta(days=366)).isoformat()
    )


def test_resume_ends_a_pause_or_a_skip_and_says_when_there_was_nothing(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam = many(session, community, clock, 2)
    now = clock.now()
    assert pairing.resume(session, amina, now) is False  # never paused

    pairing.pause(session, amina, now + timedelta(weeks=4), now)
    assert pairing.resume(session, amina, now) is True
    assert amina.id in ids(pairing.participants(session, community, now))
    assert pairing.resume(session, amina, now) is False

    pairing.skip_next(session, sam, now)
    assert sam.id not in ids(pairing.participants(session, community, now))
    assert pairing.resume(session, sam, now) is True
    assert sam.id in ids(pairing.participants(session, community, now))

    pairing.pause(session, amina, now + timedelta(days=1), now)
    later = now + timedelta(days=2)  # the pause is over by itself
    assert pairing.resume(session, amina, later) is False


def test_a_weekly_skip_is_for_the_next_round_only(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam, noor = many(session, community, clock, 3)
    pairing.skip_next(session, amina, clock.now())

    first = run(session, community, clock)
    assert set(first.plan.members) == {sam.id, noor.id}
    assert pairing.personal_data(session, amina)["skip_next_round"] is False  # used up
    second = run(session, community, clock, weeks_later=1)
    assert set(second.plan.members) == {amina.id, sam.id, noor.id}


def test_a_fortnightly_skip_waits_for_the_round_they_would_have_been_in(
    session: Session, community: Community, clock: FakeClock
) -> None:
    weekly = [join(session, community, clock, f"U0W{i}") for i in range(2)]
    fortnightly = join(session, community, clock, "U0FORT", cadence="fortnightly")
    assert fortnightly.id in set(run(session, community, clock).plan.members)  # round 1
    pairing.skip_next(session, fortnightly, clock.now())

    second = run(session, community, clock, weeks_later=1)  # not due anyway: skip kept
    assert set(second.plan.members) == ids(weekly)
    assert pairing.personal_data(session, fortnightly)["skip_next_round"] is True
    third = run(session, community, clock, weeks_later=1)  # due: skipped, skip used up
    assert set(third.plan.members) == ids(weekly)
    assert pairing.personal_data(session, fortnightly)["skip_next_round"] is False
    fourth = run(session, community, clock, weeks_later=1)  # due since round 3: back in
    assert set(fourth.plan.members) == ids(weekly) | {fortnightly.id}


def test_changing_cadence_to_not_now_takes_a_member_out(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam, noor = many(session, community, clock, 3)
    pairing.set_cadence(amina, PairingCadence.NOT_NOW, clock.now())
    assert ids(pairing.participants(session, community, clock.now())) == {sam.id, noor.id}
    pairing.set_cadence(amina, PairingCadence.MONTHLY, clock.now())
    assert amina.id in ids(pairing.participants(session, community, clock.now()))


# ---- running a round ---------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 5, 8])
def test_a_round_places_everyone_once_in_pairs_and_at_most_one_trio(
    session: Session, community: Community, clock: FakeClock, count: int
) -> None:
    members = many(session, community, clock, count)
    result = run(session, community, clock)

    pairing_round = result.round
    assert pairing_round is not None
    assert (pairing_round.number, pairing_round.participants, pairing_round.unplaced) == (
        1,
        count,
        0,
    )
    assert pairing_round.started_at == clock.now()
    stored = groups_of(session, pairing_round)
    placed = [member_id for group in stored for member_id in group]
    assert sorted(placed) == sorted(m.id for m in members)  # everyone, once
    assert sorted(len(g) for g in stored) == [2] * (count // 2 - count % 2) + [3] * (count % 2)
    trio_thirds = session.scalars(
        select(PairingGroupMember.member_id).where(PairingGroupMember.third.is_(True))
    ).all()
    assert len(trio_thirds) == count % 2

    intros = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "pairing_intro")
    ).all()
    assert len(intros) == len(stored)
    by_user = {m.id: m.platform_user_id for m in members}
    assert sorted(sorted(i.recipient.split(",")) for i in intros) == sorted(
        sorted(by_user[i] for i in group) for group in stored
    )
    checkins = session.scalars(
        select(ScheduledItem).where(ScheduledItem.kind == PairingItemKind.CHECKIN.value)
    ).all()
    assert [c.due_at for c in checkins] == [clock.now() + timedelta(days=3)]


def test_fewer_than_two_taking_part_runs_no_round(
    session: Session, community: Community, clock: FakeClock
) -> None:
    join(session, community, clock, "U0ALONE")
    join(session, community, clock, "U0NOTNOW", cadence="not_now")
    result = run(session, community, clock)
    assert result.round is None
    assert result.plan.participants == 1
    assert session.scalars(select(PairingRound)).all() == []
    assert session.scalars(select(OutboxMessage)).all() == []


def test_different_organisations_are_paired_when_they_can_be(
    session: Session, community: Community, clock: FakeClock
) -> None:
    for i in range(6):
        join(session, community, clock, f"U0M{i}", organisation=ORGS[i % 2])
    result = run(session, community, clock)
    assert result.round is not None
    groups = session.scalars(select(PairingGroup)).all()
    assert len(groups) == 3
    assert all(g.cross_organisation for g in groups)
    assert result.plan.cross_organisation() == 3


def test_a_preview_stores_nothing(session: Session, community: Community, clock: FakeClock) -> None:
    many(session, community, clock, 4)
    preview = pairing.plan(session, community, clock.now())
    assert preview.participants == 4
    assert len(preview.result.groups) == 2
    assert session.scalars(select(PairingRound)).all() == []
    assert pairing.next_round_number(session, community) == 1


def test_someone_avoided_is_never_their_partner(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam, noor, lee = many(session, community, clock, 4)
    assert pairing.avoid(session, amina, sam, clock.now()) is True
    assert pairing.avoid(session, amina, noor, clock.now()) is True
    assert pairing.avoid(session, amina, sam, clock.now()) is False  # already so

    result = run(session, community, clock)
    assert result.round is not None
    stored = {frozenset(g) for g in groups_of(session, result.round)}
    assert stored == {frozenset({amina.id, lee.id}), frozenset({sam.id, noor.id})}


def test_whoever_is_avoided_by_everyone_left_is_unplaced_and_told(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam, noor = many(session, community, clock, 3)
    pairing.avoid(session, sam, amina, clock.now())  # the one asking is the other side
    pairing.avoid(session, noor, amina, clock.now())

    result = run(session, community, clock)
    assert result.round is not None
    assert result.round.unplaced == 1
    assert [member_id for member_id, _ in result.plan.result.unplaced] == [amina.id]
    assert groups_of(session, result.round) == [[sam.id, noor.id]]
    [told] = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "pairing_unplaced")
    ).all()
    assert (told.recipient, told.member_id) == (amina.platform_user_id, amina.id)


def test_avoiding_yourself_is_refused_and_unavoid_undoes_an_avoid(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam = many(session, community, clock, 2)
    with pytest.raises(UserError, match="avoid yourself"):
        pairing.avoid(session, amina, amina, clock.now())
    assert pairing.unavoid(session, amina, sam) is False
    pairing.avoid(session, amina, sam, clock.now())
    assert pairing.unavoid(session, amina, sam) is True
    assert pairing.unavoid(session, amina, sam) is False

    result = run(session, community, clock)
    assert result.round is not None
    assert groups_of(session, result.round) == [[amina.id, sam.id]]


def test_pairs_who_met_are_not_paired_again_when_someone_else_is_free(
    session: Session, community: Community, clock: FakeClock
) -> None:
    members = many(session, community, clock, 4)
    first = run(session, community, clock)
    assert first.round is not None
    before = {frozenset(g) for g in groups_of(session, first.round)}

    second = run(session, community, clock, weeks_later=1)
    assert second.round is not None
    after = {frozenset(g) for g in groups_of(session, second.round)}
    assert before.isdisjoint(after)
    assert {i for g in after for i in g} == ids(members)
    assert not any(g.repeat for g in session.scalars(select(PairingGroup)))
    assert second.round.number == 2


def test_an_unavoidable_repeat_is_made_and_marked(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam = many(session, community, clock, 2)
    run(session, community, clock)
    second = run(session, community, clock, weeks_later=1)
    assert second.round is not None
    [group] = session.scalars(
        select(PairingGroup).where(PairingGroup.round_id == second.round.id)
    ).all()
    assert group.repeat is True
    assert second.plan.result.repeats == 1
    assert set(pairing.group_members(session, group)) == {amina, sam}


def test_we_couldnt_does_not_count_as_meeting(
    session: Session, community: Community, clock: FakeClock
) -> None:
    members = {m.id: m for m in many(session, community, clock, 4)}
    first = run(session, community, clock)
    assert first.round is not None
    met, couldnt = groups_of(session, first.round)
    pairing.answer(session, members[met[0]], group_id(session, met), Outcome.MET, clock.now())
    pairing.answer(
        session, members[couldnt[1]], group_id(session, couldnt), Outcome.COULDNT, clock.now()
    )

    clock.advance(timedelta(weeks=1))
    _weights, history = pairing.weights_and_history(session, community, clock.now())
    assert history.days_since_met == {matching.pair_key(*met): 7}


def group_id(session: Session, member_ids: list[int]) -> int:
    found = pairing.current_group(session, session.get_one(Member, member_ids[0]))
    assert found is not None
    return found[1].id


def test_meetings_older_than_the_window_are_forgotten(
    session: Session, community: Community, clock: FakeClock
) -> None:
    pairing.save_settings(session, community, settings_draft(recency_weeks=2), clock.now())
    amina, sam = many(session, community, clock, 2)
    run(session, community, clock)
    _w, history = pairing.weights_and_history(
        session, community, clock.now() + timedelta(weeks=2) - timedelta(days=1)
    )
    assert matching.pair_key(amina.id, sam.id) in history.days_since_met
    _w, history = pairing.weights_and_history(session, community, clock.now() + timedelta(weeks=2))
    assert history.days_since_met == {}


# ---- answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [Outcome.MET, Outcome.BOOKED, Outcome.COULDNT])
def test_an_answer_is_stored_on_the_group(
    session: Session, community: Community, clock: FakeClock, outcome: Outcome
) -> None:
    amina, sam = many(session, community, clock, 2)
    run(session, community, clock)
    group = the_group(session, amina)
    assert group.outcome == Outcome.OPEN.value
    clock.advance(timedelta(days=2))

    answered = pairing.answer(session, sam, group.id, outcome, clock.now())
    assert answered.id == group.id
    assert (answered.outcome, answered.outcome_at) == (outcome.value, clock.now())


def test_booked_then_met_is_met_and_we_met_is_final_for_booked_and_not_yet(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam = many(session, community, clock, 2)
    run(session, community, clock)
    group = the_group(session, amina)
    pairing.answer(session, amina, group.id, Outcome.BOOKED, clock.now())
    clock.advance(timedelta(days=1))
    met_at = clock.now()
    pairing.answer(session, sam, group.id, Outcome.MET, met_at)

    clock.advance(timedelta(days=1))
    for later in (Outcome.NOT_YET, Outcome.BOOKED):
        kept = pairing.answer(session, amina, group.id, later, clock.now())
        assert (kept.outcome, kept.outcome_at) == (Outcome.MET.value, met_at)


def test_nobody_answers_for_a_group_they_are_not_in(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam, noor, lee = many(session, community, clock, 4)
    run(session, community, clock)
    group = the_group(session, amina)
    outsider = next(m for m in (sam, noor, lee) if m.id not in group_member_ids(session, group))

    with pytest.raises(UserError, match="no longer yours"):
        pairing.answer(session, outsider, group.id, Outcome.COULDNT, clock.now())
    with pytest.raises(UserError, match="no longer yours"):
        pairing.answer(session, amina, group.id + 1000, Outcome.MET, clock.now())
    session.refresh(group)
    assert (group.outcome, group.outcome_at) == (Outcome.OPEN.value, None)


def group_member_ids(session: Session, group: PairingGroup) -> set[int]:
    return {m.id for m in pairing.group_members(session, group)}


def test_answers_count_in_the_round_numbers(
    session: Session, community: Community, clock: FakeClock
) -> None:
    members = many(session, community, clock, 7)
    first = run(session, community, clock)
    assert first.round is not None
    groups = session.scalars(
        select(PairingGroup)
        .where(PairingGroup.round_id == first.round.id)
        .order_by(PairingGroup.id)
    ).all()
    by_id = {m.id: m for m in members}
    for group, outcome in zip(groups, (Outcome.MET, Outcome.BOOKED, Outcome.COULDNT), strict=True):
        someone = by_id[pairing.group_members(session, group)[0].id]
        pairing.answer(session, someone, group.id, outcome, clock.now())

    numbers = pairing.round_numbers(session, first.round)
    assert (numbers.number, numbers.participants, numbers.groups, numbers.trios) == (1, 7, 3, 1)
    assert (numbers.met, numbers.booked, numbers.couldnt, numbers.unplaced) == (1, 1, 1, 0)
    assert pairing.unanswered_groups(session, first.round.id) == [groups[1]]  # booked only
    assert pairing.stats(session, community) == [numbers]


# ---- the member's own view ---------------------------------------------------------------------


def test_current_group_is_the_latest_round_only(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina, sam, noor = many(session, community, clock, 3)
    assert pairing.current_group(session, amina) is None
    run(session, community, clock)
    current = pairing.current_group(session, amina)
    assert current is not None
    pairing_round, group, others = current
    assert pairing_round.number == 1
    assert amina not in others
    assert set(others) == {sam, noor}
    assert group.size == 3

    pairing.pause(session, amina, clock.now() + timedelta(weeks=4), clock.now())
    lee = join(session, community, clock, "U0LEE")
    second = run(session, community, clock, weeks_later=1)
    assert second.round is not None
    assert pairing.current_group(session, amina) is None  # not in round 2
    now_in = pairing.current_group(session, lee)
    assert now_in is not None
    assert now_in[0].number == 2


def test_personal_data_shows_only_your_own_choices_and_rounds(
    session: Session, community: Community, clock: FakeClock
) -> None:
    amina = join(session, community, clock, "U0AMINA", display_name="Amina Yusuf")
    sam = join(session, community, clock, "U0SAM", display_name="Sam Okafor")
    noor = join(session, community, clock, "U0NOOR", display_name="Noor Haddad")
    lee = join(session, community, clock, "U0LEE", display_name="Lee Chen")
    assert pairing.personal_data(session, amina) == {
        "paused_until": None,
        "skip_next_round": False,
        "never_pair_me_with": [],
        "rounds": [],
    }

    pairing.avoid(session, amina, sam, clock.now())
    pairing.avoid(session, amina, lee, clock.now())
    started = clock.now()
    run(session, community, clock)
    pairing.answer(session, amina, the_group(session, amina).id, Outcome.MET, clock.now())
    pairing.skip_next(session, amina, clock.now())
    until = clock.now() + timedelta(weeks=3)
    pairing.pause(session, amina, until, clock.now())

    assert pairing.personal_data(session, amina) == {
        "paused_until": until.isoformat(),
        "skip_next_round": True,
        "never_pair_me_with": ["Lee Chen", "Sam Okafor"],  # by name, in order
        "rounds": [{"number": 1, "started_at": started.isoformat(), "outcome": "met"}],
    }
    # Whom Amina avoids is hers alone: it is in nobody else's data.
    for other in (sam, noor, lee):
        assert pairing.personal_data(session, other)["never_pair_me_with"] == []
