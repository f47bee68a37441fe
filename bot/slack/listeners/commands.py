"""The slash command: answered in the ack when the dispatcher is quick, else "on its way"."""

from __future__ import annotations

import concurrent.futures
import dataclasses
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack import render
from bot.slack.delivery import Delivery, caller_from
from bot.slack.listeners import ListenerParts, time_left
from core import i18n, ui
from core.i18n import N_, _

ACK_BUDGET = 2.0  # seconds from arrival before a command is acked with "on its way"
ON_ITS_WAY = N_("One moment: I'm working on that and will reply here shortly.")


def register(app: App, parts: ListenerParts) -> None:
    settings, dispatcher, pool = parts.settings, parts.dispatcher, parts.commands

    @app.command(settings.slash_command)
    def on_command(
        ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond, client: WebClient
    ) -> None:
        caller = caller_from(context, settings)
        text = str(body.get("text") or "")
        future = pool.submit(dispatcher.command, caller, text)
        delivery = Delivery(
            client,
            dispatcher,
            caller,
            respond=respond,
            trigger_id=body.get("trigger_id"),
            waiting=parts.waiting,
        )
        try:
            replies = future.result(timeout=time_left(context, ACK_BUDGET))
        except concurrent.futures.TimeoutError:
            # Said before anyone is looked up (that is what is slow), so in the community's
            # language.
            with i18n.speaking(settings.language):
                ack(text=_(ON_ITS_WAY), response_type="ephemeral")
            parts.later(_answer_when_done, delivery, future)
            return
        first = next((r for r in replies if isinstance(r, ui.Message)), None)
        if first is not None:
            ack(**render.message(first), response_type="ephemeral")
            replies = [r for r in replies if r is not first]
        else:
            ack()
        if any(isinstance(r, ui.OpenForm) for r in replies):
            delivery.run(replies)  # now, while the trigger lasts (3 s), not behind a queue
        else:
            parts.later(delivery.run, replies)


def _answer_when_done(
    delivery: Delivery, future: concurrent.futures.Future[list[ui.Reply]]
) -> None:
    """The answer takes the place of "One moment" rather than stacking under it."""
    delivery.run(
        [
            dataclasses.replace(r, replace_original=True) if isinstance(r, ui.Message) else r
            for r in future.result()
        ]
    )
