"""A local fake of Discord, REST API and gateway, for end-to-end tests of the Discord adapter.

Real Discord cannot be reached from tests, and mocking discord.py hides the HTTP and
websocket layers the adapter relies on (rate-limit buckets, retries after 429, the 3-second
interaction rule, heartbeats, resumes). :class:`FakeDiscord` runs, on 127.0.0.1:

* a REST API (a threaded HTTP server, base ``http://127.0.0.1:PORT/api/v10``) answering the
  routes a bot uses with Discord-shaped JSON (string snowflakes, ``author``, ``timestamp``,
  ``components``, ``nonce``…), recording every call, and as strict as Discord: payload limits
  (:mod:`tests.fakes.discord_validation`, 400 code 50035 "Invalid Form Body"), interaction
  tokens that expire after 3 s (10062) and take one callback (40060), DMs a member closed
  (403 50007), bot-token auth (401), per-route rate-limit buckets with ``X-RateLimit-*``
  headers and 429s with ``retry_after`` (configurable limits, injected, seeded random and a
  global limit);
* a gateway over a real websocket (``GET /gateway/bot`` hands its URL out, so discord.py
  connects to it): HELLO, IDENTIFY (token and intents checked, privileged intents refused
  unless enabled), heartbeats and their ACKs, READY, GUILD_CREATE, member chunks, RESUME
  with replay, RECONNECT, and :meth:`FakeDiscord.dispatch` with increasing sequence numbers.
  Events are filtered by the identified intents as Discord does (no MESSAGE_CREATE without
  GUILD_MESSAGES, empty ``content`` without MESSAGE_CONTENT, no GUILD_MEMBER_ADD without
  GUILD_MEMBERS), and the bot's own channel messages come back as MESSAGE_CREATE.

Builders make realistic INTERACTION_CREATE payloads (:meth:`FakeDiscord.slash_command`,
:meth:`~FakeDiscord.button_click`, :meth:`~FakeDiscord.modal_submit`,
:meth:`~FakeDiscord.autocomplete`); :meth:`~FakeDiscord.interact` builds nothing and sends
one. Standard library plus ``websockets``. docs/discord-testing.md says how to point
discord.py here.

Typical use::

    with FakeDiscord() as fake:
        discord.http.Route.BASE = fake.api_base  # the adapter does this from DISCORD_API_URL
        ...  # start a discord.Client with fake.token, wait for on_ready
        fake.interact(fake.slash_command(fake.member_id, "help"))
        callback = fake.wait_for("POST", "/interactions/{id}/{token}/callback")[0]
"""

from __future__ import annotations

import base64
import contextlib
import copy
import email.parser
import email.policy
import hashlib
import itertools
import json
import math
import mimetypes
import random
import re
import secrets
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.fakes.discord_validation import (
    EPHEMERAL,
    LOADING,
    Errors,
    autocomplete_errors,
    commands_errors,
    message_errors,
    modal_errors,
)

__all__ = ["Call", "FakeDiscord", "GatewayFrame", "Intents", "Interaction"]

JsonDict = dict[str, Any]

API_VERSION = 10
DISCORD_EPOCH_MS = 1_420_070_400_000
# How long a test waits for a call it expects: long enough for a loaded CI machine, and
# returned from as soon as the call arrives, so passing tests never wait it out.
WAIT = 20.0
INTERACTION_TTL_SECONDS = 3.0  # the initial response must come within 3 s
WEBHOOK_TTL_SECONDS = 15 * 60.0  # followups and edits use the token for 15 minutes
NONCE_TTL_SECONDS = 120.0  # enforce_nonce finds a message sent with the nonce this recently

APPLICATION_ID = "1180000000000000001"
BOT_USER_ID = APPLICATION_ID  # Discord gives a bot user the application's id
GUILD_ID = "1180000000000000100"
CHANNEL_ID = "1180000000000000200"  # #community, a text channel
FORUM_ID = "1180000000000000201"  # #reflections, a forum channel
MEMBER_ID = "1180000000000000300"  # alice, a member
OTHER_ID = "1180000000000000301"  # bob, a member
COMMAND_ID = "1180000000000000400"
DEFAULT_TOKEN = "MTE4MDAwMDAwMDAwMDAwMDAwMQ.GfAkE0.fake-discord-bot-token-for-tests"

# Channel types.
GUILD_TEXT, DM, PUBLIC_THREAD, PRIVATE_THREAD, GUILD_FORUM = 0, 1, 11, 12, 15
THREAD_TYPES = (PUBLIC_THREAD, PRIVATE_THREAD)

# Interaction types and callback types.
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
_ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE,
        UPDATE_MESSAGE,
        MODAL,
    },
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
}

# Default permissions of the bot in the guild (view, send, threads, embeds, history, events…).
BOT_PERMISSIONS = str(
    (1 << 10)  # VIEW_CHANNEL
    | (1 << 11)  # SEND_MESSAGES
    | (1 << 14)  # EMBED_LINKS
    | (1 << 15)  # ATTACH_FILES
    | (1 << 16)  # READ_MESSAGE_HISTORY
    | (1 << 34)  # MANAGE_THREADS
    | (1 << 35)  # CREATE_PUBLIC_THREADS
    | (1 << 36)  # CREATE_PRIVATE_THREADS
    | (1 << 38)  # SEND_MESSAGES_IN_THREADS
    | (1 << 33)  # MANAGE_EVENTS
    | (1 << 44)  # CREATE_EVENTS
)
MANAGE_EVENTS = 33  # the permission's bit: scheduled events are refused (403) without it
MEMBER_PERMISSIONS = str((1 << 10) | (1 << 11) | (1 << 16) | (1 << 38) | (1 << 31))


class Intents:
    """Gateway intent bits the fake reads (as in Discord's documentation)."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1  # privileged
    GUILD_PRESENCES = 1 << 8  # privileged
    GUILD_MESSAGES = 1 << 9
    DIRECT_MESSAGES = 1 << 12
    MESSAGE_CONTENT = 1 << 15  # privileged
    GUILD_SCHEDULED_EVENTS = 1 << 16
    PRIVILEGED: ClassVar[dict[str, int]] = {
        "members": GUILD_MEMBERS,
        "presences": GUILD_PRESENCES,
        "message_content": MESSAGE_CONTENT,
    }


@dataclass(frozen=True)
class Call:
    """One REST call as the fake received and answered it."""

    method: str
    path: str  # after the API base, e.g. "/channels/1180000000000000200/messages"
    route: str  # the route template, e.g. "/channels/{channel_id}/messages"
    query: dict[str, str]
    json: Any  # decoded JSON body (``payload_json`` of a multipart body), None when empty
    headers: dict[str, str]
    status: int
    response: Any
    response_headers: dict[str, str]  # X-RateLimit-*, Retry-After, Via
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class GatewayFrame:
    """One gateway payload, sent (``direction="out"``) or received (``"in"``)."""

    direction: str
    op: int
    t: str | None
    s: int | None
    d: Any
    at: float = field(default_factory=time.monotonic)


@dataclass
class Interaction:
    """An interaction the fake issued: its token's life and what answered it."""

    id: str
    token: str
    type: int
    payload: JsonDict
    created: float  # by the fake's clock
    response_type: int | None = None
    response: JsonDict | None = None
    original: JsonDict | None = None  # the message the response made (@original)
    followups: list[JsonDict] = field(default_factory=list)


class _Refusal(Exception):
    """A Discord error answer: raised inside a route handler, sent as the response."""

    def __init__(
        self, status: int, body: JsonDict | None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _error(status: int, code: int, message: str) -> _Refusal:
    return _Refusal(status, {"code": code, "message": message})


def _invalid(errors: Errors) -> _Refusal:
    return _Refusal(400, errors.body())


def _unknown(what: str, code: int) -> _Refusal:
    return _error(404, code, f"Unknown {what}")


@dataclass
class _Bucket:
    limit: int
    window: float
    remaining: int
    resets: float  # monotonic


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    retry_after: float
    scope: str
    remaining: int


@dataclass
class _Session:
    id: str
    intents: int
    identify: JsonDict
    seq: int = 0
    sent: list[tuple[int, str, JsonDict]] = field(default_factory=list)  # (seq, t, d)
    connection: _Connection | None = None


class _Connection:
    """One gateway websocket: framing (zlib-stream when asked) and a send lock."""

    def __init__(self, ws: ServerConnection, compress: str | None) -> None:
        self.ws = ws
        self.lock = threading.Lock()
        self.zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self.session: _Session | None = None

    def send(self, payload: JsonDict) -> None:
        data = json.dumps(payload, separators=(",", ":"))
        with self.lock:
            if self.zlib is not None:
                raw = self.zlib.compress(data.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH)
                self.ws.send(raw)
            else:
                self.ws.send(data)


def _pattern(path_pattern: str) -> re.Pattern[str]:
    """A route template (``{name}`` is one path segment) or a regex, matched in full."""
    if "{" in path_pattern:
        parts = re.split(r"\{[^}]+\}", path_pattern)
        return re.compile("[^/]+".join(re.escape(p) for p in parts))
    return re.compile(path_pattern)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class FakeDiscord:
    """Discord's REST API and gateway on 127.0.0.1; see the module docstring.

    ``clock`` (seconds, monotonic) drives interaction-token expiry, so a test moves it
    instead of sleeping; rate-limit windows use the real monotonic clock, because discord.py
    really waits them out. ``heartbeat_interval`` is in milliseconds, as in HELLO.
    ``privileged_intents`` are those "enabled in the developer portal": identifying with
    another privileged intent closes the gateway with 4014, as Discord does.
    ``event_clock`` (aware datetimes), when given, refuses scheduled events that start
    before it, as Discord refuses a start time in the past. ``id_clock`` (aware datetimes),
    when given, stamps the ids (snowflakes) instead of the wall clock, so an interaction's
    age reads on the same clock as the adapter's.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        clock: Callable[[], float] = time.monotonic,
        heartbeat_interval: int = 41_250,
        privileged_intents: frozenset[str] = frozenset({"members", "message_content"}),
        default_rate_limit: tuple[int, float] = (50, 1.0),
        event_clock: Callable[[], datetime] | None = None,
        echo_own_messages: bool = True,
        id_clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.token = token
        self.id_clock = id_clock
        self.clock = clock
        self.heartbeat_interval = heartbeat_interval
        self.privileged_intents = privileged_intents
        self.event_clock = event_clock
        self.echo_own_messages = echo_own_messages
        self.application_id = APPLICATION_ID
        self.guild_id = GUILD_ID
        self.channel_id = CHANNEL_ID
        self.forum_id = FORUM_ID
        self.member_id = MEMBER_ID
        self.other_member_id = OTHER_ID
        self.gateway_queries: list[dict[str, str]] = []  # each websocket's ?v=&encoding=&compress=
        self.errors: list[str] = []  # tracebacks of the fake's own bugs: a test asserts none
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._frames: list[GatewayFrame] = []
        self._last_snowflake = 0
        self._bot_user: JsonDict = {
            "id": BOT_USER_ID,
            "username": "Catalyst",
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "system": False,
            "flags": 0,
            "public_flags": 0,
            "mfa_enabled": False,
            "verified": True,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
            "banner": None,
            "accent_color": None,
        }
        self.users: dict[str, JsonDict] = {BOT_USER_ID: self._bot_user}
        self.members: dict[str, JsonDict] = {}
        self.channels: dict[str, JsonDict] = {}
        self.messages: dict[str, list[JsonDict]] = {}  # channel id -> oldest first
        self.thread_members: dict[str, dict[str, JsonDict]] = {}
        self.scheduled_events: dict[str, JsonDict] = {}
        self.commands: dict[str | None, list[JsonDict]] = {}  # guild id (None: global)
        self.interactions: dict[str, Interaction] = {}
        self._dms: dict[str, str] = {}  # user id -> DM channel id
        self._dms_closed: set[str] = set()
        self._threads_from: dict[str, str] = {}  # message id -> thread id
        self._limits: dict[str, tuple[int, float]] = {}
        self._default_limit = default_rate_limit
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._global: tuple[int, list[float]] | None = None
        self._failures: list[_Failure] = []
        self._files = 0  # files attached to the request being answered (multipart bodies)
        self._uploads: list[JsonDict] = []  # those files: filename, content_type, data
        self._attached: dict[str, bytes] = {}  # attachment id -> the file's bytes
        self._random_429: tuple[float, random.Random, float] | None = None
        self._sessions: dict[str, _Session] = {}
        self._current: _Session | None = None
        self._identified = threading.Event()
        self._http: ThreadingHTTPServer | None = None
        self._http_thread: threading.Thread | None = None
        self._ws: Server | None = None
        self._ws_thread: threading.Thread | None = None
        self._add_member(
            self._bot_user, roles=[], nick=None, permissions=BOT_PERMISSIONS, joined_days=30
        )
        self.add_user(MEMBER_ID, "alice", global_name="Alice")
        self.add_user(OTHER_ID, "bob", global_name="Bob")
        self._channel(CHANNEL_ID, GUILD_TEXT, "community", topic="Our community of practice")
        self._channel(FORUM_ID, GUILD_FORUM, "reflections")

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeDiscord:
        """Bind two free ports on 127.0.0.1 (REST, gateway) and serve from daemon threads."""
        if self._http is not None:
            return self
        http = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        http.daemon_threads = True
        self._http = http
        self._http_thread = threading.Thread(
            target=http.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-discord-rest",
            daemon=True,
        )
        self._http_thread.start()
        ws = serve(self._gateway, "127.0.0.1", 0, compression=None, ping_interval=None)
        self._ws = ws
        self._ws_thread = threading.Thread(
            target=ws.serve_forever, name="fake-discord-gateway", daemon=True
        )
        self._ws_thread.start()
        return self

    def stop(self) -> None:
        """Close the gateway connections and both servers (safe to call twice)."""
        with self._cond:
            connections = [s.connection for s in self._sessions.values() if s.connection]
        for connection in connections:
            with contextlib.suppress(Exception):
                connection.ws.close(1001, "fake Discord stopping")
        ws, ws_thread, self._ws, self._ws_thread = self._ws, self._ws_thread, None, None
        if ws is not None:
            ws.shutdown()
        if ws_thread is not None:
            ws_thread.join(timeout=5)
        http, http_thread, self._http, self._http_thread = (
            self._http,
            self._http_thread,
            None,
            None,
        )
        if http is not None:
            http.shutdown()
            http.server_close()
        if http_thread is not None:
            http_thread.join(timeout=5)

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._http is None:
            raise RuntimeError("FakeDiscord is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_base(self) -> str:
        """The REST base, what ``discord.http.Route.BASE`` must be (no trailing slash)."""
        return f"{self.root_url}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        """The websocket URL ``GET /gateway/bot`` hands out."""
        if self._ws is None:
            raise RuntimeError("FakeDiscord is not started")
        host, port = self._ws.socket.getsockname()[:2]
        return f"ws://{host}:{port}"

    # ---- world: users, members, channels ----------------------------------------------

    def add_user(
        self,
        user_id: str | None = None,
        username: str = "member",
        *,
        global_name: str | None = None,
        member: bool = True,
        nick: str | None = None,
        roles: list[str] | None = None,
        dms_open: bool = True,
    ) -> JsonDict:
        """A Discord user (a guild member unless ``member=False``); returns the user object."""
        with self._cond:
            uid = user_id or self._snowflake()
            user = {
                "id": uid,
                "username": username,
                "discriminator": "0",
                "global_name": global_name,
                "avatar": None,
                "bot": False,
                "system": False,
                "flags": 0,
                "public_flags": 0,
                "banner": None,
                "accent_color": None,
                "avatar_decoration_data": None,
            }
            self.users[uid] = user
            if member:
                self._add_member(user, roles=roles or [], nick=nick)
            if not dms_open:
                self._dms_closed.add(uid)
            return copy.deepcopy(user)

    def close_dms(self, user_id: str, closed: bool = True) -> None:
        """Sending to this user's DM answers 403 code 50007 (they allow no DMs from us)."""
        with self._cond:
            if closed:
                self._dms_closed.add(user_id)
            else:
                self._dms_closed.discard(user_id)

    def set_bot_permission(self, bit: int, allowed: bool) -> None:
        """Give or take one of the bot's server permissions (e.g. ``MANAGE_EVENTS``)."""
        with self._cond:
            member = self.members[BOT_USER_ID]
            value = int(member["_permissions"])
            member["_permissions"] = str(value | (1 << bit) if allowed else value & ~(1 << bit))

    def add_channel(
        self, name: str, kind: int = GUILD_TEXT, *, channel_id: str | None = None
    ) -> JsonDict:
        """A guild channel (text by default; ``GUILD_FORUM`` for a forum)."""
        with self._cond:
            return copy.deepcopy(self._channel(channel_id or self._snowflake(), kind, name))

    def member_object(self, user_id: str) -> JsonDict:
        with self._cond:
            member = self.members.get(user_id)
            if member is None:
                raise KeyError(f"{user_id} is not a member of the fake guild")
            return copy.deepcopy(member)

    def messages_in(self, channel_id: str) -> list[JsonDict]:
        """Copies of the messages now in a channel (oldest first), edits and deletes applied."""
        with self._cond:
            return copy.deepcopy(self.messages.get(channel_id, []))

    def dm_channel_of(self, user_id: str) -> str | None:
        with self._cond:
            return self._dms.get(user_id)

    def open_dm(self, user_id: str) -> str:
        """The DM channel between the bot and ``user_id`` (made as ``POST /users/@me/channels``
        would), for payloads that happen in a DM.
        """
        with self._cond:
            return str(self._open_dm({}, {}, {"recipient_id": user_id})[1]["id"])

    def dms_to(self, user_id: str) -> list[JsonDict]:
        channel = self.dm_channel_of(user_id)
        return self.messages_in(channel) if channel else []

    def attachment_content(self, attachment: Mapping[str, Any]) -> bytes:
        """The bytes of a file the bot uploaded (one of a message's ``attachments``)."""
        with self._cond:
            return self._attached[str(attachment["id"])]

    # ---- rate limits and failures ------------------------------------------------------

    def set_rate_limit(self, method: str, route: str, limit: int, window: float) -> None:
        """Give one route (``"POST", "/channels/{channel_id}/messages"``) its own bucket:
        ``limit`` requests per ``window`` seconds for each major parameter (channel, guild,
        webhook). The default for other routes is ``default_rate_limit``.
        """
        if limit < 1 or window <= 0:
            raise ValueError("limit must be >= 1 and window > 0")
        with self._cond:
            self._limits[f"{method} {route}"] = (limit, window)
            self._buckets.clear()

    def set_global_limit(self, per_second: int | None) -> None:
        """Discord's global limit: more than ``per_second`` bot-token requests in any second
        answer 429 with ``global: true`` (interaction callbacks are exempt). None: off.
        """
        with self._cond:
            self._global = (per_second, []) if per_second else None

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int = 429,
        retry_after: float = 0.05,
        scope: str = "user",
        times: int = 1,
    ) -> None:
        """The next ``times`` calls matching answer ``status`` (429: Discord's rate-limit
        body with ``retry_after`` and ``scope``, ``"global"`` setting ``global: true``; 5xx:
        a server error). Recorded like every call.
        """
        with self._cond:
            self._failures.append(
                _Failure(method, _pattern(path_pattern), status, retry_after, scope, times)
            )

    def random_429(self, probability: float, seed: int, retry_after: float = 0.05) -> None:
        """Answer each bot-token call 429 (scope ``shared``) with ``probability``, drawn from
        ``random.Random(seed)`` so a given sequence of calls fails the same way every run.
        """
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        with self._cond:
            self._random_429 = (
                (probability, random.Random(seed), retry_after) if probability > 0 else None
            )

    # ---- what happened -----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str, path_pattern: str) -> list[Call]:
        pattern = _pattern(path_pattern)
        with self._cond:
            return [c for c in self._calls if c.method == method and pattern.fullmatch(c.path)]

    def wait_for(
        self, method: str, path_pattern: str, count: int = 1, timeout: float = WAIT
    ) -> list[Call]:
        """Block until ``count`` calls matching arrived and were answered; returns them all.

        ``path_pattern`` is a route template (``/channels/{channel_id}/messages``, each
        ``{…}`` one path segment) or a regex, matched against the whole path after the base.
        """
        pattern = _pattern(path_pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.method == method and pattern.fullmatch(c.path)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [f"{c.method} {c.path} -> {c.status}" for c in self._calls]
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} {method} "
                        f"{path_pattern}; got {len(found)}. Calls seen: {seen}"
                    )
                self._cond.wait(left)

    @property
    def frames(self) -> list[GatewayFrame]:
        """Every gateway payload sent and received, in order."""
        with self._cond:
            return list(self._frames)

    def wait_for_frame(
        self, direction: str, op: int, count: int = 1, timeout: float = WAIT
    ) -> list[GatewayFrame]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [f for f in self._frames if f.direction == direction and f.op == op]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} gateway op {op} "
                        f"({direction}); got {len(found)}"
                    )
                self._cond.wait(left)

    @property
    def identify(self) -> JsonDict | None:
        """The last IDENTIFY ``d`` the gateway accepted (token, intents, properties)."""
        with self._cond:
            return copy.deepcopy(self._current.identify) if self._current else None

    def wait_identified(self, timeout: float = 5.0) -> JsonDict:
        if not self._identified.wait(timeout):
            raise AssertionError(f"no IDENTIFY within {timeout}s")
        identify = self.identify
        assert identify is not None
        return identify

    # ---- gateway: pushing events -------------------------------------------------------

    def dispatch(self, event: str, data: JsonDict) -> int | None:
        """Send ``{"op": 0, "t": event, "d": data}`` with the session's next sequence number.

        Events the identified intents don't cover are not sent (as Discord doesn't), and
        MESSAGE_* lose their content without MESSAGE_CONTENT; returns the sequence number,
        or None when nothing was sent. Kept for a RESUME to replay.
        """
        with self._cond:
            session = self._current
            if session is None:
                raise RuntimeError("no gateway session: nothing has identified yet")
            shaped = self._for_intents(event, copy.deepcopy(data), session.intents)
            if shaped is None:
                return None
            return self._send_event(session, event, shaped)

    def _maybe_dispatch(self, event: str, data: JsonDict) -> None:
        """Dispatch when a client has identified (a world change needs no client)."""
        if self._current is not None:
            self.dispatch(event, data)

    def interact(self, payload: JsonDict) -> JsonDict:
        """Dispatch an INTERACTION_CREATE built by one of the builders below."""
        self.dispatch("INTERACTION_CREATE", payload)
        return payload

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client should reconnect to resume_gateway_url and RESUME."""
        with self._cond:
            session = self._current
            connection = session.connection if session else None
        if connection is None:
            raise RuntimeError("no live gateway connection")
        self._send_raw(connection, {"op": 7, "d": None, "s": None, "t": None})

    def disconnect(self, code: int = 4000, reason: str = "Unknown error") -> None:
        """Close the live gateway connection with ``code`` (4000: resumable)."""
        with self._cond:
            connection = self._current.connection if self._current else None
        if connection is not None:
            connection.ws.close(code, reason)

    def user_message(
        self, user_id: str, content: str, *, channel_id: str | None = None
    ) -> JsonDict:
        """A member posts ``content`` (stored, then MESSAGE_CREATE); returns the message."""
        with self._cond:
            channel = self._get_channel(channel_id or self.channel_id)
            message = self._new_message(channel, self.users[user_id], {"content": content})
            self._store(channel, message)
            event = dict(message)
            if "guild_id" in channel:
                event["guild_id"] = channel["guild_id"]
                event["member"] = self._partial_member(user_id)
            self._maybe_dispatch("MESSAGE_CREATE", event)
            return copy.deepcopy(message)

    def edit_user_message(self, channel_id: str, message_id: str, content: str) -> JsonDict:
        """A member edits their message (MESSAGE_UPDATE with the whole message)."""
        with self._cond:
            message = self._find_message(channel_id, message_id)
            message["content"] = content
            message["edited_timestamp"] = _iso(self._wall())
            event = copy.deepcopy(message)
            channel = self.channels[channel_id]
            if "guild_id" in channel:
                event["guild_id"] = channel["guild_id"]
            self._maybe_dispatch("MESSAGE_UPDATE", event)
            return copy.deepcopy(message)

    def delete_user_message(self, channel_id: str, message_id: str) -> None:
        """A member deletes their message (MESSAGE_DELETE: ids only, as Discord sends)."""
        with self._cond:
            channel = self._get_channel(channel_id)
            self._find_message(channel_id, message_id)
            self.messages[channel_id] = [
                m for m in self.messages[channel_id] if m["id"] != message_id
            ]
            event = {"id": message_id, "channel_id": channel_id}
            if "guild_id" in channel:
                event["guild_id"] = channel["guild_id"]
            self._maybe_dispatch("MESSAGE_DELETE", event)

    def member_join(self, username: str, *, user_id: str | None = None) -> JsonDict:
        """Someone joins the guild (GUILD_MEMBER_ADD); returns the member object."""
        with self._cond:
            user = self.add_user(user_id, username)
            member = self.member_object(user["id"])
            self._maybe_dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": self.guild_id})
            return member

    # ---- gateway: interaction payloads -------------------------------------------------

    def slash_command(
        self,
        user_id: str,
        text: str | None,
        *,
        channel_id: str | None = None,
        person: str | None = None,
    ) -> JsonDict:
        """``/cop text:<text>`` (no ``text`` option when None) from ``user_id``; ``person``
        is a user picked in the ``person`` option (a user option: the id as its value, the
        user and their member object in ``resolved``)."""
        options: list[JsonDict] = (
            [] if text is None else [{"name": "text", "type": 3, "value": text}]
        )
        data: JsonDict = {
            "id": self._command_id("cop"),
            "name": "cop",
            "type": 1,
            "options": options,
        }
        if person is not None:
            with self._cond:
                options.append({"name": "person", "type": 6, "value": person})
                resolved: JsonDict = {"users": {person: copy.deepcopy(self.users[person])}}
                if person in self.members:
                    member = self._partial_member(person)
                    member["permissions"] = self.members[person]["_permissions"]
                    resolved["members"] = {person: member}
                data["resolved"] = resolved
        return self._interaction(APPLICATION_COMMAND, user_id, data, channel_id=channel_id)

    def autocomplete(
        self, user_id: str, partial: str, *, channel_id: str | None = None
    ) -> JsonDict:
        """Typing ``partial`` in ``/cop``'s ``text`` option."""
        data = {
            "id": self._command_id("cop"),
            "name": "cop",
            "type": 1,
            "options": [{"name": "text", "type": 3, "value": partial, "focused": True}],
        }
        return self._interaction(AUTOCOMPLETE, user_id, data, channel_id=channel_id)

    def button_click(self, user_id: str, custom_id: str, message: JsonDict) -> JsonDict:
        """A click on the button ``custom_id`` of ``message`` (as the fake answered it)."""
        found = [
            c for c in _walk(message.get("components") or []) if c.get("custom_id") == custom_id
        ]
        if not found:
            raise AssertionError(f"message {message.get('id')} has no component {custom_id!r}")
        data = {"custom_id": custom_id, "component_type": found[0].get("type", 2)}
        if found[0].get("type") in (3, 5, 6, 7, 8):
            data["values"] = []
        return self._interaction(
            MESSAGE_COMPONENT,
            user_id,
            data,
            channel_id=str(message["channel_id"]),
            message=message,
        )

    def select(
        self, user_id: str, custom_id: str, values: list[str], message: JsonDict
    ) -> JsonDict:
        """Choosing ``values`` in the select menu ``custom_id`` of ``message``."""
        payload = self.button_click(user_id, custom_id, message)
        payload["data"]["values"] = list(values)
        return payload

    def modal_submit(
        self,
        user_id: str,
        custom_id: str,
        values: Mapping[str, str | list[str]],
        *,
        labels: bool = False,
        channel_id: str | None = None,
        message: JsonDict | None = None,
    ) -> JsonDict:
        """Submitting the modal ``custom_id`` with ``values`` (component custom_id → the text
        typed, or the options chosen in a select), shaped as Discord sends them back: in
        action rows (text inputs only), or with ``labels=True`` in label components, the
        shape of a modal built from labels.
        """
        components: list[JsonDict] = []
        for i, (key, value) in enumerate(values.items()):
            inner: JsonDict = (
                {"type": 3, "id": i * 2 + 2, "custom_id": key, "values": list(value)}
                if isinstance(value, list)
                else {"type": 4, "id": i * 2 + 2, "custom_id": key, "value": value}
            )
            if labels:
                components.append({"type": 18, "id": i * 2 + 1, "component": inner})
            elif inner["type"] != 4:
                raise ValueError("a select in a modal sits in a label: pass labels=True")
            else:
                components.append({"type": 1, "id": i * 2 + 1, "components": [inner]})
        data = {"custom_id": custom_id, "components": components}
        return self._interaction(
            MODAL_SUBMIT, user_id, data, channel_id=channel_id, message=message
        )

    def interaction(self, interaction_id: str) -> Interaction:
        with self._cond:
            return copy.deepcopy(self.interactions[interaction_id])

    # ---- internals: ids, objects -------------------------------------------------------

    def _wall(self) -> datetime:
        return datetime.now(UTC)

    def _snowflake(self) -> str:
        """A snowflake stamped with the wall clock (or ``id_clock``), strictly increasing."""
        with self._cond:
            now = self.id_clock().timestamp() if self.id_clock is not None else time.time()
            ms = int(now * 1000) - DISCORD_EPOCH_MS
            value = max(ms << 22, self._last_snowflake + 1)
            self._last_snowflake = value
            return str(value)

    def _add_member(
        self,
        user: JsonDict,
        *,
        roles: list[str],
        nick: str | None,
        permissions: str = MEMBER_PERMISSIONS,
        joined_days: int = 0,
    ) -> None:
        self.members[user["id"]] = {
            "user": user,
            "nick": nick,
            "avatar": None,
            "banner": None,
            "roles": roles,
            "joined_at": _iso(self._wall() - timedelta(days=joined_days)),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "avatar_decoration_data": None,
            "_permissions": permissions,
        }

    def _public_member(self, user_id: str) -> JsonDict:
        member = copy.deepcopy(self.members[user_id])
        member.pop("_permissions", None)
        return member

    def _partial_member(self, user_id: str) -> JsonDict:
        member = self._public_member(user_id)
        member.pop("user", None)
        return member

    def _channel(self, cid: str, kind: int, name: str, **extra: Any) -> JsonDict:
        channel: JsonDict = {
            "id": cid,
            "type": kind,
            "guild_id": self.guild_id,
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "parent_id": None,
            "nsfw": False,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if kind == GUILD_FORUM:
            channel.update(
                available_tags=[],
                default_reaction_emoji=None,
                default_sort_order=None,
                default_forum_layout=0,
                default_thread_rate_limit_per_user=0,
            )
        channel.update(extra)
        self.channels[cid] = channel
        self.messages.setdefault(cid, [])
        return channel

    def _get_channel(self, channel_id: str) -> JsonDict:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise _unknown("Channel", 10003)
        return channel

    def _find_message(self, channel_id: str, message_id: str) -> JsonDict:
        self._get_channel(channel_id)
        for message in self.messages.get(channel_id, []):
            if message["id"] == message_id:
                return message
        raise _unknown("Message", 10008)

    def _new_message(
        self, channel: JsonDict, author: JsonDict, body: Mapping[str, Any], **extra: Any
    ) -> JsonDict:
        mid = self._snowflake()
        message: JsonDict = {
            "id": mid,
            "type": 0,
            "content": body.get("content") or "",
            "channel_id": channel["id"],
            "author": copy.deepcopy(author),
            "attachments": [],
            "embeds": copy.deepcopy(body.get("embeds") or []),
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts")),
            "timestamp": _iso(self._wall()),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
            "components": _with_ids(body.get("components") or []),
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if channel["type"] in THREAD_TYPES:
            message["position"] = len(self.messages.get(channel["id"], []))
        if author.get("bot"):
            message["application_id"] = self.application_id
        message.update(extra)
        return message

    def _store(self, channel: JsonDict, message: JsonDict) -> None:
        self.messages.setdefault(channel["id"], []).append(message)
        channel["last_message_id"] = message["id"]
        if channel["type"] in THREAD_TYPES:
            channel["message_count"] = channel.get("message_count", 0) + 1
            channel["total_message_sent"] = channel.get("total_message_sent", 0) + 1

    def _gateway_message(self, message: JsonDict) -> JsonDict:
        """A stored message as a gateway event carries it (with its guild_id)."""
        event = copy.deepcopy(message)
        guild = self.channels.get(message["channel_id"], {}).get("guild_id")
        if guild is not None:
            event["guild_id"] = guild
        return event

    def _echo(self, channel: JsonDict, message: JsonDict) -> None:
        """Discord sends the bot its own messages as MESSAGE_CREATE too."""
        if not self.echo_own_messages or self._current is None:
            return
        event = copy.deepcopy(message)
        if "guild_id" in channel:
            event["guild_id"] = channel["guild_id"]
            event["member"] = self._partial_member(BOT_USER_ID)
        self.dispatch("MESSAGE_CREATE", event)

    def _command_id(self, name: str) -> str:
        for commands in self.commands.values():
            for command in commands:
                if command["name"] == name and command.get("type", 1) == 1:
                    return str(command["id"])
        return COMMAND_ID

    def _interaction(
        self,
        kind: int,
        user_id: str,
        data: JsonDict,
        *,
        channel_id: str | None,
        message: JsonDict | None = None,
    ) -> JsonDict:
        with self._cond:
            channel = self._get_channel(channel_id or self.channel_id)
            iid = self._snowflake()
            secret = base64.urlsafe_b64encode(f"interaction:{iid}:".encode()).decode()
            token = secret.rstrip("=") + secrets.token_urlsafe(48)
            payload: JsonDict = {
                "id": iid,
                "application_id": self.application_id,
                "type": kind,
                "data": data,
                "token": token,
                "version": 1,
                "channel_id": channel["id"],
                "channel": _public_channel(channel),
                "locale": "en-GB",
                "app_permissions": BOT_PERMISSIONS,
                "entitlements": [],
                "entitlement_sku_ids": [],
                "attachment_size_limit": 10 * 1024 * 1024,
            }
            if channel["type"] == DM:
                payload["user"] = copy.deepcopy(self.users[user_id])
                payload["context"] = 1
                payload["authorizing_integration_owners"] = {"0": "0"}
            else:
                member = self._public_member(user_id)
                member["permissions"] = self.members[user_id]["_permissions"]
                payload["member"] = member
                payload["guild_id"] = self.guild_id
                payload["guild"] = {"id": self.guild_id, "locale": "en-US", "features": []}
                payload["guild_locale"] = "en-US"
                payload["context"] = 0
                payload["authorizing_integration_owners"] = {"0": self.guild_id}
                if kind in (APPLICATION_COMMAND, AUTOCOMPLETE):
                    data["guild_id"] = self.guild_id
            if message is not None:
                payload["message"] = copy.deepcopy(message)
            self.interactions[iid] = Interaction(
                iid, token, kind, copy.deepcopy(payload), self.clock()
            )
            return payload

    # ---- internals: REST ----------------------------------------------------------------

    def _handle(
        self, method: str, raw_path: str, query: dict[str, str], body: Any, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        """Route, authenticate, rate-limit and answer one request; record it."""
        prefix = f"/api/v{API_VERSION}"
        path = raw_path[len(prefix) :] if raw_path.startswith(prefix + "/") else None
        route, handler, params = _route(method, path) if path is not None else ("", None, {})
        extra: dict[str, str] = {"Via": "1.1 google"}
        status: int
        answer: Any
        with self._cond:
            self._files = int(body.pop("__files__", 0)) if isinstance(body, dict) else 0
            self._uploads = list(body.pop("__uploads__", [])) if isinstance(body, dict) else []
            try:
                if handler is None:
                    raise _error(404, 0, "404: Not Found")
                token_route = not route.startswith(("/interactions/", "/webhooks/"))
                if token_route and headers.get("Authorization") != f"Bot {self.token}":
                    raise _error(401, 0, "401: Unauthorized")
                extra.update(self._limit(method, route, params, str(path), token_route))
                status, answer = handler(self, params, query, body)
            except _Refusal as refusal:
                status, answer = refusal.status, refusal.body
                extra.update(refusal.headers)
            self._calls.append(
                Call(
                    method,
                    path if path is not None else raw_path,
                    route,
                    query,
                    body,
                    headers,
                    status,
                    copy.deepcopy(answer),
                    dict(extra),
                )
            )
            self._cond.notify_all()
            return status, extra, answer

    def _limit(
        self, method: str, route: str, params: dict[str, str], path: str, token_route: bool
    ) -> dict[str, str]:
        """Count the call in its bucket; raise a 429 refusal, else return the bucket headers."""
        now = time.monotonic()
        for failure in self._failures:
            if failure.method == method and failure.pattern.fullmatch(path):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                if failure.status == 429:
                    raise self._too_many(failure.retry_after, failure.scope)
                raise _Refusal(failure.status, {"message": "500: Internal Server Error", "code": 0})
        if self._global is not None and token_route:
            per_second, stamps = self._global
            stamps[:] = [t for t in stamps if now - t < 1.0]
            if len(stamps) >= per_second:
                raise self._too_many(max(0.001, 1.0 - (now - stamps[0])), "global")
            stamps.append(now)
        if self._random_429 is not None and token_route:
            probability, rng, retry_after = self._random_429
            if rng.random() < probability:
                raise self._too_many(retry_after, "shared")
        key = f"{method} {route}"
        limit, window = self._limits.get(key, self._default_limit)
        major = (
            params.get("channel_id")
            or params.get("guild_id")
            or (params.get("webhook_id", "") + params.get("token", ""))
            or params.get("interaction_id")
            or ""
        )
        bucket = self._buckets.get((key, major))
        if bucket is None or now >= bucket.resets:
            bucket = _Bucket(limit, window, limit, now + window)
            self._buckets[(key, major)] = bucket
        reset_after = max(0.0, bucket.resets - now)
        bucket_hash = hashlib.sha256(key.encode()).hexdigest()[:32]
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Bucket": bucket_hash,
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        }
        if bucket.remaining <= 0:
            refusal = self._too_many(reset_after, "user")
            refusal.headers.update(headers, **{"X-RateLimit-Remaining": "0"})
            raise refusal
        bucket.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(bucket.remaining)
        return headers

    def _too_many(self, retry_after: float, scope: str) -> _Refusal:
        body: JsonDict = {
            "message": "You are being rate limited.",
            "retry_after": round(retry_after, 3),
            "global": scope == "global",
        }
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Scope": scope,
        }
        if scope == "global":
            headers["X-RateLimit-Global"] = "true"
        else:
            body["code"] = 0
        return _Refusal(429, body, headers)

    # ---- routes ------------------------------------------------------------------------

    def _get_gateway_bot(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    def _get_gateway(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        return 200, {"url": self.gateway_url}

    def _get_me(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        return 200, copy.deepcopy(self._bot_user)

    def _get_application(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        owner = copy.deepcopy(self.users[MEMBER_ID])
        return 200, {
            "id": self.application_id,
            "name": "Catalyst",
            "icon": None,
            "description": "A community of practice, kept connected between sessions.",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": (1 << 13) | (1 << 15) | (1 << 19),  # members + message content (limited)
            "owner": owner,
            "team": None,
            "bot": copy.deepcopy(self._bot_user),
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": 1,
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "integration_types_config": {"0": {}},
        }

    def _get_user(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        user = self.users.get(params["user_id"])
        if user is None:
            raise _unknown("User", 10013)
        return 200, copy.deepcopy(user)

    def _check_app(self, params: dict[str, str]) -> None:
        if params["application_id"] != self.application_id:
            raise _error(
                403, 20012, "You are not authorized to perform this action on this application"
            )
        guild = params.get("guild_id")
        if guild is not None and guild != self.guild_id:
            raise _error(403, 50001, "Missing Access")

    def _put_commands(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        self._check_app(params)
        errors = commands_errors(body)
        if errors:
            raise _invalid(errors)
        guild = params.get("guild_id")
        old = {(c["name"], c.get("type", 1)): c for c in self.commands.get(guild, [])}
        stored: list[JsonDict] = []
        for command in body:
            kind = command.get("type", 1)
            previous = old.get((command["name"], kind))
            item: JsonDict = {
                "id": previous["id"] if previous else self._snowflake(),
                "application_id": self.application_id,
                "version": self._snowflake(),
                "type": kind,
                "name": command["name"],
                "name_localizations": command.get("name_localizations"),
                "description": command.get("description", ""),
                "description_localizations": command.get("description_localizations"),
                "options": copy.deepcopy(command.get("options") or []),
                "default_member_permissions": command.get("default_member_permissions"),
                "dm_permission": command.get("dm_permission", True),
                "nsfw": bool(command.get("nsfw")),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types") or [0],
            }
            if guild is not None:
                item["guild_id"] = guild
            stored.append(item)
        self.commands[guild] = stored
        return 200, copy.deepcopy(stored)

    def _get_commands(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        """As Discord: the localization dictionaries only with ``?with_localizations=true``."""
        self._check_app(params)
        stored = copy.deepcopy(self.commands.get(params.get("guild_id"), []))
        if query.get("with_localizations") not in ("true", "True", "1"):
            for command in stored:
                for item in [command, *command.get("options", [])]:
                    item.pop("name_localizations", None)
                    item.pop("description_localizations", None)
        return 200, stored

    def _callback(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        interaction = self.interactions.get(params["interaction_id"])
        if interaction is None or interaction.token != params["token"]:
            raise _error(404, 10062, "Unknown interaction")
        if self.clock() - interaction.created > INTERACTION_TTL_SECONDS:
            raise _error(404, 10062, "Unknown interaction")
        if interaction.response_type is not None:
            raise _error(400, 40060, "Interaction has already been acknowledged.")
        if not isinstance(body, Mapping) or not isinstance(body.get("type"), int):
            errors = Errors()
            errors.add(("type",), "BASE_TYPE_REQUIRED", "This field is required")
            raise _invalid(errors)
        kind = body["type"]
        if kind not in _ALLOWED_CALLBACKS.get(interaction.type, set()):
            errors = Errors()
            errors.add(
                ("type",),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                "Interaction response type is invalid",
            )
            raise _invalid(errors)
        data = body.get("data") or {}
        if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            errors = message_errors(
                data, create=kind == CHANNEL_MESSAGE, interaction=True, files=self._files
            )
            if errors:
                errors = _under("data", errors)
                raise _invalid(errors)
        elif kind == MODAL:
            errors = modal_errors(data)
            if errors:
                raise _invalid(errors)
        elif kind == AUTOCOMPLETE_RESULT:
            errors = autocomplete_errors(data)
            if errors:
                raise _invalid(errors)
        channel = self._get_channel(interaction.payload["channel_id"])
        message: JsonDict | None = None
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            content = (
                data if kind == CHANNEL_MESSAGE else {"flags": (data.get("flags") or 0) | LOADING}
            )
            message = self._interaction_message(interaction, channel, content)
            interaction.original = message
            if not message["flags"] & EPHEMERAL:
                self._store(channel, message)
                if kind == CHANNEL_MESSAGE:
                    self._echo(channel, message)
        elif kind in (UPDATE_MESSAGE, DEFERRED_UPDATE):
            source = interaction.payload.get("message")
            if source is None and kind == DEFERRED_UPDATE:
                pass  # a modal opened from a command: acknowledged, nothing to update
            elif source is None:
                errors = Errors()
                errors.add(
                    ("type",),
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                    "Interaction response type is invalid",
                )
                raise _invalid(errors)
            elif kind == UPDATE_MESSAGE:
                message = self._edit_stored(channel["id"], source["id"], data, source)
                interaction.original = message
            else:
                interaction.original = copy.deepcopy(source)
        interaction.response_type = kind
        interaction.response = copy.deepcopy(dict(body))
        if query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        answer: JsonDict = {
            "interaction": {
                "id": interaction.id,
                "type": interaction.type,
                "response_message_loading": kind == DEFERRED_CHANNEL_MESSAGE,
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"]["message"] = copy.deepcopy(message)
        return 200, answer

    def _interaction_message(
        self, interaction: Interaction, channel: JsonDict, body: Mapping[str, Any]
    ) -> JsonDict:
        user = interaction.payload.get("user") or interaction.payload["member"]["user"]
        message = self._new_message(
            channel,
            self._bot_user,
            body,
            webhook_id=self.application_id,
            interaction_metadata={
                "id": interaction.id,
                "type": interaction.type,
                "user": copy.deepcopy(user),
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            },
        )
        message["type"] = 20 if interaction.type == APPLICATION_COMMAND else 0
        if "guild_id" in channel:
            message["guild_id"] = channel["guild_id"]
        return message

    def _webhook_interaction(self, params: dict[str, str]) -> Interaction:
        if params["webhook_id"] != self.application_id:
            raise _unknown("Webhook", 10015)
        for interaction in self.interactions.values():
            if interaction.token == params["token"]:
                if self.clock() - interaction.created > WEBHOOK_TTL_SECONDS:
                    raise _error(401, 50027, "Invalid Webhook Token")
                if interaction.response_type is None:
                    raise _unknown("Webhook", 10015)  # nothing acknowledged it yet
                return interaction
        raise _unknown("Webhook", 10015)

    def _followup(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        interaction = self._webhook_interaction(params)
        errors = message_errors(body, interaction=True, files=self._files)
        if errors:
            raise _invalid(errors)
        channel = self._get_channel(interaction.payload["channel_id"])
        original = interaction.original
        if (
            interaction.response_type == DEFERRED_CHANNEL_MESSAGE
            and original is not None
            and original["flags"] & LOADING
        ):
            # The first followup after a deferral fills the "thinking" message in.
            message = self._replace(channel, original, body)
            message["flags"] = (original["flags"] & EPHEMERAL) | int(body.get("flags") or 0)
            interaction.original = message
            return 200, copy.deepcopy(message)
        message = self._interaction_message(interaction, channel, body)
        interaction.followups.append(message)
        if not message["flags"] & EPHEMERAL:
            self._store(channel, message)
            self._echo(channel, message)
        return 200, copy.deepcopy(message)

    def _replace(self, channel: JsonDict, old: JsonDict, body: Mapping[str, Any]) -> JsonDict:
        message = copy.deepcopy(old)
        for key in ("content", "embeds"):
            if key in body:
                message[key] = copy.deepcopy(body[key]) if body[key] is not None else None
        if "components" in body:
            message["components"] = _with_ids(body["components"] or [])
        if "flags" in body:
            message["flags"] = (old["flags"] & EPHEMERAL) | int(body["flags"] or 0)
        message["edited_timestamp"] = _iso(self._wall())
        stored = self.messages.get(channel["id"], [])
        for i, item in enumerate(stored):
            if item["id"] == message["id"]:
                stored[i] = message
        return message

    def _edit_original(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        interaction = self._webhook_interaction(params)
        errors = message_errors(body, create=False, interaction=True)
        if errors:
            raise _invalid(errors)
        original = interaction.original
        if original is None:
            raise _unknown("Message", 10008)
        channel = self._get_channel(interaction.payload["channel_id"])
        message = self._replace(channel, original, body)
        message["flags"] &= ~LOADING
        interaction.original = message
        return 200, copy.deepcopy(message)

    def _get_original(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        interaction = self._webhook_interaction(params)
        if interaction.original is None:
            raise _unknown("Message", 10008)
        return 200, copy.deepcopy(interaction.original)

    def _delete_original(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        interaction = self._webhook_interaction(params)
        original = interaction.original
        if original is None:
            raise _unknown("Message", 10008)
        channel_id = original["channel_id"]
        self.messages[channel_id] = [
            m for m in self.messages.get(channel_id, []) if m["id"] != original["id"]
        ]
        interaction.original = None
        return 204, None

    def _edit_followup(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        interaction = self._webhook_interaction(params)
        errors = message_errors(body, create=False, interaction=True)
        if errors:
            raise _invalid(errors)
        channel = self._get_channel(interaction.payload["channel_id"])
        for i, message in enumerate(interaction.followups):
            if message["id"] == params["message_id"]:
                interaction.followups[i] = self._replace(channel, message, body)
                return 200, copy.deepcopy(interaction.followups[i])
        raise _unknown("Message", 10008)

    def _readable(self, channel_id: str) -> JsonDict:
        channel = self._get_channel(channel_id)
        if channel["type"] == PRIVATE_THREAD and BOT_USER_ID not in self.thread_members.get(
            channel_id, {}
        ):
            raise _error(403, 50001, "Missing Access")
        return channel

    def _post_message(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        channel = self._readable(params["channel_id"])
        errors = message_errors(body, files=self._files)
        if errors:
            raise _invalid(errors)
        if channel["type"] == GUILD_FORUM:
            raise _error(400, 50008, "Cannot send messages in a non-text channel")
        if channel["type"] == DM:
            recipient = channel["recipients"][0]["id"]
            if recipient in self._dms_closed:
                raise _error(403, 50007, "Cannot send messages to this user")
        if channel.get("thread_metadata", {}).get("locked"):
            raise _error(403, 50083, "Thread is archived")
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            for message in reversed(self.messages.get(channel["id"], [])):
                if message.get("nonce") == nonce and message["author"]["id"] == BOT_USER_ID:
                    sent = datetime.fromisoformat(message["timestamp"])
                    if (self._wall() - sent).total_seconds() <= NONCE_TTL_SECONDS:
                        return 200, copy.deepcopy(message)
        extra: JsonDict = {}
        if "guild_id" in channel:
            extra["guild_id"] = channel["guild_id"]
        reference = body.get("message_reference")
        if isinstance(reference, Mapping):
            target = self._find_message(
                str(reference.get("channel_id") or channel["id"]), str(reference.get("message_id"))
            )
            extra["message_reference"] = {
                "type": 0,
                "message_id": target["id"],
                "channel_id": target["channel_id"],
                **({"guild_id": channel["guild_id"]} if "guild_id" in channel else {}),
            }
            extra["referenced_message"] = copy.deepcopy(target)
            extra["type"] = 19
        message = self._new_message(channel, self._bot_user, body, **extra)
        message["attachments"] = [self._attachment(upload) for upload in self._uploads]
        self._store(channel, message)
        self._echo(channel, message)
        return 200, copy.deepcopy(message)

    def _attachment(self, upload: JsonDict) -> JsonDict:
        """An uploaded file as Discord lists it on its message (its bytes kept here)."""
        aid = self._snowflake()
        self._attached[aid] = bytes(upload["data"])
        url = f"https://cdn.discordapp.com/attachments/{aid}/{upload['filename']}"
        return {
            "id": aid,
            "filename": upload["filename"],
            "size": len(upload["data"]),
            "url": url,
            "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
            "content_type": upload["content_type"],
        }

    def _edit_stored(
        self,
        channel_id: str,
        message_id: str,
        body: Mapping[str, Any],
        fallback: JsonDict | None = None,
    ) -> JsonDict:
        try:
            message = self._find_message(channel_id, message_id)
        except _Refusal:
            if fallback is None:
                raise
            message = fallback
        if message["author"]["id"] != BOT_USER_ID:
            raise _error(403, 50005, "Cannot edit a message authored by another user")
        return self._replace(self._get_channel(channel_id), message, body)

    def _patch_message(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        self._readable(params["channel_id"])
        errors = message_errors(body, create=False)
        if errors:
            raise _invalid(errors)
        message = self._edit_stored(params["channel_id"], params["message_id"], body)
        if self._current is not None and self.echo_own_messages:
            self._maybe_dispatch("MESSAGE_UPDATE", self._gateway_message(message))
        return 200, copy.deepcopy(message)

    def _delete_message(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        channel = self._readable(params["channel_id"])
        message = self._find_message(channel["id"], params["message_id"])
        if message["author"]["id"] != BOT_USER_ID and channel["type"] == DM:
            raise _error(403, 50003, "Cannot execute action on a DM channel")
        self.messages[channel["id"]] = [m for m in self.messages[channel["id"]] if m is not message]
        return 204, None

    def _get_message(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        self._readable(params["channel_id"])
        return 200, copy.deepcopy(self._find_message(params["channel_id"], params["message_id"]))

    def _history(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        channel = self._readable(params["channel_id"])
        try:
            limit = int(query.get("limit", "50"))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            errors = Errors()
            errors.add(
                ("limit",), "NUMBER_TYPE_MAX", "int value should be less than or equal to 100."
            )
            raise _invalid(errors)
        newest_first = list(reversed(self.messages.get(channel["id"], [])))
        if "before" in query:
            newest_first = [m for m in newest_first if int(m["id"]) < int(query["before"])]
        if "after" in query:
            newest_first = [m for m in newest_first if int(m["id"]) > int(query["after"])]
            newest_first = list(reversed(list(reversed(newest_first))[:limit]))
        return 200, copy.deepcopy(newest_first[:limit])

    def _get_channel_route(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        return 200, _public_channel(self._readable(params["channel_id"]))

    def _open_dm(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        recipient = body.get("recipient_id") if isinstance(body, Mapping) else None
        if recipient is None:
            errors = Errors()
            errors.add(("recipient_id",), "BASE_TYPE_REQUIRED", "This field is required")
            raise _invalid(errors)
        user = self.users.get(str(recipient))
        if user is None or user.get("bot"):
            raise _unknown("User", 10013)
        cid = self._dms.get(user["id"])
        if cid is None:
            cid = self._snowflake()
            self._dms[user["id"]] = cid
            self.channels[cid] = {
                "id": cid,
                "type": DM,
                "last_message_id": None,
                "flags": 0,
                "recipients": [copy.deepcopy(user)],
            }
            self.messages[cid] = []
        return 200, _public_channel(self.channels[cid])

    def _thread_object(
        self, parent: JsonDict, tid: str, kind: int, body: Mapping[str, Any]
    ) -> JsonDict:
        now = _iso(self._wall())
        thread = self._channel(
            tid,
            kind,
            body["name"],
            parent_id=parent["id"],
            owner_id=BOT_USER_ID,
            message_count=0,
            member_count=1,
            total_message_sent=0,
            thread_metadata={
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration") or 4320,
                "archive_timestamp": now,
                "locked": False,
                "create_timestamp": now,
                **(
                    {"invitable": bool(body.get("invitable", True))}
                    if kind == PRIVATE_THREAD
                    else {}
                ),
            },
            member={"id": tid, "user_id": BOT_USER_ID, "join_timestamp": now, "flags": 1},
        )
        thread["applied_tags"] = list(body.get("applied_tags") or [])
        self.thread_members[tid] = {
            BOT_USER_ID: {"id": tid, "user_id": BOT_USER_ID, "join_timestamp": now, "flags": 1}
        }
        return thread

    def _thread_errors(self, body: object, *, forum: bool) -> Errors:
        errors = Errors()
        if not isinstance(body, Mapping):
            errors.add((), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            return errors
        errors.length_between(("name",), body.get("name"), 1, 100)
        duration = body.get("auto_archive_duration")
        if duration is not None and duration not in (60, 1440, 4320, 10080):
            errors.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                "Value must be one of {60, 1440, 4320, 10080}.",
            )
        if forum:
            message = body.get("message")
            if errors.required(("message",), message):
                errors.extend(("message",), message_errors(message))
        return errors

    def _start_thread(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        parent = self._readable(params["channel_id"])
        if parent["type"] not in (GUILD_TEXT, GUILD_FORUM):
            raise _error(400, 50024, "Cannot execute action on this channel type")
        forum = parent["type"] == GUILD_FORUM
        errors = self._thread_errors(body, forum=forum)
        if errors:
            raise _invalid(errors)
        if forum:
            tid = self._snowflake()
            thread = self._thread_object(parent, tid, PUBLIC_THREAD, body)
            starter = self._new_message(
                thread, self._bot_user, body["message"], guild_id=self.guild_id
            )
            starter["id"] = tid  # a forum post's first message has the thread's id
            self._store(thread, starter)
            self._dispatch_thread_create(thread)
            return 201, {**_public_channel(thread), "message": copy.deepcopy(starter)}
        kind = body.get("type", PRIVATE_THREAD)  # Discord's default without a message
        if kind not in THREAD_TYPES:
            errors = Errors()
            errors.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of {11, 12}.")
            raise _invalid(errors)
        thread = self._thread_object(parent, self._snowflake(), kind, body)
        self._dispatch_thread_create(thread)
        return 201, _public_channel(thread)

    def _thread_from_message(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        parent = self._readable(params["channel_id"])
        if parent["type"] != GUILD_TEXT:
            raise _error(400, 50024, "Cannot execute action on this channel type")
        message = self._find_message(parent["id"], params["message_id"])
        errors = self._thread_errors(body, forum=False)
        if errors:
            raise _invalid(errors)
        if message["id"] in self._threads_from:
            raise _error(400, 160004, "A thread has already been created for this message")
        thread = self._thread_object(parent, message["id"], PUBLIC_THREAD, body)
        self._threads_from[message["id"]] = thread["id"]
        message["thread"] = _public_channel(thread)
        message["flags"] |= 1 << 5  # HAS_THREAD
        self._dispatch_thread_create(thread)
        return 201, _public_channel(thread)

    def _dispatch_thread_create(self, thread: JsonDict) -> None:
        if self._current is not None:
            self.dispatch("THREAD_CREATE", {**_public_channel(thread), "newly_created": True})

    def _add_thread_member(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        thread = self._readable(params["channel_id"])
        if thread["type"] not in THREAD_TYPES:
            raise _error(400, 50024, "Cannot execute action on this channel type")
        user_id = params["user_id"]
        if user_id not in self.members:
            raise _unknown("Member", 10007)
        members = self.thread_members.setdefault(thread["id"], {})
        if user_id not in members:
            members[user_id] = {
                "id": thread["id"],
                "user_id": user_id,
                "join_timestamp": _iso(self._wall()),
                "flags": 0,
            }
            thread["member_count"] = len(members)
        return 204, None

    def _remove_thread_member(
        self, params: dict[str, str], query: dict[str, str], body: Any
    ) -> Any:
        thread = self._readable(params["channel_id"])
        members = self.thread_members.get(thread["id"], {})
        if params["user_id"] not in members:
            raise _unknown("Member", 10007)
        del members[params["user_id"]]
        thread["member_count"] = len(members)
        return 204, None

    def _thread_members(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        thread = self._readable(params["channel_id"])
        if thread["type"] not in THREAD_TYPES:
            raise _error(400, 50024, "Cannot execute action on this channel type")
        return 200, copy.deepcopy(list(self.thread_members.get(thread["id"], {}).values()))

    # ---- guild channels, active threads, channel changes (the outbox sender's) -------------

    def _guild_channels(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        """GET /guilds/{id}/channels: the guild's channels, threads and DMs excluded."""
        self._check_guild(params)
        found = [
            _public_channel(c)
            for c in self.channels.values()
            if c.get("guild_id") == self.guild_id and c["type"] not in (DM, *THREAD_TYPES)
        ]
        return 200, found

    def _active_threads(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        """GET /guilds/{id}/threads/active: unarchived threads, public ones and the private
        ones the bot is in, with the bot's own thread-member objects."""
        self._check_guild(params)
        threads = [
            c
            for c in self.channels.values()
            if c["type"] in THREAD_TYPES
            and not c.get("thread_metadata", {}).get("archived")
            and (c["type"] == PUBLIC_THREAD or BOT_USER_ID in self.thread_members.get(c["id"], {}))
        ]
        members = [
            copy.deepcopy(self.thread_members[c["id"]][BOT_USER_ID])
            for c in threads
            if BOT_USER_ID in self.thread_members.get(c["id"], {})
        ]
        return 200, {"threads": [_public_channel(c) for c in threads], "members": members}

    def _my_guilds(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        """GET /users/@me/guilds: the one guild the bot is in, as a partial guild."""
        return 200, [
            {
                "id": self.guild_id,
                "name": "Catalyst Community",
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(BOT_PERMISSIONS),
                "features": [],
            }
        ]

    def _get_guild(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        """GET /guilds/{id}: the guild without what only the gateway sends."""
        self._check_guild(params)
        guild = self._guild_create(0)
        for gateway_only in (
            "joined_at",
            "large",
            "unavailable",
            "member_count",
            "voice_states",
            "members",
            "channels",
            "threads",
            "presences",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "lazy",
        ):
            guild.pop(gateway_only, None)
        return 200, guild

    def _patch_channel(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        """PATCH /channels/{id}: a thread's ``archived`` / ``locked`` / ``name`` (all the
        fake models); other channels answer 50024 for those fields."""
        channel = self._readable(params["channel_id"])
        if not isinstance(body, Mapping):
            errors = Errors()
            errors.add((), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            raise _invalid(errors)
        wants_thread = {"archived", "locked", "invitable", "auto_archive_duration"} & set(body)
        if wants_thread and channel["type"] not in THREAD_TYPES:
            raise _error(400, 50024, "Cannot execute action on this channel type")
        if "name" in body:
            errors = Errors()
            errors.length_between(("name",), body.get("name"), 1, 100)
            if errors:
                raise _invalid(errors)
            channel["name"] = body["name"]
        metadata = channel.get("thread_metadata")
        if metadata is not None:
            for key in ("archived", "locked", "invitable"):
                if key in body:
                    metadata[key] = bool(body[key])
            if "archived" in body:
                metadata["archive_timestamp"] = _iso(self._wall())
        if self._current is not None:
            self.dispatch(
                "THREAD_UPDATE" if metadata is not None else "CHANNEL_UPDATE",
                _public_channel(channel),
            )
        return 200, _public_channel(channel)

    def _check_guild(self, params: dict[str, str]) -> None:
        if params["guild_id"] != self.guild_id:
            raise _unknown("Guild", 10004)

    def _get_member(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        self._check_guild(params)
        if params["user_id"] not in self.members:
            raise _unknown("Member", 10007)
        return 200, self._public_member(params["user_id"])

    def _list_members(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        self._check_guild(params)
        limit = int(query.get("limit", "1"))
        after = int(query.get("after", "0"))
        ids = sorted((uid for uid in self.members if int(uid) > after), key=int)[:limit]
        return 200, [self._public_member(uid) for uid in ids]

    def _event_errors(self, body: object, *, create: bool) -> Errors:
        errors = Errors()
        if not isinstance(body, Mapping):
            errors.add((), "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
            return errors
        if create or "name" in body:
            errors.length_between(("name",), body.get("name"), 1, 100)
        errors.max_len(("description",), body.get("description"), 1000)
        if create:
            errors.required(("privacy_level",), body.get("privacy_level"))
            errors.required(("scheduled_start_time",), body.get("scheduled_start_time"))
            errors.required(("entity_type",), body.get("entity_type"))
        if body.get("privacy_level") not in (None, 2):
            errors.add(("privacy_level",), "BASE_TYPE_CHOICES", "Value must be one of {2}.")
        for key in ("scheduled_start_time", "scheduled_end_time"):
            value = body.get(key)
            if value is not None:
                try:
                    moment = datetime.fromisoformat(str(value))
                except ValueError:
                    errors.add(
                        (key,), "DATE_TYPE_PARSE", "Could not parse date. Should be ISO8601."
                    )
                    continue
                if moment.tzinfo is None:
                    errors.add(
                        (key,), "DATE_TYPE_PARSE", "Could not parse date. Should be ISO8601."
                    )
                elif (
                    key == "scheduled_start_time"
                    and self.event_clock is not None
                    and moment < self.event_clock()
                ):
                    errors.add(
                        (key,),
                        "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                        "Cannot schedule event in the past.",
                    )
        return errors

    def _check_manage_events(self) -> None:
        if not int(self.members[BOT_USER_ID]["_permissions"]) & (1 << MANAGE_EVENTS):
            raise _error(403, 50013, "Missing Permissions")

    def _create_event(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        self._check_guild(params)
        self._check_manage_events()
        errors = self._event_errors(body, create=True)
        if not errors:
            kind = body["entity_type"]
            if kind == 3:
                location = (body.get("entity_metadata") or {}).get("location")
                errors.length_between(("entity_metadata", "location"), location, 1, 100)
                errors.required(("scheduled_end_time",), body.get("scheduled_end_time"))
                if body.get("channel_id") is not None:
                    errors.add(
                        ("channel_id",),
                        "GUILD_SCHEDULED_EVENT_CHANNEL_ID_INVALID",
                        "Channel id must be null for external events",
                    )
            elif kind in (1, 2):
                errors.required(("channel_id",), body.get("channel_id"))
            else:
                errors.add(("entity_type",), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        if errors:
            raise _invalid(errors)
        eid = self._snowflake()
        event: JsonDict = {
            "id": eid,
            "guild_id": self.guild_id,
            "channel_id": body.get("channel_id"),
            "creator_id": BOT_USER_ID,
            "creator": copy.deepcopy(self._bot_user),
            "name": body["name"],
            "description": body.get("description"),
            "scheduled_start_time": body["scheduled_start_time"],
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": 2,
            "status": 1,
            "entity_type": body["entity_type"],
            "entity_id": None,
            "entity_metadata": copy.deepcopy(body.get("entity_metadata")),
            "user_count": 0,
            "image": None,
            "recurrence_rule": None,
        }
        self.scheduled_events[eid] = event
        if self._current is not None:
            self.dispatch("GUILD_SCHEDULED_EVENT_CREATE", copy.deepcopy(event))
        return 200, copy.deepcopy(event)

    def _find_event(self, params: dict[str, str]) -> JsonDict:
        self._check_guild(params)
        event = self.scheduled_events.get(params["event_id"])
        if event is None:
            raise _unknown("Guild Scheduled Event", 10070)
        return event

    def _patch_event(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        event = self._find_event(params)
        self._check_manage_events()
        errors = self._event_errors(body, create=False)
        status = body.get("status") if isinstance(body, Mapping) else None
        if status is not None:
            allowed = {1: {2, 4}, 2: {3}}.get(event["status"], set())
            if status != event["status"] and status not in allowed:
                errors.add(
                    ("status",),
                    "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                    "Invalid scheduled event status transition",
                )
        if event["status"] in (3, 4) and not errors:
            errors.add(
                ("status",),
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                "The event has ended or was cancelled",
            )
        if errors:
            raise _invalid(errors)
        for key in (
            "name",
            "description",
            "scheduled_start_time",
            "scheduled_end_time",
            "entity_metadata",
            "channel_id",
            "entity_type",
            "status",
        ):
            if key in body:
                event[key] = copy.deepcopy(body[key])
        if self._current is not None:
            self.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", copy.deepcopy(event))
        return 200, copy.deepcopy(event)

    def _delete_event(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        event = self._find_event(params)
        self._check_manage_events()
        del self.scheduled_events[event["id"]]
        if self._current is not None:
            self.dispatch("GUILD_SCHEDULED_EVENT_DELETE", copy.deepcopy(event))
        return 204, None

    def _get_event(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        return 200, copy.deepcopy(self._find_event(params))

    def _list_events(self, params: dict[str, str], query: dict[str, str], body: Any) -> Any:
        self._check_guild(params)
        return 200, copy.deepcopy(list(self.scheduled_events.values()))

    # ---- internals: gateway ------------------------------------------------------------

    def _record_frame(self, direction: str, payload: Mapping[str, Any]) -> None:
        with self._cond:
            self._frames.append(
                GatewayFrame(
                    direction,
                    payload.get("op", -1),
                    payload.get("t"),
                    payload.get("s"),
                    copy.deepcopy(payload.get("d")),
                )
            )
            self._cond.notify_all()

    def _send_raw(self, connection: _Connection, payload: JsonDict) -> None:
        self._record_frame("out", payload)
        with contextlib.suppress(ConnectionClosed):
            connection.send(payload)

    def _send_event(self, session: _Session, event: str, data: JsonDict) -> int:
        session.seq += 1
        session.sent.append((session.seq, event, data))
        if session.connection is not None:
            self._send_raw(session.connection, {"op": 0, "t": event, "s": session.seq, "d": data})
        return session.seq

    def _for_intents(self, event: str, data: JsonDict, intents: int) -> JsonDict | None:
        if event.startswith("MESSAGE_"):
            in_guild = (
                "guild_id" in data
                or self.channels.get(str(data.get("channel_id")), {}).get("type") != DM
            )
            needed = Intents.GUILD_MESSAGES if in_guild else Intents.DIRECT_MESSAGES
            if not intents & needed:
                return None
            mentioned = any(u.get("id") == BOT_USER_ID for u in data.get("mentions") or [])
            own = (data.get("author") or {}).get("id") == BOT_USER_ID
            if in_guild and not intents & Intents.MESSAGE_CONTENT and not mentioned and not own:
                for key in ("content",):
                    if key in data:
                        data[key] = ""
                for key in ("embeds", "attachments", "components"):
                    if key in data:
                        data[key] = []
        elif (
            (
                event in ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE")
                and not intents & Intents.GUILD_MEMBERS
            )
            or (
                event.startswith("GUILD_SCHEDULED_EVENT")
                and not intents & Intents.GUILD_SCHEDULED_EVENTS
            )
            or (
                event.startswith(("THREAD_", "GUILD_CREATE", "CHANNEL_"))
                and not intents & Intents.GUILDS
            )
        ):
            return None
        return data

    def _guild_create(self, intents: int) -> JsonDict:
        channels = [
            _public_channel(c, guild=False)
            for c in self.channels.values()
            if c.get("guild_id") == self.guild_id and c["type"] not in THREAD_TYPES
        ]
        threads = [
            _public_channel(c, guild=False)
            for c in self.channels.values()
            if c["type"] in THREAD_TYPES and not c["thread_metadata"]["archived"]
        ]
        members = [self._public_member(BOT_USER_ID)]
        return {
            "id": self.guild_id,
            "name": "Catalyst Community",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": MEMBER_ID,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": self.channel_id,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "application_id": None,
            "features": [],
            "roles": [
                {
                    "id": self.guild_id,  # @everyone has the guild's id
                    "name": "@everyone",
                    "color": 0,
                    "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                    "hoist": False,
                    "icon": None,
                    "unicode_emoji": None,
                    "position": 0,
                    "permissions": MEMBER_PERMISSIONS,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "soundboard_sounds": [],
            "joined_at": self.members[BOT_USER_ID]["joined_at"],
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": members,
            "channels": channels,
            "threads": threads,
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": copy.deepcopy(list(self.scheduled_events.values())),
            "premium_progress_bar_enabled": False,
            "nsfw": False,
            "lazy": True,
            "incidents_data": None,
        }

    def _ready(self, session: _Session) -> JsonDict:
        return {
            "v": API_VERSION,
            "user": copy.deepcopy(self._bot_user),
            "user_settings": {},
            "guilds": [{"id": self.guild_id, "unavailable": True}],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": self.application_id, "flags": (1 << 13) | (1 << 15) | (1 << 19)},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["london"],
            "auth_session_id_hash": hashlib.sha256(session.id.encode()).hexdigest()[:44],
            "_trace": ['["fake-gateway",{"micros":0}]'],
        }

    def _gateway(self, ws: ServerConnection) -> None:
        """One websocket connection's life (runs in its own thread)."""
        try:
            self._gateway_connection(ws)
        except ConnectionClosed:
            pass
        except Exception as exc:  # a bug in the fake: record it, let the test fail on it
            self.errors.append(repr(exc))
            with contextlib.suppress(Exception):
                ws.close(4000, "fake Discord error")
        finally:
            with self._cond:
                for session in self._sessions.values():
                    if session.connection is not None and session.connection.ws is ws:
                        session.connection = None

    def _gateway_connection(self, ws: ServerConnection) -> None:
        request = ws.request
        query = dict(
            urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path if request else "/").query)
        )
        with self._cond:
            self.gateway_queries.append(query)
        compress = query.get("compress")
        connection = _Connection(ws, compress if compress == "zlib-stream" else None)
        if query.get("v") not in (None, str(API_VERSION)):
            ws.close(4012, "Invalid API version")
            return
        if query.get("encoding", "json") != "json":
            ws.close(4002, "Error while decoding payload.")  # the fake speaks JSON only
            return
        interval = self.heartbeat_interval
        self._send_raw(
            connection,
            {
                "op": 10,
                "d": {"heartbeat_interval": interval, "_trace": ["fake-gateway"]},
                "s": None,
                "t": None,
            },
        )
        session: _Session | None = None
        timeout = interval / 1000.0 * 2 + 1.0  # Discord closes 4009 when heartbeats stop
        while True:
            try:
                raw = ws.recv(timeout=timeout)
            except TimeoutError:
                ws.close(4009, "Session timed out")
                return
            try:
                text = raw.decode() if isinstance(raw, bytes) else raw
                payload = json.loads(text)
                op = payload["op"]
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                ws.close(4002, "Error while decoding payload.")
                return
            self._record_frame("in", payload)
            data = payload.get("d")
            if op == 1:
                self._send_raw(connection, {"op": 11, "d": None, "s": None, "t": None})
            elif session is None and op not in (2, 6):
                ws.close(4003, "Not authenticated.")
                return
            elif op == 2:
                if session is not None:
                    ws.close(4005, "Already authenticated.")
                    return
                session = self._identify(connection, data)
                if session is None:
                    return
            elif op == 6:
                if session is not None:
                    ws.close(4005, "Already authenticated.")
                    return
                session = self._resume(connection, data)
            elif op == 8:
                self._member_chunk(connection, session, data)
            elif op in (3, 4):
                pass  # presence and voice state updates: recorded, nothing to answer
            else:
                ws.close(4001, "Unknown opcode.")
                return

    def _identify(self, connection: _Connection, data: Any) -> _Session | None:
        ws = connection.ws
        if not isinstance(data, Mapping) or data.get("token") != self.token:
            ws.close(4004, "Authentication failed.")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents >= 1 << 26:
            ws.close(4013, "Invalid intent(s).")
            return None
        for name, bit in Intents.PRIVILEGED.items():
            if intents & bit and name not in self.privileged_intents:
                ws.close(4014, "Disallowed intent(s).")
                return None
        with self._cond:
            session = _Session(secrets.token_hex(16), intents, copy.deepcopy(dict(data)))
            session.connection = connection
            connection.session = session
            self._sessions[session.id] = session
            self._current = session
            self._send_event(session, "READY", self._ready(session))
            if intents & Intents.GUILDS:
                self._send_event(session, "GUILD_CREATE", self._guild_create(intents))
        self._identified.set()
        return session

    def _resume(self, connection: _Connection, data: Any) -> _Session | None:
        with self._cond:
            session = self._sessions.get(str((data or {}).get("session_id")))
            if session is None or (data or {}).get("token") != self.token:
                self._send_raw(connection, {"op": 9, "d": False, "s": None, "t": None})
                return None
            seq = int((data or {}).get("seq") or 0)
            session.connection = connection
            connection.session = session
            self._current = session
            for number, event, payload in session.sent:
                if number > seq:
                    self._send_raw(connection, {"op": 0, "t": event, "s": number, "d": payload})
            self._send_event(session, "RESUMED", {"_trace": ["fake-gateway"]})
            return session

    def _member_chunk(self, connection: _Connection, session: _Session | None, data: Any) -> None:
        if session is None or not isinstance(data, Mapping):
            return
        if not session.intents & Intents.GUILD_MEMBERS and not data.get("user_ids"):
            connection.ws.close(4013, "Invalid intent(s).")
            return
        with self._cond:
            ids = [str(u) for u in data.get("user_ids") or self.members]
            members = [self._public_member(uid) for uid in ids if uid in self.members]
            chunk: JsonDict = {
                "guild_id": self.guild_id,
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [uid for uid in ids if uid not in self.members],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            self._send_event(session, "GUILD_MEMBERS_CHUNK", chunk)


def _under(prefix: str, errors: Errors) -> Errors:
    nested = Errors()
    nested.extend((prefix,), errors)
    return nested


def _walk(components: list[Any]) -> Iterator[JsonDict]:
    for comp in components:
        if isinstance(comp, dict):
            yield comp
            for key in ("components",):
                yield from _walk(comp.get(key) or [])
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), dict):
                    yield from _walk([comp[key]])


def _with_ids(components: list[Any]) -> list[Any]:
    """Components as Discord returns them: each numbered ``id`` in document order."""
    result = copy.deepcopy(components)
    counter = itertools.count(1)
    for comp in _walk(result):
        comp.setdefault("id", next(counter))
    return result


def _public_channel(channel: JsonDict, *, guild: bool = True) -> JsonDict:
    result = copy.deepcopy(channel)
    if not guild:
        result.pop("guild_id", None)
    return result


_Handler = Callable[[FakeDiscord, dict[str, str], dict[str, str], Any], tuple[int, Any]]

_ROUTES: list[tuple[str, str, _Handler]] = [
    ("GET", "/gateway/bot", FakeDiscord._get_gateway_bot),
    ("GET", "/gateway", FakeDiscord._get_gateway),
    ("GET", "/users/@me", FakeDiscord._get_me),
    ("GET", "/applications/@me", FakeDiscord._get_application),
    ("GET", "/oauth2/applications/@me", FakeDiscord._get_application),
    ("POST", "/users/@me/channels", FakeDiscord._open_dm),
    ("GET", "/users/{user_id}", FakeDiscord._get_user),
    ("PUT", "/applications/{application_id}/commands", FakeDiscord._put_commands),
    ("GET", "/applications/{application_id}/commands", FakeDiscord._get_commands),
    (
        "PUT",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        FakeDiscord._put_commands,
    ),
    (
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        FakeDiscord._get_commands,
    ),
    ("POST", "/interactions/{interaction_id}/{token}/callback", FakeDiscord._callback),
    ("POST", "/webhooks/{webhook_id}/{token}", FakeDiscord._followup),
    ("GET", "/webhooks/{webhook_id}/{token}/messages/@original", FakeDiscord._get_original),
    ("PATCH", "/webhooks/{webhook_id}/{token}/messages/@original", FakeDiscord._edit_original),
    (
        "DELETE",
        "/webhooks/{webhook_id}/{token}/messages/@original",
        FakeDiscord._delete_original,
    ),
    ("PATCH", "/webhooks/{webhook_id}/{token}/messages/{message_id}", FakeDiscord._edit_followup),
    ("GET", "/channels/{channel_id}", FakeDiscord._get_channel_route),
    ("GET", "/channels/{channel_id}/messages", FakeDiscord._history),
    ("POST", "/channels/{channel_id}/messages", FakeDiscord._post_message),
    ("GET", "/channels/{channel_id}/messages/{message_id}", FakeDiscord._get_message),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", FakeDiscord._patch_message),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", FakeDiscord._delete_message),
    ("POST", "/channels/{channel_id}/threads", FakeDiscord._start_thread),
    (
        "POST",
        "/channels/{channel_id}/messages/{message_id}/threads",
        FakeDiscord._thread_from_message,
    ),
    ("GET", "/channels/{channel_id}/thread-members", FakeDiscord._thread_members),
    ("PUT", "/channels/{channel_id}/thread-members/{user_id}", FakeDiscord._add_thread_member),
    (
        "DELETE",
        "/channels/{channel_id}/thread-members/{user_id}",
        FakeDiscord._remove_thread_member,
    ),
    ("PATCH", "/channels/{channel_id}", FakeDiscord._patch_channel),
    ("GET", "/users/@me/guilds", FakeDiscord._my_guilds),
    ("GET", "/guilds/{guild_id}", FakeDiscord._get_guild),
    ("GET", "/guilds/{guild_id}/channels", FakeDiscord._guild_channels),
    ("GET", "/guilds/{guild_id}/threads/active", FakeDiscord._active_threads),
    ("GET", "/guilds/{guild_id}/members", FakeDiscord._list_members),
    ("GET", "/guilds/{guild_id}/members/{user_id}", FakeDiscord._get_member),
    ("GET", "/guilds/{guild_id}/scheduled-events", FakeDiscord._list_events),
    ("POST", "/guilds/{guild_id}/scheduled-events", FakeDiscord._create_event),
    ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", FakeDiscord._get_event),
    ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", FakeDiscord._patch_event),
    ("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", FakeDiscord._delete_event),
]

_COMPILED = [
    (
        method,
        template,
        re.compile(
            "".join(
                f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{[^}]+\})", template)
            )
        ),
        handler,
    )
    for method, template, handler in _ROUTES
]


def _route(method: str, path: str) -> tuple[str, _Handler | None, dict[str, str]]:
    """(template, handler, path parameters); literal routes win over ``{user_id}`` ones."""
    for verb, template, regex, handler in _COMPILED:
        match = regex.fullmatch(path)
        if match and verb == method:
            params = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
            return template, handler, params
    return "", None, {}


def _decode_body(content_type: str, body: bytes) -> Any:
    """JSON, or multipart with ``payload_json`` (files counted in ``__files__``, and kept
    in ``__uploads__``)."""
    if not body:
        return None
    if content_type.lower().startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        payload: JsonDict = {}
        uploads: list[JsonDict] = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            if name == "payload_json":
                payload = json.loads(data.decode())
            elif (filename := part.get_filename()) is not None:
                # Discord names the type from the file's name, whatever the part says.
                kind = mimetypes.guess_type(filename)[0] or part.get_content_type()
                uploads.append({"filename": filename, "content_type": kind, "data": data})
        payload["__files__"] = len(uploads)
        payload["__uploads__"] = uploads
        return payload
    return json.loads(body.decode())


def _make_handler(fake: FakeDiscord) -> type[BaseHTTPRequestHandler]:
    """Request handler class bound to one fake (http.server wants a class, not an instance)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeDiscord/1.0"
        protocol_version = "HTTP/1.1"  # keep-alive, as aiohttp expects of Discord

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def do_GET(self) -> None:
            self._dispatch()

        def do_POST(self) -> None:
            self._dispatch()

        def do_PUT(self) -> None:
            self._dispatch()

        def do_PATCH(self) -> None:
            self._dispatch()

        def do_DELETE(self) -> None:
            self._dispatch()

        def _dispatch(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            headers = dict(self.headers.items())
            try:
                body = _decode_body(self.headers.get("Content-Type", ""), raw)
            except (ValueError, UnicodeDecodeError):
                self._send(
                    400, {}, {"code": 50109, "message": "The request body contains invalid JSON."}
                )
                return
            try:
                status, extra, answer = fake._handle(self.command, url.path, query, body, headers)
            except Exception as exc:  # a bug in the fake: surface it, don't hang the client
                fake.errors.append(repr(exc))
                status, extra, answer = 500, {}, {"code": 0, "message": f"fake error: {exc!r}"}
            self._send(status, extra, answer)

        def _send(self, status: int, extra: dict[str, str], payload: Any) -> None:
            data = b"" if status == 204 else json.dumps(payload).encode()
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
