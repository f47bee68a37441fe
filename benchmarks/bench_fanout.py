"""Fan-out of one reminder to 2,000 members, through `catalyst scheduler` and the fake Slack.

    make bench-fanout     (or: .venv/bin/python -m benchmarks.bench_fanout [--members N])

The fake Slack API enforces one message per second per channel and answers a seeded 1% of
chat.postMessage calls with 429 (Retry-After: 1). The scheduler runs as a real subprocess
(`catalyst scheduler`, SQLite file or PostgreSQL). Two runs:

1. uninterrupted: wall time from the reminder's due time to the last message, against the
   floor the rules allow (every 429 obliges a pause of its Retry-After);
2. killed: the scheduler gets SIGKILL when half the messages are out, then starts again.

Both report messages lost (members with no reminder) and duplicated (an outbox key posted
twice). Results go to benchmarks/results/fanout.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.wiring import build_runtime
from core import communities
from core.config import load_settings
from core.db import unit_of_work
from core.models import Member
from core.sessions import plan as planner
from core.sessions.models import CommunitySession
from tests.fakes.slack_api import FakeSlackApi

TEAM = "T0FANOUT"
RESULTS = Path(__file__).parent / "results" / "fanout.md"
CATALYST = Path(sys.executable).with_name("catalyst")


def member_rows(community_id: int, members: int, now: datetime) -> list[dict[str, Any]]:
    """Active members who all speak English, spread over 300 organisations."""
    return [
        {
            "community_id": community_id,
            "platform_user_id": f"U{i:08d}",
            "display_name": f"Member {i}",
            "pronouns": None,
            "organisation": f"Organisation {i % 300}",
            "org_size": "100k_1m",
            "role_level": "manager",
            "themes": [],
            "languages": ["en"],
            "timezone": "Europe/London",
            "pairing_cadence": "monthly",
            "lived_experience_match": False,
            "nudges_enabled": True,
            "role": "member",
            "status": "active",
            "consent_at": now,
            "consent_version": "bench",
            "joined_at": now,
            "updated_at": now,
            "left_at": None,
        }
        for i in range(members)
    ]


def seed(database_url: str, members: int, due_in: timedelta) -> datetime:
    """Members plus one session whose 1-day reminder falls due `due_in` from now."""
    settings = load_settings({"DATABASE_URL": database_url, "CATALYST_REMINDER_OFFSETS": "1d"})
    runtime = build_runtime(settings)
    now = datetime.now(UTC)
    starts = now + timedelta(days=1) + due_in
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(session, "slack", TEAM, timezone="UTC", now=now)
        session.flush()
        session.execute(insert(Member), member_rows(community.id, members, now))
        cs = CommunitySession(
            community_id=community.id,
            number=1,
            title="Access to senior positions",
            starts_at=starts,
            duration_minutes=90,
            location="https://meet.example.org/cop",
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        session.add(cs)
        session.flush()
        planner.plan_session(session, cs, community, settings, now)
    runtime.close()
    return starts - timedelta(days=1)


def start_scheduler(database_url: str, fake: FakeSlackApi, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        "SLACK_API_URL": fake.base_url,
        "CATALYST_REMINDER_OFFSETS": "1d",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SLACK_APP_TOKEN", None)
    with log.open("ab") as out:
        return subprocess.Popen([str(CATALYST), "scheduler"], env=env, stdout=out, stderr=out)


def wait_for(fake: FakeSlackApi, count: int, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if len(fake.posted_keys()) >= count:
            return True
        time.sleep(0.5)  # the check copies the fake's log: keep it off the hot path
    return False


def drive_scheduler(
    database_url: str, fake: FakeSlackApi, expected: int, kill_half_way: bool, log: Path
) -> tuple[bool, int]:
    """Run `catalyst scheduler` until `expected` messages arrived (SIGKILL at half way and a
    restart, if asked); returns (finished, messages seen when killed)."""
    process = start_scheduler(database_url, fake, log)
    killed_at = 0
    try:
        if kill_half_way:
            if not wait_for(fake, expected // 2, limit=600):
                raise RuntimeError(f"never reached half way; see {log}")
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed_at = len(fake.posted_keys())
            process = start_scheduler(database_url, fake, log)
        finished = wait_for(fake, expected, limit=900)
        time.sleep(3)  # anything sent twice would arrive now
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return finished, killed_at


def run_case(database_url: str, members: int, kill_half_way: bool, workdir: Path) -> dict[str, Any]:
    with FakeSlackApi(team_id=TEAM) as fake:
        fake.enable_channel_rate_limit(per_second=1.0, burst=1)
        fake.random_429(probability=0.01, seed=7, retry_after=1)
        due = seed(database_url, members, due_in=timedelta(seconds=8))
        log = workdir / ("killed.log" if kill_half_way else "plain.log")
        finished, killed_at = drive_scheduler(database_url, fake, members, kill_half_way, log)
        keys = fake.posted_keys()
        posted = fake.all_posted()
        last = max(float(m["ts"]) for m in posted) if posted else 0.0
        attempts = len(fake.calls_to("chat.postMessage"))
        counts = Counter(keys)
        delivered_users = {key.rsplit(":m", 1)[-1] for key in keys}
        rate_limited = attempts - len(posted)
        return {
            "case": "killed half way and restarted" if kill_half_way else "uninterrupted",
            "finished": finished,
            "members": members,
            "delivered": len(counts),
            "lost": members - len(delivered_users),
            "duplicated": sum(n - 1 for n in counts.values() if n > 1),
            "rate_limited": rate_limited,
            "wall_seconds": last - due.timestamp(),
            "floor_seconds": rate_limited * 1.0,
            "killed_after": killed_at,
            "restarts": int(kill_half_way),
        }


Case = Callable[[str, int, bool, Path], dict[str, Any]]


def each_engine_and_case(run_case: Case, members: int) -> list[tuple[str, dict[str, Any]]]:
    """`run_case` uninterrupted and killed half way, on SQLite and (when configured)
    PostgreSQL, each on a fresh database."""
    results: list[tuple[str, dict[str, Any]]] = []
    postgres = os.environ.get("CATALYST_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for kill in (False, True):
            print(f"SQLite, {'killed' if kill else 'uninterrupted'}…", flush=True)
            url = f"sqlite:///{workdir}/case-{int(kill)}.db"
            results.append(("SQLite", run_case(url, members, kill, workdir)))
        if postgres:
            from tests.conftest import _drop_schema, _postgres_schema_url

            base = postgres.replace("postgresql://", "postgresql+psycopg://", 1)
            for kill in (False, True):
                url, schema = _postgres_schema_url(base)
                try:
                    print(f"PostgreSQL, {'killed' if kill else 'uninterrupted'}…", flush=True)
                    results.append(("PostgreSQL", run_case(url, members, kill, workdir)))
                finally:
                    _drop_schema(base, schema)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=2000)
    args = parser.parse_args()
    results = each_engine_and_case(run_case, args.members)

    lines = [
        "# Reminder fan-out: one reminder to every member, through the outbox",
        "",
        f"- when: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "- fake Slack rules: 1 message/s per channel (burst 1), seeded 1% of chat.postMessage "
        "answered 429 with Retry-After: 1",
        "- `catalyst scheduler` as a subprocess; the killed case sends SIGKILL at half way and "
        "starts a new process (which waits for the dead one's 30 s lease to expire)",
        "- command: `make bench-fanout` (`python -m benchmarks.bench_fanout`)",
        "",
        "| database | case | members | delivered | lost | duplicated | 429s | wall s | "
        "floor s | killed after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, r in results:
        lines.append(
            f"| {engine} | {r['case']} | {r['members']} | {r['delivered']} | {r['lost']} | "
            f"{r['duplicated']} | {r['rate_limited']} | {r['wall_seconds']:.1f} | "
            f"{r['floor_seconds']:.0f} | {r['killed_after'] or '—'} |"
        )
    lines += [
        "",
        "Wall time runs from the reminder's due time to the last message Slack accepted. The",
        "floor is what the rules impose: each 429 obliges its Retry-After (1 s) before the",
        "next call; each member has their own DM channel, so the per-channel rule allows the",
        "messages themselves at once.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
