"""HTTP mode: Bolt's single endpoint `/slack/events` plus `GET /healthz`, served by waitress."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier

from bot.slack.listeners import ARRIVED_AT

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


# Slack's largest requests (a modal's state with every field filled) are tens of kilobytes;
# anything far beyond that is refused before it is read into memory.
MAX_BODY_BYTES = 1024 * 1024
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_PLAIN = [("Content-Type", "text/plain; charset=utf-8")]


class _SlackEndpoint:
    """`POST /slack/events`: check the signature on the raw bytes, then let Bolt parse.

    Bolt's own WSGI handler parses the body before its signature middleware runs, so an
    unsigned `{not json` (or a timestamp of `abc`) became a 500 with a traceback, for anyone
    on the internet. Here the order is: size, signature and timestamp (401), then decoding
    and parsing (400 for anything that isn't a Slack request body), and only then Bolt, which
    checks the signature again as it always does.

    It also fixes Bolt's reading of slash commands whose text contains "payload": Bolt
    treats any form body with that substring as an interaction, so `/cop payload` parsed to
    {} and was answered 404. Such bodies are re-parsed as the plain form they are; the raw
    body is untouched, so the signature check still covers exactly what Slack sent.
    """

    def __init__(self, app: App, signing_secret: str | None) -> None:
        self.app = app
        # No secret: every request is refused (fail closed), never checked against "".
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        status, headers, body = self._answer(environ)
        payload = body.encode("utf-8")
        header_list = [*headers, ("Content-Length", str(len(payload)))]
        start_response(f"{status.value} {status.phrase}", header_list)
        return [payload]

    def _answer(self, environ: dict[str, Any]) -> tuple[HTTPStatus, list[tuple[str, str]], str]:
        arrived = {ARRIVED_AT: time.monotonic()}  # Slack's 3 s run from here, not from Bolt
        if environ.get("REQUEST_METHOD") != "POST":
            return HTTPStatus.METHOD_NOT_ALLOWED, [*_PLAIN, ("Allow", "POST")], "POST only\n"
        length_text = str(environ.get("CONTENT_LENGTH") or "0").strip()
        if not length_text.isascii() or not length_text.isdigit():
            return HTTPStatus.BAD_REQUEST, _PLAIN, "bad Content-Length\n"
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            return HTTPStatus.REQUEST_ENTITY_TOO_LARGE, _PLAIN, "request too large\n"
        stream = environ.get("wsgi.input")
        raw = stream.read(length) if stream is not None and length else b""
        request = WsgiHttpRequest(environ)
        headers = request.get_headers()
        if not self._signed(raw, headers):
            return HTTPStatus.UNAUTHORIZED, _PLAIN, "invalid request\n"
        try:
            text = raw.decode("utf-8")
            bolt_request = BoltRequest(
                body=text, query=request.query_string, headers=headers, context=arrived
            )
        except Exception:  # whatever Bolt's parser raises, it's a body Slack never sends
            return HTTPStatus.BAD_REQUEST, _PLAIN, "unreadable request body\n"
        parsed: object = bolt_request.body  # Bolt's annotation says dict; `payload=[]` isn't
        if not isinstance(parsed, dict):
            return HTTPStatus.BAD_REQUEST, _PLAIN, "unreadable request body\n"
        if not bolt_request.body and "payload" in text and "=" in text:
            form = dict(parse_qsl(text, keep_blank_values=True))
            if "payload" not in form:
                bolt_request.body = form
                bolt_request.context = build_context(BoltContext(arrived), form)
        if bolt_request.body.get("type") == "app_rate_limited":
            # Slack tells us it is holding back events (more than 30,000 an hour for one
            # workspace): acknowledged, and worth a line for whoever runs Catalyst.
            log.warning("Slack is rate-limiting events to Catalyst: %s", bolt_request.body)
            return HTTPStatus.OK, _PLAIN, ""
        problem = shape_problem(bolt_request.body)
        if problem is not None:
            log.info("refused a signed request: %s", problem)
            return HTTPStatus.BAD_REQUEST, _PLAIN, problem + "\n"
        try:
            response = self.app.dispatch(bolt_request)
        except Exception as error:  # Bolt reading a shape Slack never sends: one line, no 500
            log.warning("refused a request Bolt could not read: %s", type(error).__name__)
            return HTTPStatus.BAD_REQUEST, _PLAIN, "unreadable request\n"
        flat = [(key, value) for key, values in response.headers.items() for value in values]
        flat = [(k, v) for k, v in flat if k.lower() != "content-length"]
        return HTTPStatus(response.status), flat, str(response.body or "")

    def _signed(self, raw: bytes, headers: Mapping[str, Any]) -> bool:
        timestamp = _header(headers, "x-slack-request-timestamp")
        signature = _header(headers, "x-slack-signature")
        if self.verifier is None or not timestamp or not signature:
            return False
        if not _TIMESTAMP.fullmatch(timestamp):
            return False
        return self.verifier.is_valid(body=raw, timestamp=timestamp, signature=signature)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def shape_problem(body: Mapping[str, Any]) -> str | None:
    """Why a parsed body can't be a Slack request Bolt may read, or None if it can be.

    Bolt indexes into payloads as Slack documents them (`body["actions"][0]`,
    `view["type"]`, `"x" in view["state"]`), so a signed payload with a missing or
    mistyped part raised inside Bolt. The parts Bolt and our listeners read are checked here.
    """
    kind = body.get("type")
    if body.get("ssl_check"):
        return None  # Slack's own check of the endpoint: Bolt answers it
    if "command" in body:
        return None if _is_text(body.get("command")) else "command must be text"
    if kind == "block_actions":
        actions = body.get("actions")
        if not _objects(actions) or not actions:
            return "block_actions needs a list of actions"
        if not all(_is_text(action.get("action_id")) for action in actions):
            return "each action needs an action_id"
        return None
    if kind in {"view_submission", "view_closed"}:
        view = body.get("view")
        if not isinstance(view, dict):
            return "a view payload needs a view"
        if not all(_is_text(view.get(key)) for key in ("id", "type", "callback_id")):
            return "a view needs an id, a type and a callback_id"
        if kind == "view_submission":
            state = view.get("state")
            values = state.get("values") if isinstance(state, dict) else None
            if not isinstance(values, dict) or not all(
                isinstance(block, dict) and all(isinstance(v, dict) for v in block.values())
                for block in values.values()
            ):
                return "a view submission needs state.values"
        return None
    if kind in {"shortcut", "message_action"}:
        if not _is_text(body.get("callback_id")):
            return "a shortcut needs a callback_id"
        if kind == "message_action" and not isinstance(body.get("message"), dict):
            return "a message shortcut needs the message"
        return None
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not _is_text(event.get("type")):
            return "an event callback needs an event with a type"
        return None
    if kind == "url_verification":
        return None if _is_text(body.get("challenge")) else "url_verification needs a challenge"
    return "not a kind of request Catalyst answers"


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return value if isinstance(value, str) else None


def wsgi_app(
    app: App,
    signing_secret: str | None,
    health: Callable[[], bool],
    calendar: Callable[[str], str | None] | None = None,
) -> WsgiApp:
    """Bolt behind WSGI, with a health check that also pings the database and, when given,
    the communities' calendar feeds at /calendar/<token>.ics."""
    slack = _SlackEndpoint(app, signing_secret)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            ok = health()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "text/plain; charset=utf-8")],
            )
            return [b"ok\n" if ok else b"database unavailable\n"]
        path = str(environ.get("PATH_INFO", ""))
        if calendar is not None and path.startswith("/calendar/") and path.endswith(".ics"):
            feed = calendar(path[len("/calendar/") : -len(".ics")])
            if feed is None:
                start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
                return [b"no such calendar\n"]
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/calendar; charset=utf-8"),
                    ("Cache-Control", "private, max-age=900"),
                ],
            )
            return [feed.encode("utf-8")]
        if path == "/slack/events":
            return slack(environ, start_response)
        start_response("404 Not Found", _PLAIN)
        return [b"Not Found"]

    return application


def make_server(application: WsgiApp, host: str, port: int, threads: int = 32) -> Any:
    """A waitress server (call `.run()`; `.close()` stops it). Port 0 picks a free one.

    A request holds its thread until its ack, up to the 2 s budget: with too few threads a
    burst would wait in waitress's queue, where no budget can see it, past Slack's 3 s."""
    from waitress.server import create_server

    return create_server(
        application,
        host=host,
        port=port,
        threads=threads,
        ident="catalyst",
        max_request_body_size=MAX_BODY_BYTES,  # waitress answers 413 before reading more
    )


def stop_server(server: Any) -> None:
    """Stop a waitress server running in another thread, without racing its select() loop.

    Closing sockets from outside the loop thread leaves select() waiting on a closed file
    descriptor; instead the loop thread is asked (through waitress's trigger) to close
    everything itself, after which its loop ends because nothing is left to watch.
    """
    from waitress import wasyncore

    server.task_dispatcher.shutdown()
    with contextlib.suppress(OSError):  # the loop already closed its trigger: nothing to do
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
