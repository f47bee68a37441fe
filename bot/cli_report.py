"""`catalyst report --from 2026-01-01 --to 2026-06-30`: the programme evaluation report, as
one self-contained HTML file (charts inside, each with its data table), a PDF, or Markdown,
for a facilitator to hand to a funder.

The document goes to stdout (or `--output FILE`); what happened goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from bot.cli_pick import NoCommunity, pick_community
from core.config import Settings


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report", help="the programme evaluation report (HTML, PDF or Markdown) for funders"
    )
    report.add_argument("--from", dest="first_day", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="last_day", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--format", choices=["html", "pdf", "md"], default="html")
    report.add_argument("--output", metavar="FILE", help="write to FILE instead of the screen")
    report.add_argument(
        "--name-organisations",
        action="store_true",
        help="list organisations by name (by default they are only counted)",
    )
    report.add_argument(
        "--community", metavar="TEAMID", help="workspace team id (default: the first)"
    )


def _day(value: str, option: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        print(
            f"{option} {value!r} isn't a date: write it as year-month-day, like 2026-01-31.",
            file=sys.stderr,
        )
        return None


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:

    from bot.wiring import build_runtime
    from core.db import unit_of_work
    from core.errors import UserError
    from core.evaluation import service as evaluation

    first_day = _day(args.first_day, "--from")
    last_day = _day(args.last_day, "--to")
    if first_day is None or last_day is None:
        return 1
    if last_day < first_day:
        print(
            f"--from {first_day.isoformat()} is after --to {last_day.isoformat()}: give the "
            "earlier date to --from.",
            file=sys.stderr,
        )
        return 1
    team: str | None = args.community
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory) as session:
            try:
                community = pick_community(session, team)
            except NoCommunity as problem:
                print(problem, file=sys.stderr)
                return 1
            try:
                document = evaluation.document(
                    session,
                    community,
                    first_day,
                    last_day,
                    args.format,
                    name_organisations=args.name_organisations,
                    made_at=runtime.clock.now(),
                )
            except UserError as problem:  # dates out of range: said as a sentence
                print(problem, file=sys.stderr)
                return 1
    finally:
        runtime.close()
    what = f"the programme report for {first_day.isoformat()} to {last_day.isoformat()}"
    if args.output:
        Path(args.output).write_bytes(document)
        print(f"Wrote {what} ({args.format}) to {args.output}.", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(document)  # bytes: a PDF is not text
        sys.stdout.flush()
        print(f"Exported {what} ({args.format}).", file=sys.stderr)
    return 0
