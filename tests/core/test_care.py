"""Who is drifting on both databases: the rules (pure), the list over a simulated six-month
programme, check-ins, snoozes, pauses and what a pause keeps from a member; migration 0013
going down and up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities, migrate, privacy
from core.broadcasts import audiences
from core.capabilities import personal_data
from core.care import durations
from core.care import service as care
from core.care.models import CareCheckin, CheckinAnswer
from core.care.rules import (
    CareRules,
    MemberFacts,
    PairingFact,
    ReasonKind,
    ReminderFact,
    SessionFact,
    SetMeetingFact,
    parse_rules,
    reasons,
    since,
)
from core.clock import FakeClock
from core.db import make_engine, make_session_factory, unit_of_work
from core.delivery.models import ItemStatus, OutboxMessage, ScheduledItem
from core.errors import UserError
from core.models import Community, Member
from core.newsletter import service as newsletter
from core.pairing import service as pairing
from core.privacy_letter import letter
from core.sessions.models import CommunitySession
from core.sets import jobs as sets_jobs
from core.sets import meetings as sets_meetings
from core.sets.models import LearningSet, SetCycle, SetMeeting, SetMembership
from tests.handlers.plain import blocks_text
from tests.programme import Pattern, build_programme
from tests.reflection_helpers import NOW, add_member

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def kinds(found: list[object]) -> set[str]:
    return {r.kind.value for r in found}  # type: ignore[attr-defined]


# ---- the rules, pure --------------------------------------------------------------------------


def test_two_sessions_without_a_reply_flag_one_with_a_reply_does_not() -> None:
    rules = CareRules()
    silent = [SessionFact(T0, False), SessionFact(T0 + timedelta(days=28), False)]
    assert kinds(reasons(MemberFacts(1, sessions=silent), rules, T0 + timedelta(days=60))) == {
        "sessions"
    }
    answered_last = [SessionFact(T0, False), SessionFact(T0 + timedelta(days=28), True)]
    assert reasons(MemberFacts(1, sessions=answered_last), rules, T0 + timedelta(days=60)) == []
    # Only one session so far: not enough to say anything.
    assert reasons(MemberFacts(1, sessions=silent[:1]), rules, T0 + timedelta(days=60)) == []


def test_saying_yes_twice_and_not_coming_flags_an_apology_or_a_visit_does_not() -> None:
    later = T0 + timedelta(days=60)
    no_shows = [
        SessionFact(T0, True, said_going=True, came=False),
        SessionFact(T0 + timedelta(days=28), True, said_going=True, came=False),
    ]
    found = reasons(MemberFacts(1, sessions=no_shows), CareRules(), later)
    assert [(r.kind, r.count) for r in found] == [(ReasonKind.NO_SHOWS, 2)]
    # An apology for the last one is a reply, and coming once breaks the run.
    apologised = [no_shows[0], SessionFact(T0 + timedelta(days=28), True, came=False)]
    assert reasons(MemberFacts(1, sessions=apologised), CareRules(), later) == []
    came_once = [no_shows[0], SessionFact(T0 + timedelta(days=28), True, True, came=True)]
    assert reasons(MemberFacts(1, sessions=came_once), CareRules(), later) == []
    # A session nobody recorded is not evidence: the run is read over recorded ones only.
    unrecorded = [*no_shows, SessionFact(T0 + timedelta(days=56), True, said_going=True)]
    assert kinds(reasons(MemberFacts(1, sessions=unrecorded), CareRules(), later)) == {"no_shows"}
    assert reasons(MemberFacts(1, sessions=no_shows), CareRules(no_shows=0), later) == []


def test_reminders_pairings_and_set_meetings_each_have_their_threshold() -> None:
    now = T0 + timedelta(days=90)
    facts = MemberFacts(
        1,
        reminders=[ReminderFact(T0 + timedelta(days=i), False) for i in range(3)],
        pairings=[PairingFact(T0, False, True), PairingFact(T0 + timedelta(days=14), False, True)],
        set_meetings=[SetMeetingFact(T0, True), SetMeetingFact(T0 + timedelta(days=28), True)],
    )
    found = reasons(facts, CareRules(), now)
    assert [(r.kind, r.count) for r in found] == [
        (ReasonKind.REMINDERS, 3),
        (ReasonKind.PAIRINGS, 2),
        (ReasonKind.SET_MEETINGS, 2),
    ]
    # A community that wants more evidence, or turns a rule off (0).
    stricter = CareRules(reminders=4, pairings=0, set_meetings=3)
    assert reasons(facts, stricter, now) == []


def test_a_young_open_pairing_is_not_evidence_but_an_old_one_is() -> None:
    paired = [PairingFact(T0, False, True), PairingFact(T0 + timedelta(days=14), False, False)]
    soon_after = T0 + timedelta(days=20)
    assert reasons(MemberFacts(1, pairings=paired), CareRules(), soon_after) == []
    later = T0 + timedelta(days=40)
    assert kinds(reasons(MemberFacts(1, pairings=paired), CareRules(), later)) == {"pairings"}
    met_once = [PairingFact(T0, True, True), PairingFact(T0 + timedelta(days=14), False, True)]
    assert reasons(MemberFacts(1, pairings=met_once), CareRules(), later) == []


def test_im_fine_wipes_the_old_evidence() -> None:
    silent = [SessionFact(T0, False), SessionFact(T0 + timedelta(days=28), False)]
    facts = MemberFacts(1, sessions=silent)
    cleared = since(facts, T0 + timedelta(days=30))
    assert reasons(cleared, CareRules(), T0 + timedelta(days=31)) == []


def test_rules_are_read_and_written_as_overrides() -> None:
    rules = parse_rules("sessions=3, reminders=0", CareRules())
    assert (rules.sessions, rules.reminders, rules.pairings) == (3, 0, 2)
    assert rules.overrides() == {"sessions": 3, "reminders": 0}
    assert CareRules.from_json({"sessions": 3, "unknown": 9}) == CareRules(sessions=3)
    for bad in ("sessions=two", "naps=2", "sessions=500"):
        with pytest.raises(ValueError, match=r"sessions|naps"):
            parse_rules(bad, CareRules())


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2 months", datetime(2027, 1, 23, 9, 30, tzinfo=UTC)),
        ("1 month", datetime(2026, 12, 23, 9, 30, tzinfo=UTC)),
        ("3 weeks", datetime(2026, 12, 14, 9, 30, tzinfo=UTC)),
        ("until 2027-02-01", datetime(2027, 2, 1, 9, 0, tzinfo=UTC)),
        ("2027-02-01", datetime(2027, 2, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_pause_lengths_people_type(typed: str, expected: datetime) -> None:
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert durations.pause_until(typed, now, "Europe/London", "/cop") == expected


@pytest.mark.parametrize(
    ("typed", "sentence"),
    [
        ("a while", "couldn't read how long"),
        ("0 weeks", "couldn't read how long"),
        ("until 2027-02-31", "couldn't read how long"),
        ("until 2020-01-01", "has passed"),
        ("24 months", "up to a year"),
    ],
)
def test_pause_lengths_that_cannot_be_used_say_what_to_type(typed: str, sentence: str) -> None:
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    with pytest.raises(UserError, match=sentence):
        durations.pause_until(typed, now, "Europe/London", "/cop")


# ---- the service, on both databases -----------------------------------------------------------


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with unit_of_work(runtime.session_factory) as s:
        yield s


@pytest.fixture
def community(session: Session, clock: FakeClock) -> Community:
    return communities.get_or_create(
        session, "slack", "T0001", timezone="Europe/London", now=clock.now()
    )


def test_the_list_is_exactly_the_programmes_drifting_members(
    session: Session, community: Community, clock: FakeClock
) -> None:
    programme = build_programme(session, community, clock.now(), members=40, months=6, seed=1)
    assert {m.pattern for m in programme.members} == set(Pattern)
    found = care.drifting(session, community, programme.ends_at)
    assert {d.member.id: kinds(d.reasons) for d in found} == programme.drifting  # type: ignore[arg-type]
    names = [d.member.display_name for d in found]
    assert names == sorted(names, key=str.casefold)  # by name, never a ranking
    # Halfway through, nobody had drifted yet.
    assert care.drifting(session, community, programme.starts_at + timedelta(days=60)) == []


def test_another_seed_and_size_make_another_community_with_the_same_truth(
    session: Session, community: Community, clock: FakeClock
) -> None:
    programme = build_programme(session, community, clock.now(), members=12, months=4, seed=7)
    found = care.drifting(session, community, programme.ends_at)
    assert {d.member.id for d in found} == set(programme.drifting)


def test_snooze_check_in_answers_and_pause_take_people_off_the_list(
    session: Session, community: Community, clock: FakeClock
) -> None:
    programme = build_programme(session, community, clock.now(), members=16, months=6, seed=3)
    now = programme.ends_at
    facilitator = session.get(Member, programme.facilitator_ids[0])
    assert facilitator is not None
    listed = [d.member for d in care.drifting(session, community, now)]
    first, second, third = listed[:3]

    until = care.snooze(session, community, first, now)
    assert until == now + timedelta(days=28)
    assert first not in [d.member for d in care.drifting(session, community, now)]
    assert first in [d.member for d in care.drifting(session, community, until)]

    checkin = care.send_checkin(session, community, facilitator, second, "Thinking of you", now)
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "care_checkin"))
    [row] = list(sent)
    assert (row.member_id, row.recipient) == (second.id, second.platform_user_id)
    [entry] = [d for d in care.drifting(session, community, now) if d.member is second]
    assert entry.checked_in_at == now
    care.answer_checkin(checkin, CheckinAnswer.FINE, now + timedelta(hours=1))
    later = now + timedelta(hours=2)
    assert second not in [d.member for d in care.drifting(session, community, later)]

    care.pause(session, third, now + timedelta(days=30), now)
    assert third not in [d.member for d in care.drifting(session, community, now)]


def test_essentials_only_reuses_the_members_own_switches(
    session: Session, community: Community
) -> None:
    amina = add_member(session, community, "U0AMINA")
    care.essentials_only(amina, NOW)
    assert (amina.nudges_enabled, amina.broadcasts_enabled, amina.newsletter) == (
        False,
        False,
        "channel",
    )


def test_a_pause_leaves_them_out_of_pairing_and_ends_with_what_they_missed(
    session: Session, community: Community, clock: FakeClock
) -> None:
    programme = build_programme(session, community, clock.now(), members=10, months=3, seed=2)
    member = add_member(session, community, "U0NEWCOMER", pairing_cadence="weekly")
    start = programme.starts_at
    assert member in pairing.participants(session, community, start)
    care.pause(session, member, start + timedelta(days=70), start)
    assert member not in pairing.participants(session, community, start + timedelta(days=1))
    [item] = session.scalars(select(ScheduledItem).where(ScheduledItem.kind == "care_resume"))
    assert item.due_at == start + timedelta(days=70)

    # Moving the pause replaces its end; resuming early cancels it.
    care.pause(session, member, start + timedelta(days=80), start + timedelta(days=1))
    statuses = {
        i.due_at: i.status
        for i in session.scalars(select(ScheduledItem).where(ScheduledItem.kind == "care_resume"))
    }
    assert statuses == {
        start + timedelta(days=70): ItemStatus.CANCELLED.value,
        start + timedelta(days=80): ItemStatus.PENDING.value,
    }
    away = care.missed(session, member, start, start + timedelta(days=80))
    assert [cs.id for cs, _link in away.sessions] == programme.session_ids
    assert care.resume(session, member, start + timedelta(days=80), welcome=True)
    assert not member.is_paused(start + timedelta(days=80))
    assert member.paused_at is None
    [welcome] = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "care_welcome_back")
    )
    assert "Session 1" in str(welcome.payload)
    assert not care.resume(session, member, start + timedelta(days=81), welcome=True)


def test_care_migration_goes_down_and_up(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with unit_of_work(factory) as session:
            community = communities.get_or_create(
                session, "slack", "T0001", timezone="Europe/London", now=NOW
            )
            amina = add_member(session, community, "U0AMINA")
            care.pause(session, amina, NOW + timedelta(weeks=3), NOW)  # its end waits
        migrate.downgrade(engine, "0012")
        with engine.connect() as connection:
            waiting = connection.execute(
                text("SELECT kind FROM scheduled_items WHERE status = 'pending'")
            ).all()
        assert waiting == []  # the pause's end is cancelled, not left to fail
        tables = set(inspect(engine).get_table_names())
        assert not {"care_checkins", "care_snoozes"} & tables
        columns = {c["name"] for c in inspect(engine).get_columns("members")}
        assert "paused_until" not in columns
        migrate.upgrade(engine)
        with unit_of_work(factory) as session:
            [member] = session.scalars(select(Member))
            assert member.platform_user_id == "U0AMINA"
            assert member.paused_until is None
            assert session.scalars(select(CareCheckin)).all() == []
    finally:
        engine.dispose()


def test_my_data_shows_the_pause_and_the_check_ins_and_forget_me_erases_them(
    session: Session, community: Community
) -> None:
    fran = add_member(session, community, "U0FRAN")
    amina = add_member(session, community, "U0AMINA")
    care.send_checkin(session, community, fran, amina, "Thinking of you", NOW)
    care.pause(session, amina, NOW + timedelta(days=30), NOW)
    held = personal_data(session, amina)
    assert held["care"]["check_ins"][0]["text"] == "Thinking of you"
    shown = blocks_text(letter(held, "Europe/London", "/cop"))
    assert "You are pausing until" in shown
    assert "Thinking of you" in shown
    privacy.forget(session, amina, NOW)
    assert session.scalars(select(CareCheckin)).all() == []


def test_a_paused_member_gets_no_broadcast_or_newsletter_by_dm(
    session: Session, community: Community
) -> None:
    amina = add_member(session, community, "U0AMINA")
    sam = add_member(session, community, "U0SAM")
    care.pause(session, amina, NOW + timedelta(days=30), NOW)
    found = audiences.resolve(session, community, [audiences.EVERYONE], by_dm=True, now=NOW)
    assert found.members == [sam]
    assert found.excluded == {audiences.Reason.PAUSED: 1}
    assert "1 is taking a break" in audiences.left_out(audiences.Reason.PAUSED, 1)
    in_channel = audiences.resolve(session, community, [audiences.EVERYONE], by_dm=False, now=NOW)
    assert amina in in_channel.members  # a channel post is there for everyone to read

    draft, _made = newsletter.make_draft(session, community, NOW)
    newsletter.send(session, community, draft, None, NOW)
    readers = session.scalars(
        select(OutboxMessage.member_id).where(OutboxMessage.kind == "newsletter")
    ).all()
    assert readers == [sam.id]

    # After the pause, everything reaches them again without anyone doing anything.
    later = NOW + timedelta(days=31)
    again = audiences.resolve(session, community, [audiences.EVERYONE], by_dm=True, now=later)
    assert amina in again.members


def _held(session: Session, community: Community, number: int, at: datetime) -> None:
    session.add(
        CommunitySession(
            community_id=community.id,
            number=number,
            title=f"Session {number}",
            starts_at=at,
            duration_minutes=90,
            location="https://meet.example.org/cop",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()


def test_sessions_missed_while_paused_never_put_someone_on_the_list(
    session: Session, community: Community
) -> None:
    away = add_member(session, community, "U0AWAY")
    silent = add_member(session, community, "U0SILENT")
    care.pause(session, away, NOW + timedelta(days=60), NOW + timedelta(hours=1))
    care.pause(session, away, NOW + timedelta(days=60), NOW + timedelta(hours=2))  # again
    pending = session.scalars(
        select(ScheduledItem).where(ScheduledItem.status == ItemStatus.PENDING.value)
    ).all()
    assert [i.due_at for i in pending if i.kind == "care_resume"] == [NOW + timedelta(days=60)]
    _held(session, community, 1, NOW + timedelta(days=10))
    _held(session, community, 2, NOW + timedelta(days=40))
    after = NOW + timedelta(days=45)
    assert care.resume(session, away, after, welcome=True)
    assert not away.is_paused(after)
    listed = [d.member for d in care.drifting(session, community, after + timedelta(days=1))]
    assert listed == [silent]
    assert care.personal_data(session, away)["paused_until"] is None


def test_a_paused_member_keeps_their_set_place_but_gets_no_meeting_reminder(
    session: Session, community: Community
) -> None:
    ana = add_member(session, community, "U0ANA")
    ben = add_member(session, community, "U0BEN")
    cycle = SetCycle(community_id=community.id, number=1, status="active", created_at=NOW)
    session.add(cycle)
    session.flush()
    learning_set = LearningSet(
        cycle_id=cycle.id, community_id=community.id, number=1, name="cop-set-cedar", created_at=NOW
    )
    session.add(learning_set)
    session.flush()
    for turn, member in enumerate((ana, ben)):
        session.add(
            SetMembership(set_id=learning_set.id, member_id=member.id, turn=turn, joined_at=NOW)
        )
    meeting = SetMeeting(
        set_id=learning_set.id, number=1, starts_at=NOW + timedelta(days=3), minutes=120
    )
    session.add(meeting)
    session.flush()
    care.pause(session, ana, NOW + timedelta(days=30), NOW)
    item = ScheduledItem(
        community_id=community.id,
        key=f"sets_reminder:s{learning_set.id}:m{meeting.id}:2d",
        kind="sets_reminder",
        due_at=NOW + timedelta(days=1),
        grace_seconds=3600,
        status=ItemStatus.PENDING.value,
    )
    session.add(item)
    session.flush()
    sets_jobs.execute(session, item, NOW + timedelta(days=1))
    reminded = session.scalars(
        select(OutboxMessage.member_id).where(OutboxMessage.kind == "sets_reminder")
    ).all()
    assert reminded == [ben.id]
    assert ana in sets_meetings.active_members(session, learning_set)  # still in the set


def test_ticked_absent_after_saying_going_twice_puts_someone_on_the_list(
    session: Session, community: Community
) -> None:
    """The community's own story: invitations accepted, then firefighting. The facilitator's
    "Who came?" ticks are what show it."""
    from core.care.notices import reason_words
    from core.sessions import attendance
    from core.sessions import service as sessions
    from core.sessions.models import RsvpAnswer

    busy = add_member(session, community, "U0BUSY")
    there = add_member(session, community, "U0THERE")
    for number, days in ((1, 10), (2, 40)):
        _held(session, community, number, NOW + timedelta(days=days))
        cs = session.scalars(
            select(CommunitySession).where(CommunitySession.number == number)
        ).one()
        for member in (busy, there):
            sessions.rsvp(session, member, cs, RsvpAnswer.GOING, NOW + timedelta(days=days - 1))
        attendance.record_ticks(
            session, cs, came=[there.id], offered=[busy.id, there.id], now=cs.starts_at
        )
    after = NOW + timedelta(days=45)
    [listed] = care.drifting(session, community, after)
    assert listed.member == busy
    assert [reason_words(r) for r in listed.reasons] == [
        "said they'd come to the last 2 sessions but didn't make it"
    ]
    # Their own "I made it" can't overrule the facilitator's tick; the facilitator's
    # corrected list can, and then they were there after all.
    assert not attendance.answer(session, cs, busy, True, after)
    assert [d.member for d in care.drifting(session, community, after)] == [busy]
    attendance.record_ticks(session, cs, [busy.id, there.id], [busy.id, there.id], after)
    assert care.drifting(session, community, after) == []
