"""Fixtures for end-to-end Slack tests: fake Web API + Catalyst over real HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.slack.sender import SlackSender
from bot.wiring import build_runtime
from core.clock import FakeClock
from scheduler.runner import Runner
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
def slack(
    database_url: str,
    clock: FakeClock,
    fake_slack: FakeSlackApi,
) -> Iterator[SlackHarness]:
    settings = make_settings(
        database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.base_url,
        CATALYST_FACILITATORS="UFACIL01",
    )
    runtime = build_runtime(settings, clock=clock)
    tracebacks = TracebackCatcher()
    root = logging.getLogger()
    root.addHandler(tracebacks)
    harness = SlackHarness(runtime, fake_slack)
    try:
        yield harness
        harness.close()
    finally:
        root.removeHandler(tracebacks)
        runtime.close()
    assert tracebacks.seen == [], "the HTTP server logged a traceback:\n" + "\n".join(
        tracebacks.seen
    )


class TracebackCatcher(logging.Handler):
    """Collects every log record that carries a traceback, from any thread.

    Whatever reaches the endpoint, a person gets a sentence and the log gets at most a line:
    a traceback means some input reached code that didn't expect it.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[0] is not None:
            self.seen.append(f"{record.name}: {record.getMessage()}\n{self.format(record)}")


World = tuple[SlackHarness, Runner, FakeSlackApi]


@contextmanager
def scheduled_world(
    database_url: str,
    clock: FakeClock,
    fake: FakeSlackApi,
    holder: str,
    **env: str,
) -> Iterator[World]:
    """Catalyst over real HTTP with the real scheduler (paused: tests call `run_pending`)
    sending through the real SlackSender to `fake`, whose message timestamps follow the
    fake clock. `env` adds settings (CATALYST_CHANNEL, CATALYST_LANGUAGE, ...)."""
    settings = make_settings(
        database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
        CATALYST_FACILITATORS="UFACIL01",
        **env,
    )
    runtime = build_runtime(settings, clock=clock)
    harness = SlackHarness(runtime, fake)
    runner = Runner(
        runtime.session_factory, clock, settings, SlackSender(BOT_TOKEN, fake.base_url), holder
    )
    runner.start(paused=True)
    try:
        yield harness, runner, fake
    finally:
        runner.stop()
        harness.close()
        runtime.close()
