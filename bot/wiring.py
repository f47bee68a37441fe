"""The one place that builds everything: settings in, a running Catalyst out.

Nothing is built at import time; tests and benchmarks call these functions with their own
settings, clock and fake Slack URL.
"""

from __future__ import annotations

import concurrent.futures
import logging
from dataclasses import dataclass, field

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, text

from bot.console.inbox import ConsoleInbox
from bot.console.shell import PLATFORM as CONSOLE
from bot.discord import endpoints
from bot.discord.client import CatalystDiscord, Connection
from bot.discord.directory import DiscordDirectory
from bot.discord.events import DiscordEvents
from bot.discord.sender import DiscordSender
from bot.slack.app import build_app
from bot.slack.client import make_web_client
from bot.slack.delivery import PLATFORM as SLACK
from bot.slack.directory import NoDirectory, SlackDirectory
from bot.slack.sender import SlackSender
from core import communities, migrate
from core.clock import Clock, SystemClock
from core.config import Settings
from core.context import Directory
from core.db import SessionFactory, make_engine, make_session_factory, unit_of_work
from core.delivery.calendar import CalendarMirror
from core.delivery.outbox import Sender
from core.sessions import calendar as calendar
from core.sessions import service as sessions
from handlers.catalogue import build_registry
from handlers.dispatch import Dispatcher
from handlers.registry import Registry
from scheduler.runner import Runner

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: SessionFactory
    clock: Clock
    registry: Registry = field(default_factory=build_registry)

    def dispatcher(self, directory: Directory | None = None) -> Dispatcher:
        return Dispatcher(
            self.registry,
            self.session_factory,
            self.settings,
            self.clock,
            directory or NoDirectory(),
        )

    def healthy(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check: database unreachable")
            return False
        return True

    def calendar_feed(self, token: str) -> str | None:
        """The community's upcoming sessions as iCalendar, or None for an unknown token."""
        with unit_of_work(self.session_factory) as session:
            community = communities.by_calendar_token(session, token)
            if community is None:
                return None
            now = self.clock.now()
            return calendar.feed_ics(
                sessions.upcoming(session, community, now), now, language=community.language
            )

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(
    settings: Settings, *, clock: Clock | None = None, upgrade_schema: bool = True
) -> Runtime:
    """Engine, schema (migrated to head unless told not to), and the handler catalogue."""
    engine = make_engine(settings.database_url)
    if upgrade_schema:
        migrate.upgrade(engine)
    return Runtime(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
    )


@dataclass
class SlackParts:
    app: App
    client: WebClient
    dispatcher: Dispatcher
    commands: concurrent.futures.ThreadPoolExecutor
    listeners: concurrent.futures.ThreadPoolExecutor
    after_ack: concurrent.futures.ThreadPoolExecutor

    def close(self) -> None:
        """Wait for listeners, commands and after-ack work still running (call once no
        requests come). Listeners hand work to both pools, so they close first."""
        self.listeners.shutdown(wait=True)
        self.commands.shutdown(wait=True)
        self.after_ack.shutdown(wait=True)


def build_runner(
    runtime: Runtime, sender: Sender | None, *, platform: str = SLACK, holder: str | None = None
) -> Runner:
    """The scheduler for one platform's communities, sending through that platform's sender
    (None: it plans and runs items, and nothing is sent), and mirroring sessions on the
    platform's own calendar where it has one."""
    return Runner(
        runtime.session_factory,
        runtime.clock,
        runtime.settings,
        sender,
        holder=holder,
        platform=platform,
        calendar=platform_calendar(sender),
    )


def platform_calendar(sender: Sender | None) -> CalendarMirror | None:
    """Where sessions also show as the platform's own events: a Discord server's Events,
    through the Discord sender's REST client. Slack and the console have none."""
    return DiscordEvents(sender) if isinstance(sender, DiscordSender) else None


def slack_sender(settings: Settings) -> Sender | None:
    """What the scheduler sends Slack messages through, when a bot token is set."""
    if not settings.slack_bot_token:
        return None
    return SlackSender(settings.slack_bot_token, settings.slack_api_url)


@dataclass
class ConsoleParts:
    """The console's own "Slack": an inbox for what the scheduler sends, and that scheduler
    (for console communities only), so reminders arrive in the console at their times."""

    inbox: ConsoleInbox
    runner: Runner


def build_console(runtime: Runtime) -> ConsoleParts:
    inbox = ConsoleInbox(runtime.clock)
    return ConsoleParts(inbox, build_runner(runtime, inbox, platform=CONSOLE))


def build_slack(runtime: Runtime) -> SlackParts:
    settings = runtime.settings
    if settings.slack_bot_token is None:
        raise ValueError("build_slack needs SLACK_BOT_TOKEN")
    client = make_web_client(settings)
    dispatcher = runtime.dispatcher(
        SlackDirectory(settings.slack_bot_token, settings.slack_api_url)
    )
    commands = concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="catalyst-cmd")
    listeners = concurrent.futures.ThreadPoolExecutor(10, thread_name_prefix="catalyst-listener")
    after_ack = concurrent.futures.ThreadPoolExecutor(16, thread_name_prefix="catalyst-after")
    app = build_app(
        settings,
        dispatcher,
        client,
        executor=commands,
        listener_executor=listeners,
        after_ack=after_ack,
    )
    return SlackParts(
        app=app,
        client=client,
        dispatcher=dispatcher,
        commands=commands,
        listeners=listeners,
        after_ack=after_ack,
    )


@dataclass
class DiscordParts:
    client: CatalystDiscord
    dispatcher: Dispatcher
    pool: concurrent.futures.ThreadPoolExecutor
    connection: Connection

    def close(self) -> None:
        """Stop the gateway, then wait for interactions still being worked on."""
        self.connection.stop()
        self.pool.shutdown(wait=True)


def build_discord(runtime: Runtime, *, guild_ready_timeout: float = 2.0) -> DiscordParts:
    """The Discord client (not connected yet: `parts.connection.start()`), its own
    dispatcher and worker threads. DISCORD_API_URL, when set, points discord.py there."""
    settings = runtime.settings
    if settings.discord_bot_token is None:
        raise ValueError("build_discord needs DISCORD_BOT_TOKEN")
    endpoints.use_api(settings.discord_api_url)
    directory = DiscordDirectory()
    dispatcher = runtime.dispatcher(directory)
    pool = concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix="catalyst-discord")
    client = CatalystDiscord(
        settings, dispatcher, pool=pool, guild_ready_timeout=guild_ready_timeout
    )
    directory.client = client
    connection = Connection(client, settings.discord_bot_token)
    return DiscordParts(client=client, dispatcher=dispatcher, pool=pool, connection=connection)


def discord_sender(settings: Settings, guild_id: str | None) -> DiscordSender | None:
    """What the scheduler sends Discord messages through, when a bot token is set; the
    community channel (private threads for pairs and sets) is CATALYST_CHANNEL when it
    names a Discord channel."""
    if not settings.discord_bot_token:
        return None
    channel = settings.channel_on("discord")
    return DiscordSender(
        settings.discord_bot_token,
        guild_id=guild_id,
        community_channel_id=channel,
        api_url=settings.discord_api_url,
    )
