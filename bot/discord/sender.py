"""The outbox's Discord sender: discord.py's REST client on a private event loop.

The scheduler's delivery loop calls ``send`` and ``find_sent`` from its own threads and
expects answers, not coroutines, and needs no gateway. So the sender owns a thread running
an asyncio loop with a ``discord.http.HTTPClient`` logged in with the bot token
(``static_login``); each call is a coroutine run there and waited for. discord.py keeps
Discord's per-route buckets (it waits before a request when a bucket is empty, and waits
out a 429 asking for up to 30 seconds, as Discord means); a longer 429 becomes the outbox's
``RateLimited``, the path Slack's 429s take, so the delivery loop pauses and hands the rows
back.

Recipients (core.delivery.recipients), as Discord has them:

- A plain id. Discord ids are all snowflakes, so which kind is told by asking: the guild's
  channel ids are read once (``GET /guilds/{id}/channels``) and an id among them is a
  channel; any other id is taken as a user and its DM opened (``POST /users/@me/channels``,
  remembered); if Discord knows no such user, ``GET /channels/{id}`` says whether it is a
  thread or a channel made since, else the message fails for good ("user_not_found"). A DM
  costs one call, a channel none.
- A group ``"U1,U2"`` and a space ``space:<name>:U1,…``: bots can't open group DMs, so each
  is a private thread (type 12, not invitable) in the community channel with those members
  added. A space's thread is named after the space; a group's is named by a digest of its
  members (``catalyst-group-…``). Before making one, the active threads are searched by name,
  so an attempt that made it and died before recording is not repeated. A private thread
  notifies nobody by itself, so a group's messages mention its people (as a group DM
  would notify them) and a space's mention whoever was just added; ``allowed_mentions``
  lets only them be pinged. The threads' channel is the one given, else the server's system
  channel; the server is the one given, else the only one the bot is in. Without either,
  these messages fail for good, with a reason saying which setting to make.
- ``archive:<thread>`` posts, then archives and locks the thread (a channel can't be
  archived on Discord: it is posted in and left). ``remove:<thread>:U1,…`` takes the people
  out of the thread first. ``update:<channel>:<message>`` edits the message.

Nothing twice: every message carries a nonce made from its outbox key with
``enforce_nonce`` (Discord returns the first message when the same nonce comes again within a
few minutes), and a marker, the first embed's ``url`` (not shown without a title), that
``find_sent`` looks for in the channel's recent history (Discord doesn't keep nonces).

Threads: Slack answers a post in its thread (``thread_ts``); on Discord a thread started from
a message has the message's id, so core's ``thread_ts`` (the post's id) is the thread's
channel id. A post that wants its permalink (a reflection prompt, whose replies are kept)
gets its thread started at once; a reply to a post without a thread starts one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
import urllib.parse
from collections.abc import Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import aiohttp
import discord
from discord.http import HTTPClient, Route

from bot.discord import messages
from bot.discord.endpoints import use_api
from core import ui
from core.delivery import recipients
from core.delivery.outbox import Delivered, PermanentFailure, RateLimited, TransientFailure

log = logging.getLogger(__name__)

T = TypeVar("T")

# Discord's error codes that waiting won't fix, as the outbox's (Slack-shaped) reasons, so
# delivery reports word them the same on both platforms (core.broadcasts.notices).
PERMANENT: dict[int, str] = {
    50007: "messages_tab_disabled",  # the person allows no DMs from the server's bots
    10013: "user_not_found",
    10007: "user_not_found",  # unknown member: left the server
    10003: "channel_not_found",
    10008: "message_not_found",
    50001: "not_in_channel",  # missing access
    50013: "restricted_action",  # missing permissions
    50083: "is_archived",  # an archived (locked) thread
    50005: "cant_update_message",
    50035: "invalid_blocks",  # the body broke a limit: sending it again won't help
    50024: "restricted_action",  # an action this channel type can't take
}
UNKNOWN_CHANNEL, UNKNOWN_USER, UNKNOWN_MEMBER = 10003, 10013, 10007
NOT_A_THREAD = 50024
THREAD_EXISTS = 160004
PRIVATE_THREAD, PUBLIC_THREAD = 12, 11
THREAD_TYPES = (PUBLIC_THREAD, PRIVATE_THREAD)
ARCHIVE_AFTER_MINUTES = 10080  # a week without messages: the longest Discord allows
HISTORY = 100  # messages read back when looking for one sent before a crash
MARKER = "https://catalyst.invalid/outbox/"  # the first embed's url: key and part
NONCE_LENGTH = 25  # Discord's limit for a string nonce
MAX_RATELIMIT_WAIT = 30.0  # discord.py waits out 429s up to this (its minimum); longer: ours
MAX_PINGS = 50  # people mentioned on one message (a set is a handful; content ≤ 2,000)
CALL_TIMEOUT = 120.0  # seconds for one call, rate-limit waits included


def nonce_for(key: str, part: int = 0) -> str:
    """The nonce of one message of an outbox row: the same key, the same nonce."""
    return hashlib.sha256(f"{key}\x00{part}".encode()).hexdigest()[:NONCE_LENGTH]


def marker_for(key: str, part: int, parts: int) -> str:
    return f"{MARKER}{urllib.parse.quote(key, safe='')}?part={part}&of={parts}"


def _marker_of(message: dict[str, Any]) -> tuple[str, int, int] | None:
    for embed in message.get("embeds") or []:
        url = str(embed.get("url") or "")
        if url.startswith(MARKER):
            path, _, query = url[len(MARKER) :].partition("?")
            fields = urllib.parse.parse_qs(query)
            try:
                return (
                    urllib.parse.unquote(path),
                    int(fields["part"][0]),
                    int(fields["of"][0]),
                )
            except (KeyError, ValueError, IndexError):
                return None
    return None


def group_thread_name(user_ids: list[str]) -> str:
    """The private thread standing in for a group DM: one per set of people."""
    digest = hashlib.sha256(",".join(sorted(set(user_ids))).encode()).hexdigest()[:12]
    return f"catalyst-group-{digest}"  # untranslated: a thread name found again by name


def failure(error: BaseException) -> Exception:
    """discord.py's exception as the outbox's: permanent, rate-limited or worth a retry."""
    if isinstance(error, discord.RateLimited):
        return RateLimited(error.retry_after)
    if isinstance(error, discord.LoginFailure):
        return PermanentFailure("invalid_auth")
    if isinstance(error, discord.HTTPException):
        if error.status == 429:
            headers = getattr(error.response, "headers", None) or {}
            try:
                return RateLimited(float(headers.get("Retry-After") or 5.0))
            except ValueError:
                return RateLimited(5.0)
        if error.status == 401:
            return PermanentFailure("invalid_auth")
        if error.code in PERMANENT:
            return PermanentFailure(PERMANENT[error.code])
        return TransientFailure(f"discord_http_{error.status}_{error.code}")
    if isinstance(error, aiohttp.ClientError | OSError | TimeoutError | FutureTimeout):
        return TransientFailure(type(error).__name__)
    return error if isinstance(error, Exception) else TransientFailure(type(error).__name__)


# What a call can raise that `failure` turns into the outbox's exceptions.
FAILURES = (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError)


def _code(error: discord.HTTPException) -> int:
    return int(error.code or 0)


@dataclass
class _Thread:
    """A private thread standing in for a space or group, and who this process added."""

    channel: str
    added: set[str] = field(default_factory=set)


class DiscordSender:
    """The outbox's Sender for Discord (core.delivery.outbox.Sender)."""

    def __init__(
        self,
        token: str,
        *,
        guild_id: str | None = None,
        community_channel_id: str | None = None,
        api_url: str | None = None,
        timeout: float = CALL_TIMEOUT,
    ) -> None:
        if api_url:
            use_api(api_url)
        self.token = token
        self.guild_id = guild_id  # None: the one server the bot is in, asked on first use
        self.community_channel_id = community_channel_id  # None: the server's system channel
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="discord-sender", daemon=True
        )
        self._thread.start()
        self._http: HTTPClient | None = None
        self._bot_id = ""
        self._login_lock = threading.Lock()
        self._lock = threading.RLock()  # the caches, and making a thread once
        self._guild_channels: set[str] | None = None
        self._channels: set[str] = set()  # ids known to be channels (threads included)
        self._dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self._threads: dict[str, _Thread] = {}  # thread name -> its thread

    # ---- the private loop ---------------------------------------------------------------------

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        try:
            return future.result(self.timeout)
        except FutureTimeout as error:
            future.cancel()
            raise TransientFailure("timeout") from error

    def _client(self) -> HTTPClient:
        with self._login_lock:
            if self._http is None:
                http = HTTPClient(self._loop, max_ratelimit_timeout=MAX_RATELIMIT_WAIT)
                me = self._run(http.static_login(self.token))
                self._bot_id = str(me["id"])
                self._http = http
            return self._http

    def _request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        query: dict[str, Any] | None = None,
        **params: Any,
    ) -> Any:
        """One REST call, waited for; discord.py's exceptions as they come."""
        http = self._client()
        route = Route(method, path, **params)
        extra: dict[str, Any] = {}
        if payload is not None:
            extra["json"] = payload
        if query:
            extra["params"] = query
        return self._run(http.request(route, **extra))

    def rest(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        query: dict[str, Any] | None = None,
        **params: Any,
    ) -> Any:
        """One REST call on the sender's client, for other outbound work (scheduled events);
        discord.py's exceptions as they come (:func:`failure` maps them)."""
        return self._request(method, path, payload, query=query, **params)

    def bot_id(self) -> str:
        """The bot's own user id (after logging in)."""
        self._client()
        return self._bot_id

    def guild(self) -> str:
        """The server's id: as configured, else the one server the bot is in."""
        return self._guild()

    def close(self) -> None:
        """Log out and stop the loop (the sender can't be used afterwards)."""
        if self._http is not None:
            with contextlib.suppress(Exception):
                self._run(self._http.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    # ---- the Sender protocol ------------------------------------------------------------------

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
            return self._send(recipient, message, key, thread_ts, want_permalink)
        except FAILURES as e:
            raise failure(e) from e

    def find_sent(
        self, recipient: str, key: str, since: datetime, thread_ts: str | None = None
    ) -> Delivered | None:
        """The message with this key among the conversation's latest (``since`` is not
        used: Discord's ids carry Discord's time, and a key is never reused anyway)."""
        del since
        try:
            return self._find_sent(recipient, key, thread_ts)
        except FAILURES as e:
            raise failure(e) from e

    # ---- sending ------------------------------------------------------------------------------

    def _send(
        self,
        recipient: str,
        message: ui.Message,
        key: str,
        thread_ts: str | None,
        want_permalink: bool,
    ) -> Delivered:
        instruction = recipients.parse(recipient)
        if isinstance(instruction, recipients.Update):
            return self._update(instruction, message)
        channel, ping = self._conversation_for(recipient, instruction, create=True)
        if channel is None:  # only when not creating; kept for the type checker
            raise TransientFailure("no conversation")
        if isinstance(instruction, recipients.Remove):
            # Out first, so the person who left doesn't read the note about it.
            self._remove(channel, instruction.user_ids)
        if thread_ts is not None:
            channel = self._thread_of_post(channel, thread_ts, message)
        first = self._post(channel, message, key, ping)
        if isinstance(instruction, recipients.Archive):
            self._archive(channel)
        dm = channel in self._dm_channels.values()
        if want_permalink and thread_ts is None and instruction is None and not dm:
            self._start_thread(channel, first, message)
        permalink = (
            f"https://discord.com/channels/{'@me' if dm else self._guild()}/{channel}/{first}"
            if want_permalink
            else None
        )
        return Delivered(channel=channel, ts=first, permalink=permalink)

    def _post(
        self, channel: str, message: ui.Message, key: str, ping: list[str] | None = None
    ) -> str:
        """Post the message's parts (one, unless the text is very long); the first's id.
        ``ping``: people mentioned on the first part, so they hear of it (a private thread
        notifies nobody by itself, where a group DM would)."""
        parts = messages.message_payloads(message)
        if ping:
            first = dict(parts[0])
            mentions = " ".join(f"<@{user}>" for user in ping[:MAX_PINGS])
            first["content"] = f"{first.get('content', '')} {mentions}".strip()
            first["allowed_mentions"] = {**first["allowed_mentions"], "users": ping[:MAX_PINGS]}
            parts = [first, *parts[1:]]
        present: dict[int, str] = {}
        if len(parts) > 1:  # an earlier attempt may have posted some of them
            present, _ = self._parts_in(channel, key)
        ids: list[str] = []
        for index, payload in enumerate(parts):
            if index in present:
                ids.append(present[index])
                continue
            body = dict(payload)
            body["embeds"] = [dict(embed) for embed in payload["embeds"]]
            body["embeds"][0]["url"] = marker_for(key, index, len(parts))
            body["nonce"] = nonce_for(key, index)
            body["enforce_nonce"] = True
            posted = self._request(
                "POST", "/channels/{channel_id}/messages", body, channel_id=channel
            )
            ids.append(str(posted["id"]))
        return ids[0]

    def _parts_in(self, channel: str, key: str) -> tuple[dict[int, str], int]:
        """Which parts of the message with this key are among the channel's latest (part
        number -> message id), and how many parts it has (0: none found)."""
        try:
            history = self._request(
                "GET",
                "/channels/{channel_id}/messages",
                channel_id=channel,
                query={"limit": HISTORY},
            )
        except discord.NotFound:
            return {}, 0
        found: dict[int, str] = {}
        total = 0
        for posted in history or []:
            if str((posted.get("author") or {}).get("id")) != self._bot_id:
                continue
            marker = _marker_of(posted)
            if marker is not None and marker[0] == key:
                found[marker[1]] = str(posted["id"])
                total = marker[2]
        return found, total

    def _update(self, target: recipients.Update, message: ui.Message) -> Delivered:
        """Edit a message we posted; doing it twice leaves the same text."""
        body = messages.message_payload(message)
        self._request(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            body,
            channel_id=target.conversation,
            message_id=target.ts,
        )
        return Delivered(channel=target.conversation, ts=target.ts)

    # ---- where a recipient's messages go ------------------------------------------------------

    def _guild(self) -> str:
        """The server's id: as configured, else the one server the bot is in."""
        with self._lock:
            if self.guild_id is None:
                guilds = self._request("GET", "/users/@me/guilds")
                if len(guilds or []) != 1:
                    raise PermanentFailure(
                        # untranslated: outbox last_error; core words the leading code
                        "restricted_action: Catalyst is in "
                        f"{len(guilds or [])} Discord servers; set DISCORD_GUILD_ID to choose"
                    )
                self.guild_id = str(guilds[0]["id"])
            return self.guild_id

    def _community_channel(self) -> str:
        """Where private threads are made: as configured, else the server's system channel
        (where Discord posts its welcome messages)."""
        with self._lock:
            if self.community_channel_id is None:
                guild = self._request("GET", "/guilds/{guild_id}", guild_id=self._guild())
                system = guild.get("system_channel_id")
                if not system:
                    raise PermanentFailure(
                        # untranslated: outbox last_error; core words the leading code
                        "channel_not_found: no community channel is set and the server has "
                        "no system channel, so there is nowhere to make a private thread"
                    )
                self.community_channel_id = str(system)
            return self.community_channel_id

    def _conversation_for(
        self, recipient: str, instruction: recipients.Instruction | None, *, create: bool
    ) -> tuple[str | None, list[str]]:
        """The channel to post in (with ``create`` False, None where nothing exists yet), and
        who to mention: a group's people every time (it stands in for a group DM), a
        space's people when they have just been added to its thread."""
        if isinstance(instruction, recipients.PrivateSpace):
            return self._private_thread(instruction.name, list(instruction.user_ids), create)
        if isinstance(instruction, recipients.Archive | recipients.Remove):
            return instruction.conversation, []
        if "," in recipient:
            people = list(dict.fromkeys(u for u in recipient.split(",") if u))
            channel, _ = self._private_thread(group_thread_name(people), people, create)
            return channel, people
        return self._channel_or_dm(recipient), []

    def _channel_or_dm(self, some_id: str) -> str:
        with self._lock:
            if some_id in self._channels:
                return some_id
            if some_id in self._dm_channels:
                return self._dm_channels[some_id]
            if self._guild_channels is None:
                listed = self._request("GET", "/guilds/{guild_id}/channels", guild_id=self._guild())
                self._guild_channels = {str(c["id"]) for c in listed}
                self._channels |= self._guild_channels
            if some_id in self._guild_channels:
                return some_id
        try:
            opened = self._request("POST", "/users/@me/channels", {"recipient_id": some_id})
        except discord.HTTPException as error:
            if _code(error) != UNKNOWN_USER:
                raise
            # Not a person: a thread, or a channel made after the list was read?
            try:
                self._request("GET", "/channels/{channel_id}", channel_id=some_id)
            except discord.NotFound as missing:
                raise PermanentFailure("user_not_found") from missing
            with self._lock:
                self._channels.add(some_id)
            return some_id
        with self._lock:
            self._dm_channels[some_id] = str(opened["id"])
            return self._dm_channels[some_id]

    def _private_thread(
        self, name: str, user_ids: list[str], create: bool
    ) -> tuple[str | None, list[str]]:
        """The private thread called ``name`` in the community channel, made on first use
        (found by name after a crash), with everyone in ``user_ids`` added; and who was
        added just now."""
        with self._lock:
            known = self._threads.get(name)
            if known is None:
                found = self._active_thread_named(name)
                in_it: set[str] = set()
                if found is not None:
                    in_it = self._thread_member_ids(found)
                if found is None:
                    if not create:
                        return None, []
                    parent = self._community_channel()
                    made = self._request(
                        "POST",
                        "/channels/{channel_id}/threads",
                        {
                            "name": name[:100],
                            "type": PRIVATE_THREAD,
                            "invitable": False,
                            "auto_archive_duration": ARCHIVE_AFTER_MINUTES,
                        },
                        channel_id=parent,
                    )
                    found = str(made["id"])
                known = _Thread(found, in_it)
                self._threads[name] = known
                self._channels.add(found)
            added: list[str] = []
            if create:
                for user in dict.fromkeys(user_ids):
                    if user not in known.added:
                        if self._add_member(known.channel, user):
                            added.append(user)
                        known.added.add(user)
            return known.channel, added

    def _thread_member_ids(self, thread: str) -> set[str]:
        listed = self._request("GET", "/channels/{channel_id}/thread-members", channel_id=thread)
        return {str(member.get("user_id")) for member in listed or []}

    def _active_thread_named(self, name: str) -> str | None:
        listed = self._request("GET", "/guilds/{guild_id}/threads/active", guild_id=self._guild())
        for thread in listed.get("threads") or []:
            if (
                thread.get("name") == name[:100]
                and str(thread.get("parent_id")) == self._community_channel()
                and thread.get("type") == PRIVATE_THREAD
            ):
                return str(thread["id"])
        return None

    def _add_member(self, thread: str, user: str) -> bool:
        """Add someone to a thread (adding twice is harmless); someone no longer in the
        server is left out, not the whole group. Whether they are in now."""
        try:
            self._request(
                "PUT",
                "/channels/{channel_id}/thread-members/{user_id}",
                channel_id=thread,
                user_id=user,
            )
        except discord.HTTPException as error:
            if _code(error) in (UNKNOWN_MEMBER, UNKNOWN_USER):
                log.warning("could not add %s to thread %s: not in the server", user, thread)
                return False
            raise
        return True

    def _remove(self, channel: str, user_ids: tuple[str, ...]) -> None:
        for user in user_ids:
            try:
                self._request(
                    "DELETE",
                    "/channels/{channel_id}/thread-members/{user_id}",
                    channel_id=channel,
                    user_id=user,
                )
            except discord.HTTPException as error:
                if _code(error) in (UNKNOWN_MEMBER, UNKNOWN_USER):
                    continue  # out already
                if _code(error) == NOT_A_THREAD:
                    log.info("%s is not a thread: nobody can be taken out of it", channel)
                    return
                raise
        with self._lock:
            for known in self._threads.values():
                if known.channel == channel:
                    known.added -= set(user_ids)

    def _archive(self, channel: str) -> None:
        try:
            self._request(
                "PATCH",
                "/channels/{channel_id}",
                {"archived": True, "locked": True},
                channel_id=channel,
            )
        except discord.HTTPException as error:
            if _code(error) == NOT_A_THREAD:
                log.info("%s is a channel, not a thread: posted, nothing to archive", channel)
                return
            if error.status in (403, 404):
                log.warning("posted in %s, but Discord refused to archive it: %s", channel, error)
                return
            raise
        with self._lock:
            for name, known in list(self._threads.items()):
                if known.channel == channel:
                    del self._threads[name]  # archived: a new one if the name comes back

    # ---- threads of posts ---------------------------------------------------------------------

    def _thread_of_post(self, channel: str, post: str, message: ui.Message) -> str:
        """Where replies to ``post`` go: the thread started from it (same id), started now
        if nobody has yet."""
        if post in self._channels or channel == post:
            return post
        try:
            self._request("GET", "/channels/{channel_id}", channel_id=post)
        except discord.NotFound:
            self._start_thread(channel, post, message)
        with self._lock:
            self._channels.add(post)
        return post

    def _start_thread(self, channel: str, post: str, message: ui.Message) -> None:
        """A public thread from the post, named by its summary; one there already is fine.
        The message is out whatever happens here, so a refusal is logged, not raised."""
        name = " ".join(message.summary.split())[:100] or "Thread"  # untranslated: fallback
        try:
            self._request(
                "POST",
                "/channels/{channel_id}/messages/{message_id}/threads",
                {"name": name, "auto_archive_duration": ARCHIVE_AFTER_MINUTES},
                channel_id=channel,
                message_id=post,
            )
        except discord.HTTPException as error:
            if _code(error) == THREAD_EXISTS:
                return
            if error.status == 429 or error.status >= 500:
                raise
            log.warning("could not start a thread from %s in %s: %s", post, channel, error)
            return
        with self._lock:
            self._channels.add(post)

    # ---- after a crash ------------------------------------------------------------------------

    def _find_sent(self, recipient: str, key: str, thread_ts: str | None) -> Delivered | None:
        instruction = recipients.parse(recipient)
        if isinstance(instruction, recipients.Update):
            return None  # an edit done twice is the same edit
        channel, _ = self._conversation_for(recipient, instruction, create=False)
        if channel is None:
            return None  # the thread was never made, so nothing was posted in it
        if thread_ts is not None:
            channel = thread_ts
        parts, total = self._parts_in(channel, key)
        if not parts or len(parts) < total:
            return None  # not sent, or only in part: sending again posts the rest
        if isinstance(instruction, recipients.Archive):
            self._archive(channel)  # the attempt may have died before archiving
        if isinstance(instruction, recipients.Remove):
            self._remove(channel, instruction.user_ids)  # idempotent
        return Delivered(channel=channel, ts=parts[min(parts)])
