"""Fan-out of one DM broadcast to 2,000 members, through `catalyst scheduler` and a realistic
fake Slack.

    make bench-fanout     (or: .venv/bin/python -m benchmarks.bench_fanout [--members N])

The fake Slack API answers every call after 60 ms, allows one message per second per channel,
at most 100 chat.postMessage in any 10 s across the workspace (429 with the Retry-After until
the window has room), and answers a seeded 1% of chat.postMessage with 429 (Retry-After: 1).
The scheduler runs as a real subprocess (`catalyst scheduler`, SQLite file or PostgreSQL),
with its default pacing (CATALYST_SEND_RATE, CATALYST_SEND_BURST). Two runs per database:

1. uninterrupted: wall time from the broadcast's due time to the last message, against the
   floor the rules allow (see `floor_seconds`);
2. killed: the scheduler gets SIGKILL when half the messages are out, then starts again; the
   new process may not send before the dead one's lease expires, so that wait is reported
   and the ratio given with and without it.

Both report messages lost (members with no message) and duplicated (an outbox key posted
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

from sqlalchemy import insert, select

from bot.wiring import build_runtime
from core import communities
from core.broadcasts import service as broadcasts
from core.broadcasts.models import Repeat, Way
from core.config import DEFAULT_SEND_BURST, DEFAULT_SEND_RATE, load_settings
from core.db import unit_of_work
from core.delivery.models import SchedulerLease
from core.models import Member
from tests.fakes.slack_api import FakeSlackApi

TEAM = "T0FANOUT"
RESULTS = Path(__file__).parent / "results" / "fanout.md"
CATALYST = Path(sys.executable).with_name("catalyst")

# The fake Slack's rules.
LATENCY = 0.06  # seconds before every answer
CHANNEL_RATE = (1.0, 1)  # messages per second per channel, burst
WORKSPACE_LIMIT = (100, 10.0)  # chat.postMessage in any window of this many seconds
RANDOM_429 = (0.01, 7, 1)  # probability, seed, Retry-After


def floor_seconds(messages: int) -> float:
    """The least time from the due time to the last message Slack accepts, by the rules.

    Each member has their own DM channel, so the per-channel rule never binds. The workspace
    window allows 100 in any 10 s: message k (counting from 0) cannot be accepted sooner than
    10 s after message k-100, so the last, k = N-1, comes at least floor((N-1)/100) x 10 s
    after the first: (2000-100)/10 = 190 s for 2,000. The first cannot be accepted sooner
    than one call's latency after the due time. The seeded 429s ask for 1 s, which the
    sender takes as its channel's rule and honours for that channel only: a refused message
    takes no place in the window and other channels' messages fill it meanwhile, so they add
    nothing to the floor (were they honoured by pausing every channel, each would add its
    Retry-After).
    """
    limit, window = WORKSPACE_LIMIT
    return LATENCY + ((messages - 1) // limit) * window


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
    """Members plus one confirmed broadcast by DM to everyone, due `due_in` from now; returns
    the due time. It goes through the broadcast service as a facilitator's form would (the
    audience is worked out when it goes out), with delivery hours all day so the time of day
    the benchmark runs at can't hold messages back for the morning."""
    settings = load_settings({"DATABASE_URL": database_url})
    runtime = build_runtime(settings)
    now = datetime.now(UTC)
    due = now + due_in
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(session, "slack", TEAM, timezone="UTC", now=now)
        session.flush()
        session.execute(insert(Member), member_rows(community.id, members, now))
        plan = broadcasts.Plan(
            body="Thank you for coming on Tuesday: the notes and the next question are below.",
            asks_question=False,
            audience=["everyone"],
            way=Way.DM,
            notify_channel=False,
            starts_at=due,
            repeat=Repeat.ONCE,
            repeat_until=None,
            channel_id=None,
            delivery_hours="00:00-24:00",
        )
        broadcast = broadcasts.save(session, community, plan, None, now)
        broadcasts.confirm(session, community, broadcast, now)
    runtime.close()
    return due


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
    env.pop("CATALYST_SEND_RATE", None)  # the defaults are what is measured
    env.pop("CATALYST_SEND_BURST", None)
    with log.open("ab") as out:
        return subprocess.Popen([str(CATALYST), "scheduler"], env=env, stdout=out, stderr=out)


def lease_expiry(database_url: str) -> datetime | None:
    """When the scheduler lease runs out, as the database holds it."""
    runtime = build_runtime(load_settings({"DATABASE_URL": database_url}), upgrade_schema=False)
    try:
        with unit_of_work(runtime.session_factory) as session:
            expires = session.scalar(
                select(SchedulerLease.expires_at).where(SchedulerLease.name == "scheduler:slack")
            )
    finally:
        runtime.close()
    if expires is None:
        return None
    return expires if expires.tzinfo else expires.replace(tzinfo=UTC)


def wait_for(fake: FakeSlackApi, count: int, limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if len(fake.posted_keys()) >= count:
            return True
        time.sleep(0.5)  # the check copies the fake's log: keep it off the hot path
    return False


def drive_scheduler(
    database_url: str,
    fake: FakeSlackApi,
    expected: int,
    kill_half_way: bool,
    log: Path,
    lease_wait: list[float] | None = None,
) -> tuple[bool, int]:
    """Run `catalyst scheduler` until `expected` messages arrived (SIGKILL at half way and a
    restart, if asked); returns (finished, messages seen when killed). `lease_wait` gets the
    seconds from the kill until the dead process's lease ran out."""
    process = start_scheduler(database_url, fake, log)
    killed_at = 0
    try:
        if kill_half_way:
            if not wait_for(fake, expected // 2, limit=900):
                raise RuntimeError(f"never reached half way; see {log}")
            process.send_signal(signal.SIGKILL)
            killed = datetime.now(UTC)
            process.wait()
            killed_at = len(fake.posted_keys())
            if lease_wait is not None:
                expires = lease_expiry(database_url)
                lease_wait.append(max(0.0, (expires - killed).total_seconds()) if expires else 0)
            process = start_scheduler(database_url, fake, log)
        finished = wait_for(fake, expected, limit=1200)
        time.sleep(3)  # anything sent twice would arrive now
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return finished, killed_at


def run_case(database_url: str, members: int, kill_half_way: bool, workdir: Path) -> dict[str, Any]:
    with FakeSlackApi(
        team_id=TEAM,
        latency=LATENCY,
        channel_rate=CHANNEL_RATE,
        workspace_limit=WORKSPACE_LIMIT,
        random_429=RANDOM_429,
    ) as fake:
        due = seed(database_url, members, due_in=timedelta(seconds=8))
        log = workdir / ("killed.log" if kill_half_way else "plain.log")
        lease_wait: list[float] = []
        finished, killed_at = drive_scheduler(
            database_url, fake, members, kill_half_way, log, lease_wait
        )
        keys = fake.posted_keys()
        posted = fake.all_posted()
        last = max(float(m["ts"]) for m in posted) if posted else 0.0
        attempts = len(fake.calls_to("chat.postMessage"))
        counts = Counter(keys)
        delivered_users = {key.rsplit(":m", 1)[-1] for key in keys}
        wall = last - due.timestamp()
        floor = floor_seconds(members)
        waited = lease_wait[0] if lease_wait else 0.0
        return {
            "case": "killed half way and restarted" if kill_half_way else "uninterrupted",
            "finished": finished,
            "members": members,
            "delivered": len(counts),
            "lost": members - len(delivered_users),
            "duplicated": sum(n - 1 for n in counts.values() if n > 1),
            "rate_limited": attempts - len(posted),
            "by_rule": fake.rate_limited(),
            "wall_seconds": wall,
            "floor_seconds": floor,
            "ratio": wall / floor,
            "lease_wait": waited,
            "ratio_without_lease": (wall - waited) / floor,
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


def members_label(results: list[tuple[str, dict[str, Any]]]) -> str:
    return f"{results[0][1]['members']:,}" if results else "the members"


def members_of(results: list[tuple[str, dict[str, Any]]]) -> int:
    return int(results[0][1]["members"]) if results else 2000


def pacing_seconds(messages: int) -> float:
    """The least time Catalyst's default workspace bucket takes for `messages`."""
    return max(0.0, (messages - DEFAULT_SEND_BURST) / DEFAULT_SEND_RATE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=2000)
    args = parser.parse_args()
    results = each_engine_and_case(run_case, args.members)

    limit, window = WORKSPACE_LIMIT
    lines = [
        "# Broadcast fan-out: one DM broadcast to every member, through the outbox",
        "",
        f"- when: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        f"- fake Slack rules: {LATENCY * 1000:.0f} ms per call; {CHANNEL_RATE[0]:g} message/s "
        f"per channel (burst {CHANNEL_RATE[1]}); at most {limit} chat.postMessage in any "
        f"{window:g} s across the workspace (sliding window; 429 with Retry-After until it has "
        f"room); a seeded {RANDOM_429[0]:.0%} of chat.postMessage answered 429 with "
        f"Retry-After: {RANDOM_429[2]}",
        f"- Catalyst's pacing: the defaults, CATALYST_SEND_RATE={DEFAULT_SEND_RATE:g} and "
        f"CATALYST_SEND_BURST={DEFAULT_SEND_BURST} (at most {DEFAULT_SEND_BURST} + "
        f"{DEFAULT_SEND_RATE:g} x {window:g} = "
        f"{DEFAULT_SEND_BURST + DEFAULT_SEND_RATE * window:.0f} messages in any {window:g} s)",
        "- `catalyst scheduler` as a subprocess; the killed case sends SIGKILL at half way and "
        "starts a new process, which may not send until the dead one's 30 s lease expires",
        "- command: `make bench-fanout` (`python -m benchmarks.bench_fanout`)",
        "",
        "| database | case | members | delivered | lost | duplicated | 429s (seeded / channel "
        "/ workspace) | wall s | floor s | ratio wall÷floor | lease wait s | ratio without "
        "the lease wait | killed after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, r in results:
        rules = r["by_rule"]
        killed = bool(r["killed_after"])
        lease = f"{r['lease_wait']:.1f}" if killed else "—"
        without = f"{r['ratio_without_lease']:.3f}" if killed else "—"
        lines.append(
            f"| {engine} | {r['case']} | {r['members']} | {r['delivered']} | {r['lost']} | "
            f"{r['duplicated']} | {r['rate_limited']} ({rules.get('seeded', 0)} / "
            f"{rules.get('channel', 0)} / {rules.get('workspace', 0)}) | "
            f"{r['wall_seconds']:.1f} | {r['floor_seconds']:.1f} | {r['ratio']:.3f} | "
            f"{lease} | {without} | "
            f"{r['killed_after'] or '—'} |"
        )
        if not r["finished"]:
            lines.append(f"| {engine} | (the run above did not finish in time) |")
    lines += [
        "",
        "Wall time runs from the broadcast's due time to the last message Slack accepted. The",
        f"floor is what the rules impose: the workspace window lets {limit} messages through at",
        f"once and then {limit} per {window:g} s, so message k (from 0) comes at least "
        f"floor(k/{limit}) x {window:g} s",
        f"after the first; the last of {members_label(results)} at least "
        f"{floor_seconds(results[0][1]['members']) - LATENCY:.0f} s after it, plus one "
        f"call's {LATENCY * 1000:.0f} ms",
        "before the first. The per-channel rule never binds (one DM channel per member). The",
        "seeded 429s ask for 1 s: Catalyst holds back only that channel, the refused message",
        "takes no place in the window and other channels fill it, so they add nothing to the",
        "floor. The killed case's lease wait is the time from the SIGKILL until the lease the",
        "dead process last renewed ran out (read from the database); the new process may not",
        "send before then, by design, so the ratio is also given without it.",
        "",
        "What bounds the ratio: Catalyst's own pacing. With a token bucket of burst b and rate",
        "r, n messages take at least (n - b) / r: "
        f"({members_of(results)} - {DEFAULT_SEND_BURST}) / {DEFAULT_SEND_RATE:g} = "
        f"{pacing_seconds(members_of(results)):.1f} s, "
        f"{pacing_seconds(members_of(results)) / floor_seconds(members_of(results)):.3f}x the "
        "floor. A bucket that",
        f"stays under {limit} in any {window:g} s (b + {window:g} x r <= {limit}, with room "
        "for the calls' jitter) can't also",
        "use the window's opening burst of 100 the floor counts on; the rest is the time from",
        "the due time to the first send (the fan-out into the outbox) and the calls' latency.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
