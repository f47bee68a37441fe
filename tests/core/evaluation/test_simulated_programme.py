"""The programme report over the simulated six-month programme (`tests/programme.py`, the one
the care tests drift over): every figure the report gathers, and the lines it writes, match
what the generator wrote, counted as it wrote it. Both databases."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.wiring import Runtime
from core import communities
from core.care import service as care
from core.clock import FakeClock
from core.db import unit_of_work
from core.evaluation import data
from core.evaluation import service as evaluation
from core.evaluation.data import Period
from core.models import Community
from core.polls import summary
from tests.programme import Programme, build_programme


def _build(session: Session, clock: FakeClock) -> tuple[Community, Programme, Period]:
    community = communities.get_or_create(
        session, "slack", "T0SIMULATED", timezone="Europe/London", now=clock.now()
    )
    community.name = "Simulated community"
    built = build_programme(
        session, community, clock.now(), members=40, months=6, seed=5, leavers=2
    )
    zone = ZoneInfo(community.timezone)
    period = Period(
        built.starts_at.astimezone(zone).date(), built.ends_at.astimezone(zone).date(), zone.key
    )
    return community, built, period


def _months(built: Programme, period: Period) -> list[data.MonthFigures]:
    """Members and the active among them per calendar month, from the generator's record of
    what each member did."""
    did: dict[date, set[int]] = defaultdict(set)
    for member_id, at in built.report.activity:
        if period.starts_at <= at < period.ends_at:
            did[period.month_of(at)].add(member_id)
    everyone = {m.member_id for m in built.members} | set(built.facilitator_ids)
    left_at = built.ends_at - timedelta(days=3)  # when the leavers left
    months = []
    for month in period.months():
        start, _end = period.month_bounds(month)
        gone = set(built.left_ids) if built.left_ids and left_at < start else set()
        members = everyone - gone
        months.append(data.MonthFigures(month, len(members), len(did[month] & members)))
    return months


def test_every_gathered_figure_is_what_the_programme_wrote(
    runtime: Runtime, clock: FakeClock
) -> None:
    with unit_of_work(runtime.session_factory) as session:
        community, built, period = _build(session, clock)
        truth = built.report
        found = data.gather(session, community, period)

        assert len(found.sessions) == 6
        assert [
            (s.number, s.going, s.maybe, s.apologies, s.came, s.reflections) for s in found.sessions
        ] == [
            (s.number, s.going, s.maybe, s.apologies, s.came, s.reflections) for s in truth.sessions
        ]
        assert sum(s.reflections for s in found.sessions) == built.reflections
        assert found.months == _months(built, period)
        assert found.peer_coaching == data.PeerCoaching(
            rounds=truth.rounds,
            pairs=truth.pairs,
            met=truth.pairs_met,
            answered=truth.pairs_answered,
            cross_organisation=truth.pairs_across_organisations,
        )
        assert found.peer_coaching.rounds == 12  # a round a fortnight
        assert found.action_learning == data.ActionLearning(
            sets=truth.sets,
            members=truth.set_members,
            meetings_planned=truth.set_meetings,
            meetings_held=truth.set_meetings,
            apologies=truth.set_apologies,
            actions=truth.actions,
            actions_reported=truth.actions_reported,
        )
        assert found.reflections.total == built.reflections
        assert found.reflections.authors == truth.reflection_authors
        assert sum(n for _theme, n in found.reflections.by_theme) == built.reflections
        assert len(found.reflections.quotes) == min(data.QUOTES, truth.quotable_reflections)
        library = found.library
        assert (library.searches, library.searches_found) == (
            truth.searches,
            truth.searches_found,
        )
        assert (library.added, library.helpful_votes) == (
            truth.resources_added,
            truth.helpful_votes,
        )
        # Equal counts may be ordered by title differently by each database's collation.
        assert [n for _title, n in library.top] == [n for _t, n in truth.helpful[:5]]
        assert set(library.top) <= set(truth.helpful)
        membership = found.membership
        assert (membership.joined, membership.left, membership.erased) == (42, 2, 0)
        assert (membership.joined, membership.left) == (truth.joined, truth.left)
        assert membership.members_at_end == truth.members_at_end == 40
        assert membership.organisations_at_end == truth.organisations_at_end

        # The people who left are off the care list; everyone else who drifts is on it.
        listed = care.drifting(session, community, built.ends_at)
        assert {d.member.id for d in listed} == set(built.drifting)
        assert not set(built.left_ids) & set(built.drifting)


def test_polls_and_the_survey_are_what_members_said(runtime: Runtime, clock: FakeClock) -> None:
    with unit_of_work(runtime.session_factory) as session:
        community, built, period = _build(session, clock)
        truth = built.report
        [poll] = summary.poll_results(session, community, period.starts_at, period.ends_at)
        assert (poll.question, poll.voters, poll.closed) == (
            truth.poll_question,
            truth.poll_voters,
            True,
        )
        assert [(o.text, o.votes) for o in poll.options] == truth.poll_votes
        survey = summary.survey_results(session, community, period.starts_at, period.ends_at)
        assert (survey.surveys, survey.sent_to, survey.responses) == (
            1,
            truth.survey_sent_to,
            truth.survey_responses,
        )
        for scale in survey.scales:
            given = truth.survey_scales[scale.key]
            assert scale.counts == tuple(given.count(n) for n in range(1, 6))
            assert scale.mean == round(sum(given) / len(given), 2)
        for written in survey.texts:
            assert sorted(written.answers) == sorted(truth.survey_texts[written.key])


def test_the_markdown_report_says_the_programmes_figures(
    runtime: Runtime, clock: FakeClock
) -> None:
    with unit_of_work(runtime.session_factory) as session:
        community, built, period = _build(session, clock)
        truth = built.report
        page = evaluation.document(
            session, community, period.first_day, period.last_day, "md"
        ).decode("utf-8")
    lines = set(page.splitlines())
    assert "6 sessions took place in this period." in lines
    for s in truth.sessions:
        assert f"| Session {s.number} | {s.going} | {s.came} | {s.apologies} |" in lines
    going, came = sum(s.going for s in truth.sessions), sum(s.came for s in truth.sessions)
    assert f"Across the sessions with attendance recorded, {came} places were taken for " in page
    assert f"for {going} people who said they were going" in page
    assert f"12 rounds of peer coaching introduced {truth.pairs} pairs." in lines
    assert (
        f"{truth.sets} action learning sets with {truth.set_members} members had "
        f"{truth.set_meetings} meetings planned; {truth.set_meetings} were held." in lines
    )
    assert (
        f"Members searched the library {truth.searches} times; {truth.searches_found} "
        "searches found something." in lines
    )
    assert (
        f"{truth.resources_added} resources were added, and members marked resources helpful "
        f"{truth.helpful_votes} times." in lines
    )
    assert (
        f"At the end of the period the community had {truth.members_at_end} members from "
        f"{truth.organisations_at_end} organisations." in lines
    )
    assert f"During the period {truth.joined} people joined and {truth.left} left;" in page
    assert (
        f"The survey was sent to {truth.survey_sent_to} people; {truth.survey_responses} "
        "answered." in lines
    )
    assert "1 poll was sent to members in this period." in lines
    for name in (m.name for m in built.members):
        assert name not in page  # counts, never people


def test_the_same_seed_makes_the_same_programme_for_the_report(
    runtime: Runtime, clock: FakeClock
) -> None:
    made = []
    for team in ("T0FIRST", "T0SECOND"):
        with unit_of_work(runtime.session_factory) as session:
            community = communities.get_or_create(
                session, "slack", team, timezone="Europe/London", now=clock.now()
            )
            built = build_programme(session, community, clock.now(), members=10, months=3, seed=9)
            truth = built.report
            made.append((truth.sessions, truth.pairs, truth.searches, truth.helpful))
    assert made[0] == made[1]
