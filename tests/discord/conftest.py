"""Fixtures for end-to-end Discord tests: the fake Discord + the real adapter."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.wiring import build_runtime
from core.clock import FakeClock
from tests.conftest import make_settings
from tests.discord_harness import DiscordHarness, Seconds
from tests.fakes.discord_api import FakeDiscord
from tests.slack.conftest import TracebackCatcher


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
def fake_discord(
    seconds: Seconds, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeDiscord]:
    # discord.py's URLs are process-wide class attributes: put them back after each test.
    monkeypatch.setattr(Route, "BASE", Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    # Ids are stamped on the test's clock: an interaction's age is the adapter's to read.
    with FakeDiscord(clock=seconds, heartbeat_interval=200, id_clock=clock.now) as fake:
        yield fake
        assert fake.errors == []


@pytest.fixture
def discord(
    database_url: str, clock: FakeClock, fake_discord: FakeDiscord
) -> Iterator[DiscordHarness]:
    settings = make_settings(
        database_url,
        DISCORD_BOT_TOKEN=fake_discord.token,
        DISCORD_API_URL=fake_discord.api_base,
        DISCORD_GUILD_ID=fake_discord.guild_id,
        DISCORD_APPLICATION_ID=fake_discord.application_id,
    )
    runtime = build_runtime(settings, clock=clock)
    tracebacks = TracebackCatcher()
    root = logging.getLogger()
    root.addHandler(tracebacks)
    harness = DiscordHarness(runtime, fake_discord)
    try:
        yield harness
        harness.close()
    finally:
        root.removeHandler(tracebacks)
        runtime.close()
    assert tracebacks.seen == [], "the adapter logged a traceback:\n" + "\n".join(tracebacks.seen)
