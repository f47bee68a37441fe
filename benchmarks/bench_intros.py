"""A pairing round for 2,000 members: every introduction through the outbox, once.

    make bench-intros     (or: .venv/bin/python -m benchmarks.bench_intros [--members N])

The round is matched and its introductions queued (as `/cop pairing run` does); then
`catalyst scheduler` runs as a real subprocess and sends them: each introduction opens a
group DM (conversations.open) and posts the GROW guide there. The fake Slack API allows one
message per second per channel and answers a seeded 1% of chat.postMessage with 429. Two
cases per database: uninterrupted, and SIGKILL half way then a restart. Results go to
benchmarks/results/intros.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from benchmarks.bench_fanout import TEAM, drive_scheduler, each_engine_and_case, member_rows
from bot.wiring import build_runtime
from core import communities
from core.config import load_settings
from core.db import unit_of_work
from core.delivery.models import OutboxMessage
from core.models import Member
from core.pairing import service as pairing
from tests.fakes.slack_api import FakeSlackApi

RESULTS = Path(__file__).parent / "results" / "intros.md"


def seed_round(database_url: str, members: int) -> tuple[datetime, int, float]:
    """Members and one round run now; returns (when, messages queued, seconds to match)."""
    runtime = build_runtime(load_settings({"DATABASE_URL": database_url}))
    now = datetime.now(UTC)
    with unit_of_work(runtime.session_factory) as session:
        community = communities.get_or_create(session, "slack", TEAM, timezone="UTC", now=now)
        session.flush()
        session.execute(insert(Member), member_rows(community.id, members, now))
        started = time.perf_counter()
        pairing.run_round(session, community, now, now, manual=True)
        matched = time.perf_counter() - started
        queued = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    runtime.close()
    return now, int(queued), matched


def run_case(database_url: str, members: int, kill: bool, workdir: Path) -> dict[str, Any]:
    with FakeSlackApi(team_id=TEAM) as fake:
        fake.enable_channel_rate_limit(per_second=1.0, burst=1)
        fake.random_429(probability=0.01, seed=11, retry_after=1)
        started_at, queued, matched = seed_round(database_url, members)
        log = workdir / ("intros-killed.log" if kill else "intros.log")
        finished, killed_after = drive_scheduler(database_url, fake, queued, kill, log)
        keys = fake.posted_keys()
        counts = Counter(keys)
        posted = fake.all_posted()
        last = max(float(m["ts"]) for m in posted) if posted else 0.0
        groups = len(fake.calls_to("conversations.open"))
        rate_limited = len(fake.calls_to("chat.postMessage")) - len(posted)
        return {
            "case": "killed half way and restarted" if kill else "uninterrupted",
            "finished": finished,
            "queued": queued,
            "delivered": len(counts),
            "lost": queued - len(counts),
            "duplicated": sum(n - 1 for n in counts.values() if n > 1),
            "group_dms": groups,
            "rate_limited": rate_limited,
            "wall": last - started_at.timestamp(),
            "matched": matched,
            "killed_after": killed_after,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=2000)
    args = parser.parse_args()
    results = each_engine_and_case(run_case, args.members)
    lines = [
        f"# A pairing round for {args.members:,} members: introductions through the outbox",
        "",
        f"- when: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "- fake Slack rules: 1 message/s per channel (burst 1), seeded 1% of chat.postMessage "
        "answered 429 with Retry-After: 1; every introduction opens a group DM first",
        "- `catalyst scheduler` as a subprocess; the killed case sends SIGKILL at half way and "
        "starts a new process (which waits for the dead one's 30 s lease to expire)",
        "- command: `make bench-intros` (`python -m benchmarks.bench_intros`)",
        "",
        "| database | case | queued | delivered | lost | duplicated | 429s | wall s | "
        "round s | killed after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, r in results:
        lines.append(
            f"| {engine} | {r['case']} | {r['queued']} | {r['delivered']} | {r['lost']} | "
            f"{r['duplicated']} | {r['rate_limited']} | {r['wall']:.1f} | {r['matched']:.2f} | "
            f"{r['killed_after'] or '—'} |"
        )
    lines += [
        "",
        "Queued counts every message of the round (introductions, and a note to anyone who",
        "could not be placed). Wall time runs from the round's start to the last message Slack",
        "accepted. 'Round s' is `run_round` itself: matching, storing the groups and queuing",
        "the messages.",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
