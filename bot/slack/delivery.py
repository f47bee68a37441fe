"""Carrying out neutral replies on Slack for one person: in place, by DM, as a modal, a file
or a refreshed Home tab. Every listener ends here."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import render
from bot.slack.waiting_forms import WaitingForms
from core import i18n, ui
from core.config import Settings
from core.context import Caller
from handlers.dispatch import Dispatcher

log = logging.getLogger(__name__)

PLATFORM = "slack"


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
        waiting: WaitingForms | None = None,
    ) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.caller = caller
        self.respond = respond
        self.trigger_id = trigger_id
        self.waiting = waiting
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
                    self._form_not_opened(reply.form, str(error.response.get("error")))
            except Exception:  # one failed call must not drop the replies after it
                log.exception("could not deliver %s", type(reply).__name__)

    def _one(self, reply: ui.Reply) -> None:
        if isinstance(reply, ui.Message):
            self._say(reply)
        elif isinstance(reply, ui.OpenForm):
            if self.trigger_id is None:
                with i18n.speaking(self.dispatcher.language_of(self.caller)):
                    self._say(
                        ui.notice(
                            "Forms open from the slash command: type `{command}` and the same "
                            "words in a channel.",
                            command=self.slash_command,
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
            # The errors are in the person's language already: shown as they are.
            self._say(ui.said(" ".join(reply.errors.values())))

    def _form_not_opened(self, form: ui.Form, error: str) -> None:
        """The trigger ran out while the work was done (a busy server): the form waits
        behind a button, whose click brings a trigger of its own."""
        with i18n.speaking(self.dispatcher.language_of(self.caller)):
            if self.waiting is not None and error == "expired_trigger_id":
                self._say(self.waiting.offer(self.caller.user_id, form))
            else:
                self._say(ui.notice("Sorry, that form took too long to open. Please try again."))

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
