"""`catalyst run` with only a Discord token: it connects to the (fake) Discord gateway,
answers `/cop help`, and stops cleanly on SIGTERM; a refused token is a sentence."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import CATALYST_VARIABLES
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
def fake() -> Iterator[FakeDiscord]:
    with FakeDiscord(heartbeat_interval=200) as api:
        yield api


def run(tmp_path: Path, fake: FakeDiscord, token: str, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in CATALYST_VARIABLES}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "DISCORD_BOT_TOKEN": token,
        "DISCORD_API_URL": fake.api_base,
        "DISCORD_GUILD_ID": fake.guild_id,
    }
    script = Path(sys.executable).with_name("catalyst")
    return subprocess.Popen(
        [str(script), "run", *extra],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_run_with_a_discord_token_answers_and_stops_on_sigterm(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    child = run(tmp_path, fake, fake.token)
    try:
        fake.wait_identified(timeout=60)
        fake.wait_for("PUT", "/applications/{app}/guilds/{guild}/commands", timeout=30)
        fake.interact(fake.slash_command(fake.member_id, "help"))
        (call,) = fake.wait_for("POST", "/interactions/{id}/{token}/callback", timeout=30)
        assert call.status in (200, 204)
        assert call.json["data"]["flags"] & 64
        assert "join" in str(call.json["data"])
    finally:
        child.send_signal(signal.SIGTERM)
        _, errors = child.communicate(timeout=60)
    assert child.returncode == 0, errors
    assert "Traceback" not in errors, errors[errors.index("Traceback") - 600 :]


def test_a_refused_discord_token_is_a_sentence(tmp_path: Path, fake: FakeDiscord) -> None:
    child = run(tmp_path, fake, "not-the-token", "--no-scheduler")
    _, errors = child.communicate(timeout=60)
    assert child.returncode == 2
    assert "Discord refused DISCORD_BOT_TOKEN" in errors
    assert "Traceback" not in errors
