"""`catalyst community`: what an operator sets for a community without touching the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select

from core import communities
from core.config import Settings
from core.errors import UserError
from core.models import Community


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    community = commands.add_parser(
        "community", help="show or change a community's settings and texts"
    )
    community.add_argument("action", choices=["show", "set", "calendar-link"])
    community.add_argument("--team", metavar="TEAMID", help="Slack team id (default: the first)")
    community.add_argument("--timezone", help="e.g. Europe/London")
    community.add_argument("--channel", help="channel ID for reflection prompts ('' to unset)")
    community.add_argument("--reminders", help="reminder offsets, e.g. 7d,1d,1h ('' = default)")
    community.add_argument(
        "--delivery-hours", help="when broadcasts by DM may arrive, e.g. 08:00-20:00 ('' = default)"
    )
    community.add_argument("--ground-rules", type=Path, metavar="FILE", help="text file")
    community.add_argument("--privacy-notice", type=Path, metavar="FILE", help="text file")
    community.add_argument(
        "--base-url", help="calendar-link: this deployment's public address (HTTP mode)"
    )


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"Can't read {path}: {error.strerror or error}.") from None


def cmd_community(settings: Settings, args: argparse.Namespace) -> int:
    from bot.wiring import build_runtime
    from core.db import unit_of_work

    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory) as session:
            query = select(Community).order_by(Community.id)
            if args.team:
                query = query.where(Community.external_id == args.team)
            community = session.scalars(query).first()
            if community is None:
                print(
                    "No community yet: it is created the first time someone uses Catalyst "
                    "in the workspace (or the console).",
                    file=sys.stderr,
                )
                return 1
            if args.action == "set":
                said = communities.update_settings(
                    session,
                    community,
                    timezone=args.timezone,
                    channel=args.channel,
                    reminder_offsets=args.reminders,
                    ground_rules=_read(args.ground_rules),
                    privacy_notice=_read(args.privacy_notice),
                    delivery_hours=args.delivery_hours,
                )
                print("Changed " + "; ".join(said) + "." if said else "Nothing to change.")
                if args.ground_rules or args.privacy_notice:
                    print(
                        "Members who join from now on agree to the new text; the version each "
                        "member agreed to is kept with their consent."
                    )
            elif args.action == "calendar-link":
                token = communities.calendar_token(session, community)
                base = (args.base_url or "https://YOUR-HOST").rstrip("/")
                print(f"{base}/calendar/{token}.ics")
                print("Share it with members: calendar apps subscribe to it (HTTP mode only).")
            else:
                print(f"Community {community.external_id} ({community.platform})")
                print(f"  timezone:          {community.timezone}")
                print(f"  prompts channel:   {community.channel_id or settings.channel or '—'}")
                print(f"  reminder offsets:  {community.reminder_offsets or 'default'}")
                hours = community.delivery_hours or f"{settings.delivery_hours} (default)"
                print(f"  DM delivery hours: {hours}")
                print(f"  ground rules:      {'custom' if community.ground_rules else 'default'}")
                print(f"  privacy notice:    {'custom' if community.privacy_notice else 'default'}")
                print(f"  themes:            {', '.join(community.themes)}")
    except UserError as problem:
        print(f"Nothing changed: {problem}", file=sys.stderr)
        return 2
    finally:
        runtime.close()
    return 0
