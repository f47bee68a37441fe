"""Events: the Home tab, messages (thread replies become reflections; a DM is read as a
command), and retries of events already handled, which are dropped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient

from bot.slack.delivery import PLATFORM, Delivery, caller_from
from bot.slack.listeners import ListenerParts
from core.capability import MessageChange, MessageEvent

log = logging.getLogger(__name__)


def register(app: App, parts: ListenerParts) -> None:
    settings, dispatcher = parts.settings, parts.dispatcher

    @app.middleware
    def drop_event_retries(
        body: dict[str, Any], next: Callable[[], BoltResponse], request: BoltRequest
    ) -> BoltResponse | None:
        """Slack retries events it thinks we missed; handle each event_id once.

        Only events we act on are recorded: every message in every channel the bot is in
        would otherwise add a row (and a write) for nothing.
        """
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if (
            event_id
            and _acted_on(body.get("event") or {})
            and not dispatcher.first_delivery(PLATFORM, str(event_id))
        ):
            retry = request.headers.get("x-slack-retry-num", ["?"])[0]
            log.info("dropping retry %s of event %s", retry, event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        parts.later(Delivery(client, dispatcher, caller_from(context, settings)).publish_home)

    @app.event("message")
    def on_message(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        """Replies in a prompt's thread become reflections; edits and deletions follow them."""
        subtype = event.get("subtype")
        change = MessageChange
        if subtype == "message_changed":
            message, kind = event.get("message") or {}, change.EDITED
        elif subtype == "message_deleted":
            message, kind = event.get("previous_message") or {}, change.DELETED
        elif subtype in (None, "thread_broadcast", "file_share"):
            message, kind = event, change.POSTED
        else:
            return  # joins, topic changes and the like
        if event.get("bot_id") or message.get("bot_id") or message.get("subtype") == "bot_message":
            return
        ts = event.get("deleted_ts") if kind is change.DELETED else message.get("ts")
        channel = event.get("channel")
        if not ts or not channel:
            return
        # Slack escapes &, < and > in message text; the neutral layer holds plain text.
        words = str(message.get("text") or "")
        words = words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        if (
            event.get("channel_type") == "im"
            and kind is change.POSTED
            and not message.get("thread_ts")
        ):
            # A message to the bot in its Messages tab: read it as a command ("help",
            # "sessions"...), so typing there is never met with silence.
            caller = caller_from(context, settings, channel_id=str(channel))
            delivery = Delivery(client, dispatcher, caller)
            parts.later(lambda: delivery.run(dispatcher.command(caller, words)))
            return
        parts.later(
            dispatcher.message_event,
            caller_from(context, settings, channel_id=str(channel)),
            MessageEvent(
                change=kind,
                channel=str(channel),
                ts=str(ts),
                thread_ts=str(message["thread_ts"]) if message.get("thread_ts") else None,
                text=words,
            ),
        )

    # Subscribed for a coming capability (welcomes); acked now so Slack doesn't retry it.
    @app.event("member_joined_channel")
    def on_member_joined(event: dict[str, Any]) -> None:
        return None


def _acted_on(event: Mapping[str, Any]) -> bool:
    kind = event.get("type")
    if kind == "message":
        # Thread replies may be reflections; DMs get an answer. Other chatter is ignored.
        return bool(event.get("thread_ts") or event.get("channel_type") == "im")
    return kind in {"app_home_opened", "member_joined_channel"}
