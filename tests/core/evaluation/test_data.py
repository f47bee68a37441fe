"""Every figure of the programme report, exactly, from a small known programme
(`programme.py` says what happened), on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.wiring import Runtime
from core.db import unit_of_work
from core.evaluation import data
from core.evaluation.data import MonthFigures, Period
from core.models import Community
from tests.core.evaluation import programme
from tests.core.evaluation.programme import FIRST_DAY, LAST_DAY, QUOTE


def gathered(
    runtime: Runtime, name_organisations: bool = False, made_at: datetime | None = None
) -> data.ProgrammeData:
    with unit_of_work(runtime.session_factory) as session:
        built = programme.build(session)
        community = session.get(Community, built.community_id)
        assert community is not None
        period = Period(FIRST_DAY, LAST_DAY, community.timezone, made_at)
        return data.gather(session, community, period, name_organisations=name_organisations)


def test_attendance_per_session_going_came_and_apologies(runtime: Runtime) -> None:
    found = gathered(runtime)
    assert [
        (s.number, s.going, s.maybe, s.apologies, s.came, s.reflections) for s in found.sessions
    ] == [
        (1, 3, 1, 1, 3, 2),  # a facilitator's ticks: Amina, Ben, Ema (not Chloe)
        (2, 2, 0, 2, 1, 1),  # members' own answers: Amina yes, Ben no
        (3, 1, 0, 0, None, 0),  # nobody recorded who came
    ]


def test_a_report_made_mid_programme_counts_only_the_sessions_held(runtime: Runtime) -> None:
    """Made on 1 March for January to March: session 3 (later in March) hasn't taken place,
    so it isn't counted as a session nobody came to."""
    found = gathered(runtime, made_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    assert [s.number for s in found.sessions] == [1, 2]


def test_members_active_per_month(runtime: Runtime) -> None:
    assert gathered(runtime).months == [
        MonthFigures(date(2026, 1, 1), members=5, active=5),
        MonthFigures(date(2026, 2, 1), members=5, active=4),
        MonthFigures(date(2026, 3, 1), members=4, active=2),
    ]


def test_peer_coaching_action_learning_and_the_library(runtime: Runtime) -> None:
    found = gathered(runtime)
    assert found.peer_coaching == data.PeerCoaching(
        rounds=2, pairs=3, met=1, answered=2, cross_organisation=2
    )
    assert found.action_learning == data.ActionLearning(
        sets=1,
        members=3,
        meetings_planned=3,
        meetings_held=1,
        apologies=1,
        actions=2,
        actions_reported=1,
    )
    assert found.library == data.Library(
        searches=3,
        searches_found=2,
        added=2,
        helpful_votes=3,
        top=[("Anti-racist practice guide", 2), ("Trustee toolkit", 1)],
    )


def test_reflections_counted_per_theme_and_quoted_only_with_consent(runtime: Runtime) -> None:
    found = gathered(runtime).reflections
    assert found.total == 4  # Farah's went with her when she erased her data
    assert found.authors == 3
    assert found.by_theme == [("Anti-racism", 3), (None, 1)]
    assert [quote.body for quote in found.quotes] == [QUOTE]


def test_organisations_are_counted_and_named_only_when_asked(runtime: Runtime) -> None:
    found = gathered(runtime).membership
    assert (found.members_at_end, found.organisations_at_end) == (4, 2)
    assert (found.joined, found.left, found.erased) == (1, 1, 1)
    assert found.organisation_names == []


def test_named_organisations_merge_spellings(runtime: Runtime) -> None:
    found = gathered(runtime, name_organisations=True).membership
    assert found.organisation_names == [("Org A", 3), ("Org C", 1)]


def test_a_period_touching_part_of_a_month_counts_the_whole_month_once() -> None:
    period = Period(date(2026, 1, 20), date(2026, 3, 2), "Europe/London")
    assert period.months() == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
