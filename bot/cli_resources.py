"""`catalyst import resources FILE.csv` and `catalyst export resources`: the library in bulk.

The header is documented in core.resources (IMPORT_COLUMNS / EXPORT_COLUMNS) and the README.
Import adds every good row as a live resource and lists bad rows by line number; the good
rows are written in one transaction, so a file is never half-imported. Data goes to stdout
(or `--output FILE`); what happened goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli_pick import NoCommunity, pick_community
from core.config import Settings

if TYPE_CHECKING:
    pass

MAX_FILE_BYTES = 20_000_000


def add_import_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`catalyst import resources FILE.csv [--community TEAM]`."""
    parser = commands.add_parser("import", help="import resources into the library from a CSV")
    parser.add_argument("what", choices=["resources"])
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument(
        "--community",
        metavar="ID",
        help="the Slack team id or Discord server id (needed when there are several)",
    )


def cmd_import_resources(settings: Settings, args: argparse.Namespace) -> int:
    from bot.wiring import build_runtime
    from core.db import unit_of_work
    from core.errors import UserError
    from core.resources import csv_io as resource_csv

    path = Path(args.file)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            print(f"{path} is over 20 MB: split it into smaller files.", file=sys.stderr)
            return 1
        content = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        print(f"There's no file {path}. Check the name and try again.", file=sys.stderr)
        return 1
    except (OSError, UnicodeDecodeError):
        print(f"I couldn't read {path} as a UTF-8 CSV file. Save it as CSV UTF-8.", file=sys.stderr)
        return 1
    team: str | None = getattr(args, "community", None)
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory) as session:
            try:
                community = pick_community(session, team)
            except NoCommunity as problem:
                print(problem, file=sys.stderr)
                return 1
            try:
                report = resource_csv.import_csv(session, community, content, runtime.clock.now())
            except UserError as problem:
                print(problem, file=sys.stderr)
                return 1
    finally:
        runtime.close()
    for line, sentence in report.problems:
        print(f"line {line}: {sentence}", file=sys.stderr)
    skipped = len(report.problems)
    print(
        f"Imported {report.added} resource{'s' if report.added != 1 else ''}"
        + (
            f"; {skipped} line{'s' if skipped != 1 else ''} skipped (listed above)."
            if skipped
            else "."
        ),
        file=sys.stderr,
    )
    return 0 if not skipped else 2


def cmd_export_resources(settings: Settings, args: argparse.Namespace) -> int:
    from bot.wiring import build_runtime
    from core.db import unit_of_work
    from core.resources import csv_io as resource_csv

    team: str | None = getattr(args, "community", None)
    output: str | None = getattr(args, "output", None)
    runtime = build_runtime(settings)
    try:
        with unit_of_work(runtime.session_factory) as session:
            try:
                community = pick_community(session, team)
            except NoCommunity as problem:
                print(problem, file=sys.stderr)
                return 1
            content = resource_csv.export_csv(session, community)
    finally:
        runtime.close()
    count = content.count("\n") - 1
    if output:
        Path(output).write_text(content, encoding="utf-8", newline="")
        print(f"Wrote {count} resources to {output}.", file=sys.stderr)
    else:
        sys.stdout.write(content)
        print(f"Exported {count} resources.", file=sys.stderr)
    return 0
