"""Who came, through the dispatcher: the facilitators' tick list (`/cop attendance N` and its
form), members' "Did you make it?" answers (a facilitator's tick wins), and `/cop report`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.wiring import Runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Community, Member
from core.sessions import buttons as action_ids
from core.sessions.models import CommunitySession, RsvpAnswer, SessionAttendance, SessionRsvp
from core.ui import Message, OpenForm, SendFile
from handlers.dispatch import Dispatcher
from handlers.sessions.attendance import ATTENDANCE_FORM, CAME
from tests.conftest import table_counts
from tests.handlers.plain import message_text, one, said
from tests.handlers.test_sessions import AMINA, FACILITATOR, NOOR, SAM, join


@pytest.fixture
def ended(dispatcher: Dispatcher, runtime: Runtime, clock: FakeClock) -> CommunitySession:
    """Session 1 ended an hour ago: Amina and Sam said going, Noor can't make it."""
    for who in (AMINA, SAM, NOOR):
        join(dispatcher, who)
    with unit_of_work(runtime.session_factory) as session:
        community = session.scalars(select(Community)).one()
        cs = CommunitySession(
            community_id=community.id,
            number=1,
            title="Power and voice",
            starts_at=clock.now() - timedelta(hours=2, minutes=30),
            duration_minutes=90,
            location="https://meet.example.org/cop",
            created_at=clock.now() - timedelta(days=10),
            updated_at=clock.now() - timedelta(days=10),
        )
        session.add(cs)
        session.flush()
        members = {m.platform_user_id: m.id for m in session.scalars(select(Member))}
        for who, answer in [(AMINA, "going"), (SAM, "going"), (NOOR, "declined")]:
            session.add(
                SessionRsvp(
                    session_id=cs.id,
                    member_id=members[who.user_id],
                    answer=RsvpAnswer(answer).value,
                    answered_at=clock.now() - timedelta(days=3),
                )
            )
        session.expunge(cs)
        return cs


def ids(runtime: Runtime) -> dict[str, int]:
    with unit_of_work(runtime.session_factory) as session:
        return {m.platform_user_id: m.id for m in session.scalars(select(Member))}


def ticks(runtime: Runtime) -> dict[int, tuple[bool, str]]:
    with unit_of_work(runtime.session_factory) as session:
        return {
            int(row.member_id or 0): (row.came, row.source)
            for row in session.scalars(select(SessionAttendance))
        }


def test_the_tick_list_starts_with_who_said_going(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession
) -> None:
    form = one(dispatcher.command(FACILITATOR, "attendance 1"), OpenForm).form
    member = ids(runtime)
    (came,) = form.fields
    assert came.name == CAME
    assert sorted(came.initial or []) == sorted([str(member["U0AMINA"]), str(member["U0SAM"])])
    assert {o.value for o in came.options} == {str(v) for v in member.values()}
    assert form.state == str(ended.id)


def test_ticking_records_who_came_and_the_facilitator_wins(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession
) -> None:
    member = ids(runtime)
    came = [str(member["U0AMINA"]), str(member["U0NOOR"])]
    reply = said(dispatcher.submit(FACILITATOR, ATTENDANCE_FORM, {CAME: came}, str(ended.id)))
    assert "2 people came to session 1" in reply
    assert ticks(runtime) == {
        member["U0AMINA"]: (True, "facilitator"),
        member["U0NOOR"]: (True, "facilitator"),
        member["U0SAM"]: (False, "facilitator"),
    }
    answer = said(dispatcher.action(SAM, action_ids.ATTENDED_YES, str(ended.id)))
    assert "A facilitator has already noted who came" in answer
    assert ticks(runtime)[member["U0SAM"]] == (False, "facilitator")
    # The list opens again with what was recorded, not the RSVPs.
    form = one(dispatcher.command(FACILITATOR, "attendance 1"), OpenForm).form
    assert sorted(form.fields[0].initial or []) == sorted(came)


def test_my_data_says_whether_i_came(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession
) -> None:
    dispatcher.action(AMINA, action_ids.ATTENDED_YES, str(ended.id))
    data = json.loads(one(dispatcher.action(AMINA, "privacy.export_json", ""), SendFile).content)
    [came] = data["sessions"]["attendance"]
    assert (came["number"], came["came"], came["recorded_by"]) == (1, True, "member")


def test_members_answer_for_themselves_until_a_facilitator_ticks(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession
) -> None:
    member = ids(runtime)
    assert "noted that you came" in said(
        dispatcher.action(AMINA, action_ids.ATTENDED_YES, str(ended.id))
    )
    assert "Missing one is fine" in said(
        dispatcher.action(NOOR, action_ids.ATTENDED_NO, str(ended.id))
    )
    assert ticks(runtime) == {
        member["U0AMINA"]: (True, "member"),
        member["U0NOOR"]: (False, "member"),
    }
    dispatcher.submit(FACILITATOR, ATTENDANCE_FORM, {CAME: [str(member["U0NOOR"])]}, str(ended.id))
    assert ticks(runtime)[member["U0AMINA"]] == (False, "facilitator")
    assert ticks(runtime)[member["U0NOOR"]] == (True, "facilitator")


@pytest.mark.parametrize(
    ("words", "sentence"),
    [
        ("attendance", "with the number of a session that has ended"),
        ("attendance soon", "with the number of a session that has ended"),
        ("attendance 99", "There's no session 99"),
    ],
)
def test_bad_attendance_commands_say_what_to_do_and_change_nothing(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession, words: str, sentence: str
) -> None:
    before = table_counts(runtime)
    assert sentence in said(dispatcher.command(FACILITATOR, words))
    assert table_counts(runtime) == before


def test_a_session_not_yet_over_cannot_be_ticked(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession, clock: FakeClock
) -> None:
    with unit_of_work(runtime.session_factory) as session:
        found = session.get(CommunitySession, ended.id)
        assert found is not None
        found.starts_at = clock.now() + timedelta(days=1)
    before = table_counts(runtime)
    assert "hasn't ended yet" in said(dispatcher.command(FACILITATOR, "attendance 1"))
    assert "hasn't ended yet" in said(
        dispatcher.action(AMINA, action_ids.ATTENDED_YES, str(ended.id))
    )
    assert table_counts(runtime) == before


def test_members_cannot_tick_for_others(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession
) -> None:
    before = table_counts(runtime)
    assert "facilitators" in said(dispatcher.command(AMINA, "attendance 1")).lower()
    replies = dispatcher.submit(AMINA, ATTENDANCE_FORM, {CAME: []}, str(ended.id))
    assert not any(isinstance(r, OpenForm) for r in replies)
    assert table_counts(runtime) == before


def test_report_sends_the_html_file(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession, clock: FakeClock
) -> None:
    day = clock.now().date()
    replies = dispatcher.command(FACILITATOR, f"report {day - timedelta(days=30)} {day}")
    sent = one(replies, SendFile)
    assert sent.filename.endswith(".html")
    assert '<h2 id="attendance-title">Attendance</h2>' in sent.content
    assert "I've sent you the programme report" in message_text(one(replies, Message))


@pytest.mark.parametrize(
    ("words", "sentence"),
    [
        ("report 2026-02-30 2026-03-31", "isn't a date I can read"),
        ("report 2026-04-01 2026-03-01", "is after its end"),
        ("report 2026-01-01 9999-12-31", "from 2000 to 2100"),
        ("report 0001-01-01 2026-01-01", "from 2000 to 2100"),
        ("report 2001-01-01 2026-01-01", "at most 10 years"),
        ("report 2026-01-01 2026-02-01 2026-03-01", "first and last day"),
    ],
)
def test_bad_report_dates_get_a_sentence(
    dispatcher: Dispatcher, runtime: Runtime, ended: CommunitySession, words: str, sentence: str
) -> None:
    before = table_counts(runtime)
    assert sentence in said(dispatcher.command(FACILITATOR, words))
    assert table_counts(runtime) == before


def test_members_cannot_ask_for_the_report(dispatcher: Dispatcher, ended: CommunitySession) -> None:
    replies = dispatcher.command(AMINA, "report")
    assert not any(isinstance(r, SendFile) for r in replies)


def test_saving_at_the_same_moment_as_someone_else_keeps_one_row_each(
    runtime: Runtime, ended: CommunitySession, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two people save at once: each read "nobody recorded yet" before the other's row went
    in. No error: the facilitator's list still wins, and nobody gets two rows."""
    from core.sessions import attendance

    people = ids(runtime)
    amina, sam = people[AMINA.user_id], people[SAM.user_id]
    with unit_of_work(runtime.session_factory) as session:
        cs = session.get(CommunitySession, ended.id)
        assert cs is not None
        member = session.get(Member, amina)
        assert member is not None
        assert attendance.answer(session, cs, member, False, clock.now())
    with unit_of_work(runtime.session_factory) as session, monkeypatch.context() as race:
        race.setattr(attendance, "recorded", lambda *_args: {})
        cs = session.get(CommunitySession, ended.id)
        assert cs is not None
        assert attendance.record_ticks(session, cs, [amina], [amina, sam], clock.now()) == 1
        # And a member answering just after the facilitator's list, read before it.
        member = session.get(Member, sam)
        assert member is not None
        assert not attendance.answer(session, cs, member, True, clock.now())
    assert ticks(runtime) == {amina: (True, "facilitator"), sam: (False, "facilitator")}
