"""Ack latency of `/cop help` through the Discord adapter, beside the Slack figure.

    .venv/bin/python -m benchmarks.ack_latency_discord [--requests N]

One process, one SQLite database each, the same fake clock-free setup the tests use:

- Slack: a signed `/cop help` over a fresh loopback connection to Catalyst's real HTTP
  endpoint (waitress + Bolt, against the fake Web API); latency = until the HTTP answer
  (the ack, which carries the help).
- Discord: an INTERACTION_CREATE for `/cop help` sent by the fake gateway over its
  websocket to the real adapter (discord.py client in its own thread); latency = until the
  fake receives the interaction callback (the ack, which carries the help). Discord allows
  3 s; Slack 3 s too.

Requests are sequential (one person typing), after 20 warm-up requests. Results go to
benchmarks/results/ack_latency.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.wiring import build_runtime
from core.config import load_settings
from tests.discord_harness import DiscordHarness
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlackApi
from tests.slack_harness import BOT_TOKEN, SIGNING_SECRET, SlackHarness

RESULTS = Path(__file__).parent / "results" / "ack_latency.md"
WARM_UP = 20


@dataclass
class Sample:
    name: str
    latencies_ms: list[float]

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def slack_sample(directory: Path, count: int) -> Sample:
    with FakeSlackApi(team_id="T0001") as fake:
        settings = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{directory / 'slack.db'}",
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.base_url,
            }
        )
        runtime = build_runtime(settings)
        harness = SlackHarness(runtime, fake)
        latencies: list[float] = []
        try:
            for i in range(WARM_UP + count):
                started = time.perf_counter()
                reply = harness.command("help")
                elapsed = (time.perf_counter() - started) * 1000
                assert reply.status == 200, reply.body
                assert "join" in reply.body
                if i >= WARM_UP:
                    latencies.append(elapsed)
        finally:
            harness.close()
            runtime.close()
    return Sample("Slack (HTTP endpoint, ack with the answer)", latencies)


def discord_sample(directory: Path, count: int) -> Sample:
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    with FakeDiscord(heartbeat_interval=10_000) as fake:
        settings = load_settings(
            {
                "DATABASE_URL": f"sqlite:///{directory / 'discord.db'}",
                "DISCORD_BOT_TOKEN": fake.token,
                "DISCORD_API_URL": fake.api_base,
                "DISCORD_GUILD_ID": fake.guild_id,
            }
        )
        runtime = build_runtime(settings)
        harness = DiscordHarness(runtime, fake)
        latencies: list[float] = []
        try:
            for i in range(WARM_UP + count):
                payload = fake.slash_command(fake.member_id, "help")
                started = time.monotonic()
                fake.interact(payload)
                path = rf"/interactions/{payload['id']}/{re.escape(payload['token'])}/callback"
                (call,) = fake.wait_for("POST", path, timeout=10)
                assert call.json["type"] == 4, call.json
                assert "join" in str(call.json["data"])
                if i >= WARM_UP:
                    latencies.append((call.at - started) * 1000)
        finally:
            harness.close()
            runtime.close()
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
    return Sample("Discord (gateway interaction → callback with the answer)", latencies)


def report(samples: list[Sample], count: int) -> str:
    lines = [
        "# Ack latency of `/cop help`: Slack and Discord",
        "",
        "`.venv/bin/python -m benchmarks.ack_latency_discord` "
        f"({count} sequential requests each after {WARM_UP} warm-up, SQLite, both fakes on "
        f"loopback; Python {platform.python_version()}, {os.cpu_count()} CPUs shared).",
        "",
        "| platform | p50 ms | p95 ms | max ms | mean ms |",
        "|---|---|---|---|---|",
    ]
    for sample in samples:
        lines.append(
            f"| {sample.name} | {sample.pct(50):.1f} | {sample.pct(95):.1f} | "
            f"{max(sample.latencies_ms):.1f} | {statistics.fmean(sample.latencies_ms):.1f} |"
        )
    lines += [
        "",
        "Both platforms allow 3 s for the first answer; the adapters defer (Discord: type 5, "
        'then the answer edits `@original`) or say "One moment" (Slack) after 2 s of work.',
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        samples = [slack_sample(directory, args.requests), discord_sample(directory, args.requests)]
    text = report(samples, args.requests)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
