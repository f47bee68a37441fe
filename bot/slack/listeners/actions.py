"""Buttons, menus and the "Save to library" message shortcut: acked at once, then worked."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack.delivery import Delivery, caller_from
from bot.slack.listeners import ListenerParts
from bot.slack.waiting_forms import OPEN_ACTION, WaitingForms
from core import i18n, ui
from core.context import Caller
from handlers.resources.commands import SAVE_SHORTCUT


def register(app: App, parts: ListenerParts) -> None:
    settings, dispatcher = parts.settings, parts.dispatcher

    @app.action(re.compile(".+"))
    def on_action(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        context: BoltContext,
        respond: Respond,
        client: WebClient,
    ) -> None:
        ack()
        if action.get("url"):
            return  # a link button: Slack opened the link; nothing for us to do
        caller = caller_from(context, settings)
        delivery = Delivery(
            client,
            dispatcher,
            caller,
            respond=respond,
            trigger_id=body.get("trigger_id"),
            waiting=parts.waiting,
        )
        if action.get("action_id") == OPEN_ACTION:
            # The adapter's own button: the form is kept here, and opened now, while the
            # click's trigger lasts, not behind the queue that made it wait the first time.
            _act(parts, caller, action, delivery)
            return
        parts.later(_act, parts, caller, action, delivery)

    @app.shortcut(SAVE_SHORTCUT)
    def on_save_to_library(
        ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond, client: WebClient
    ) -> None:
        """The message shortcut: dispatched like a button whose value is the message text."""
        ack()
        channel = (body.get("channel") or {}).get("id")
        caller = caller_from(context, settings, channel_id=channel)
        words = str((body.get("message") or {}).get("text") or "")
        words = words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        delivery = Delivery(
            client, dispatcher, caller, respond=respond, trigger_id=body.get("trigger_id")
        )
        parts.later(lambda: delivery.run(dispatcher.action(caller, SAVE_SHORTCUT, words)))


def _act(parts: ListenerParts, caller: Caller, action: dict[str, Any], delivery: Delivery) -> None:
    value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
    action_id = str(action.get("action_id", ""))
    if action_id == OPEN_ACTION:  # the adapter's own button: the form is kept here
        with i18n.speaking(parts.dispatcher.language_of(caller)):
            delivery.run([_waiting_form(parts.waiting, caller.user_id, str(value))])
        return
    delivery.run(parts.dispatcher.action(caller, action_id, str(value)))


def _waiting_form(waiting: WaitingForms, user_id: str, key: str) -> ui.Reply:
    form = waiting.find(user_id, key)
    if form is None:  # after a restart, or long after: start again
        return ui.notice("That form has expired. Please start again.")
    return ui.OpenForm(form)
