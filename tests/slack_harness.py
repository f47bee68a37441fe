"""Drive the real Bolt app over HTTP the way Slack does, against the fake Web API.

`SlackHarness` starts Catalyst's production WSGI stack (waitress + Bolt) on a free port,
points its Web API client at `FakeSlackApi`, and sends requests built like Slack's:
form-encoded slash commands, `payload=` interactions and JSON events, each signed with the
signing secret (or deliberately not).
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.signature import SignatureVerifier

from bot.slack.server import make_server, stop_server, wsgi_app
from bot.wiring import Runtime, SlackParts, build_slack
from tests.fakes.slack_api import FakeSlackApi

SIGNING_SECRET = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0001"


@dataclass
class HttpReply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackHarness:
    def __init__(self, runtime: Runtime, fake: FakeSlackApi) -> None:
        self.runtime = runtime
        self.fake = fake
        self.parts: SlackParts = build_slack(runtime)
        self.server = make_server(
            wsgi_app(
                self.parts.app,
                runtime.settings.slack_signing_secret,
                runtime.healthy,
                runtime.calendar_feed,
            ),
            "127.0.0.1",
            0,
            threads=8,
        )
        self.port = int(self.server.effective_port)
        self._thread = threading.Thread(target=self.server.run, daemon=True, name="waitress")
        self._thread.start()
        self._verifier = SignatureVerifier(SIGNING_SECRET)
        self._ids = 0
        # Bolt acks a button or an event, then runs its listener on `listeners`: keep each
        # piece of that work's future, so a test can wait for it to finish (`settled`).
        self._after_ack: list[concurrent.futures.Future[Any]] = []
        self._after_ack_lock = threading.Lock()
        for pool in (self.parts.listeners, self.parts.after_ack):
            pool.submit = self._tracked(pool.submit)  # type: ignore[method-assign]

    def _tracked(self, submit: Any) -> Any:
        def tracked(fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
            future = submit(fn, *args, **kwargs)
            with self._after_ack_lock:
                self._after_ack.append(future)
            return future

        return tracked

    def close(self) -> None:
        stop_server(self.server)
        self._thread.join(timeout=5)
        assert not self._thread.is_alive(), "the HTTP server did not stop"
        # Work that follows an ack finishes here, while the fake Slack still answers: left
        # running, it failed against the next test's (or no) server.
        self.parts.close()

    def settled(self, timeout: float = 20.0) -> None:
        """Wait until everything the requests sent so far left running after their ack
        (Bolt runs button and event listeners once Slack has its answer, and listeners hand
        their work on to the after-ack pool) has finished."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            with self._after_ack_lock:
                pending = list(self._after_ack)
            if len(pending) == seen and all(f.done() for f in pending):
                return  # nothing new was handed on while we waited
            seen = len(pending)
            left = max(0.0, deadline - time.monotonic())
            _done, running = concurrent.futures.wait(pending, timeout=left)
            assert not running, f"{len(running)} listener(s) still running after {timeout}s"

    # ---- raw HTTP --------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> HttpReply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body.encode(), headers=dict(headers or {}))
            response = connection.getresponse()
            return HttpReply(response.status, response.read().decode())
        finally:
            connection.close()

    def signed(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> HttpReply:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        verifier = SignatureVerifier(secret) if secret else self._verifier
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body),
            **(extra_headers or {}),
        }
        return self.request("POST", "/slack/events", body, headers)

    def _next(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:06d}"

    # ---- what Slack sends --------------------------------------------------------------------

    def command(
        self,
        text: str,
        user: str = "U0AMINA",
        *,
        trigger: bool = True,
        trigger_id: str | None = None,
        response_url: str | None = None,
        **signing: Any,
    ) -> HttpReply:
        fields = {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "cop",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": self.runtime.settings.slash_command,
            "text": text,
            "api_app_id": "A0CATALYST",
            "is_enterprise_install": "false",
            "response_url": response_url or self.fake.response_url("command"),
            "trigger_id": trigger_id or (self.fake.new_trigger_id() if trigger else "0000.unknown"),
        }
        body = urllib.parse.urlencode(fields)
        return self.signed(body, "application/x-www-form-urlencoded", **signing)

    def answer(self, text: str, user: str = "U0AMINA", timeout: float = 20.0) -> dict[str, Any]:
        """A command's answer as the person sees it: the reply itself, or, when the work took
        longer than the ack budget (a loaded machine), the answer that replaced "One moment"
        through the command's response_url. For tests about what a command says, not about
        how fast: the slow path has tests of its own."""
        url = self.fake.response_url("command")
        reply = self.command(text, user, response_url=url)
        assert reply.status == 200
        body: dict[str, Any] = reply.json()
        if "One moment" not in str(body.get("text", "")) or "blocks" in body:
            return body
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for posted in self.fake.responses:
                if posted.url == url:
                    return dict(posted.payload)
            time.sleep(0.02)
        raise AssertionError(f"no answer to {text!r} within {timeout}s")

    def interaction(self, payload: Mapping[str, Any], **signing: Any) -> HttpReply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.signed(body, "application/x-www-form-urlencoded", **signing)

    def click(
        self,
        action_id: str,
        value: str = "",
        user: str = "U0AMINA",
        *,
        from_home: bool = False,
    ) -> HttpReply:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "cop"},
            "user": {"id": user, "team_id": TEAM, "username": user.lower()},
            "api_app_id": "A0CATALYST",
            "token": "legacy-verification-token",
            "trigger_id": self.fake.new_trigger_id(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        if from_home:
            payload["container"] = {"type": "view", "view_id": "V0HOME"}
            payload["view"] = {"id": "V0HOME", "type": "home", "team_id": TEAM}
        else:
            payload["container"] = {"type": "message", "is_ephemeral": True}
            payload["channel"] = {"id": "C0GENERAL", "name": "general"}
            payload["response_url"] = self.fake.response_url("action")
        return self.interaction(payload)

    def submit(
        self, view: Mapping[str, Any], values: Mapping[str, Any], user: str = "U0AMINA"
    ) -> HttpReply:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "cop"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0CATALYST",
            "token": "legacy-verification-token",
            "trigger_id": self.fake.new_trigger_id(),
            "view": {
                # Slack gives every opened modal its own id; a view dict that carries one (a
                # test submitting the same modal again) keeps it.
                "id": view.get("id") or self._next("V0MODAL"),
                "team_id": TEAM,
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view.get("private_metadata", ""),
                "blocks": view["blocks"],
                "state": {"values": state_for(view, values)},
            },
        }
        return self.interaction(payload)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> HttpReply:
        envelope = {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "api_app_id": "A0CATALYST",
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or self._next("Ev"),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": "U0BOT", "is_bot": True}],
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.signed(json.dumps(envelope), "application/json", extra_headers=headers)

    def open_home(self, user: str = "U0AMINA", event_id: str | None = None) -> HttpReply:
        return self.event(
            {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
            event_id=event_id,
        )


# Pickers report their choice under their own key, not `value`.
_PICKED = {
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "users_select": "selected_user",
}


def state_for(view: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Build `view.state.values` the way Slack would for the given field values."""
    state: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        name = block["block_id"]
        value = values.get(name)
        kind = element["type"]
        options = {o["value"]: o for o in element.get("options", [])}
        entry: dict[str, Any] = {"type": kind}
        if kind == "static_select":
            entry["selected_option"] = options.get(value) if value else None
        elif kind == "multi_static_select":
            entry["selected_options"] = [options[v] for v in value or [] if v in options]
        elif kind == "checkboxes":
            entry["selected_options"] = list(options.values())[:1] if value else []
        elif kind in _PICKED:
            entry[_PICKED[kind]] = value
        else:
            entry["value"] = value
        state[name] = {element["action_id"]: entry}
    return state
