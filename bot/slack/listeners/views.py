"""Form submissions: answered in the ack, so field errors keep the modal open.

Slack closes the modal with an error of its own when the ack is later than 3 s, and what
was typed is lost. Work still running `SUBMIT_BUDGET` after the request arrived (a busy
server) is acked plainly (the modal closes) and its answer follows as a message, field
errors included.
"""

from __future__ import annotations

import concurrent.futures
import re
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import render
from bot.slack.delivery import Delivery, caller_from
from bot.slack.listeners import ListenerParts, time_left
from core import ui

SUBMIT_BUDGET = 2.0  # seconds from arrival before a submission is acked and answered after


def register(app: App, parts: ListenerParts) -> None:
    settings, dispatcher = parts.settings, parts.dispatcher

    @app.view(re.compile(".+"))
    def on_submit(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        context: BoltContext,
        client: WebClient,
    ) -> None:
        caller = caller_from(context, settings)
        values = render.form_values(view.get("state", {}).get("values", {}))
        future = parts.commands.submit(
            dispatcher.submit,
            caller,
            str(view.get("callback_id", "")),
            values,
            str(view.get("private_metadata", "")),
            submission_id=str(view.get("id") or "") or None,
        )
        try:
            replies = future.result(timeout=time_left(context, SUBMIT_BUDGET))
        except concurrent.futures.TimeoutError:
            ack()  # the modal closes; the answer (errors too) comes as a message
            delivery = Delivery(client, dispatcher, caller)
            parts.later(lambda: delivery.run(future.result()))
            return
        errors = next((r for r in replies if isinstance(r, ui.FormErrors)), None)
        if errors is not None:
            ack(response_action="errors", errors=_field_errors(errors.errors))
            return
        ack()
        parts.later(Delivery(client, dispatcher, caller).run, replies)


def _field_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """Slack keys modal errors by block id (our field names); each at most 2,000 chars."""
    return {field: render.clip(message, 2000) for field, message in errors.items()}
