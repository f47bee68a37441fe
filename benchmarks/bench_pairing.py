"""Peer-coaching matching: quality against the exact optimum, and speed at scale.

    make bench-pairing     (or: .venv/bin/python -m benchmarks.bench_pairing)

Quality: generated communities of 30, 100 and 300 members (a few large organisations and
many small ones, mostly English plus other languages, members in UK, European, African,
Middle-Eastern and American timezones, avoid-lists) with 20 weekly rounds of history made
by `core.matching` itself. For each of the next rounds, our matching is compared with
networkx's exact `max_weight_matching(maxcardinality=True)` on the same edge weights: the
ratio of total pair weight, repeats within the window, same-organisation pairs, and
hard-constraint violations (avoid-lists, no common language, anyone placed twice or not
at all).

Scale: 10,000 members with 50 weekly rounds of history: one round's matching time and peak
memory (tracemalloc), and how the time grows from 1,000 to 10,000 members.

Results go to benchmarks/results/pairing.md. Runs in about a minute.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx

from core.pairing.matching import (
    REPEAT_PENALTY,
    REPEAT_RECENCY,
    Candidate,
    History,
    Matching,
    Weights,
    best_pair_bound,
    match,
    pair_key,
    weight_function,
)

RESULTS = Path(__file__).parent / "results" / "pairing.md"
LANGUAGES = ["ar", "fa", "fr", "ti", "uk", "ps", "so", "es"]
THEMES = ["anti-racism", "representation", "senior", "lived", "power"]
SIZES = ["under_10k", "10k_100k", "100k_1m", "1m_10m", "over_10m", "not_a_charity"]
LEVELS = ["frontline", "manager", "senior_leader", "trustee", "other"]
OFFSETS = [0] * 8 + [60] * 3 + [120, 180, 240, -300, 330, 60, 0]  # minutes east of UTC
WEEK = 7


def community(size: int, seed: int) -> list[Candidate]:
    rng = random.Random(seed)
    big = [f"Big charity {i}" for i in range(max(2, size // 25))]
    small = [f"Small group {i}" for i in range(size)]
    people: list[Candidate] = []
    for i in range(size):
        org = rng.choice(big) if rng.random() < 0.45 else rng.choice(small)
        languages = {"en"} if rng.random() < 0.93 else set()
        languages |= set(rng.sample(LANGUAGES, rng.randint(0 if languages else 1, 2)))
        people.append(
            Candidate(
                id=i + 1,
                organisation=org,
                languages=frozenset(languages),
                utc_offset_minutes=rng.choice(OFFSETS),
                lived_experience=rng.random() < 0.35,
                themes=frozenset(rng.sample(THEMES, rng.randint(1, 3))),
                org_size=rng.choice(SIZES),
                role_level=rng.choice(LEVELS),
            )
        )
    # A few private avoid-lists (about one person in ten asks to avoid someone).
    with_avoid: list[Candidate] = []
    for person in people:
        if rng.random() < 0.1:
            other = rng.randrange(1, size + 1)
            if other != person.id:
                person = Candidate(**{**person.__dict__, "avoid": frozenset({other})})
        with_avoid.append(person)
    return with_avoid


def with_history(
    people: Sequence[Candidate], rounds: int, weights: Weights, seed: int
) -> tuple[History, frozenset[int]]:
    """Run `rounds` weekly rounds; return what the next round sees."""
    met: dict[tuple[int, int], int] = {}
    left_over: frozenset[int] = frozenset()
    for r in range(rounds):
        days_ago = WEEK * (rounds - r)
        current = [
            Candidate(**{**p.__dict__, "left_over_last_round": p.id in left_over}) for p in people
        ]
        window = {k: d - days_ago for k, d in met.items() if d - days_ago < weights.recency_days}
        result = match(current, History(window), weights, random.Random(seed + r))
        for group in result.groups:
            for x in range(len(group)):
                for y in range(x + 1, len(group)):
                    met[pair_key(group[x], group[y])] = days_ago
        left_over = frozenset(g[2] for g in result.groups if len(g) == 3)
    history = {k: d for k, d in met.items() if d < weights.recency_days}
    return History(history), left_over


def violations(people: Sequence[Candidate], result: Matching) -> int:
    by_id = {p.id: p for p in people}
    bad = 0
    placed = [m for g in result.groups for m in g] + [u for u, _ in result.unplaced]
    bad += len(placed) - len(set(placed)) + abs(len(set(placed)) - len(people))
    for group in result.groups:
        bad += len(group) not in (2, 3)
        for x in range(len(group)):
            for y in range(x + 1, len(group)):
                a, b = by_id[group[x]], by_id[group[y]]
                bad += b.id in a.avoid or a.id in b.avoid
                bad += not (a.languages & b.languages)
    return bad


def penalty(pairs: Iterable[tuple[int, int]], history: History, weights: Weights) -> float:
    """The repeat penalties inside these pairs' weights (added back to compare the rest)."""
    window = weights.recency_days
    total = 0.0
    for a, b in pairs:
        days = history.days_since_met.get(pair_key(a, b))
        if days is not None and days < window:
            total += REPEAT_PENALTY + REPEAT_RECENCY * (window - max(0, days)) / window
    return total


def exact(
    people: Sequence[Candidate], history: History, weights: Weights
) -> tuple[float, list[tuple[int, int]], int, int]:
    """networkx's optimum on the same weights: total, pairs, repeats, same-org pairs."""
    weight = weight_function(people, history, weights)
    graph = nx.Graph()
    ids = [p.id for p in people]
    for x, a in enumerate(ids):
        for b in ids[x + 1 :]:
            w = weight(a, b)
            if w is not None:
                graph.add_edge(a, b, weight=w)
    chosen = nx.max_weight_matching(graph, maxcardinality=True)
    org = {p.id: p.organisation for p in people}
    total = sum(graph[a][b]["weight"] for a, b in chosen)
    repeats = sum(1 for a, b in chosen if pair_key(a, b) in history.days_since_met)
    same = sum(1 for a, b in chosen if org[a] == org[b])
    return total, [(int(a), int(b)) for a, b in chosen], repeats, same


def quality(sizes: Sequence[int], rounds_each: int) -> list[str]:
    weights = Weights()
    rows = [
        "| members | round | ours / exact (without repeat penalties) | repeats (ours, exact) "
        "| same-org pairs (ours, exact) | trios | hard violations | ours ms | exact ms |",
        "|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    worst: dict[int, float] = {}
    for size in sizes:
        people = community(size, seed=size)
        history, left_over = with_history(people, 20, weights, seed=size)
        for r in range(rounds_each):
            current = [
                Candidate(**{**p.__dict__, "left_over_last_round": p.id in left_over})
                for p in people
            ]
            started = time.perf_counter()
            ours = match(current, history, weights, random.Random(1000 + r))
            ours_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            best, best_pairs, best_repeats, best_same = exact(current, history, weights)
            exact_ms = (time.perf_counter() - started) * 1000
            # Compare like with like: networkx leaves the odd person out, so only our pairs'
            # edges count (a trio's third person's two edges are extra, not compared).
            # Repeats cost far more than anything else, so compare them first, then the
            # weight without their penalty (a ratio of two negative totals means nothing).
            our_pairs = [(g[0], g[1]) for g in ours.groups]
            pair_repeats = sum(1 for a, b in our_pairs if pair_key(a, b) in history.days_since_met)
            ratio = (ours.pair_weight + penalty(our_pairs, history, weights)) / (
                best + penalty(best_pairs, history, weights)
            )
            worst[size] = min(worst.get(size, 1.0), ratio)
            rows.append(
                f"| {size} | {r + 1} | {ratio:.4f} | {pair_repeats}, {best_repeats} | "
                f"{ours.same_organisation}, {best_same} | {ours.trios} | "
                f"{violations(current, ours)} | {ours_ms:.0f} | {exact_ms:.0f} |"
            )
            # The next round remembers this one (one week later).
            met = {k: d + WEEK for k, d in history.days_since_met.items()}
            for group in ours.groups:
                for x in range(len(group)):
                    for y in range(x + 1, len(group)):
                        met[pair_key(group[x], group[y])] = 0
            history = History({k: d for k, d in met.items() if d < weights.recency_days})
            left_over = frozenset(g[2] for g in ours.groups if len(g) == 3)
    rows.append("")
    rows.append(
        "31 members (odd) is not like for like: networkx leaves the odd person out, while we "
        "place everyone (one group of three, never the same third twice running), which can "
        "cost a repeat among members who share only a rarer language."
    )
    rows.append("")
    rows.append(
        "Worst ratio per size: "
        + ", ".join(f"{size}: {ratio:.4f}" for size, ratio in sorted(worst.items()))
        + " (target ≥ 0.98)."
    )
    return rows


def one_round(
    size: int, history_rounds: int
) -> tuple[float, float, Matching, list[Candidate], History]:
    """Seconds and peak MiB for one round at `size`, after `history_rounds` of history."""
    weights = Weights()
    people = community(size, seed=size)
    rng = random.Random(size)
    # History as the service would load it: each member met one partner a week; only the
    # rounds inside the window matter, but all are generated (and filtered) as stored.
    met: dict[tuple[int, int], int] = {}
    ids = [p.id for p in people]
    for r in range(history_rounds):
        rng.shuffle(ids)
        days = WEEK * (history_rounds - r)
        for k in range(0, len(ids) - 1, 2):
            met[pair_key(ids[k], ids[k + 1])] = days
    history = History({k: d for k, d in met.items() if d < weights.recency_days})
    tracemalloc.start()
    started = time.perf_counter()
    result = match(people, history, weights, random.Random(7))
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result, people, history


def scale() -> list[str]:
    rows = [
        "| members | history rounds | matching s (median of 3) | peak MiB (tracemalloc) "
        "| groups | trios | repeats | same-org pairs | hard violations | ours / upper bound |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    timings: dict[int, float] = {}
    for size in (1_000, 2_000, 5_000, 10_000):
        # Time without tracemalloc (it slows Python down); memory from a second run.
        _, peak, result, people, history = one_round(size, 50)
        # Exact matching is out of reach here; an upper bound on it (every pair weighed) is
        # not, up to a few thousand people.
        bound = (
            f"{result.pair_weight / best_pair_bound(people, history):.4f}" if size <= 2_000 else "—"
        )
        plain = statistics.median(_timed_round(size, 50) for _ in range(3))
        timings[size] = plain
        rows.append(
            f"| {size:,} | 50 | {plain:.2f} | {peak:.0f} | {len(result.groups)} | "
            f"{result.trios} | {result.repeats} | {result.same_organisation} | "
            f"{violations(people, result)} | {bound} |"
        )
    growth = timings[10_000] / timings[1_000]
    rows += [
        "",
        "Upper bound: half the sum of each member's best possible partner's weight "
        "(`core.matching.best_pair_bound`, every pair weighed); the exact optimum lies "
        "between ours and it, so the ratio understates how close we are.",
        "",
        f"Growth from 1,000 to 10,000 members: {growth:.1f}x the time for 10x the members. "
        "The work is linear (above 600 members each person weighs a fixed sample of others, "
        "and each pair is weighed once); the time grows faster than the work because the "
        "same step costs more on bigger tables (weighing 200,000 random pairs took about "
        "twice as long among 10,000 members as among 1,000: more CPU-cache misses).",
    ]
    return rows


def _timed_round(size: int, history_rounds: int) -> float:
    weights = Weights()
    people = community(size, seed=size)
    rng = random.Random(size)
    met: dict[tuple[int, int], int] = {}
    ids = [p.id for p in people]
    for r in range(history_rounds):
        rng.shuffle(ids)
        for k in range(0, len(ids) - 1, 2):
            met[pair_key(ids[k], ids[k + 1])] = WEEK * (history_rounds - r)
    history = History({k: d for k, d in met.items() if d < weights.recency_days})
    started = time.perf_counter()
    match(people, history, weights, random.Random(7))
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="compared rounds per size")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    lines = [
        "# Peer-coaching matching: quality vs the exact optimum, and scale",
        "",
        f"- when: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.machine()}, "
        f"Python {platform.python_version()}, networkx {nx.__version__}",
        "- command: `make bench-pairing` (`python -m benchmarks.bench_pairing`)",
        "- default weights; recency window 12 weeks; history made by weekly rounds",
        "",
        "## Quality (20 rounds of history, then each compared round)",
        "",
        *quality((30, 31, 100, 300), args.rounds),
        "",
        "## Scale (50 rounds of history)",
        "",
        *scale(),
        "",
        f"Benchmark run time: {time.perf_counter() - started:.0f} s.",
        "",
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    sys.stdout.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
