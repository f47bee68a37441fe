"""`catalyst newsletter export N`: a sent (or drafted) newsletter as Markdown or as a
self-contained HTML email body, for a mailing tool or the website.

The document goes to stdout (or `--output FILE`); what happened goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli_pick import NoCommunity, pick_community
from core.config import Settings


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    newsletter = commands.add_parser(
        "newsletter", help="export a newsletter as Markdown or an HTML email body"
    )
    newsletter.add_argument("action", choices=["export"])
    newsletter.add_argument("number", type=int, metavar="N", help="the newsletter's number")
    newsletter.add_argument("--format", choices=["md", "html"], default="md")
    newsletter.add_argument("--output", metavar="FILE", help="write to FILE instead of the screen")
    newsletter.add_argument(
        "--community",
        metavar="ID",
        help="the Slack team id or Discord server id (needed when there are several)",
    )


def cmd_newsletter(settings: Settings, args: argparse.Namespace) -> int:

    from bot.wiring import build_runtime
    from core import i18n
    from core.db import unit_of_work
    from core.newsletter import builder
    from core.newsletter import service as newsletter

    team: str | None = args.community
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory) as session:
            try:
                community = pick_community(session, team)
            except NoCommunity as problem:
                print(problem, file=sys.stderr)
                return 1
            found = newsletter.by_number(session, community, args.number)
            if found is None:
                print(
                    f"There's no newsletter {args.number}. A facilitator makes one with "
                    "`/cop newsletter draft`.",
                    file=sys.stderr,
                )
                return 1
            said = newsletter.content(session, community, found, runtime.clock.now())
            with i18n.speaking(community.language):
                document = (
                    builder.html_email(said, community.timezone)
                    if args.format == "html"
                    else builder.markdown(said, community.timezone)
                )
            status = found.status
    finally:
        runtime.close()
    what = (
        f"newsletter {args.number} ({status}) as {'HTML' if args.format == 'html' else 'Markdown'}"
    )
    if args.output:
        Path(args.output).write_text(document, encoding="utf-8")
        print(f"Wrote {what} to {args.output}.", file=sys.stderr)
    else:
        sys.stdout.write(document)
        print(f"Exported {what}.", file=sys.stderr)
    return 0
