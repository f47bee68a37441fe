"""Form submissions: answered in the ack, so field errors keep the modal open."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import render
from bot.slack.delivery import Delivery, caller_from
from bot.slack.listeners import ListenerParts
from core import ui


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
        replies = dispatcher.submit(
            caller,
            str(view.get("callback_id", "")),
            values,
            str(view.get("private_metadata", "")),
            submission_id=str(view.get("id") or "") or None,
        )
        errors = next((r for r in replies if isinstance(r, ui.FormErrors)), None)
        if errors is not None:
            ack(response_action="errors", errors=_field_errors(errors.errors))
            return
        ack()
        Delivery(client, dispatcher, caller).run(replies)


def _field_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """Slack keys modal errors by block id (our field names); each at most 2,000 chars."""
    return {field: render.clip(message, 2000) for field, message in errors.items()}
