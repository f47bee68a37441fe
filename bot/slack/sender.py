"""The outbox's Slack sender: chat.postMessage with the outbox key in message metadata.

The key in metadata is what makes "nothing twice" hold across crashes: before re-sending a
message whose earlier attempt is uncertain, the delivery loop asks `find_sent`, which looks
for that key in the conversation. Retries are the delivery loop's business, so this client
has no retry handlers: a 429 becomes RateLimited straight away.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import render
from core import ui
from core.delivery.outbox import Delivered, PermanentFailure, RateLimited, TransientFailure

log = logging.getLogger(__name__)

METADATA_TYPE = "catalyst_outbox"
PERMANENT = {
    "user_not_found",
    "account_inactive",
    "channel_not_found",
    "is_archived",
    "not_in_channel",
    "user_disabled",
    "cannot_dm_bot",
    "invalid_blocks",
    "msg_too_long",
    "no_text",
    "restricted_action",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "missing_scope",
}


def _classify(error: SlackApiError) -> Exception:
    response = error.response
    status = getattr(response, "status_code", 200)
    code = str(response.get("error") or f"http_{status}")
    if status == 429 or code == "ratelimited":
        retry_after = (response.headers or {}).get("Retry-After") or (response.headers or {}).get(
            "retry-after"
        )
        try:
            seconds = float(retry_after) if retry_after is not None else 30.0
        except ValueError:
            seconds = 30.0
        return RateLimited(seconds)
    if code in PERMANENT:
        return PermanentFailure(code)
    return TransientFailure(code)


class SlackSender:
    def __init__(self, token: str, base_url: str, timeout: int = 15) -> None:
        self.client = WebClient(token=token, base_url=base_url, timeout=timeout)
        self.client.retry_handlers = []
        self._dm_channels: dict[str, str] = {}

    def send(
        self,
        recipient: str,
        message: ui.Message,
        *,
        key: str,
        thread_ts: str | None = None,
        want_permalink: bool = False,
    ) -> Delivered:
        try:
            response = self.client.chat_postMessage(
                # A user id sends a DM, without conversations.open; a group DM needs it.
                channel=self._group_dm(recipient) if "," in recipient else recipient,
                thread_ts=thread_ts,
                metadata={"event_type": METADATA_TYPE, "event_payload": {"key": key}},
                unfurl_links=False,
                unfurl_media=False,
                **render.message(message),
            )
        except SlackApiError as error:
            raise _classify(error) from error
        except (URLError, OSError, TimeoutError) as error:
            raise TransientFailure(type(error).__name__) from error
        channel, ts = str(response["channel"]), str(response["ts"])
        if recipient.startswith(("U", "W")):
            self._dm_channels[recipient] = channel
        permalink = self._permalink(channel, ts) if want_permalink else None
        return Delivered(channel=channel, ts=ts, permalink=permalink)

    def _group_dm(self, recipient: str) -> str:
        """A group DM (peer-coaching pairs): `recipient` is "U1,U2[,U3]"; chat.postMessage
        takes one channel, so the conversation is opened first (and remembered)."""
        if recipient not in self._dm_channels:
            opened = self.client.conversations_open(users=recipient)
            self._dm_channels[recipient] = str(opened["channel"]["id"])
        return self._dm_channels[recipient]

    def _permalink(self, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except (SlackApiError, URLError, OSError, KeyError) as error:
            log.info("no permalink for %s/%s: %s", channel, ts, error)
            return None

    def find_sent(
        self, recipient: str, key: str, since: datetime, thread_ts: str | None = None
    ) -> Delivered | None:
        oldest = f"{since.timestamp():.6f}"
        try:
            channel = self._channel_for(recipient)
            if thread_ts is not None:  # thread replies are not in the channel's history
                response = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, oldest=oldest, include_all_metadata=True
                )
            else:
                response = self.client.conversations_history(
                    channel=channel, oldest=oldest, include_all_metadata=True, limit=200
                )
        except SlackApiError as error:
            raise _classify(error) from error
        except (URLError, OSError, TimeoutError) as error:
            raise TransientFailure(type(error).__name__) from error
        for found in response.get("messages") or []:
            if _key_of(found) == key:
                return Delivered(channel=channel, ts=str(found["ts"]))
        return None

    def _channel_for(self, recipient: str) -> str:
        if not recipient.startswith(("U", "W")):
            return recipient
        if recipient not in self._dm_channels:
            opened = self.client.conversations_open(users=recipient)
            self._dm_channels[recipient] = str(opened["channel"]["id"])
        return self._dm_channels[recipient]


def _key_of(message: dict[str, Any]) -> str | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != METADATA_TYPE:
        return None
    payload = metadata.get("event_payload") or {}
    key = payload.get("key")
    return str(key) if key is not None else None
