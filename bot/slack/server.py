"""HTTP mode: Bolt's single endpoint `/slack/events` plus `GET /healthz`, served by waitress."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _SlackHandler(SlackRequestHandler):
    """Bolt's WSGI handler, fixed for slash commands whose text contains "payload".

    Bolt decides a form body is an interaction if the substring "payload" appears anywhere,
    so `/cop payload` (or any text with that word) parsed to {} and was answered 404. We
    re-parse such bodies as the plain form they are; the raw body is untouched, so the
    signature check still covers exactly what Slack sent.
    """

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        raw = request.get_body()
        bolt_request = BoltRequest(
            body=raw, query=request.query_string, headers=request.get_headers()
        )
        if not bolt_request.body and "payload" in raw and "=" in raw:
            form = dict(parse_qsl(raw, keep_blank_values=True))
            if "payload" not in form:
                bolt_request.body = form
                bolt_request.context = build_context(BoltContext({}), form)
        return self.app.dispatch(bolt_request)


def wsgi_app(
    app: App,
    health: Callable[[], bool],
    calendar: Callable[[str], str | None] | None = None,
) -> WsgiApp:
    """Bolt behind WSGI, with a health check that also pings the database and, when given,
    the communities' calendar feeds at /calendar/<token>.ics."""
    slack = _SlackHandler(app, path="/slack/events")

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
        return slack(environ, start_response)

    return application


def make_server(application: WsgiApp, host: str, port: int, threads: int = 8) -> Any:
    """A waitress server (call `.run()`; `.close()` stops it). Port 0 picks a free one."""
    from waitress.server import create_server

    return create_server(application, host=host, port=port, threads=threads, ident="catalyst")


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
