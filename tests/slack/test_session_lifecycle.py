"""One session's whole life through Slack: the facilitator's modal, reminder DMs from the
scheduler, a one-click RSVP, the reflection prompt in the channel, a reply in its thread
stored as a reflection, and the facilitator's export containing it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.slack.sender import SlackSender
from bot.wiring import build_runtime
from core.clock import FakeClock
from core.db import unit_of_work
from core.sessions import buttons as action_ids
from core.sessions.models import Reflection
from scheduler.runner import Runner
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.test_sessions_flow import FACILITATOR, SESSION, join, open_modal
from tests.slack_harness import BOT_TOKEN, SIGNING_SECRET, SlackHarness

CHANNEL = "C0COMMUNITY"
STARTS = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # 18:00 London in December


def stored_reflections(slack: SlackHarness) -> int:
    with unit_of_work(slack.runtime.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(Reflection)) or 0)


@pytest.fixture
def world(
    database_url: str, clock: FakeClock
) -> Iterator[tuple[SlackHarness, Runner, FakeSlackApi]]:
    with FakeSlackApi(team_id="T0001", ts_clock=lambda: clock.now().timestamp()) as fake:
        fake.add_user("U0AMINA", real_name="Amina Yusuf", tz="Europe/London")
        fake.add_channel(CHANNEL)
        settings = make_settings(
            database_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=fake.base_url,
            CATALYST_FACILITATORS=FACILITATOR,
            CATALYST_CHANNEL=CHANNEL,
            CATALYST_REMINDER_OFFSETS="1d",
        )
        runtime = build_runtime(settings, clock=clock)
        harness = SlackHarness(runtime, fake)
        runner = Runner(
            runtime.session_factory,
            clock,
            settings,
            SlackSender(BOT_TOKEN, fake.base_url),
            holder="lifecycle",
        )
        runner.start(paused=True)
        yield harness, runner, fake
        runner.stop()
        harness.close()
        runtime.close()


def test_a_session_from_modal_to_export(
    world: tuple[SlackHarness, Runner, FakeSlackApi], clock: FakeClock
) -> None:
    slack, runner, fake = world
    join(slack)
    view = open_modal(slack, "session add", FACILITATOR)
    assert slack.submit(view, SESSION, user=FACILITATOR).body == ""

    clock.set(STARTS - timedelta(days=1))
    runner.run_pending()
    reminder = next(p for p in fake.all_posted() if "Coming up in 1 day" in p["text"])
    assert "18:00–19:30 (Europe/London)" in str(reminder["blocks"])
    session_id = next(
        e["value"]
        for b in reminder["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_ids.RSVP_GOING
    )

    slack.click(action_ids.RSVP_GOING, session_id)
    slack.fake.wait_for_response()

    clock.set(STARTS + timedelta(minutes=90, hours=1))
    runner.run_pending()
    [prompt_post] = fake.messages_in(CHANNEL)
    assert "Reflect" in str(prompt_post["blocks"])
    assert any(
        "Thanks for coming" in str(p["blocks"]) for p in fake.all_posted() if p is not prompt_post
    )

    reply = slack.event(
        {
            "type": "message",
            "channel": CHANNEL,
            "channel_type": "channel",
            "user": "U0AMINA",
            "text": "I'll ask my CEO about shadowing the board &amp; report back.",
            "ts": f"{clock.now().timestamp() + 60:.6f}",
            "thread_ts": prompt_post["ts"],
        }
    )
    assert reply.status == 200
    slack.settled()  # events are handled after Slack gets its ack
    assert stored_reflections(slack) == 1, "the thread reply was not stored as a reflection"

    slack.command("export", user=FACILITATOR)
    fake.wait_for("files.completeUploadExternal")
    [(_name, content)] = fake.uploaded_files()
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["reflection"] for row in rows] == [
        "I'll ask my CEO about shadowing the board & report back."
    ]
    assert rows[0]["session_title"] == SESSION["title"]
