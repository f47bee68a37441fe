"""Who came and the programme report end to end through Slack: after a session the
scheduler DMs the facilitator "Who came?"; the button opens the tick list as a modal with
the going members ticked; submitting it records attendance; the member's catch-up asks "Did
you make it?"; `/cop report` uploads the HTML report to the facilitator's DM."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from core import communities
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Member, Role
from core.sessions import buttons as session_buttons
from core.sessions import plan as planner
from core.sessions.models import CommunitySession, RsvpAnswer, SessionAttendance, SessionRsvp
from scheduler.runner import Runner
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.test_reminders import posts
from tests.slack.conftest import scheduled_world
from tests.slack.test_membership_flow import join
from tests.slack_harness import TEAM, SlackHarness

CHANNEL = "C0COMMUNITY"
FACILITATOR = "UFACIL02"
NAMED = "UFACIL01"  # a facilitator only by CATALYST_FACILITATORS (scheduled_world's)
World = tuple[SlackHarness, Runner, FakeSlackApi]


@pytest.fixture
def world(database_url: str, clock: FakeClock) -> Iterator[World]:
    with FakeSlackApi(team_id=TEAM, ts_clock=lambda: clock.now().timestamp()) as fake:
        fake.add_user("U0AMINA", real_name="Amina Yusuf", tz="Europe/London")
        fake.add_user("U0SAM", real_name="Sam Okafor", tz="Europe/London")
        fake.add_user(FACILITATOR, real_name="Fran Facilitator", tz="Europe/London")
        fake.add_user(NAMED, real_name="Nadia Named", tz="Europe/London")
        fake.add_channel(CHANNEL)
        with scheduled_world(
            database_url, clock, fake, "attendance", CATALYST_CHANNEL=CHANNEL
        ) as built:
            yield built


def dms_to(fake: FakeSlackApi, user: str) -> list[dict[str, Any]]:
    return [p for p in posts(fake) if p["channel"] == user]


def plan_a_session(slack: SlackHarness, clock: FakeClock, going: list[str]) -> int:
    """Session 1 two days from now, planned with its items; `going` said Going. Its id."""
    with unit_of_work(slack.runtime.session_factory) as session:
        community = communities.get_or_create(
            session, "slack", TEAM, timezone="Europe/London", now=clock.now()
        )
        people = {m.platform_user_id: m for m in session.scalars(select(Member))}
        cs = CommunitySession(
            community_id=community.id,
            number=1,
            title="Power and voice",
            theme=None,
            starts_at=clock.now() + timedelta(days=2),
            duration_minutes=90,
            location="https://meet.example.org/cop",
            reminder_offsets="1h",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(cs)
        session.flush()
        session.add_all(
            SessionRsvp(
                session_id=cs.id,
                member_id=people[user].id,
                answer=RsvpAnswer.GOING.value,
                answered_at=clock.now(),
            )
            for user in going
        )
        planner.plan_session(session, cs, community, slack.runtime.settings, clock.now())
        return cs.id


def member_ids(slack: SlackHarness) -> dict[str, int]:
    with unit_of_work(slack.runtime.session_factory) as session:
        return {m.platform_user_id: m.id for m in session.scalars(select(Member))}


def test_who_came_then_the_report(world: World, clock: FakeClock) -> None:
    slack, runner, fake = world
    join(slack, "U0AMINA", display_name="Amina Yusuf")
    join(slack, "U0SAM", display_name="Sam Okafor")
    join(slack, FACILITATOR, display_name="Fran Facilitator")
    with unit_of_work(slack.runtime.session_factory) as session:
        session.execute(
            update(Member)
            .where(Member.platform_user_id == FACILITATOR)
            .values(role=Role.FACILITATOR.value)
        )
    start = clock.now() + timedelta(days=2)
    session_id = plan_a_session(slack, clock, going=["U0AMINA"])
    ids = member_ids(slack)
    amina, sam, fran = ids["U0AMINA"], ids["U0SAM"], ids[FACILITATOR]
    clock.advance(timedelta(minutes=1))
    runner.run_pending()
    clock.set(start + timedelta(hours=3))
    runner.run_pending()

    [who_came] = [p for p in dms_to(fake, FACILITATOR) if "Who came" in str(p.get("blocks"))]
    assert session_buttons.ATTENDANCE_OPEN in str(who_came["blocks"])
    before = len(fake.calls_to("views.open"))
    slack.click(session_buttons.ATTENDANCE_OPEN, str(session_id), user=FACILITATOR)
    view = fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    [field] = [b for b in view["blocks"] if b["type"] == "input"]
    assert [o["value"] for o in field["element"]["initial_options"]] == [str(amina)]
    reply = slack.submit(view, {"came": [str(amina), str(sam)]}, user=FACILITATOR)
    assert reply.status == 200
    with unit_of_work(slack.runtime.session_factory) as session:
        rows = {r.member_id: (r.came, r.source) for r in session.scalars(select(SessionAttendance))}
    # Everyone offered is recorded: the facilitator, unticked, did not come.
    assert rows == {
        amina: (True, "facilitator"),
        sam: (True, "facilitator"),
        fran: (False, "facilitator"),
    }

    # Sam never answered: the catch-up (days later) asks whether he made it.
    clock.set(start + timedelta(days=4))
    runner.run_pending()
    [catch_up] = [p for p in dms_to(fake, "U0SAM") if "We missed you" in str(p.get("blocks"))]
    assert session_buttons.ATTENDED_YES in str(catch_up["blocks"])

    day = clock.now().date()
    slack.answer(f"report {day - timedelta(days=10)} {day}", user=FACILITATOR)
    fake.wait_for("files.completeUploadExternal")
    [(_title, content)] = fake.uploaded_files()
    page = content.decode("utf-8")
    assert '<h2 id="attendance-title">Attendance</h2>' in page
    assert "data:image/png;base64," in page


def test_a_facilitator_named_only_in_the_settings_is_asked_who_came_too(
    world: World, clock: FakeClock
) -> None:
    """The role of someone in CATALYST_FACILITATORS is never stored: the scheduler's job
    still finds them (and a member of the list who never joined gets nothing)."""
    slack, runner, fake = world
    assert slack.runtime.settings.facilitators == frozenset({NAMED})
    join(slack, "U0AMINA", display_name="Amina Yusuf")
    join(slack, NAMED, display_name="Nadia Named")
    with unit_of_work(slack.runtime.session_factory) as session:
        assert {m.platform_user_id: m.role for m in session.scalars(select(Member))} == {
            "U0AMINA": Role.MEMBER.value,
            NAMED: Role.MEMBER.value,
        }
    start = clock.now() + timedelta(days=2)
    plan_a_session(slack, clock, going=[])
    clock.advance(timedelta(minutes=1))
    runner.run_pending()
    clock.set(start + timedelta(hours=3))
    runner.run_pending()

    asked = [p for p in dms_to(fake, NAMED) if "Who came" in str(p.get("blocks"))]
    assert len(asked) == 1
    assert not [p for p in dms_to(fake, "U0AMINA") if "Who came" in str(p.get("blocks"))]
