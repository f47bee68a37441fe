"""Fixtures for end-to-end Slack tests: fake Web API + Catalyst over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.wiring import build_runtime
from core.clock import FakeClock
from tests.conftest import make_settings
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_harness import BOT_TOKEN, SIGNING_SECRET, SlackHarness


@pytest.fixture
def fake_slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id="T0001") as fake:
        fake.add_user("U0AMINA", real_name="Amina Yusuf", tz="Asia/Amman")
        fake.add_user("U0SAM", real_name="Sam Okafor", tz="Europe/London")
        fake.add_user("UFACIL01", real_name="Fran Facilitator", tz="Europe/London")
        yield fake


@pytest.fixture
def slack(database_url: str, clock: FakeClock, fake_slack: FakeSlackApi) -> Iterator[SlackHarness]:
    settings = make_settings(
        database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.base_url,
        CATALYST_FACILITATORS="UFACIL01",
    )
    runtime = build_runtime(settings, clock=clock)
    harness = SlackHarness(runtime, fake_slack)
    yield harness
    harness.close()
    runtime.close()
