"""Scheduler fixtures: a runtime on a fake clock, members, sessions, and the fake Slack API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from bot.slack.sender import SlackSender
from bot.wiring import Runtime, build_runtime
from core import communities
from core.clock import FakeClock
from core.db import unit_of_work
from core.membership import service as membership
from core.models import Member
from core.sessions import plan as planner
from core.sessions.models import CommunitySession
from handlers.membership.form import draft_from
from scheduler.runner import Runner
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.helpers import profile_values

TEAM = "T0001"
CHANNEL = "C0COMMUNITY"


@pytest.fixture
def fake_slack(clock: FakeClock) -> Iterator[FakeSlackApi]:
    # Message timestamps follow the fake clock, as Slack's follow the real one.
    with FakeSlackApi(team_id=TEAM, ts_clock=lambda: clock.now().timestamp()) as fake:
        fake.add_channel(CHANNEL)
        yield fake


@pytest.fixture
def sched_runtime(
    database_url: str, clock: FakeClock, fake_slack: FakeSlackApi
) -> Iterator[Runtime]:
    settings = make_settings(
        database_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        SLACK_API_URL=fake_slack.base_url,
        CATALYST_CHANNEL=CHANNEL,
    )
    runtime = build_runtime(settings, clock=clock)
    yield runtime
    runtime.close()


RunnerFactory = Callable[..., Runner]


@pytest.fixture
def make_runner(sched_runtime: Runtime, fake_slack: FakeSlackApi) -> Iterator[RunnerFactory]:
    """Runners started paused: time moves by `clock`, jobs run by `run_pending`."""
    made: list[Runner] = []

    def build(holder: str = "scheduler-a") -> Runner:
        sender = SlackSender("xoxb-test", fake_slack.base_url)
        runner = Runner(
            sched_runtime.session_factory,
            sched_runtime.clock,
            sched_runtime.settings,
            sender,
            holder=holder,
        )
        runner.start(paused=True)
        made.append(runner)
        return runner

    yield build
    for runner in made:
        runner.stop()


def add_member(
    runtime: Runtime, user_id: str, tz: str = "Europe/London", **overrides: object
) -> int:
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=runtime.clock.now()
        )
        values = profile_values(timezone=tz, display_name=f"Member {user_id}", **overrides)  # type: ignore[arg-type]
        profile = membership.check_profile(draft_from(values), community, joining=True)
        member, _ = membership.join(session, community, user_id, profile, runtime.clock.now())
        return member.id


def add_session(
    runtime: Runtime,
    starts_at: datetime,
    *,
    title: str = "Power and positionality",
    minutes: int = 90,
    offsets: str | None = None,
) -> int:
    """A session as the sessions service would store it, planned by the real planner."""
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=runtime.clock.now()
        )
        now = runtime.clock.now()
        number = 1 + len(session.query(CommunitySession).all())
        cs = CommunitySession(
            community_id=community.id,
            number=number,
            title=title,
            theme="Power and positionality",
            starts_at=starts_at,
            duration_minutes=minutes,
            location="https://meet.example.org/cop",
            description="Read the short piece on positional power.",
            reminder_offsets=offsets,
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        session.add(cs)
        session.flush()
        planner.plan_session(session, cs, community, runtime.settings, now)
        return cs.id


def members_by_user(runtime: Runtime) -> dict[str, Member]:
    with unit_of_work(runtime.session_factory) as session:
        return {m.platform_user_id: m for m in session.query(Member).all()}


def advance_to(clock: FakeClock, instant: datetime) -> None:
    clock.set(instant)


def step(clock: FakeClock, **delta: float) -> None:
    clock.advance(timedelta(**delta))
