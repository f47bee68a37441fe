"""The `catalyst` command: run the bot, open the console, manage the database."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from alembic.util.exc import CommandError
from dotenv import dotenv_values
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

from bot.cli_community import add_parser as add_community_parser
from bot.cli_community import cmd_community
from bot.cli_discord import add_parser as add_discord_parser
from bot.cli_discord import cmd_discord
from bot.cli_export import cmd_export
from bot.cli_newsletter import add_parser as add_newsletter_parser
from bot.cli_newsletter import cmd_newsletter
from bot.cli_report import add_parser as add_report_parser
from bot.cli_report import cmd_report
from bot.cli_resources import add_import_parser, cmd_export_resources, cmd_import_resources
from core.config import ConfigError, Settings, load_settings
from core.words import plural

if TYPE_CHECKING:  # the wiring is imported when a command runs, not at start-up
    from bot.discord.sender import DiscordSender
    from bot.wiring import DiscordParts, Runtime, SlackParts
    from scheduler.runner import Runner

DISCORD = "discord"

log = logging.getLogger("catalyst")

NO_CREDENTIALS = (
    "No Slack credentials are set (SLACK_BOT_TOKEN), so Catalyst can't connect to Slack: "
    "try it in the local console with `make run` (or `catalyst shell`), or see “Connect "
    "Catalyst to Slack” in the README."
)
OPENING_CONSOLE = (
    "No Slack or Discord credentials are set (SLACK_BOT_TOKEN, DISCORD_BOT_TOKEN), so here "
    "is the local console instead. To connect Catalyst, see “Connect Catalyst to Slack” or "
    "“Connect Catalyst to Discord” in the README."
)


def environment(dotenv_path: str = ".env") -> dict[str, str]:
    """`.env` values, overridden by the real environment (so deployments win)."""
    merged = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
    merged.update(os.environ)
    return merged


def _settings(env: Mapping[str, str]) -> Settings:
    try:
        return load_settings(env)
    except ConfigError as problem:
        print(f"Catalyst can't start: {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def _reason(error: BaseException) -> str:
    """The short, human part of an exception (no class names or tracebacks)."""
    reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
    return str(reason).strip().splitlines()[0][:120] if str(reason).strip() else "no answer"


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.log_level != "DEBUG":  # APScheduler logs every run of every job at INFO
        logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _stop_on_sigterm() -> None:
    """Container platforms stop processes with SIGTERM: treat it like Ctrl-C, so the
    scheduler hands back its lease and the database closes cleanly."""

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.wiring import (
        build_discord,
        build_runner,
        build_runtime,
        build_slack,
        discord_sender,
        slack_sender,
    )

    if not settings.has_slack and not settings.has_discord:
        if args.console_fallback:
            print(OPENING_CONSOLE, file=sys.stderr)
            return cmd_shell(settings, args)
        print(NO_CREDENTIALS, file=sys.stderr)
        return 1
    _logging(settings)
    runtime = build_runtime(settings)
    slack = build_slack(runtime) if settings.has_slack else None
    if slack is not None:
        refused = _check_bot_token(slack)
        if refused is not None:
            return refused
    # Slack and Discord in one process: each has its own community row and its own scheduler
    # (a lease per platform), so neither waits for the other.
    discord_parts = build_discord(runtime) if settings.has_discord else None
    runners: list[Runner] = []
    senders: list[DiscordSender] = []
    _stop_on_sigterm()
    try:
        if discord_parts is not None:
            failed = _connect_discord(discord_parts)
            if failed is not None:
                return failed
        if args.no_scheduler:
            log.info("--no-scheduler: this process answers people only; run `catalyst scheduler`")
        else:
            if slack is not None:
                runners.append(build_runner(runtime, slack_sender(settings)))
            if discord_parts is not None:
                # The guild is known once connected (DISCORD_GUILD_ID, else the one joined);
                # None: the sender finds it on first use, or says to set DISCORD_GUILD_ID.
                sender = discord_sender(settings, discord_parts.client.known_guild_id())
                senders += [sender] if sender is not None else []
                runners.append(build_runner(runtime, sender, platform=DISCORD))
        _freeze_startup_heap()
        for runner in runners:
            runner.start()
        if slack is None and discord_parts is not None:  # Discord alone: until stopped
            discord_parts.connection.wait()
            return 0
        if slack is None:
            return 0
        if settings.socket_mode:
            return _serve_socket_mode(slack, settings)
        return _serve_http(slack, runtime, settings, args.host)
    except KeyboardInterrupt:
        return 0
    finally:
        # The schedulers first: their lease is free at once, whatever is left to answer.
        for runner in runners:
            runner.stop()
        if slack is not None:
            slack.close()  # let work after an ack finish before the database closes
        if discord_parts is not None:
            discord_parts.close()
        for sender in senders:
            sender.close()
        runtime.close()


def _freeze_startup_heap() -> None:
    """Leave what start-up built (libraries, settings, the app) out of later garbage
    collections: a full collection stops every thread, and one scanning all of it could
    land on a request and make its ack late. Python's own advice for long-lived servers
    (`gc.freeze`)."""
    import gc

    gc.collect()
    gc.freeze()


def _connect_discord(parts: DiscordParts) -> int | None:
    """None once the Discord gateway is ready; otherwise the exit code, after saying why."""
    import discord

    try:
        parts.connection.start(timeout=60)
    except discord.LoginFailure:
        print(
            "Catalyst can't start: Discord refused DISCORD_BOT_TOKEN. Copy it again from the "
            "Discord Developer Portal → your application → Bot → Reset Token.",
            file=sys.stderr,
        )
        return 2
    except discord.PrivilegedIntentsRequired:
        print(
            "Catalyst can't start: Discord needs the Server Members and Message Content intents "
            "switched on for this bot (Developer Portal → your application → Bot → Privileged "
            "Gateway Intents). Catalyst reads replies in reflection threads and members' names.",
            file=sys.stderr,
        )
        return 2
    except (OSError, TimeoutError, discord.HTTPException, discord.GatewayNotFound) as error:
        print(
            f"Catalyst can't start: it can't reach Discord ({_reason(error)}). Check this "
            "computer's internet connection (and DISCORD_API_URL, if you set it), then try again.",
            file=sys.stderr,
        )
        return 2
    return None


def _check_bot_token(slack: SlackParts) -> int | None:
    """None when Slack accepts the bot token; otherwise the exit code, after saying why."""
    try:
        identity = slack.client.auth_test()
    except SlackApiError as error:
        print(
            f"Catalyst can't start: Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}). "
            "Copy the Bot User OAuth Token again from Slack app settings → OAuth & Permissions.",
            file=sys.stderr,
        )
        return 2
    except OSError as error:  # URLError is an OSError: no network, DNS, proxy
        print(
            f"Catalyst can't start: it can't reach Slack ({_reason(error)}). Check this "
            "computer's internet connection (and SLACK_API_URL, if you set it), then try again.",
            file=sys.stderr,
        )
        return 2
    log.info("connected to Slack workspace %s as %s", identity.get("team"), identity.get("user"))
    return None


def _serve_socket_mode(slack: SlackParts, settings: Settings) -> int:
    """Socket Mode: no public address; runs until stopped."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(slack.app, settings.slack_app_token)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except (SlackApiError, OSError) as error:
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        print(
            f"Catalyst can't start: Socket Mode didn't connect ({code or _reason(error)})."
            " Check SLACK_APP_TOKEN: an app-level token (xapp-…) with the "
            "connections:write scope, from Basic Information → App-Level Tokens.",
            file=sys.stderr,
        )
        return 2
    log.info("Socket Mode: no public URL needed; listening for %s", settings.slash_command)
    try:
        threading.Event().wait()
    finally:
        handler.close()  # type: ignore[no-untyped-call]  # no new requests from here
    return 0


def _serve_http(slack: SlackParts, runtime: Runtime, settings: Settings, host: str) -> int:
    """HTTP mode: `/slack/events`, `/healthz` and the calendar feeds; runs until stopped."""
    from bot.slack.server import make_server, wsgi_app

    try:
        application = wsgi_app(
            slack.app, settings.slack_signing_secret, runtime.healthy, runtime.calendar_feed
        )
        server = make_server(application, host, settings.port)
    except OSError as error:
        print(
            f"Catalyst can't start: it can't listen on port {settings.port} "
            f"({_reason(error)}). Another program may be using it: set PORT to a free one.",
            file=sys.stderr,
        )
        return 2
    log.info("HTTP mode on http://%s:%s/slack/events (health: /healthz)", host, settings.port)
    try:
        server.run()
    finally:
        server.close()
    return 0


def cmd_scheduler(settings: Settings, args: argparse.Namespace) -> int:
    """The scheduler alone, for deployments with several web replicas."""
    from bot.wiring import build_runner, build_runtime, discord_sender, slack_sender

    if not settings.has_slack and not settings.has_discord:
        print(NO_CREDENTIALS, file=sys.stderr)
        return 1
    if settings.has_discord and not settings.discord_guild_id:
        print(
            "Catalyst's scheduler needs DISCORD_GUILD_ID to send to Discord on its own (it "
            "doesn't connect to the gateway to find the server): set it to your server's id.",
            file=sys.stderr,
        )
        return 2
    _logging(settings)
    runtime = build_runtime(settings)
    runners: list[Runner] = []
    if settings.has_slack:
        runners.append(build_runner(runtime, slack_sender(settings)))
    sender = discord_sender(settings, settings.discord_guild_id or "")
    if sender is not None:
        runners.append(build_runner(runtime, sender, platform=DISCORD))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for runner in runners:
        runner.start()
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for runner in runners:
            runner.stop()
        if sender is not None:
            sender.close()
        runtime.close()
    return 0


def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    """What the scheduler will do next: when, what, for how many people."""
    from bot.wiring import build_runtime
    from core.db import unit_of_work
    from core.schedule_report import outbox_counts, upcoming

    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory) as session:
            planned = upcoming(session, runtime.clock.now(), limit=args.limit)
            counts = outbox_counts(session)
    finally:
        runtime.close()
    if not planned:
        print("Nothing is scheduled. Add a session with /cop session add.")
    else:
        width = max(len(job.due) for job in planned)
        for job in planned:
            print(f"{job.due.ljust(width)}  {job.what}  ({plural(job.people, 'person', 'people')})")
    print(
        f"Outbox: {counts['pending']} waiting, {counts['sending']} sending, "
        f"{counts['sent']} sent, {counts['failed']} failed, {counts['missed']} missed."
    )
    return 0


def cmd_shell(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console.shell import Console
    from bot.wiring import build_console, build_runtime

    logging.basicConfig(level=logging.WARNING)
    runtime = build_runtime(settings)
    console_parts = build_console(runtime)
    runner = console_parts.runner
    runner.start()
    at_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    console = Console(
        dispatcher=runtime.dispatcher(),
        settings=settings,
        stdin=sys.stdin,
        stdout=sys.stdout,
        colour=sys.stdout.isatty(),
        line_editing=at_terminal and _line_editing(),
        persona=getattr(args, "as_name", None) or "you",
        inbox=console_parts.inbox,
    )
    try:
        return console.run()
    finally:
        runner.stop()
        runtime.close()


def _line_editing() -> bool:
    """Load the standard library's line editing (with history) where the platform has it."""
    try:
        import readline  # noqa: F401  (importing it is what makes input() edit and recall)
    except ImportError:  # Windows without pyreadline: plain lines still work
        return False
    return True


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    from core import migrate
    from core.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        if args.db_command == "upgrade":
            migrate.upgrade(engine)
            print(f"Database is up to date (revision {migrate.current_revision(engine)}).")
        else:
            print(f"Database revision: {migrate.current_revision(engine) or 'empty'}.")
    finally:
        engine.dispose()
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="catalyst", description="Catalyst keeps a Community of Practice connected."
    )
    commands = top.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the bot (Socket Mode or HTTP)")
    run.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to listen on")  # noqa: S104
    run.add_argument(
        "--console-fallback",
        action="store_true",
        help="open the local console when no Slack or Discord credentials are set",
    )
    run.add_argument(
        "--no-scheduler",
        action="store_true",
        help="answer Slack only (extra web replicas); run `catalyst scheduler` once elsewhere",
    )
    commands.add_parser("scheduler", help="run only the scheduler (reminders, prompts, sending)")
    jobs = commands.add_parser("jobs", help="list what the scheduler will do next")
    jobs.add_argument("--limit", type=int, default=30)
    shell = commands.add_parser("shell", help="try Catalyst in the local console")
    shell.add_argument("--as", dest="as_name", help="start acting as this member")
    export = commands.add_parser(
        "export", help="export reflections (for an evaluation report) or the resource library"
    )
    export.add_argument("what", choices=["reflections", "resources"])
    export.add_argument("--session", type=int, metavar="N", help="only session N's reflections")
    export.add_argument("--format", choices=["csv", "md"], default="csv")
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of the screen")
    export.add_argument(
        "--community",
        metavar="ID",
        help="the Slack team id or Discord server id (needed when there are several)",
    )
    add_community_parser(commands)
    add_import_parser(commands)
    add_newsletter_parser(commands)
    add_discord_parser(commands)
    add_report_parser(commands)
    db = commands.add_parser("db", help="database tasks")
    db.add_argument("db_command", choices=["upgrade", "current"])
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    env = environment()
    settings = _settings(env)
    handlers = {
        "run": cmd_run,
        "scheduler": cmd_scheduler,
        "jobs": cmd_jobs,
        "shell": cmd_shell,
        "export": lambda s, a: (
            cmd_export_resources(s, a) if a.what == "resources" else cmd_export(s, a)
        ),
        "import": cmd_import_resources,
        "community": cmd_community,
        "newsletter": cmd_newsletter,
        "discord": lambda s, a: cmd_discord(s, a, env),
        "report": cmd_report,
        "db": cmd_db,
    }
    try:
        return handlers[args.command](settings, args)
    except KeyboardInterrupt:
        return 130
    except CommandError as error:
        print(
            f"Catalyst can't start: the database doesn't match this version of Catalyst "
            f"({_reason(error)}). Update Catalyst to the newest version, or point DATABASE_URL "
            "at the right database.",
            file=sys.stderr,
        )
        return 2
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "no answer"
        print(
            f"Catalyst can't start: it can't open the database at DATABASE_URL ({reason}). "
            "Check the address, and that the folder or server exists and accepts connections.",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
