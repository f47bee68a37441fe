"""Peer-coaching rounds through the real scheduler, outbox and fake Slack, on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.wiring import Runtime
from core import capabilities, communities, privacy
from core.clock import FakeClock
from core.db import unit_of_work
from core.delivery.models import ItemStatus, ScheduledItem
from core.membership import service as membership
from core.models import Member
from core.pairing import matching as matching
from core.pairing import service as pairing
from core.pairing.models import PairingGroup, PairingItemKind, PairingRound
from scheduler.runner import Runner
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.conftest import TEAM, RunnerFactory, add_member

ORGS = ("Refugee Action Now", "Welcome Hub", "Migrant Voice North")


def turn_on(runtime: Runtime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=runtime.clock.now()
        )
        draft = pairing.SettingsDraft(
            enabled=True,
            weekday=0,
            local_time="09:00",
            recency_weeks=12,
            blend="mix",
            weights=dict.fromkeys(pairing.WEIGHT_FIELDS, 1.0) | {"weight_organisation": 20.0},
        )
        pairing.save_settings(session, community, draft, runtime.clock.now())


def twelve(runtime: Runtime) -> dict[str, int]:
    """Four members in each of three organisations: 8 weekly, 2 fortnightly, 2 monthly."""
    cadences = ["weekly"] * 8 + ["fortnightly"] * 2 + ["monthly"] * 2
    ids = {}
    for i, cadence in enumerate(cadences):
        user = f"U0M{i:02d}"
        ids[user] = add_member(
            runtime, user, organisation=ORGS[i % 3], pairing_cadence=cadence, languages=["en"]
        )
    return ids


def rounds(runtime: Runtime) -> list[tuple[int, datetime, int]]:
    with unit_of_work(runtime.session_factory) as session:
        return [
            (r.number, r.started_at, r.participants)
            for r in session.scalars(select(PairingRound).order_by(PairingRound.number))
        ]


def groups(runtime: Runtime, number: int) -> list[list[Member]]:
    with unit_of_work(runtime.session_factory) as session:
        found = session.scalars(
            select(PairingGroup)
            .join(PairingRound, PairingRound.id == PairingGroup.round_id)
            .where(PairingRound.number == number)
        ).all()
        return [pairing.group_members(session, g) for g in found]


def opened(fake: FakeSlackApi) -> list[set[str]]:
    return [set(str(c.params["users"]).split(",")) for c in fake.calls_to("conversations.open")]


def texts_to(fake: FakeSlackApi, user: str) -> list[str]:
    return [str(m.get("text")) for m in fake.messages_in(user)]


def at(day: int, month: int = 11, year: int = 2026, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def test_twelve_members_are_paired_every_monday_at_nine_with_notices_and_check_ins(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    users = twelve(sched_runtime)
    turn_on(sched_runtime)
    runner = make_runner()

    clock.set(at(29, hour=8))
    runner.run_pending()
    assert fake_slack.calls_to("chat.postMessage") == []
    clock.set(at(29))  # Sunday 09:00: the day-before line, with a skip button
    runner.run_pending()
    for user in users:
        [line] = texts_to(fake_slack, user)
        assert "You're in tomorrow's peer-coaching round" in line

    clock.set(at(30))  # Monday 09:00 (GMT): the round
    runner.run_pending()
    assert rounds(sched_runtime) == [(1, at(30), 12)]
    first = groups(sched_runtime, 1)
    assert sorted(len(g) for g in first) == [2] * 6
    for group in first:
        assert len({m.organisation for m in group}) == len(group)  # never the same organisation
    introduced = opened(fake_slack)
    assert sorted(map(sorted, introduced)) == sorted(
        sorted(m.platform_user_id for m in g) for g in first
    )
    intros = [p for p in fake_slack.all_posted() if str(p["channel"]).startswith("G")]
    assert len(intros) == 6
    assert all("GROW" in str(p["blocks"]) and "opens this time" in str(p["blocks"]) for p in intros)

    clock.set(at(3, month=12))  # Thursday: the check-in for groups that haven't answered
    runner.run_pending()
    checkins = [p for p in fake_slack.all_posted() if "did you meet" in str(p["text"]).lower()]
    assert len(checkins) == 6

    # Cadences: weekly every round, fortnightly every second, monthly every fourth.
    for day, month in ((7, 12), (14, 12), (21, 12), (28, 12)):
        clock.set(at(day, month=month))
        runner.run_pending()
    assert [(n, p) for n, _, p in rounds(sched_runtime)] == [
        (1, 12),
        (2, 8),
        (3, 10),
        (4, 8),
        (5, 12),
    ]
    # No pair met twice: plenty of choice inside the 12-week window.
    seen: set[tuple[int, int]] = set()
    for number in range(1, 6):
        for group in groups(sched_runtime, number):
            ids = [m.id for m in group]
            pairs = {matching.pair_key(a, b) for a in ids for b in ids if a < b}
            assert seen.isdisjoint(pairs)
            seen |= pairs


def test_rounds_stay_at_nine_london_time_across_the_clock_change(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory
) -> None:
    twelve(sched_runtime)
    turn_on(sched_runtime)
    runner = make_runner()
    clock.set(datetime(2027, 3, 24, 12, 0, tzinfo=UTC))  # Wednesday before BST starts
    runner.run_pending()
    with unit_of_work(sched_runtime.session_factory) as session:
        pending = {
            i.kind: i.due_at
            for i in session.scalars(
                select(ScheduledItem).where(ScheduledItem.status == ItemStatus.PENDING.value)
            )
        }
    assert pending[PairingItemKind.ROUND.value] == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert pending[PairingItemKind.NOTICE.value] == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    clock.set(datetime(2027, 3, 29, 8, 0, tzinfo=UTC))
    runner.run_pending()
    assert rounds(sched_runtime)[-1][1] == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)


def test_skip_pause_leave_and_forget_me_take_people_out_of_rounds(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    users = twelve(sched_runtime)
    turn_on(sched_runtime)
    runner = make_runner()
    with unit_of_work(sched_runtime.session_factory) as session:
        by_user: dict[str, Any] = {m.platform_user_id: m for m in session.scalars(select(Member))}
        pairing.skip_next(session, by_user["U0M00"], clock.now())
        pairing.pause(session, by_user["U0M01"], at(20, month=12), clock.now())
        capabilities.leave(session, by_user["U0M02"], clock.now())
        privacy.forget(session, by_user["U0M03"], clock.now())
    clock.set(at(30))
    runner.run_pending()
    assert rounds(sched_runtime)[-1][2] == 8
    in_round = {m.platform_user_id for g in groups(sched_runtime, 1) for m in g}
    assert in_round.isdisjoint({"U0M00", "U0M01", "U0M02", "U0M03"})
    clock.set(at(7, month=12))
    runner.run_pending()
    second = {m.platform_user_id for g in groups(sched_runtime, 2) for m in g}
    assert "U0M00" in second  # a skip is for one round only
    assert "U0M01" not in second
    del users


def first_round(runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory) -> Runner:
    """The twelve members, rounds on, and the first round run (Monday 30 November, 09:00)."""
    twelve(runtime)
    turn_on(runtime)
    runner = make_runner()
    clock.set(at(30))
    runner.run_pending()
    return runner


def leave(runtime: Runtime, user: str, *, forget: bool = False) -> None:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=runtime.clock.now()
        )
        found = membership.find(session, community, user)
        assert found is not None
        if forget:
            privacy.forget(session, found, runtime.clock.now())
        else:
            capabilities.leave(session, found, runtime.clock.now())


def partner_notes(fake: FakeSlackApi, member: Member) -> list[str]:
    return [t for t in texts_to(fake, member.platform_user_id) if "partner" in t and "left" in t]


def test_a_partner_who_leaves_mid_round_is_told_at_once_and_re_paired(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    runner = first_round(sched_runtime, clock, make_runner)
    first = groups(sched_runtime, 1)
    (gone_a, alone_a), (gone_b, alone_b) = first[0], first[1]

    clock.set(at(1, month=12))  # Tuesday: one leaves; their partner hears straight away
    leave(sched_runtime, gone_a.platform_user_id)
    runner.run_pending()
    [waiting] = texts_to(fake_slack, alone_a.platform_user_id)[-1:]
    assert "has left the community" in waiting

    clock.set(at(2, month=12))  # Wednesday: another leaves; the two left alone now meet
    leave(sched_runtime, gone_b.platform_user_id)
    runner.run_pending()
    assert len(groups(sched_runtime, 1)) == 7
    assert {alone_a.platform_user_id, alone_b.platform_user_id} in opened(fake_slack)

    clock.set(at(3, month=12))  # Thursday's check-in: the four untouched groups and the new one
    runner.run_pending()
    checkins = [p for p in fake_slack.all_posted() if "did you meet" in str(p["text"]).lower()]
    assert len(checkins) == 5
    with unit_of_work(sched_runtime.session_factory) as session:
        outcomes = [g.outcome for g in session.scalars(select(PairingGroup))]
    assert outcomes.count("couldnt") == 2


def test_someone_left_alone_hears_once_and_is_in_the_next_round(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    runner = first_round(sched_runtime, clock, make_runner)
    # Someone on a weekly cadence is left alone (so the next round is theirs too).
    gone, alone = next(
        (a, b)
        for a, b in (g[::-1] for g in groups(sched_runtime, 1))
        if b.pairing_cadence == "weekly"
    )
    leave(sched_runtime, gone.platform_user_id)
    before = len(texts_to(fake_slack, alone.platform_user_id))
    clock.set(at(3, month=12))
    runner.run_pending()  # the check-in finds no one else free: no second note
    notes = texts_to(fake_slack, alone.platform_user_id)
    assert len(notes) == before + 1
    assert "has left the community" in notes[-1]
    clock.set(at(7, month=12))
    runner.run_pending()
    assert alone.id in {m.id for g in groups(sched_runtime, 2) for m in g}


def test_a_pair_that_must_meet_again_is_counted_as_a_repeat_and_the_other_opens(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory
) -> None:
    for i, org in enumerate(ORGS[:2]):
        add_member(
            sched_runtime, f"U0R{i}", organisation=org, languages=["en"], pairing_cadence="weekly"
        )
    turn_on(sched_runtime)
    runner = make_runner()
    for day, month in ((30, 11), (7, 12)):
        clock.set(at(day, month=month))
        runner.run_pending()
    with unit_of_work(sched_runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=clock.now()
        )
        numbers = {n.number: n for n in pairing.stats(session, community)}
        openers = [
            g.opener_member_id
            for g in session.scalars(select(PairingGroup).order_by(PairingGroup.id))
        ]
    assert (numbers[1].repeats, numbers[2].repeats) == (0, 1)  # only two people: no other way
    assert len(openers) == 2
    assert openers[0] != openers[1]  # whoever opened least recently opens


def test_someone_re_paired_and_left_alone_again_hears_again(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    runner = first_round(sched_runtime, clock, make_runner)
    (gone_a, alone_a), (gone_b, _alone_b) = groups(sched_runtime, 1)[:2]
    clock.set(at(1, month=12))
    leave(sched_runtime, gone_a.platform_user_id)
    leave(sched_runtime, gone_b.platform_user_id, forget=True)  # erasure counts as leaving
    runner.run_pending()
    [new_group] = [g for g in groups(sched_runtime, 1) if alone_a.id in {m.id for m in g}][-1:]
    [new_partner] = [m for m in new_group if m.id != alone_a.id]
    assert len(partner_notes(fake_slack, alone_a)) == 1
    leave(sched_runtime, new_partner.platform_user_id)  # the new partner leaves too
    runner.run_pending()
    assert len(partner_notes(fake_slack, alone_a)) == 2


def test_two_left_alone_who_cannot_meet_wait_for_someone_else(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    runner = first_round(sched_runtime, clock, make_runner)
    (x, y), (w, z), (u, v) = groups(sched_runtime, 1)[:3]
    with unit_of_work(sched_runtime.session_factory) as session:
        y_now, z_now = session.get(Member, y.id), session.get(Member, z.id)
        assert y_now is not None
        assert z_now is not None
        pairing.avoid(session, y_now, z_now, clock.now())
    clock.set(at(1, month=12))
    for gone in (x, w):
        leave(sched_runtime, gone.platform_user_id)
    runner.run_pending()
    assert len(groups(sched_runtime, 1)) == 6  # y and z may not meet: both wait
    leave(sched_runtime, u.platform_user_id)
    runner.run_pending()
    [fresh] = groups(sched_runtime, 1)[6:]
    assert v.id in {m.id for m in fresh}
    assert {m.id for m in fresh} & {y.id, z.id}


def test_a_leave_after_the_check_in_leaves_the_partner_in_peace(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    runner = first_round(sched_runtime, clock, make_runner)
    gone, alone = groups(sched_runtime, 1)[0]
    clock.set(at(4, month=12))  # Friday: the check-in (Thursday) has run
    runner.run_pending()
    leave(sched_runtime, gone.platform_user_id)
    runner.run_pending()
    assert partner_notes(fake_slack, alone) == []


def test_group_messages_name_everyone_and_call_no_one_their_own_partner(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    """An introduction, a re-pairing and a check-in are one message in a group DM that
    everyone in it reads: "your partners: A and B" would list B among B's own partners."""
    runner = first_round(sched_runtime, clock, make_runner)
    first = groups(sched_runtime, 1)
    (gone_a, alone_a), (gone_b, alone_b) = first[0], first[1]
    clock.set(at(1, month=12))
    leave(sched_runtime, gone_a.platform_user_id)
    leave(sched_runtime, gone_b.platform_user_id)  # the two left alone are paired at once
    runner.run_pending()
    clock.set(at(3, month=12))  # the check-in
    runner.run_pending()

    in_groups = [p for p in fake_slack.all_posted() if str(p["channel"]).startswith("G")]
    intros = [str(p["text"]) for p in in_groups if "GROW" in str(p["text"])]
    checkins = [str(p["text"]) for p in in_groups if "did you meet" in str(p["text"])]
    assert len(intros) == 7  # six at the start of the round, one re-pairing
    assert len(checkins) == 5
    for said in intros + checkins:
        assert "your partner" not in said.lower()
        assert "your peer-coaching partner" not in said.lower()
    introduced = []
    for said in intros:
        lead, _, _ = said.partition(". Find 45 minutes")
        assert lead.startswith("Paired for peer coaching this round: ")
        named = lead.split(": ", 1)[1].replace(" and ", ", ").split(", ")
        introduced.append(frozenset(named))
    expected = [frozenset(m.display_name for m in group) for group in first]
    expected.append(frozenset({alone_a.display_name, alone_b.display_name}))
    assert sorted(introduced, key=sorted) == sorted(expected, key=sorted)
