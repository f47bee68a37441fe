"""HTTP mode: Bolt's single endpoint `/slack/events` plus `GET /healthz`, served by waitress."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(app: App, health: Callable[[], bool]) -> WsgiApp:
    """Bolt behind WSGI, with a health check that also pings the database."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            ok = health()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "text/plain; charset=utf-8")],
            )
            return [b"ok\n" if ok else b"database unavailable\n"]
        return slack(environ, start_response)

    return application


def make_server(application: WsgiApp, host: str, port: int, threads: int = 8) -> Any:
    """A waitress server (call `.run()`; `.close()` stops it). Port 0 picks a free one."""
    from waitress.server import create_server

    return create_server(application, host=host, port=port, threads=threads, ident="catalyst")
