"""The outbox's Slack sender: chat.postMessage with the outbox key in message metadata.

The key in metadata is what makes "nothing twice" hold across crashes: before re-sending a
message whose earlier attempt is uncertain, the delivery loop asks `find_sent`, which looks
for that key in the conversation. Retries are the delivery loop's business, so this client
has no retry handlers: a 429 becomes RateLimited straight away.

Recipients (core.delivery.recipients): a user id, a group DM "U1,U2", a channel id, a private
space "space:<name>:U1,U2,…" (created as a private channel, or found by name when an earlier
attempt created it and died before recording it; a group DM where the workspace refuses
channels) and "archive:<channel>" (post, then archive).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import render
from core import ui
from core.delivery import recipients
from core.delivery.outbox import Delivered, PermanentFailure, RateLimited, TransientFailure

log = logging.getLogger(__name__)

METADATA_TYPE = "catalyst_outbox"
PERMANENT = {
    "too_many_users",  # a group DM of more than eight people: waiting won't help
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
# conversations.invite refusals that leave the person in the channel (or were never needed).
INVITED_ALREADY = {"already_in_channel", "cant_invite_self"}
# conversations.kick: the person is out already (or was never in, or is the bot itself).
REMOVED_ALREADY = {"not_in_channel", "user_not_found", "cant_kick_self", "not_in_group"}
# Answers to conversations.create meaning "no private channels here": a group DM instead.
CHANNELS_REFUSED = {"restricted_action", "missing_scope"}
# Archive refusals after the message went out: the message stands, the channel stays open.
ARCHIVE_REFUSED = {"restricted_action", "not_in_channel", "cant_archive_general"}
MAX_GROUP_DM_PEOPLE = 8  # Slack's group DMs hold 8 people besides the bot
LIST_PAGE = 200
RECENT = 100  # messages looked through for an archive message sent by an earlier attempt


@dataclass
class _Space:
    """A private space's conversation and who has been invited to it by this process."""

    channel: str
    is_channel: bool
    invited: set[str] = field(default_factory=set)


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
        self._spaces: dict[str, _Space] = {}  # space name -> its conversation, like DMs

    def send(
        self,
        recipient: str,
        message: ui.Message,
        *,
        key: str,
        thread_ts: str | None = None,
        want_permalink: bool = False,
    ) -> Delivered:
        instruction = recipients.parse(recipient)
        if isinstance(instruction, recipients.Update):
            return self._update(instruction, message)
        try:
            channel = self._conversation_for(recipient, instruction)
            if isinstance(instruction, recipients.Remove):
                # Out first, so the person who left doesn't read the note about it.
                self._remove(channel, instruction.user_ids)
            # An earlier attempt may have posted and then failed to archive: post once.
            earlier = (
                self._recent_with_key(channel, key)
                if isinstance(instruction, recipients.Archive)
                else None
            )
            if earlier is None:
                response = self.client.chat_postMessage(
                    channel=channel,
                    thread_ts=thread_ts,
                    metadata={"event_type": METADATA_TYPE, "event_payload": {"key": key}},
                    unfurl_links=False,
                    unfurl_media=False,
                    **render.message(message),
                )
                channel, ts = str(response["channel"]), str(response["ts"])
            else:
                ts = earlier
            if isinstance(instruction, recipients.Archive):
                self._archive(channel)
        except SlackApiError as error:
            raise _classify(error) from error
        except (URLError, OSError, TimeoutError) as error:
            raise TransientFailure(type(error).__name__) from error
        if recipient.startswith(("U", "W")) and "," not in recipient:
            self._dm_channels[recipient] = channel
        permalink = self._permalink(channel, ts) if want_permalink else None
        return Delivered(channel=channel, ts=ts, permalink=permalink)

    def _update(self, target: recipients.Update, message: ui.Message) -> Delivered:
        """Replace a message we posted (chat.update). Doing it twice leaves the same text,
        so a retry after a crash needs no lookup."""
        try:
            self.client.chat_update(
                channel=target.conversation, ts=target.ts, **render.message(message)
            )
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code in {"message_not_found", "cant_update_message", "edit_window_closed"}:
                raise PermanentFailure(code) from error
            raise _classify(error) from error
        except (URLError, OSError, TimeoutError) as error:
            raise TransientFailure(type(error).__name__) from error
        return Delivered(channel=target.conversation, ts=target.ts)

    def _conversation_for(self, recipient: str, instruction: recipients.Instruction | None) -> str:
        """The conversation to post in (a space is made on first use)."""
        if isinstance(instruction, recipients.PrivateSpace):
            return self._space(instruction)
        if isinstance(instruction, recipients.Archive | recipients.Remove):
            return instruction.conversation
        if "," in recipient:
            return self._group_dm(recipient)
        # A user id sends a DM, without conversations.open.
        return recipient

    # ---- private spaces ---------------------------------------------------------------------

    def _space(self, space: recipients.PrivateSpace) -> str:
        """The space's conversation, made on first use, with everyone in it invited."""
        known = self._spaces.get(space.name)
        if known is None:
            try:
                created = self.client.conversations_create(name=space.name, is_private=True)
                known = _Space(str(created["channel"]["id"]), is_channel=True)
            except SlackApiError as error:
                code = str(error.response.get("error") or "")
                if code == "name_taken":
                    # Made by an attempt that died before its outcome was recorded: reuse it.
                    found = self._private_channel_named(space.name)
                    if found is None:
                        raise PermanentFailure(
                            # untranslated: outbox last_error; core words the leading code
                            f"name_taken: a channel called #{space.name} exists and Catalyst "
                            "is not in it; rename that channel or choose another name"
                        ) from error
                    known = _Space(found, is_channel=True)
                elif code in CHANNELS_REFUSED:
                    # Not cached: a group DM is fixed to its people, so it is opened for the
                    # members as they are now (a leaver out, a newcomer in) on every send.
                    log.info("private channels refused (%s): a group DM for %s", code, space.name)
                    return self._space_group_dm(space)
                else:
                    raise
            self._spaces[space.name] = known
        if known.is_channel:
            missing = [u for u in dict.fromkeys(space.user_ids) if u not in known.invited]
            if missing:
                self._invite(known.channel, missing)
                known.invited.update(missing)
        return known.channel

    def _existing_space(self, space: recipients.PrivateSpace) -> str | None:
        """Where an earlier attempt would have posted, without making anything new."""
        known = self._spaces.get(space.name)
        if known is not None:
            return known.channel
        channel = self._private_channel_named(space.name)
        if channel is not None:
            return channel
        if 0 < len(set(space.user_ids)) <= MAX_GROUP_DM_PEOPLE:
            return self._group_dm(",".join(space.user_ids))  # the fallback, if it was used
        return None

    def _private_channel_named(self, name: str) -> str | None:
        """The private channel of this name that the bot is in (conversations.list only shows
        those), paging through all of them."""
        cursor = ""
        while True:
            page = self.client.conversations_list(
                types="private_channel", limit=LIST_PAGE, cursor=cursor or None
            )
            for channel in page.get("channels") or []:
                if channel.get("name") != name:
                    continue
                if channel.get("is_archived"):
                    raise PermanentFailure(
                        # untranslated: outbox last_error; core words the leading code
                        f"name_taken: #{name} is an archived channel; "
                        "a new set needs a name not used before"
                    )
                return str(channel["id"])
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return None

    def _space_group_dm(self, space: recipients.PrivateSpace) -> str:
        people = list(dict.fromkeys(space.user_ids))
        if len(people) > MAX_GROUP_DM_PEOPLE:
            raise PermanentFailure(
                # untranslated: outbox last_error; core words the leading code
                "too_many_for_group_dm: this workspace doesn't let Catalyst create private "
                f"channels, and a group DM holds at most {MAX_GROUP_DM_PEOPLE} people "
                f"besides Catalyst; this set has {len(people)}"
            )
        return self._group_dm(",".join(people))

    def _invite(self, channel: str, user_ids: list[str]) -> None:
        """Invite everyone who isn't in yet. Slack's invite is all or nothing and names each
        refusal, so the people already in are dropped and the rest asked again; someone who
        can't be invited at all (left the workspace) is left out, not the whole set."""
        wanted = list(user_ids)
        while wanted:
            try:
                self.client.conversations_invite(channel=channel, users=",".join(wanted))
                return
            except SlackApiError as error:
                code = str(error.response.get("error") or "")
                refusals = error.response.get("errors") or []
                if not refusals:
                    if len(wanted) == 1 and (code in INVITED_ALREADY or code == "user_not_found"):
                        if code == "user_not_found":
                            log.warning("could not invite %s to %s: %s", wanted[0], channel, code)
                        return
                    if code in INVITED_ALREADY or code == "user_not_found":
                        for user in wanted:  # no per-person answer: one at a time
                            self._invite(channel, [user])
                        return
                    raise
                refused: set[str] = set()
                for refusal in refusals:
                    user, why = str(refusal.get("user")), str(refusal.get("error"))
                    if why not in INVITED_ALREADY:
                        if why in ("is_archived", "not_in_channel", "channel_not_found"):
                            raise
                        log.warning("could not invite %s to %s: %s", user, channel, why)
                    refused.add(user)
                left = [u for u in wanted if u not in refused]
                if len(left) == len(wanted):
                    raise
                wanted = left

    # ---- archiving --------------------------------------------------------------------------

    def _recent_with_key(self, channel: str, key: str) -> str | None:
        """The ts of a message with this key among the channel's latest, if any."""
        try:
            history = self.client.conversations_history(
                channel=channel, include_all_metadata=True, limit=RECENT
            )
        except SlackApiError as error:
            if str(error.response.get("error") or "") == "channel_not_found":
                return None
            raise
        for found in history.get("messages") or []:
            if _key_of(found) == key:
                return str(found["ts"])
        return None

    def _remove(self, channel: str, user_ids: Sequence[str]) -> None:
        for user in user_ids:
            try:
                self.client.conversations_kick(channel=channel, user=user)
            except SlackApiError as error:
                code = str(error.response.get("error") or "")
                if code in REMOVED_ALREADY:
                    continue
                if code == "method_not_supported_for_channel_type":  # a group DM
                    log.info("%s is a group DM: it can't lose members", channel)
                    return
                if code in ARCHIVE_REFUSED or code == "not_supported":
                    log.warning("Slack refused to remove %s from %s: %s", user, channel, code)
                    continue
                raise

    def _archive(self, channel: str) -> None:
        try:
            self.client.conversations_archive(channel=channel)
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code == "already_archived":
                return
            if code == "method_not_supported_for_channel_type":  # a DM or group DM
                log.info("%s is a DM or group DM: posted, nothing to archive", channel)
                return
            if code in ARCHIVE_REFUSED:
                log.warning("posted in %s, but Slack refused to archive it: %s", channel, code)
                return
            raise

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
        instruction = recipients.parse(recipient)
        try:
            if isinstance(instruction, recipients.PrivateSpace):
                channel = self._existing_space(instruction)
            elif isinstance(instruction, recipients.Archive | recipients.Remove):
                channel = instruction.conversation
            else:
                channel = self._channel_for(recipient)
            if channel is None:
                return None  # the space was never made, so nothing was posted in it
            if thread_ts is not None:  # thread replies are not in the channel's history
                response = self.client.conversations_replies(
                    channel=channel, ts=thread_ts, oldest=oldest, include_all_metadata=True
                )
            else:
                response = self.client.conversations_history(
                    channel=channel, oldest=oldest, include_all_metadata=True, limit=200
                )
            for found in response.get("messages") or []:
                if _key_of(found) == key:
                    if isinstance(instruction, recipients.Archive):
                        self._archive(channel)  # the attempt may have died before archiving
                    if isinstance(instruction, recipients.Remove):
                        self._remove(channel, instruction.user_ids)  # idempotent
                    return Delivered(channel=channel, ts=str(found["ts"]))
        except SlackApiError as error:
            raise _classify(error) from error
        except (URLError, OSError, TimeoutError) as error:
            raise TransientFailure(type(error).__name__) from error
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
