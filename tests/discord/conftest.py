"""Fixtures for end-to-end Discord tests: the fake Discord + the real adapter, and with the
scheduler sending through the outbox's Discord sender (`world`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.discord.sender import DiscordSender
from bot.wiring import build_runner, build_runtime
from core.clock import FakeClock
from tests.conftest import make_settings
from tests.discord_harness import DiscordHarness, Seconds, World
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


@pytest.fixture
def tracebacks() -> Iterator[TracebackCatcher]:
    """Every traceback logged during a `world` test; a test that expects one takes it out."""
    catcher = TracebackCatcher()
    logging.getLogger().addHandler(catcher)
    try:
        yield catcher
    finally:
        logging.getLogger().removeHandler(catcher)


@pytest.fixture
def world(
    database_url: str,
    clock: FakeClock,
    fake_discord: FakeDiscord,
    tracebacks: TracebackCatcher,
) -> Iterator[World]:
    """The adapter and the scheduler (paused: a test runs it) on the fake clock, sending
    through the Discord sender. Bob (`other_member_id`) is the facilitator, named in the
    settings; the community channel is the fake's channel. Nothing may log a traceback, in
    the adapter or the runner."""
    fake = fake_discord
    fake.event_clock = clock.now  # as Discord does, refuse an event starting in the past
    settings = make_settings(
        database_url,
        DISCORD_BOT_TOKEN=fake.token,
        DISCORD_API_URL=fake.api_base,
        DISCORD_GUILD_ID=fake.guild_id,
        CATALYST_FACILITATORS=fake.other_member_id,
        CATALYST_CHANNEL=fake.channel_id,
    )
    runtime = build_runtime(settings, clock=clock)
    harness = DiscordHarness(runtime, fake)
    sender = DiscordSender(
        fake.token,
        guild_id=fake.guild_id,
        community_channel_id=fake.channel_id,
        api_url=fake.api_base,
    )
    runner = build_runner(runtime, sender, platform="discord", holder="discord-test")
    runner.start(paused=True)
    try:
        yield harness, runner
    finally:
        runner.stop()
        sender.close()
        harness.close()
        runtime.close()
    assert tracebacks.seen == [], "a traceback was logged:\n" + "\n".join(tracebacks.seen)
