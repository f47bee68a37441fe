"""`catalyst run` with Slack and Discord credentials: one process serves a Slack workspace
(signed HTTP) and a Discord server (the gateway), each its own community in one database,
and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.cli.test_cli import CATALYST_VARIABLES
from tests.cli.test_run_http import SECRET, free_port, request, server_time, wait_until_listening
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlackApi


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    with FakeDiscord(heartbeat_interval=200) as api:
        yield api


@pytest.fixture
def slack() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id="T0001") as fake_slack:
        yield fake_slack


def slack_command(port: int, text: str) -> tuple[int, str]:
    body = urllib.parse.urlencode(
        {"command": "/cop", "text": text, "team_id": "T0001", "user_id": "U0AMINA"}
    )
    # Signed with the server's clock: under CI's shifted run this test's clock is ahead.
    stamp = str(int(server_time(port)))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    return request(
        port,
        "POST",
        "/slack/events",
        body,
        **{
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        },
    )


def test_one_process_serves_a_slack_workspace_and_a_discord_server(
    tmp_path: Path, discord: FakeDiscord, slack: FakeSlackApi
) -> None:
    port = free_port()
    database = tmp_path / "run.db"
    env = {k: v for k, v in os.environ.items() if k not in CATALYST_VARIABLES}
    env |= {
        "DATABASE_URL": f"sqlite:///{database}",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.base_url,
        "PORT": str(port),
        "DISCORD_BOT_TOKEN": discord.token,
        "DISCORD_API_URL": discord.api_base,
        "DISCORD_GUILD_ID": discord.guild_id,
    }
    script = Path(sys.executable).with_name("catalyst")
    child = subprocess.Popen(
        [str(script), "run", "--host", "127.0.0.1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_listening(port, child)
        discord.wait_identified(timeout=60)
        discord.wait_for("PUT", "/applications/{app}/guilds/{guild}/commands", timeout=30)
        # Each platform gets the same answer to a member not yet joined, from its own
        # community.
        status, answer = slack_command(port, "profile")
        assert status == 200
        assert "You haven't joined yet. Type `/cop join` to join." in answer
        discord.interact(discord.slash_command(discord.member_id, "profile"))
        (call,) = discord.wait_for("POST", "/interactions/{id}/{token}/callback", timeout=30)
        assert call.status in (200, 204)
        assert "You haven't joined yet." in str(call.json["data"])
    finally:
        child.send_signal(signal.SIGTERM)
        _, errors = child.communicate(timeout=60)
    assert child.returncode == 0, errors
    assert "Traceback" not in errors, errors
    with sqlite3.connect(database) as db:
        rows = sorted(db.execute("SELECT platform, external_id FROM communities"))
    assert rows == [("discord", discord.guild_id), ("slack", "T0001")]
