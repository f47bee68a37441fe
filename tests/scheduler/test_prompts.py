"""Reflection prompts after a session, then one nudge or a catch-up, on a fake clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.wiring import Runtime
from core import capabilities
from core.clock import FakeClock
from core.db import unit_of_work
from core.models import Member
from core.sessions.models import Prompt, Reflection, SessionRsvp
from tests.fakes.slack_api import FakeSlackApi
from tests.scheduler.conftest import CHANNEL, RunnerFactory, add_member, add_session
from tests.scheduler.test_reminders import outbox_key, posts

START = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
END = START + timedelta(minutes=90)


def sent(fake: FakeSlackApi) -> list[dict[str, Any]]:
    """Accepted messages as asked (channel = user id for DMs), with their outbox key."""
    return [{**params, "key": outbox_key(params)} for params in posts(fake)]


def answer(runtime: Runtime, session_id: int, member_id: int, value: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        session.add(
            SessionRsvp(
                session_id=session_id,
                member_id=member_id,
                answer=value,
                wants_recap=value == "declined",
                answered_at=runtime.clock.now(),
            )
        )


def the_prompt(runtime: Runtime) -> Prompt:
    with unit_of_work(runtime.session_factory) as session:
        return session.scalars(select(Prompt)).one()


def test_prompt_is_posted_as_a_thread_parent_and_attendees_get_a_dm(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    going = add_member(sched_runtime, "U0GOING")
    declined = add_member(sched_runtime, "U0SORRY")
    session_id = add_session(sched_runtime, START, offsets="1h")
    answer(sched_runtime, session_id, going, "going")
    answer(sched_runtime, session_id, declined, "declined")
    runner = make_runner()

    clock.set(END + timedelta(minutes=59))
    runner.run_pending()
    assert [p["key"] for p in sent(fake_slack) if "prompt" in (p["key"] or "")] == []

    clock.set(END + timedelta(hours=1))
    runner.run_pending()
    prompt_posts = [p for p in sent(fake_slack) if (p["key"] or "").startswith("prompt:")]
    assert {p["channel"] for p in prompt_posts} == {CHANNEL, "U0GOING"}
    prompt = the_prompt(sched_runtime)
    assert prompt.status == "posted"
    assert prompt.posted_channel == CHANNEL
    assert prompt.posted_ts  # stored, so thread replies can be matched to it
    assert "Power and positionality" in prompt.text


def test_nudge_once_for_attendees_who_have_not_reflected_and_catch_up_for_the_rest(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    reflected = add_member(sched_runtime, "U0DONE")
    quiet = add_member(sched_runtime, "U0QUIET")
    sorry = add_member(sched_runtime, "U0SORRY")
    add_member(sched_runtime, "U0SILENT")  # never answered
    muted = add_member(sched_runtime, "U0MUTED")
    session_id = add_session(sched_runtime, START, offsets="1h")
    for member_id in (reflected, quiet, muted):
        answer(sched_runtime, session_id, member_id, "going")
    answer(sched_runtime, session_id, sorry, "declined")
    with unit_of_work(sched_runtime.session_factory) as session:
        member = session.get(Member, muted)
        assert member is not None
        member.nudges_enabled = False
    runner = make_runner()
    clock.set(END + timedelta(hours=1))
    runner.run_pending()
    prompt = the_prompt(sched_runtime)
    with unit_of_work(sched_runtime.session_factory) as session:
        session.add(
            Reflection(
                community_id=prompt.community_id,
                prompt_id=prompt.id,
                member_id=reflected,
                body="I will ask for the stretch assignment.",
                visibility="private",
                source="form",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    before = len(sent(fake_slack))
    clock.set(END + timedelta(hours=1, days=3))
    runner.run_pending()
    later = {p["channel"]: p for p in sent(fake_slack)[before:]}
    assert set(later) == {"U0QUIET", "U0SORRY", "U0SILENT"}
    assert "gentle nudge" in later["U0QUIET"]["text"].lower() or "nudge" in str(
        later["U0QUIET"]["blocks"]
    )
    catch_up = str(later["U0SORRY"]["blocks"])
    assert "We missed you" in catch_up
    assert "Read the thread" in catch_up  # the permalink stored when the prompt was posted

    # A second run of the same nudge (a restart, another scheduler) sends nothing new.
    from core.delivery import occurrences as occurrences
    from core.delivery.models import ScheduledItem

    with unit_of_work(sched_runtime.session_factory) as session:
        nudge = session.scalars(select(ScheduledItem).where(ScheduledItem.kind == "nudge")).one()
        nudge.status = "pending"
    with unit_of_work(sched_runtime.session_factory) as session:
        occurrences.execute(session, nudge.id, clock.now(), capabilities.ITEM_RUNNERS)
    runner.run_pending()
    assert len(sent(fake_slack)) == before + 3


def test_member_text_in_a_prompt_cannot_ping_the_channel(
    sched_runtime: Runtime, clock: FakeClock, make_runner: RunnerFactory, fake_slack: FakeSlackApi
) -> None:
    add_member(sched_runtime, "U0A")
    session_id = add_session(sched_runtime, START, offsets="1h", title="<!channel> Power")
    del session_id
    runner = make_runner()
    clock.set(END + timedelta(hours=1))
    runner.run_pending()
    post = next(p for p in sent(fake_slack) if p["channel"] == CHANNEL)
    assert "<!channel>" not in json.dumps(post)
