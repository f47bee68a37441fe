"""The Slack adapter's Bolt app: built once, with every listener group registered.

The listeners live in `bot/slack/listeners/` (commands, actions, views, events), each a few
lines that translate, dispatch and deliver (`bot/slack/delivery.py`).
"""

from __future__ import annotations

import concurrent.futures
import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.slack.listeners import ListenerParts, actions, commands, events, note_arrival, views
from bot.slack.waiting_forms import WaitingForms
from core.config import Settings
from handlers.dispatch import Dispatcher

log = logging.getLogger(__name__)


def build_app(
    settings: Settings,
    dispatcher: Dispatcher,
    client: WebClient,
    *,
    executor: concurrent.futures.Executor | None = None,
    listener_executor: concurrent.futures.ThreadPoolExecutor | None = None,
    after_ack: concurrent.futures.Executor | None = None,
) -> App:
    """The Bolt app with every listener registered. Signature checks stay on.

    `executor` runs commands against the ack budget; `listener_executor` is where Bolt starts
    listeners (each acks there); `after_ack` runs what follows an ack. Passing them in lets
    the owner wait for work still under way when it stops, instead of that work failing
    against a closed database or connection.
    """
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=False,  # the CLI checks the token once with auth.test
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=listener_executor,
    )
    pool = executor or concurrent.futures.ThreadPoolExecutor(
        max_workers=8, thread_name_prefix="catalyst-cmd"
    )

    parts = ListenerParts(
        settings=settings,
        dispatcher=dispatcher,
        commands=pool,
        after_ack=after_ack
        or concurrent.futures.ThreadPoolExecutor(
            max_workers=16, thread_name_prefix="catalyst-after"
        ),
        waiting=WaitingForms(),
    )
    note_arrival(app)  # first, so the budgets count from as near the request as can be
    for listeners in (events, commands, actions, views):
        listeners.register(app, parts)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error for a %s request: %r", body.get("type"), error)

    return app
