"""The programme evaluation report for a 500-member, 12-session programme: time to build it in
each format (HTML, PDF, Markdown), on SQLite and PostgreSQL. The issue asks for under 10 s.

    make bench-report     (or: .venv/bin/python -m benchmarks.report [--members N] [--runs N])

The programme is the simulated one the care and report tests use (`tests/programme.py`,
seeded, so every run builds the same one), January to June 2026: the members (and two
facilitators) with some drifting away, 12 sessions a fortnight apart with RSVPs, reminders,
attendance ticks and reflections, 12 peer-coaching rounds, action learning sets of five
with 5 meetings each and their actions, a library with helpful votes and searches, a poll,
the end-of-programme survey, and one member in fifty leaving. The report then reads it as it
would any community's. Results go to benchmarks/results/report.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.wiring import build_runtime
from core import communities
from core.config import load_settings
from core.db import unit_of_work
from core.evaluation import service as evaluation
from core.models import Community
from tests.programme import build_programme

TEAM = "T0REPORT"
RESULTS = Path(__file__).parent / "results" / "report.md"
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2026, 6, 30)
START = datetime(2026, 1, 1, tzinfo=UTC)
SESSIONS = 12
FORMATS = ("html", "pdf", "md")


def seed(database_url: str, members: int) -> float:
    """The simulated programme of tests/programme.py (the one the care and report tests
    use), six months from January with a session a fortnight. Returns the seconds it took."""
    runtime = build_runtime(load_settings({"DATABASE_URL": database_url}))
    began = time.perf_counter()
    try:
        with unit_of_work(runtime.session_factory) as session:
            community = communities.get_or_create(
                session, "slack", TEAM, timezone="Europe/London", now=START - timedelta(days=60)
            )
            community.name = "Benchmark community"
            build_programme(
                session,
                community,
                START,
                members=members,
                months=6,
                sessions=SESSIONS,
                seed=16,
                leavers=members // 50,
            )
    finally:
        runtime.close()
    return time.perf_counter() - began


def time_formats(database_url: str, runs: int) -> dict[str, dict[str, float]]:
    runtime = build_runtime(load_settings({"DATABASE_URL": database_url}))
    timings: dict[str, dict[str, float]] = {}
    try:
        for fmt in FORMATS:
            seconds: list[float] = []
            size = 0
            for _run in range(runs):
                with unit_of_work(runtime.session_factory) as session:
                    community = session.scalars(
                        select(Community).where(Community.external_id == TEAM)
                    ).one()
                    began = time.perf_counter()
                    document = evaluation.document(session, community, FIRST_DAY, LAST_DAY, fmt)
                    seconds.append(time.perf_counter() - began)
                    size = len(document)
            timings[fmt] = {
                "median": statistics.median(seconds),
                "worst": max(seconds),
                "bytes": float(size),
            }
    finally:
        runtime.close()
    return timings


def each_engine(run: Callable[[str], dict[str, dict[str, float]]]) -> list[tuple[str, Any]]:
    results: list[tuple[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite…", flush=True)
        results.append(("SQLite", run(f"sqlite:///{tmp}/report.db")))
    postgres = os.environ.get("CATALYST_TEST_POSTGRES_URL")
    if postgres:
        from tests.conftest import _drop_schema, _postgres_schema_url

        base = postgres.replace("postgresql://", "postgresql+psycopg://", 1)
        url, schema = _postgres_schema_url(base)
        try:
            print("PostgreSQL…", flush=True)
            results.append(("PostgreSQL", run(url)))
        finally:
            _drop_schema(base, schema)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    seeding: list[float] = []  # seconds to build the programme, per engine in order

    def run(url: str) -> dict[str, dict[str, float]]:
        seeding.append(seed(url, args.members))
        return time_formats(url, args.runs)

    results = each_engine(run)
    lines = [
        "# Programme evaluation report: build time",
        "",
        f"A {args.members}-member, {SESSIONS}-session programme (January to June 2026, the "
        "simulated programme of `tests/programme.py`; see `benchmarks/report.py` for what it "
        "holds), the report built from the database to the "
        f"finished document, {args.runs} runs per format (median and worst). Target: under 10 s.",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared with other work while this ran).",
        "",
        "| database | format | median (s) | worst (s) | size (KB) | under 10 s |",
        "|---|---|---|---|---|---|",
    ]
    for engine, timings in results:
        for fmt in FORMATS:
            figures = timings[fmt]
            lines.append(
                f"| {engine} | {fmt} | {figures['median']:.2f} | {figures['worst']:.2f} | "
                f"{figures['bytes'] / 1024:.0f} | {'yes' if figures['worst'] < 10 else 'NO'} |"
            )
    if len(results) == 1:
        lines += ["", "PostgreSQL was not measured: set CATALYST_TEST_POSTGRES_URL."]
    built = ", ".join(
        f"{seconds:.0f} s on {engine}"
        for (engine, _t), seconds in zip(results, seeding, strict=True)
    )
    lines += ["", f"Building the simulated programme itself (not timed above) took {built}."]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
