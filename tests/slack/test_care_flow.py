"""Who is drifting end to end through Slack: a facilitator sees a member who missed two
sessions without a reply, sends a check-in from the modal, the member gets it by DM
(through the outbox and the scheduler) and clicks "Pause for 2 months"; they leave the
list, and a member asking for the list is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import communities
from core.care import buttons as care_buttons
from core.care.models import CareCheckin
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Member
from core.sessions.models import CommunitySession
from scheduler.runner import Runner
from tests.conftest import table_counts
from tests.fakes.slack_api import FakeSlackApi, block_kit_problems
from tests.slack.conftest import scheduled_world
from tests.slack.test_broadcasts_flow import buttons_in, dms_to, join
from tests.slack_harness import TEAM, SlackHarness

FACILITATOR = "UFACIL01"
MEMBER = "U0AMINA"
World = tuple[SlackHarness, Runner, FakeSlackApi]


@pytest.fixture
def world(database_url: str, clock: FakeClock) -> Iterator[World]:
    with FakeSlackApi(team_id=TEAM, ts_clock=lambda: clock.now().timestamp()) as fake:
        fake.add_user(MEMBER, real_name="Amina Yusuf", tz="Europe/London")
        fake.add_user(FACILITATOR, real_name="Fran Facilitator", tz="Europe/London")
        with scheduled_world(database_url, clock, fake, "care") as built:
            yield built


def test_a_check_in_from_the_list_and_a_pause_from_the_dm(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    join(slack, FACILITATOR)
    join(slack, MEMBER)
    slack.settled()
    now = clock.now()
    with unit_of_work(slack.runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=now
        )
        [amina] = session.scalars(select(Member).where(Member.platform_user_id == MEMBER))
        amina.joined_at = now - timedelta(days=70)
        amina_id = amina.id
        for number, days_ago in ((1, 40), (2, 12)):
            session.add(
                CommunitySession(
                    community_id=community.id,
                    number=number,
                    title=f"Session {number}",
                    starts_at=now - timedelta(days=days_ago),
                    duration_minutes=90,
                    location="https://meet.example.org/cop",
                    created_at=now - timedelta(days=60),
                    updated_at=now - timedelta(days=60),
                )
            )

    listed = slack.answer("care", user=FACILITATOR)
    shown = json.dumps(listed)
    assert "Member U0AMINA" in shown
    assert "missed the last 2 sessions without a reply" in shown
    assert block_kit_problems("message", listed) == []

    before = table_counts(slack.runtime)
    assert "Only facilitators can do that" in json.dumps(slack.answer("care", user=MEMBER))
    assert table_counts(slack.runtime) == before

    opened = len(fake.calls_to("views.open"))
    slack.click(care_buttons.CHECKIN, str(amina_id), user=FACILITATOR)
    view = fake.wait_for("views.open", count=opened + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    assert "month or two" in json.dumps(view)
    assert slack.submit(view, {"body": "Hi Amina, thinking of you."}, user=FACILITATOR).body == ""
    slack.settled()

    clock.set(clock.now() + timedelta(minutes=1))
    runner.run_pending()
    [checkin] = [m for m in dms_to(fake, MEMBER) if "thinking of you" in json.dumps(m)]
    assert block_kit_problems("message", checkin) == []
    assert "A message from Member UFACIL01" in json.dumps(checkin)
    [pause] = buttons_in(checkin, care_buttons.pause_for(2))
    slack.click(care_buttons.pause_for(2), pause["value"], user=MEMBER)
    slack.settled()
    assert "Paused until" in json.dumps(fake.responses[-1].payload)

    with unit_of_work(slack.runtime.session_factory) as session:
        member = session.get(Member, amina_id)
        assert member is not None
        assert member.paused_until is not None
        assert member.paused_until > clock.now() + timedelta(days=55)
        [stored] = session.scalars(select(CareCheckin))
        assert stored.answer == "pause"
    assert "Nobody seems to be drifting" in json.dumps(slack.answer("care", user=FACILITATOR))
