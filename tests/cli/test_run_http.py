"""`catalyst run` in HTTP mode as a real process: it checks the token with (fake) Slack,
serves signed commands and the health check, and stops cleanly on SIGTERM."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.cli.test_cli import CATALYST_VARIABLES
from tests.fakes.slack_api import FakeSlackApi

SECRET = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(port: int, method: str, path: str, body: str = "", **headers: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def server_time(port: int) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return parsedate_to_datetime(str(response.getheader("Date"))).timestamp()
    finally:
        connection.close()


def wait_until_listening(port: int, child: subprocess.Popen[str], limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert child.poll() is None, f"catalyst run exited early: {child.communicate()[1]}"
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("catalyst run did not start listening in time")


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(team_id="T0001") as fake_slack:
        yield fake_slack


def test_run_in_http_mode_answers_signed_commands_and_stops_on_sigterm(
    tmp_path: Path, fake: FakeSlackApi
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in CATALYST_VARIABLES}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.base_url,
        "PORT": str(port),
    }
    script = Path(sys.executable).with_name("catalyst")
    child = subprocess.Popen(
        [str(script), "run", "--no-scheduler", "--host", "127.0.0.1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_listening(port, child)
        body = urllib.parse.urlencode(
            {"command": "/cop", "text": "help", "team_id": "T0001", "user_id": "U0AMINA"}
        )
        # Signed with the server's clock, read from its Date header: under CI's shifted run
        # this test's own clock is 400 days ahead of the process it talks to.
        stamp = str(int(server_time(port)))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
        status, answer = request(
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
        assert status == 200
        assert "What you can do" in answer
        assert request(port, "POST", "/slack/events", "{not json")[0] == 401
    finally:
        child.send_signal(signal.SIGTERM)
        _, errors = child.communicate(timeout=60)
    assert child.returncode == 0, errors
    assert "Traceback" not in errors
    assert fake.calls_to("auth.test"), "the token is checked with Slack at start"
