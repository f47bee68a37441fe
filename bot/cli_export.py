"""`catalyst export reflections`: the facilitators' evaluation export, from the command line.

The data goes to stdout (or `--output FILE`); what happened goes to stderr, so
`catalyst export reflections > report.csv` gives a clean file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli_pick import NoCommunity, pick_community
from core.config import Settings


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:

    from bot.wiring import build_runtime
    from core.db import unit_of_work
    from core.errors import UserError
    from core.reflections import export as export

    fmt = export.ExportFormat(getattr(args, "format", None) or "csv")
    number: int | None = getattr(args, "session", None)
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
            try:
                rows = export.reflection_rows(session, community, number)
            except UserError as problem:
                print(problem, file=sys.stderr)
                return 1
            content = export.render(rows, fmt, community, runtime.clock.now())
    finally:
        runtime.close()
    scope = f" for session {number}" if number is not None else ""
    summary = (
        f"{len(rows)} reflection{'s' if len(rows) != 1 else ''}{scope} (shared and "
        "facilitators-only; private reflections are never exported)"
    )
    if output:
        # newline="" keeps the CSV's own \r\n line ends on every platform.
        Path(output).write_text(content, encoding="utf-8", newline="")
        print(f"Wrote {summary} to {output}.", file=sys.stderr)
    else:
        sys.stdout.write(content.removeprefix(export.BYTE_ORDER_MARK))
        print(f"Exported {summary}.", file=sys.stderr)
    return 0
