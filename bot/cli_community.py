"""`catalyst community`: what an operator sets for a community without touching the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli_pick import NoCommunity, pick_community
from core import communities
from core.care import rules as care_rules
from core.care import service as care
from core.config import Settings
from core.errors import UserError
from core.models import Community


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    community = commands.add_parser(
        "community", help="show or change a community's settings and texts"
    )
    community.add_argument("action", choices=["show", "set", "calendar-link"])
    community.add_argument(
        "--community",
        "--team",
        dest="team",
        metavar="ID",
        help="the Slack team id or Discord server id (needed when there are several)",
    )
    community.add_argument("--timezone", help="e.g. Europe/London")
    community.add_argument("--channel", help="channel ID for reflection prompts ('' to unset)")
    community.add_argument("--reminders", help="reminder offsets, e.g. 7d,1d,1h ('' = default)")
    community.add_argument(
        "--delivery-hours", help="when broadcasts by DM may arrive, e.g. 08:00-20:00 ('' = default)"
    )
    community.add_argument(
        "--care-rules",
        metavar="RULES",
        help="who-is-drifting thresholds, e.g. sessions=3,reminders=0 ('' = defaults; "
        "see the README)",
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


def _set_care_rules(community: Community, text: str) -> str:
    """`--care-rules`: change only the thresholds named; '' goes back to the defaults."""
    try:
        rules = care_rules.parse_rules(text, care.rules_for(community)) if text else None
    except ValueError as problem:
        raise UserError(str(problem)) from None
    care.set_rules(community, rules or care_rules.CareRules())
    return "care rules: " + care_rules.describe_rules(care.rules_for(community))


def cmd_community(settings: Settings, args: argparse.Namespace) -> int:
    from bot.wiring import build_runtime
    from core.db import unit_of_work

    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory) as session:
            try:
                community = pick_community(session, args.team)
            except NoCommunity as problem:
                print(problem, file=sys.stderr)
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
                if args.care_rules is not None:
                    said.append(_set_care_rules(community, args.care_rules))
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
                channel = community.channel_id or settings.channel_on(community.platform)
                print(f"  prompts channel:   {channel or '—'}")
                print(f"  reminder offsets:  {community.reminder_offsets or 'default'}")
                hours = community.delivery_hours or f"{settings.delivery_hours} (default)"
                print(f"  DM delivery hours: {hours}")
                print(f"  ground rules:      {'custom' if community.ground_rules else 'default'}")
                print(f"  privacy notice:    {'custom' if community.privacy_notice else 'default'}")
                print(f"  themes:            {', '.join(community.themes)}")
                rules = care.rules_for(community)
                custom = "" if rules.overrides() else " (default)"
                print(f"  care rules:        {care_rules.describe_rules(rules)}{custom}")
    except UserError as problem:
        print(f"Nothing changed: {problem}", file=sys.stderr)
        return 2
    finally:
        runtime.close()
    return 0
