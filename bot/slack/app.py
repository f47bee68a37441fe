"""The Slack adapter: a Bolt app whose listeners translate, dispatch and deliver.

Every listener is a few lines: turn Slack's payload into a `Caller` and neutral input, ask
the dispatcher, then deliver the neutral replies. Acknowledgement rules (Slack waits 3 s):

* commands: the dispatcher runs first (a few milliseconds of database work) so the reply
  travels in the ack itself, which is the fastest path for a person; if it takes longer than
  `ACK_BUDGET` the command is acked with "on its way" and the reply follows by response_url;
* buttons and events: ack at once, then work;
* form submissions: must be answered in the ack (field errors keep the modal open), so the
  dispatcher runs first; slower effects (DMs, home refresh) follow after the ack.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import render
from core import ui
from core.capability import MessageChange, MessageEvent
from core.config import Settings
from core.context import Caller
from handlers.dispatch import Dispatcher
from handlers.resources.commands import SAVE_SHORTCUT

log = logging.getLogger(__name__)

PLATFORM = "slack"
ACK_BUDGET = 2.0  # seconds of work before a command is acked with "on its way"
ON_ITS_WAY = "One moment: I'm working on that and will reply here shortly."


def caller_from(context: BoltContext, settings: Settings, channel_id: str | None = None) -> Caller:
    user_id = context.user_id or ""
    return Caller(
        platform=PLATFORM,
        community_external_id=context.team_id or context.enterprise_id or "unknown",
        user_id=user_id,
        channel_id=channel_id or context.channel_id,
        facilitator_by_config=user_id in settings.facilitators,
    )


class Delivery:
    """Carries out neutral replies with the Web API, for one person."""

    def __init__(
        self,
        client: WebClient,
        dispatcher: Dispatcher,
        caller: Caller,
        *,
        respond: Respond | None = None,
        trigger_id: str | None = None,
    ) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.caller = caller
        self.respond = respond
        self.trigger_id = trigger_id
        self.slash_command = dispatcher.settings.slash_command

    def run(self, replies: Sequence[ui.Reply]) -> None:
        for reply in replies:
            try:
                self._one(reply)
            except SlackApiError as error:
                log.warning(
                    "Slack refused %s: %s", type(reply).__name__, error.response.get("error")
                )
                if isinstance(reply, ui.OpenForm):
                    self._say(
                        ui.notice("Sorry, that form took too long to open. Please try again.")
                    )
            except Exception:  # one failed call must not drop the replies after it
                log.exception("could not deliver %s", type(reply).__name__)

    def _one(self, reply: ui.Reply) -> None:
        if isinstance(reply, ui.Message):
            self._say(reply)
        elif isinstance(reply, ui.OpenForm):
            if self.trigger_id is None:
                self._say(
                    ui.notice(
                        "Forms open from the slash command: type `{v0}` and the same words "
                        "in a channel.",
                        self.slash_command,
                    )
                )
                return
            self.client.views_open(trigger_id=self.trigger_id, view=render.form_view(reply.form))
            self.trigger_id = None  # a trigger can be used once
        elif isinstance(reply, ui.DirectMessage):
            self.client.chat_postMessage(
                channel=self.caller.user_id, **render.message(reply.message)
            )
        elif isinstance(reply, ui.RefreshHome):
            self.publish_home()
        elif isinstance(reply, ui.SendFile):
            opened = self.client.conversations_open(users=self.caller.user_id)
            self.client.files_upload_v2(
                channel=opened["channel"]["id"],
                content=reply.content,
                filename=reply.filename,
                title=reply.title,
                initial_comment=reply.comment or None,
            )
        elif isinstance(reply, ui.FormErrors):
            # Only meaningful inside a form submission, which answers errors in its ack.
            self._say(ui.notice(" ".join(reply.errors.values())))

    def _say(self, message: ui.Message) -> None:
        """Reply where the person is: in place via response_url, else by DM."""
        if self.respond is not None and self.respond.response_url:
            self.respond(
                **render.message(message),
                response_type="ephemeral",
                replace_original=message.replace_original,
            )
        else:
            self.client.chat_postMessage(channel=self.caller.user_id, **render.message(message))

    def publish_home(self) -> None:
        page = self.dispatcher.home(self.caller)
        if page is not None:
            self.client.views_publish(user_id=self.caller.user_id, view=render.home_view(page))


def build_app(
    settings: Settings,
    dispatcher: Dispatcher,
    client: WebClient,
    *,
    executor: concurrent.futures.Executor | None = None,
    listener_executor: concurrent.futures.ThreadPoolExecutor | None = None,
) -> App:
    """The Bolt app with every listener registered. Signature checks stay on.

    `executor` runs commands against the ack budget; `listener_executor` is where Bolt runs
    listeners after their ack. Passing them in lets the owner wait for work still under way
    when it stops, instead of that work failing against a closed database or connection.
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

    @app.command(settings.slash_command)
    def on_command(
        ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond, client: WebClient
    ) -> None:
        caller = caller_from(context, settings)
        text = str(body.get("text") or "")
        future = pool.submit(dispatcher.command, caller, text)
        try:
            replies = future.result(timeout=ACK_BUDGET)
        except concurrent.futures.TimeoutError:
            ack(text=ON_ITS_WAY, response_type="ephemeral")
            # The answer takes the place of "One moment" rather than stacking under it.
            replies = [
                dataclasses.replace(r, replace_original=True) if isinstance(r, ui.Message) else r
                for r in future.result()
            ]
        else:
            first = next((r for r in replies if isinstance(r, ui.Message)), None)
            if first is not None:
                ack(**render.message(first), response_type="ephemeral")
                replies = [r for r in replies if r is not first]
            else:
                ack()
        Delivery(
            client, dispatcher, caller, respond=respond, trigger_id=body.get("trigger_id")
        ).run(replies)

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
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        replies = dispatcher.action(caller, str(action.get("action_id", "")), str(value))
        Delivery(
            client, dispatcher, caller, respond=respond, trigger_id=body.get("trigger_id")
        ).run(replies)

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
        replies = dispatcher.action(caller, SAVE_SHORTCUT, words)
        Delivery(
            client, dispatcher, caller, respond=respond, trigger_id=body.get("trigger_id")
        ).run(replies)

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

    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        Delivery(client, dispatcher, caller_from(context, settings)).publish_home()

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
            Delivery(client, dispatcher, caller).run(dispatcher.command(caller, words))
            return
        dispatcher.message_event(
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

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error for a %s request: %r", body.get("type"), error)

    return app


def _acted_on(event: Mapping[str, Any]) -> bool:
    kind = event.get("type")
    if kind == "message":
        # Thread replies may be reflections; DMs get an answer. Other chatter is ignored.
        return bool(event.get("thread_ts") or event.get("channel_type") == "im")
    return kind in {"app_home_opened", "member_joined_channel"}


def _field_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """Slack keys modal errors by block id (our field names); each at most 2,000 chars."""
    return {field: render.clip(message, 2000) for field, message in errors.items()}
