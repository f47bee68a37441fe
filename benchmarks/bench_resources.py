"""Resource search at scale: 50,000 generated resources, on SQLite FTS5 and PostgreSQL.

    .venv/bin/python -m benchmarks.bench_resources [--resources N] [--requests N]

(PostgreSQL too when CATALYST_TEST_POSTGRES_URL is set.) For each engine: p50/p95 of
`/cop resources <query>` through the signed HTTP endpoint (Bolt, waitress, dispatcher,
search, rendering), of the search service alone (`core.resources.search`, one unit of work
per call, as a request has), and of the raw full-text query on the same database (the
engine's ranked MATCH/@@ with no filters); the ratio service/raw says what our layer costs
on top of the engine. Queries cycle through common, rare, prefix, accented, Arabic and
filtered searches; a second table breaks the service's time down per query, with how many
resources each ranks (the generated words are skewed, and every resource carries one or two
of the default themes, so "leader" alone matches four in ten). Results go to
benchmarks/results/resources.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from benchmarks.bench_http import TEAM, Sample, measure, seed_members, serve
from bot.slack.server import stop_server, wsgi_app
from bot.wiring import build_runtime, build_slack
from core.clock import SystemClock
from core.config import load_settings
from core.db import unit_of_work
from core.defaults import DEFAULT_THEMES
from core.models import Community
from core.resources import searching as resource_search
from core.resources.models import Resource
from core.resources.search import Filters, backend_for
from core.resources.search.query import parse
from core.resources.urls import url_key
from tests.fakes.slack_api import FakeSlackApi

SECRET = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
RESULTS = Path(__file__).parent / "results" / "resources.md"
TARGET_P95_MS = 50.0

DOMAIN = [
    "leadership",
    "leader",
    "leading",
    "lived",
    "experience",
    "refugee",
    "asylum",
    "migration",
    "migrant",
    "racism",
    "anti-racist",
    "representation",
    "power",
    "positionality",
    "privilege",
    "board",
    "trustee",
    "senior",
    "sponsorship",
    "mentoring",
    "coaching",
    "wellbeing",
    "burnout",
    "trauma",
    "care",
    "community",
    "organising",
    "charity",
    "sector",
    "equity",
    "inclusion",
    "diversity",
    "voice",
    "decision",
    "funding",
    "policy",
    "advocacy",
    "réfugié",
    "exil",
    "pouvoir",
    "représentation",
    "antiracisme",
    "équipe",
    "direction",
    "accompagnement",
    "القيادة",
    "التجربة",
    "اللاجئين",
    "العنصرية",
    "التمثيل",
    "السلطة",
    "الرعاية",
]
QUERIES = [
    "lived experience",
    "leader",
    "anti racism toolkit",
    "power positionality",
    "refugie",
    "trustee board sponsorship",
    "القيادة",
    "burnout care #wellbeing-and-care",
    "coaching type:listening",
    "representation lang:fr",
    "equity inclusion diversity voice",
    'NEAR("power" AND -privilege*)',
]


def _filler(rng: random.Random, count: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(count)]


def seed_resources(runtime: Any, count: int, seed: int = 7) -> None:
    """`count` live resources with titles and descriptions from a skewed vocabulary."""
    rng = random.Random(seed)
    filler = _filler(rng, 3000)
    now = datetime.now(UTC)
    with unit_of_work(runtime.session_factory) as session:
        community = session.scalars(select(Community).where(Community.external_id == TEAM)).one()

        def words(n: int) -> str:
            picked = [
                rng.choice(DOMAIN) if rng.random() < 0.25 else rng.choice(filler) for _ in range(n)
            ]
            return " ".join(picked)

        rows = []
        for i in range(count):
            url = f"https://library{i % 97}.example.org/r/{i}"
            rows.append(
                {
                    "community_id": community.id,
                    "number": i + 1,
                    "title": words(rng.randint(3, 8)).capitalize(),
                    "url": url,
                    "url_key": url_key(url),
                    "format": rng.choice(["reading", "watching", "listening", "tool"]),
                    "themes": rng.sample(DEFAULT_THEMES, rng.randint(1, 2)),
                    "language": rng.choices(["en", "fr", "ar"], weights=[8, 1, 1])[0],
                    "description": words(rng.randint(12, 30)),
                    "status": "live",
                    "source": "import",
                    "shared_by_member_id": None,
                    "reviewed_by_member_id": None,
                    "helpful_count": rng.choice([0, 0, 0, 1, 2, 5]),
                    "created_at": now,
                    "updated_at": now,
                    "published_at": now - timedelta(minutes=i),
                }
            )
        for start in range(0, count, 2000):
            session.execute(insert(Resource), rows[start : start + 2000])
    # A bulk load leaves the planner's statistics empty until autovacuum catches up (on
    # PostgreSQL it then nested-loops over every row); a running library has them.
    with runtime.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


def _timed(work: Any, n: int, warmup: int = len(QUERIES)) -> list[float]:
    """n timed calls `work(i)` after `warmup` untimed ones; with whole passes of warm-up,
    timing j is of query j % len(QUERIES)."""
    timings: list[float] = []
    for i in range(n + warmup):
        started = time.perf_counter()
        work(i)
        if i >= warmup:
            timings.append((time.perf_counter() - started) * 1000)
    return timings


@dataclass
class PerQuery:
    """The search service's timings for one query on one engine, and what it ranked."""

    query: str
    matches: int  # resources the ranked query orders (the any-word set when it fell back)
    any_term: bool
    sample: Sample


def _matches(session: Any, community: Community, query: str) -> tuple[int, bool]:
    """How many resources a search ranks: every match of all the words, or of any."""
    result = resource_search.search(session, community, query)
    parsed = parse(query)
    themes, _problems = resource_search.resolve_themes(parsed.theme_slugs, community.themes)
    filters = Filters(
        community_id=community.id,
        themes=tuple(themes),
        formats=tuple(f.value for f in parsed.formats),
        language=parsed.language,
    )
    ids = backend_for(session).match_ids(
        session,
        parsed.terms,
        parsed.prefix_last,
        filters,
        any_term=result.any_term,
        limit=10**9,
        offset=0,
    )
    return len(ids), result.any_term


def run(database_url: str, label: str, count: int, n: int) -> tuple[list[Sample], list[PerQuery]]:
    with FakeSlackApi(team_id=TEAM) as fake:
        settings = load_settings(
            {
                "DATABASE_URL": database_url,
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.base_url,
            }
        )
        runtime = build_runtime(settings, clock=SystemClock())
        seed_members(runtime, 50)
        started = time.perf_counter()
        seed_resources(runtime, count)
        print(f"  seeded {count:,} resources in {time.perf_counter() - started:.1f} s")
        slack = build_slack(runtime)
        server, port = serve(wsgi_app(slack.app, SECRET, runtime.healthy))
        member = "U00000007"
        samples: dict[str, list[float]] = {}
        try:
            with unit_of_work(runtime.session_factory) as session:
                community = session.scalars(
                    select(Community).where(Community.external_id == TEAM)
                ).one()
                session.expunge(community)
            http: list[float] = []
            for i, query in enumerate(QUERIES):
                share = n // len(QUERIES) + (1 if i < n % len(QUERIES) else 0)
                http += measure(port, f"resources {query}", member, fake, share, 3)
            samples["HTTP `/cop resources <query>`"] = http

            def service(i: int) -> None:
                with unit_of_work(runtime.session_factory) as session:
                    resource_search.search(session, community, QUERIES[i % len(QUERIES)])

            samples["search service"] = _timed(service, n)
            per_query: list[PerQuery] = []
            with unit_of_work(runtime.session_factory) as session:
                for q, query in enumerate(QUERIES):
                    matches, any_term = _matches(session, community, query)
                    timings = samples["search service"][q :: len(QUERIES)]
                    per_query.append(PerQuery(query, matches, any_term, Sample(label, timings)))

            parsed = [parse(q) for q in QUERIES]

            def raw(i: int) -> None:
                query = parsed[i % len(parsed)]
                with unit_of_work(runtime.session_factory) as session:
                    backend_for(session).raw_match(session, query.terms, query.prefix_last, 6)

            samples["raw FTS query"] = _timed(raw, n)
        finally:
            stop_server(server)
            runtime.close()
    return [Sample(f"{label}: {name}", values) for name, values in samples.items()], per_query


def _per_query_table(per_query: dict[str, list[PerQuery]], requests: int) -> list[str]:
    """The service's time per query, engines side by side, slowest (by p95) first."""
    labels = list(per_query)
    calls = requests // len(QUERIES)
    lines = [
        f"Search service per query ({calls} timed calls each; ranked: the resources the "
        "ranked query orders, * when no resource had every word and it ranked those with any):",
        "",
        "| query | " + " | ".join(f"{label} ranked | p50 ms | p95 ms" for label in labels) + " |",
        "|---|" + "---:|---:|---:|" * len(labels),
    ]
    rows = list(zip(*per_query.values(), strict=True))
    rows.sort(key=lambda row: -max(entry.sample.pct(95) for entry in row))
    for row in rows:
        cells = [
            f"{entry.matches:,}{'*' if entry.any_term else ''} | {entry.sample.pct(50):.1f} | "
            f"{entry.sample.pct(95):.1f}"
            for entry in row
        ]
        lines.append(f"| `{row[0].query}` | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=240, help="per row and engine")
    args = parser.parse_args()

    engines: list[tuple[str, str]] = []
    results: list[Sample] = []
    per_query: dict[str, list[PerQuery]] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        engines.append(("SQLite", f"sqlite:///{tmp}/bench.db"))
        postgres = os.environ.get("CATALYST_TEST_POSTGRES_URL")
        schema_url = None
        if postgres:
            from tests.conftest import _drop_schema, _postgres_schema_url

            base = postgres.replace("postgresql://", "postgresql+psycopg://", 1)
            schema_url, schema = _postgres_schema_url(base)
            engines.append(("PostgreSQL", schema_url))
        try:
            for label, url in engines:
                print(f"{label}: {args.resources:,} resources, {args.requests} requests per row…")
                samples, per_query[label] = run(url, label, args.resources, args.requests)
                results += samples
        finally:
            if schema_url is not None:
                _drop_schema(base, schema)
    took = time.perf_counter() - started

    lines = [
        "# Resource search: 50,000 resources, end to end, service, and raw full-text query",
        "",
        f"- when: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; whole run {took:.0f} s",
        f"- {args.resources:,} generated live resources; {args.requests} timed calls per row, "
        f"cycling through {len(QUERIES)} queries (common, rare, prefix, accented, Arabic, "
        "filtered, operator soup)",
        "- command: `.venv/bin/python -m benchmarks.bench_resources` "
        "(PostgreSQL too with CATALYST_TEST_POSTGRES_URL set)",
        "",
        "| what | p50 ms | p95 ms | mean ms |",
        "|---|---:|---:|---:|",
    ]
    for sample in results:
        lines.append(
            f"| {sample.name} | {sample.pct(50):.2f} | {sample.pct(95):.2f} | "
            f"{statistics.fmean(sample.latencies_ms):.2f} |"
        )
    lines += [
        "",
        f"Service p95 against the target of {TARGET_P95_MS:.0f} ms, and the ratio of "
        "the service's time to the raw full-text query's on the same database:",
        "",
    ]
    by_name = {s.name: s for s in results}
    for label, _ in engines:
        service = by_name[f"{label}: search service"]
        raw = by_name[f"{label}: raw FTS query"]
        verdict = "within" if service.pct(95) <= TARGET_P95_MS else "OVER"
        lines.append(
            f"- {label}: service p95 {service.pct(95):.1f} ms ({verdict} target); "
            f"service/raw p50 {service.pct(50) / raw.pct(50):.2f}x, "
            f"mean {statistics.fmean(service.latencies_ms) / statistics.fmean(raw.latencies_ms):.2f}x"  # noqa: E501
        )
    lines += [
        "",
        "The service does more than the raw query: it parses the words and filters, checks",
        "community, status and filters, boosts by helpful votes, falls back to any-word",
        "matching when no resource has every word, loads the rows and the sharers' names.",
        "End-to-end rows add Bolt, HTTP and rendering (Bolt's ack poll is ~10 ms).",
        "",
        *_per_query_table(per_query, args.requests),
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
