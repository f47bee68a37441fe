"""A local fake of Slack's Web API for end-to-end tests and benchmarks.

Real Slack cannot be reached from tests, and mocking ``WebClient`` hides the HTTP layer Bolt
relies on (retries, JSON vs form bodies, response_url posts, file uploads). This fake is a real
HTTP server on 127.0.0.1 that answers the methods Catalyst uses with Slack-shaped responses,
enforces the Block Kit limits and trigger_id rules real Slack enforces, records every call, and
can inject failures. Posted messages are kept per channel, so conversations.history/replies and
chat.getPermalink answer like Slack; optional rate rules (per-channel token bucket, a
workspace-wide message window, seeded random 429s, per-call latency) and permanent errors
(deactivated users, archived channels) exercise delivery code.
Channels can be created, joined by invitation, listed and archived (conversations.create,
.invite, .list, .archive) with Slack's name rules and error answers, including a workspace that
refuses channel creation (:meth:`FakeSlackApi.restrict_channel_creation`).
Standard library only.

Typical use::

    with FakeSlackApi() as fake:
        client = WebClient(token="xoxb-test", base_url=fake.base_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.wait_for("chat.postMessage")[0].params["text"] == "hi"
"""

from __future__ import annotations

import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import math
import random
import re
import sys
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "Call",
    "FakeSlackApi",
    "MethodHandler",
    "ResponsePost",
    "block_kit_problems",
]

JsonDict = dict[str, Any]
MethodHandler = Callable[[JsonDict], JsonDict]
"""Custom method handler: receives the decoded params, returns the JSON answer."""

# How long a test waits for a call it expects: long enough for a loaded CI machine, and
# returned from as soon as the call arrives, so passing tests never wait it out.
WAIT = 20.0
TRIGGER_TTL_SECONDS = 3.0
MAX_CHANNEL_NAME = 80
MAX_INVITES = 1000  # users in one conversations.invite
MAX_GROUP_DM_USERS = 8  # people in a group DM besides the bot
_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
_LIST_CURSOR = "dGVhbTpD"  # opaque to callers, like Slack's; an offset follows it
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0APP"

# Form fields that slack_sdk JSON-encodes; decoded so recorded params hold real lists/dicts.
_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "files", "metadata", "unfurls", "user_auth_blocks"}
)


@dataclass(frozen=True)
class Call:
    """One Web API call as the fake received it (params already decoded)."""

    method: str
    params: JsonDict
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class ResponsePost:
    """One POST to a URL from :meth:`FakeSlackApi.response_url` (what Bolt's respond() sends)."""

    name: str
    url: str
    payload: JsonDict
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Failure:
    status: int
    retry_after: int
    error: str
    remaining: int


@dataclass
class _Upload:
    file_id: str
    filename: str
    title: str | None = None
    data: bytes | None = None


# --------------------------------------------------------------------------------------------
# Block Kit checker (pure)
# --------------------------------------------------------------------------------------------

_OPTION_LIMITS = {
    "static_select": 100,
    "multi_static_select": 100,
    "overflow": 5,
    "radio_buttons": 10,
    "checkboxes": 10,
}


def _text_of(obj: object) -> str | None:
    """Text of a text object (or a bare string), None when absent."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Mapping):
        value = obj.get("text")
        return value if isinstance(value, str) else None
    return None


class _Checker:
    """Collects human-readable problems in Slack's ``reason [json-pointer:/path]`` style."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.block_ids: set[str] = set()

    def add(self, ptr: str, reason: str) -> None:
        self.problems.append(f"{reason} [json-pointer:{ptr or '/'}]")

    def max_len(self, ptr: str, value: object, limit: int, what: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(ptr, f"{what} must be at most {limit} characters (got {len(value)})")

    def max_items(self, ptr: str, value: object, limit: int, what: str) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.add(ptr, f"{what} must have at most {limit} items (got {len(value)})")

    def text_obj(
        self, ptr: str, obj: object, limit: int, what: str, *, required: bool = False
    ) -> None:
        text = _text_of(obj)
        if text is None:
            if required:
                self.add(ptr, f"{what} is required")
            return
        if required and not text:
            self.add(ptr, f"{what} must not be empty")
        path = ptr + "/text" if isinstance(obj, Mapping) else ptr
        self.max_len(path, text, limit, what)

    def blocks(self, ptr: str, blocks: object, limit: int) -> None:
        if blocks is None:
            return
        if not isinstance(blocks, list):
            self.add(ptr, "blocks must be an array")
            return
        self.max_items(ptr, blocks, limit, "blocks")
        for i, block in enumerate(blocks):
            self.block(f"{ptr}/{i}", block)

    def block(self, ptr: str, block: object) -> None:
        if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
            self.add(ptr, "block must be an object with a type")
            return
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            self.max_len(ptr + "/block_id", block_id, 255, "block_id")
            if block_id in self.block_ids:
                self.add(ptr + "/block_id", f"block_id {block_id!r} is not unique")
            self.block_ids.add(block_id)
        kind = block["type"]
        if kind == "header":
            self.text_obj(ptr + "/text", block.get("text"), 150, "header text", required=True)
        elif kind == "section":
            self.section(ptr, block)
        elif kind == "context":
            elements = block.get("elements")
            self.max_items(ptr + "/elements", elements, 10, "context elements")
            self.elements(ptr + "/elements", elements)
        elif kind == "actions":
            elements = block.get("elements")
            self.max_items(ptr + "/elements", elements, 25, "actions elements")
            self.elements(ptr + "/elements", elements)
            self.unique_action_ids(ptr + "/elements", elements)
        elif kind == "input":
            self.text_obj(ptr + "/label", block.get("label"), 2000, "input label", required=True)
            self.text_obj(ptr + "/hint", block.get("hint"), 2000, "input hint")
            if "element" not in block:
                self.add(ptr + "/element", "input element is required")
            self.element(ptr + "/element", block.get("element"))
        elif kind == "image":
            self.max_len(ptr + "/alt_text", block.get("alt_text"), 2000, "image alt_text")
            self.max_len(ptr + "/image_url", block.get("image_url"), 3000, "image_url")
            self.text_obj(ptr + "/title", block.get("title"), 2000, "image title")

    def section(self, ptr: str, block: Mapping[str, Any]) -> None:
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            self.add(ptr, "section must have text or fields")
        self.text_obj(ptr + "/text", text, 3000, "section text")
        if fields is not None:
            if not isinstance(fields, list):
                self.add(ptr + "/fields", "section fields must be an array")
            else:
                self.max_items(ptr + "/fields", fields, 10, "section fields")
                for i, item in enumerate(fields):
                    self.text_obj(f"{ptr}/fields/{i}", item, 2000, "section field")
        if "accessory" in block:
            self.element(ptr + "/accessory", block["accessory"])

    def elements(self, ptr: str, elements: object) -> None:
        if not isinstance(elements, list):
            self.add(ptr, "elements must be an array")
            return
        for i, element in enumerate(elements):
            self.element(f"{ptr}/{i}", element)

    def unique_action_ids(self, ptr: str, elements: object) -> None:
        """Slack refuses a block whose elements share an action_id (invalid_blocks)."""
        if not isinstance(elements, list):
            return
        seen: set[str] = set()
        for i, el in enumerate(elements):
            action_id = el.get("action_id") if isinstance(el, Mapping) else None
            if not isinstance(action_id, str):
                continue
            if action_id in seen:
                self.add(f"{ptr}/{i}/action_id", f"action_id {action_id!r} is not unique")
            seen.add(action_id)

    def element(self, ptr: str, el: object) -> None:
        if not isinstance(el, Mapping):
            return
        kind = el.get("type")
        self.max_len(ptr + "/action_id", el.get("action_id"), 255, "action_id")
        self.text_obj(ptr + "/placeholder", el.get("placeholder"), 150, "placeholder")
        if kind == "button":
            self.text_obj(ptr + "/text", el.get("text"), 75, "button text", required=True)
            self.max_len(ptr + "/value", el.get("value"), 2000, "button value")
            self.max_len(ptr + "/url", el.get("url"), 3000, "button url")
        elif kind == "plain_text_input":
            for key in ("max_length", "min_length"):
                value = el.get(key)
                if isinstance(value, int) and value > 3000:
                    self.add(f"{ptr}/{key}", f"{key} must be at most 3000 (got {value})")
        if isinstance(kind, str) and kind in _OPTION_LIMITS:
            self.options(ptr, el, _OPTION_LIMITS[kind])
        if "confirm" in el:
            self.confirm(ptr + "/confirm", el["confirm"])

    def options(self, ptr: str, el: Mapping[str, Any], limit: int) -> None:
        groups = el.get("option_groups")
        if isinstance(groups, list):
            self.max_items(ptr + "/option_groups", groups, 100, "option_groups")
            for g, group in enumerate(groups):
                if isinstance(group, Mapping):
                    gptr = f"{ptr}/option_groups/{g}"
                    self.text_obj(gptr + "/label", group.get("label"), 75, "option group label")
                    self.option_list(gptr + "/options", group.get("options"), limit)
        if "options" in el:
            self.option_list(ptr + "/options", el.get("options"), limit)
        for key in ("initial_option",):
            if key in el:
                self.option(f"{ptr}/{key}", el[key])
        initial = el.get("initial_options")
        if isinstance(initial, list):
            for i, opt in enumerate(initial):
                self.option(f"{ptr}/initial_options/{i}", opt)

    def option_list(self, ptr: str, options: object, limit: int) -> None:
        if not isinstance(options, list):
            self.add(ptr, "options must be an array")
            return
        self.max_items(ptr, options, limit, "options")
        for i, opt in enumerate(options):
            self.option(f"{ptr}/{i}", opt)

    def option(self, ptr: str, opt: object) -> None:
        if not isinstance(opt, Mapping):
            self.add(ptr, "option must be an object")
            return
        self.text_obj(ptr + "/text", opt.get("text"), 75, "option text", required=True)
        self.max_len(ptr + "/value", opt.get("value"), 150, "option value")
        self.text_obj(ptr + "/description", opt.get("description"), 75, "option description")
        self.max_len(ptr + "/url", opt.get("url"), 3000, "option url")

    def confirm(self, ptr: str, confirm: object) -> None:
        if not isinstance(confirm, Mapping):
            return
        self.text_obj(ptr + "/title", confirm.get("title"), 100, "confirm title")
        self.text_obj(ptr + "/text", confirm.get("text"), 300, "confirm text")
        self.text_obj(ptr + "/confirm", confirm.get("confirm"), 30, "confirm button text")
        self.text_obj(ptr + "/deny", confirm.get("deny"), 30, "deny button text")


def block_kit_problems(kind: Literal["message", "modal", "home"], payload: object) -> list[str]:
    """Return why Slack would reject ``payload`` (empty list when it would accept it).

    ``kind="message"``: ``payload`` is the message params (``{"text", "blocks", ...}``) or a
    bare list of blocks. ``kind="modal"``/``"home"``: ``payload`` is the view object. Each
    problem reads ``"<reason> [json-pointer:/path]"``, paths relative to ``payload``.
    Pure function so tests can check a view builder without any server.
    """
    check = _Checker()
    if kind == "message":
        if isinstance(payload, list):
            check.blocks("/blocks", payload, 50)
        elif isinstance(payload, Mapping):
            check.max_len("/text", payload.get("text"), 40_000, "message text")
            check.blocks("/blocks", payload.get("blocks"), 50)
        else:
            check.add("", "message must be an object or a list of blocks")
        return check.problems

    if not isinstance(payload, Mapping):
        check.add("", "view must be an object")
        return check.problems
    if payload.get("type") != kind:
        check.add("/type", f"view type must be {kind!r} (got {payload.get('type')!r})")
    blocks = payload.get("blocks")
    if blocks is None:
        check.add("/blocks", "blocks is required")
    check.blocks("/blocks", blocks, 100)
    if kind == "modal":
        check.text_obj("/title", payload.get("title"), 24, "title text", required=True)
        check.text_obj("/submit", payload.get("submit"), 24, "submit text")
        check.text_obj("/close", payload.get("close"), 24, "close text")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
        )
        if has_input and payload.get("submit") is None:
            check.add("/submit", "submit is required when an input block is in the view")
    check.max_len("/private_metadata", payload.get("private_metadata"), 3000, "private_metadata")
    check.max_len("/callback_id", payload.get("callback_id"), 255, "callback_id")
    check.max_len("/external_id", payload.get("external_id"), 255, "external_id")
    return check.problems


# --------------------------------------------------------------------------------------------
# Request decoding helpers
# --------------------------------------------------------------------------------------------


def _decode_form(raw: str) -> JsonDict:
    """Form/query fields to a dict, JSON-decoding the fields slack_sdk JSON-encodes."""
    params: JsonDict = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


def _multipart_parts(content_type: str, body: bytes) -> list[tuple[str, str | None, bytes]]:
    """(field name, filename, payload) for each part of a multipart/form-data body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts: list[tuple[str, str | None, bytes]] = []
    if not message.is_multipart():
        return parts
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        name = part.get_param("name", "", "content-disposition")
        parts.append((name if isinstance(name, str) else "", part.get_filename(), data))
    return parts


def _decode_body(content_type: str, body: bytes) -> JsonDict:
    """API params from a JSON, form or multipart body."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}
    if ctype == "application/json":
        decoded = json.loads(body.decode("utf-8"))
        return dict(decoded) if isinstance(decoded, dict) else {"_body": decoded}
    if ctype == "multipart/form-data":
        form = "&".join(
            urllib.parse.urlencode({name: data.decode("utf-8", "replace")})
            for name, filename, data in _multipart_parts(content_type, body)
            if filename is None and name
        )
        return _decode_form(form)
    return _decode_form(body.decode("utf-8", "replace"))


def _tz_offset(tz: str) -> int:
    """Current UTC offset in seconds for an IANA zone (0 when the zone is unknown)."""
    try:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


def _metadata(value: object) -> JsonDict | None:
    """Message metadata as ``{"event_type", "event_payload"}`` from a dict or JSON string."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, Mapping):
        return None
    payload = value.get("event_payload")
    return {
        "event_type": value.get("event_type"),
        "event_payload": copy.deepcopy(dict(payload)) if isinstance(payload, Mapping) else {},
    }


def _truthy(value: object) -> bool:
    """Slack's boolean params: true, 1, "1", "true"."""
    if isinstance(value, bool | int):
        return bool(value)
    return str(value).strip().lower() in ("1", "true")


def _ts_key(value: object) -> Decimal | None:
    try:
        key = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return key if key.is_finite() else None


def _ts_window(params: JsonDict) -> Callable[[str], bool] | JsonDict:
    """Test for ``oldest < ts < latest`` (``<=`` with ``inclusive``), or Slack's error."""
    bounds: list[Decimal | None] = []
    for name in ("oldest", "latest"):
        raw = params.get(name)
        if raw is None or raw == "":
            bounds.append(None)
            continue
        key = _ts_key(raw)
        if key is None:
            return {"ok": False, "error": f"invalid_ts_{name}"}
        bounds.append(key)
    oldest, latest = bounds
    inclusive = _truthy(params.get("inclusive", False))

    def inside(ts: str) -> bool:
        key = _ts_key(ts)
        if key is None:
            return False
        if oldest is not None and (key < oldest if inclusive else key <= oldest):
            return False
        return latest is None or (key <= latest if inclusive else key < latest)

    return inside


def _page(
    items: list[JsonDict], head: list[JsonDict], params: JsonDict, *, default_limit: int
) -> JsonDict:
    """One page of ``head + items`` (metadata kept only with include_all_metadata)."""
    try:
        limit = int(params.get("limit") or default_limit)
        start = int(str(params.get("cursor") or "offset_0").removeprefix("offset_"))
    except ValueError:
        return {"ok": False, "error": "invalid_cursor"}
    limit = max(1, min(limit, 1000))
    chosen = items[start : start + limit]
    more = start + limit < len(items)
    messages = copy.deepcopy(head + chosen)
    if not _truthy(params.get("include_all_metadata", False)):
        for message in messages:
            message.pop("metadata", None)
    return {
        "ok": True,
        "messages": messages,
        "has_more": more,
        "response_metadata": {"next_cursor": f"offset_{start + limit}" if more else ""},
    }


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


class FakeSlackApi:
    """In-process HTTP fake of Slack's Web API; see the module docstring."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        clock: Callable[[], float] = time.monotonic,
        latency: float = 0.0,
        ts_clock: Callable[[], float] = time.time,
        channel_rate: tuple[float, int] | None = None,
        workspace_limit: tuple[int, float] | None = None,
        random_429: tuple[float, int, int] | None = None,
    ) -> None:
        """``clock`` drives trigger expiry and the rate rules; ``ts_clock`` (epoch seconds, like
        Slack's wall clock) stamps message ``ts``, kept strictly increasing. Give ``ts_clock``
        the code under test's clock when it compares ``ts`` with its own times.

        Realism, all off by default so tests stay fast: ``latency`` seconds before every
        answer (calls are served concurrently, one thread each, so latency adds up per call,
        not across calls); ``channel_rate=(per_second, burst)``
        (:meth:`enable_channel_rate_limit`); ``workspace_limit=(messages, seconds)``
        (:meth:`enable_workspace_rate_limit`); ``random_429=(probability, seed, retry_after)``
        (:meth:`random_429`).
        """
        self.team_id = team_id
        self.clock = clock
        self.latency = latency
        self.ts_clock = ts_clock
        self.users: dict[str, JsonDict] = {}
        self._cond = threading.Condition(threading.RLock())
        self._calls: list[Call] = []
        self._responses: list[ResponsePost] = []
        self._failures: dict[str, _Failure] = {}
        self._triggers: dict[str, tuple[float, bool]] = {}
        self._uploads: dict[str, _Upload] = {}
        self._views: dict[str, JsonDict] = {}
        self._external_views: dict[str, str] = {}
        self._dm_channels: dict[frozenset[str], str] = {}
        self._handlers: dict[str, MethodHandler] = {}
        self._ids = itertools.count(1)
        self._last_ts_us = 0
        # Messages per channel (oldest first; chat.update edits, chat.delete removes) and the
        # send log of every successful chat.postMessage as posted (with its channel).
        self._channels: dict[str, list[JsonDict]] = {}
        self._posted: list[JsonDict] = []
        self._archived: set[str] = set()
        # Channels made by conversations.create or add_named_channel: id -> Slack's channel
        # object, with the members in "members" (the fake's own bookkeeping).
        self._named: dict[str, JsonDict] = {}
        self._creation_refused = False
        self._inactive_users: set[str] = set()
        self._rate: tuple[float, int] | None = None
        self._buckets: dict[str, tuple[float, float]] = {}
        self._random_429: tuple[float, random.Random, int] | None = None
        self._workspace_limit: tuple[int, float] | None = None
        self._workspace_posts: deque[float] = deque()  # `clock` times of accepted messages
        self._rejected: dict[str, int] = {}  # chat.postMessage 429s by rule
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if channel_rate is not None:
            self.enable_channel_rate_limit(*channel_rate)
        if workspace_limit is not None:
            self.enable_workspace_rate_limit(*workspace_limit)
        if random_429 is not None:
            probability, seed, retry_after = random_429
            self.random_429(probability, seed=seed, retry_after=retry_after)

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSlackApi:
        """Bind 127.0.0.1 on an ephemeral port and serve from a daemon thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-slack-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and release the port (safe to call twice)."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlackApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("FakeSlackApi is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """What to pass as ``WebClient(base_url=...)`` (trailing slash included)."""
        return f"{self.root_url}/api/"

    def response_url(self, name: str = "r") -> str:
        """A unique response_url on this server; POSTs to it land in :attr:`responses`."""
        quoted = urllib.parse.quote(name, safe="")
        return f"{self.root_url}/response/{quoted}-{next(self._ids)}"

    # ---- configuration ---------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        real_name: str = "Test User",
        tz: str = "Europe/London",
        *,
        name: str | None = None,
        display_name: str | None = None,
        tz_offset: int | None = None,
        is_bot: bool = False,
        locale: str | None = None,
    ) -> JsonDict:
        """Register a user for users.info; returns the stored user object (mutable).

        `locale` ("fr-FR") is sent, as Slack does, only to a call with include_locale."""
        handle = name or real_name.lower().replace(" ", ".")
        user: JsonDict = {
            "id": user_id,
            "team_id": self.team_id,
            "name": handle,
            "real_name": real_name,
            "deleted": False,
            "is_bot": is_bot,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": _tz_offset(tz) if tz_offset is None else tz_offset,
            "profile": {
                "display_name": display_name if display_name is not None else handle,
                "real_name": real_name,
            },
        }
        if locale is not None:
            user["locale"] = locale
        with self._cond:
            self.users[user_id] = user
        return user

    def new_trigger_id(self) -> str:
        """Issue a trigger_id usable once by views.open/views.push within 3 s (by ``clock``)."""
        with self._cond:
            n = next(self._ids)
            trigger = f"{1_000_000 + n}.{n:09d}.{n:032x}"
            self._triggers[trigger] = (self.clock(), False)
        return trigger

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        error: str = "ratelimited",
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        status 429: HTTP 429 + ``Retry-After: retry_after``; 5xx: that HTTP status;
        200: a normal Slack error ``{"ok": false, "error": error}``. The body is always that
        error JSON. Failed calls are still recorded in :attr:`calls`.
        """
        with self._cond:
            self._failures[method] = _Failure(status, retry_after, error, times)

    def set_handler(self, method: str, handler: MethodHandler) -> None:
        """Answer ``method`` with ``handler(params)`` (adds methods or overrides built-ins)."""
        with self._cond:
            self._handlers[method] = handler

    def enable_channel_rate_limit(self, per_second: float = 1.0, burst: int = 1) -> None:
        """Answer chat.postMessage with HTTP 429 (``Retry-After``, at least 1 s) when a channel
        has no token left: a bucket per resolved channel holds ``burst`` tokens, refills at
        ``per_second`` by ``clock``, and each stored message takes one. Rejected calls are
        recorded in :attr:`calls` but not stored. Off by default.
        """
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be > 0 and burst >= 1")
        with self._cond:
            self._rate = (float(per_second), int(burst))
            self._buckets.clear()

    def disable_channel_rate_limit(self) -> None:
        """Turn :meth:`enable_channel_rate_limit` off again."""
        with self._cond:
            self._rate = None
            self._buckets.clear()

    def enable_workspace_rate_limit(self, messages: int = 100, seconds: float = 10.0) -> None:
        """Slack's workspace-wide guard on chat.postMessage: at most ``messages`` accepted in
        any ``seconds`` (a sliding window on ``clock``). A message beyond it is answered HTTP
        429 ``ratelimited`` with ``Retry-After``: the whole seconds until the oldest message in
        the window leaves it (at least 1). Rejected calls are recorded in :attr:`calls`, not
        stored, and take no place in the window. Off by default.
        """
        if messages < 1 or seconds <= 0:
            raise ValueError("messages must be >= 1 and seconds > 0")
        with self._cond:
            self._workspace_limit = (int(messages), float(seconds))
            self._workspace_posts.clear()

    def disable_workspace_rate_limit(self) -> None:
        """Turn :meth:`enable_workspace_rate_limit` off again."""
        with self._cond:
            self._workspace_limit = None
            self._workspace_posts.clear()

    def random_429(self, probability: float, seed: int, retry_after: int = 1) -> None:
        """Make each chat.postMessage answer HTTP 429 with ``probability`` (one draw per call,
        from ``random.Random(seed)``, so a given call sequence fails the same way every run).
        ``probability=0`` turns it off. Off by default.
        """
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        with self._cond:
            self._random_429 = (
                (probability, random.Random(seed), retry_after) if probability > 0 else None
            )

    def deactivate_user(self, user_id: str) -> None:
        """chat.postMessage/postEphemeral/update to this user (or their DM) answer
        ``account_inactive``; a user registered with :meth:`add_user` shows ``deleted: true``.
        """
        with self._cond:
            self._inactive_users.add(user_id)
            user = self.users.get(user_id)
            if user is not None:
                user["deleted"] = True

    def archive_channel(self, channel: str) -> None:
        """Posting or updating in ``channel`` answers ``is_archived``; history stays readable."""
        with self._cond:
            self._archived.add(channel)
            self._channels.setdefault(channel, [])

    def add_channel(self, channel: str) -> None:
        """Make an empty channel known, so reading it answers [] rather than channel_not_found.

        Channels become known by themselves on the first post, and DMs on conversations.open.
        """
        with self._cond:
            self._channels.setdefault(channel, [])

    def add_named_channel(
        self,
        name: str,
        *,
        is_private: bool = False,
        members: tuple[str, ...] = (),
        bot_is_member: bool = True,
    ) -> str:
        """A channel someone made earlier, with this name (so creating it answers name_taken);
        a private one the bot is not in stays out of the bot's conversations.list, as in
        Slack. Returns its id."""
        with self._cond:
            people = ([BOT_USER_ID] if bot_is_member else []) + list(members)
            return self._new_named_channel(name, is_private=is_private, members=people)

    def restrict_channel_creation(self, refused: bool = True) -> None:
        """The workspace setting that keeps apps from creating channels: conversations.create
        answers restricted_action."""
        with self._cond:
            self._creation_refused = refused

    def channel_named(self, name: str) -> JsonDict | None:
        """A copy of the channel with this name (made by conversations.create or
        add_named_channel), with its "members"; None when there is none."""
        with self._cond:
            for channel in self._named.values():
                if channel["name"] == name:
                    return copy.deepcopy(channel)
            return None

    def channels_named(self) -> list[JsonDict]:
        """Copies of every named channel, oldest first (to count what was created)."""
        with self._cond:
            return copy.deepcopy(list(self._named.values()))

    def members_of(self, channel: str) -> list[str]:
        """Who is in a named channel (the bot included) or a DM / group DM, in join order."""
        with self._cond:
            if channel in self._named:
                return list(self._named[channel]["members"])
            for users, dm in self._dm_channels.items():
                if dm == channel:
                    return sorted(users)
            return []

    def is_archived(self, channel: str) -> bool:
        with self._cond:
            return channel in self._archived

    # ---- recordings ------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Snapshot of every API call so far, in arrival order."""
        with self._cond:
            return list(self._calls)

    @property
    def responses(self) -> list[ResponsePost]:
        """Snapshot of every POST to a response_url so far."""
        with self._cond:
            return list(self._responses)

    def calls_to(self, method: str) -> list[Call]:
        """Calls to one method, in arrival order."""
        with self._cond:
            return [c for c in self._calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = WAIT) -> list[Call]:
        """Block until ``count`` calls to ``method`` arrived (Bolt acks before it finishes)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} call(s) to {method}; "
                        f"got {len(found)}. Methods seen: {seen}"
                    )
                self._cond.wait(left)

    def wait_for_response(self, count: int = 1, timeout: float = WAIT) -> list[ResponsePost]:
        """Block until ``count`` response_url POSTs arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._responses) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} response_url post(s); "
                        f"got {len(self._responses)}. API methods seen: {seen}"
                    )
                self._cond.wait(left)
            return list(self._responses)

    def uploaded_files(self) -> list[tuple[str, bytes]]:
        """(title, or filename when untitled, content) of every file whose bytes arrived."""
        with self._cond:
            uploads = list(self._uploads.values())
        return [(u.title or u.filename, u.data) for u in uploads if u.data is not None]

    def messages_in(self, channel_or_user_id: str) -> list[JsonDict]:
        """Copies of the messages now in a channel (a user id means their DM), oldest first,
        thread replies included; reflects chat.update and chat.delete.
        """
        with self._cond:
            channel = channel_or_user_id
            if channel[:1] in ("U", "W"):
                found = self._dm_channels.get(frozenset([channel]))
                if found is None:
                    return []
                channel = found
            return copy.deepcopy(self._channels.get(channel, []))

    def all_posted(self) -> list[JsonDict]:
        """Every successful chat.postMessage in send order, as posted (with ``channel``, the
        resolved id); later updates or deletes do not change this log.
        """
        with self._cond:
            return copy.deepcopy(self._posted)

    def posted_keys(self) -> list[str]:
        """``metadata.event_payload["key"]`` of each posted message that has one, in send
        order (from :meth:`all_posted`, so a deleted duplicate still shows).
        """
        keys: list[str] = []
        for message in self.all_posted():
            metadata = message.get("metadata")
            payload = metadata.get("event_payload") if isinstance(metadata, dict) else None
            if isinstance(payload, dict) and payload.get("key") is not None:
                keys.append(str(payload["key"]))
        return keys

    def rate_limited(self) -> dict[str, int]:
        """chat.postMessage calls answered 429 by the rate rules, by rule: "seeded" (
        :meth:`random_429`), "channel", "workspace" (:meth:`fail_next` not included)."""
        with self._cond:
            return dict(self._rejected)

    def reset(self) -> None:
        """Forget recorded calls, responses, uploads, views, pending failures, messages and
        rate-limit buckets.

        Users, custom handlers, issued triggers, known channels (and DM ids) and configuration
        (rate rules, deactivated users, archived channels) are kept.
        """
        with self._cond:
            for messages in self._channels.values():
                messages.clear()
            self._posted.clear()
            self._buckets.clear()
            self._workspace_posts.clear()
            self._rejected.clear()
            self._calls.clear()
            self._responses.clear()
            self._uploads.clear()
            self._views.clear()
            self._external_views.clear()
            self._failures.clear()
            self._cond.notify_all()

    # ---- request handling (called from server threads) -----------------------------------

    def _handle_api(
        self, method: str, params: JsonDict, headers: dict[str, str], auth: str | None
    ) -> tuple[int, dict[str, str], JsonDict]:
        """Record the call and produce (status, extra headers, body)."""
        with self._cond:
            self._calls.append(Call(method, params, headers, time.monotonic()))
            self._cond.notify_all()
            failure = self._failures.get(method)
            if failure is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    del self._failures[method]
                extra = {"Retry-After": str(failure.retry_after)} if failure.status == 429 else {}
                return failure.status, extra, {"ok": False, "error": failure.error}
            token = auth or params.get("token")
            if not token:
                return 200, {}, {"ok": False, "error": "not_authed"}
            if not str(token).startswith("xox"):
                return 200, {}, {"ok": False, "error": "invalid_auth"}
            bucket: str | None = None
            if method == "chat.postMessage":
                bucket = self._post_channel(params)
                retry_after = self._rate_limited(bucket)
                if retry_after is not None:
                    extra = {"Retry-After": str(retry_after)}
                    return 429, extra, {"ok": False, "error": "ratelimited"}
            custom = self._handlers.get(method)
            if custom is not None:
                answer = custom(params)
            else:
                builtin = _METHODS.get(method)
                if builtin is None:
                    return 200, {}, {"ok": False, "error": "unknown_method"}
                answer = builtin(self, params)
            if bucket is not None and answer.get("ok"):
                self._take_token(bucket)
            return 200, {}, answer

    def _record_response(self, path: str, payload: JsonDict, headers: dict[str, str]) -> None:
        key = path.rsplit("/", 1)[-1]
        name = urllib.parse.unquote(key.rsplit("-", 1)[0])
        with self._cond:
            self._responses.append(
                ResponsePost(name, self.root_url + path, payload, headers, time.monotonic())
            )
            self._cond.notify_all()

    def _store_upload(self, file_id: str, data: bytes) -> bool:
        with self._cond:
            upload = self._uploads.get(file_id)
            if upload is None:
                return False
            upload.data = data
            return True

    # ---- id helpers (lock held) ----------------------------------------------------------

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _next_ts(self) -> str:
        """Slack-style ``ts`` from ``ts_clock``, at least 1 µs after the previous one."""
        micros = max(self._last_ts_us + 1, round(self.ts_clock() * 1_000_000))
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_named_channel(self, name: str, *, is_private: bool, members: list[str]) -> str:
        channel = self._next_id("C")
        self._named[channel] = {
            "id": channel,
            "name": name,
            "name_normalized": name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": False,
            "is_general": False,
            "created": int(self.ts_clock()),
            "creator": members[0] if members else "",
            "members": list(dict.fromkeys(members)),
        }
        self._channels.setdefault(channel, [])
        return channel

    def _channel_object(self, channel: str) -> JsonDict:
        """Slack's channel object for a named channel, as the bot sees it (no member list)."""
        stored = self._named[channel]
        answer = {k: copy.deepcopy(v) for k, v in stored.items() if k != "members"}
        answer["is_archived"] = channel in self._archived
        answer["is_member"] = BOT_USER_ID in stored["members"]
        answer["num_members"] = len(stored["members"])
        return answer

    def _hidden_from_bot(self, channel: str) -> bool:
        """A private channel the bot is not in: Slack answers as if it did not exist."""
        named = self._named.get(channel)
        return bool(named and named["is_private"] and BOT_USER_ID not in named["members"])

    def _dm_channel(self, user_ids: list[str]) -> str:
        key = frozenset(user_ids)
        channel = self._dm_channels.get(key)
        if channel is None:
            channel = self._next_id("D" if len(key) == 1 else "G")
            self._dm_channels[key] = channel
            self._channels.setdefault(channel, [])
        return channel

    # ---- rate rules (lock held) ----------------------------------------------------------

    def _post_channel(self, params: JsonDict) -> str | None:
        """The resolved channel a chat.postMessage would land in, None when there is none."""
        channel = self._channel_for(params)
        return channel if isinstance(channel, str) else None

    def _rate_limited(self, channel: str | None) -> int | None:
        """Retry-After seconds when this chat.postMessage is to be answered 429, else None."""
        if self._random_429 is not None:
            probability, rng, retry_after = self._random_429
            if rng.random() < probability:
                return self._reject("seeded", retry_after)
        if self._rate is not None and channel is not None:
            per_second = self._rate[0]
            tokens = self._refill(channel)
            if tokens < 1.0 - 1e-9:
                return self._reject(
                    "channel", max(1, math.ceil((1.0 - tokens) / per_second - 1e-9))
                )
        window = self._workspace_retry_after()
        return None if window is None else self._reject("workspace", window)

    def _reject(self, rule: str, retry_after: int) -> int:
        self._rejected[rule] = self._rejected.get(rule, 0) + 1
        return retry_after

    def _workspace_retry_after(self) -> int | None:
        """Retry-After seconds when the workspace window is full, else None."""
        if self._workspace_limit is None:
            return None
        messages, seconds = self._workspace_limit
        now = self.clock()
        posts = self._workspace_posts
        while posts and posts[0] <= now - seconds:
            posts.popleft()
        if len(posts) < messages:
            return None
        return max(1, math.ceil(posts[0] + seconds - now - 1e-9))

    def _refill(self, channel: str) -> float:
        assert self._rate is not None
        per_second, burst = self._rate
        now = self.clock()
        tokens, at = self._buckets.get(channel, (float(burst), now))
        tokens = min(float(burst), tokens + max(0.0, now - at) * per_second)
        self._buckets[channel] = (tokens, now)
        return tokens

    def _take_token(self, channel: str) -> None:
        if self._rate is not None:
            self._buckets[channel] = (self._refill(channel) - 1.0, self.clock())
        if self._workspace_limit is not None:
            self._workspace_posts.append(self.clock())

    # ---- message store (lock held) -------------------------------------------------------

    def _find_message(self, channel: str, ts: object) -> JsonDict | None:
        for message in self._channels.get(channel, []):
            if message["ts"] == str(ts):
                return message
        return None

    def _store_message(self, channel: str, message: JsonDict) -> None:
        self._channels.setdefault(channel, []).append(message)
        thread_ts = message.get("thread_ts")
        parent = self._find_message(channel, thread_ts) if thread_ts else None
        if parent is not None and parent is not message:
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
            parent["latest_reply"] = message["ts"]
            users = parent.setdefault("reply_users", [])
            if message["user"] not in users:
                users.append(message["user"])
            parent["reply_users_count"] = len(users)
        logged = copy.deepcopy(message)
        logged["channel"] = channel
        self._posted.append(logged)

    def _readable_channel(self, params: JsonDict) -> str | JsonDict:
        """The channel to read (as given: Slack does not resolve user ids here) or an error."""
        channel = str(params.get("channel") or "")
        if channel not in self._channels or self._hidden_from_bot(channel):
            return {"ok": False, "error": "channel_not_found"}
        return channel

    def _write_problem(self, params: JsonDict, channel: str) -> JsonDict | None:
        """is_archived / account_inactive for a write to ``channel``, None when allowed."""
        if self._hidden_from_bot(channel):
            return {"ok": False, "error": "channel_not_found"}
        if channel in self._archived:
            return {"ok": False, "error": "is_archived"}
        named = self._named.get(channel)
        if named is not None and BOT_USER_ID not in named["members"]:
            return {"ok": False, "error": "not_in_channel"}
        given = str(params.get("channel") or "")
        users = {given} if given[:1] in ("U", "W") else set()
        for members, dm in self._dm_channels.items():
            if dm == channel and len(members) == 1:
                users |= members
        if users & self._inactive_users:
            return {"ok": False, "error": "account_inactive"}
        return None

    # ---- built-in methods (lock held) ----------------------------------------------------

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "ok": True,
            "url": "https://test-team.slack.com/",
            "team": "Test Team",
            "user": "catalyst",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _message_problem(self, params: JsonDict, *, need_text: bool) -> JsonDict | None:
        """Slack's error answer for a bad message, None when it is fine."""
        text, blocks = params.get("text"), params.get("blocks")
        if need_text and not text and not blocks and not params.get("attachments"):
            return {"ok": False, "error": "no_text"}
        if isinstance(text, str) and len(text) > 40_000:
            return {"ok": False, "error": "msg_too_long"}
        problems = block_kit_problems("message", {"blocks": blocks})
        if problems:
            return {
                "ok": False,
                "error": "invalid_blocks",
                "errors": problems,
                "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
            }
        return None

    def _channel_for(self, params: JsonDict) -> str | JsonDict:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        channel = str(channel)
        if channel[:1] in ("U", "W"):
            return self._dm_channel([channel])
        return channel

    def _message(self, params: JsonDict, ts: str) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "text": params.get("text", ""),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts"):
            if params.get(key) is not None:
                message[key] = params[key]
        if "thread_ts" in message:
            message["thread_ts"] = str(message["thread_ts"])
        metadata = _metadata(params.get("metadata"))
        if metadata is not None:
            message["metadata"] = metadata
        return message

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        channel = self._channel_for(params)
        if isinstance(channel, dict):
            return channel
        problem = self._write_problem(params, channel) or self._message_problem(
            params, need_text=True
        )
        if problem is not None:
            return problem
        ts = self._next_ts()
        message = self._message(params, ts)
        self._store_message(channel, message)
        return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        channel = self._channel_for(params)
        if isinstance(channel, dict):
            return channel
        problem = self._write_problem(params, channel)
        if problem is not None:
            return problem
        if not params.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        problem = self._message_problem(params, need_text=True)
        if problem is not None:
            return problem
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, params: JsonDict) -> JsonDict:
        channel = self._channel_for(params)
        if isinstance(channel, dict):
            return channel
        ts = params.get("ts")
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        problem = self._write_problem(params, channel) or self._message_problem(
            params, need_text=True
        )
        if problem is not None:
            return problem
        answer = self._message(params, str(ts))
        stored = self._find_message(channel, ts)
        if stored is not None:  # unknown ts: still ok, as this fake always answered
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in answer:
                    stored[key] = answer[key]
            stored["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
            answer = copy.deepcopy(stored)
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": params.get("text", ""),
            "message": answer,
        }

    def _chat_delete(self, params: JsonDict) -> JsonDict:
        channel = self._channel_for(params)
        if isinstance(channel, dict):
            return channel
        if not params.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        stored = self._find_message(channel, params["ts"])
        if stored is not None:  # unknown ts: still ok, as this fake always answered
            self._channels[channel].remove(stored)
            thread_ts = stored.get("thread_ts")
            parent = self._find_message(channel, thread_ts) if thread_ts else None
            if parent is not None and parent is not stored:
                parent["reply_count"] = max(0, int(parent.get("reply_count", 1)) - 1)
        return {"ok": True, "channel": channel, "ts": params["ts"]}

    def _chat_get_permalink(self, params: JsonDict) -> JsonDict:
        channel = self._readable_channel(params)
        if isinstance(channel, dict):
            return channel
        message = self._find_message(channel, params.get("message_ts"))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        ts = str(message["ts"])
        permalink = f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != ts:
            permalink += f"?thread_ts={thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": permalink}

    def _conversations_history(self, params: JsonDict) -> JsonDict:
        channel = self._readable_channel(params)
        if isinstance(channel, dict):
            return channel
        window = _ts_window(params)
        if isinstance(window, dict):
            return window
        top = [
            m
            for m in reversed(self._channels[channel])
            if m.get("thread_ts") in (None, m["ts"]) and window(m["ts"])
        ]
        return _page(top, [], params, default_limit=100)

    def _conversations_replies(self, params: JsonDict) -> JsonDict:
        channel = self._readable_channel(params)
        if isinstance(channel, dict):
            return channel
        if not params.get("ts"):
            return {"ok": False, "error": "invalid_arguments"}
        parent = self._find_message(channel, params["ts"])
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        window = _ts_window(params)
        if isinstance(window, dict):
            return window
        replies = [
            m
            for m in self._channels[channel]
            if m is not parent and m.get("thread_ts") == parent["ts"] and window(m["ts"])
        ]
        return _page(replies, [parent], params, default_limit=1000)

    def _use_trigger(self, params: JsonDict, *, consume: bool) -> str | None:
        """Error code for the call's trigger_id, None when valid (consumed if ``consume``)."""
        trigger = params.get("trigger_id") or params.get("interactivity_pointer")
        entry = self._triggers.get(str(trigger)) if trigger else None
        if entry is None:
            return "invalid_trigger_id"
        issued, used = entry
        if used or self.clock() - issued >= TRIGGER_TTL_SECONDS:
            return "expired_trigger_id"
        if consume:
            self._triggers[str(trigger)] = (issued, True)
        return None

    def _view_problem(self, view: object, kind: Literal["modal", "home"]) -> JsonDict | None:
        if not isinstance(view, dict):
            problems = ["view must be a JSON object [json-pointer:/view]"]
        else:
            problems = [
                p.replace("[json-pointer:/", "[json-pointer:/view/").replace("view/]", "view]")
                for p in block_kit_problems(kind, view)
            ]
        if not problems:
            return None
        return {
            "ok": False,
            "error": "invalid_arguments",
            "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
        }

    def _store_view(self, view: JsonDict, view_id: str | None, previous: str | None) -> JsonDict:
        view_id = view_id or self._next_id("V")
        stored: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": [],
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            "root_view_id": view_id,
            "previous_view_id": previous,
            "app_id": APP_ID,
            "app_installed_team_id": self.team_id,
            "bot_id": BOT_ID,
        }
        stored.update(view)
        stored["id"] = view_id
        stored["hash"] = f"{int(time.time())}.{next(self._ids):08x}"
        self._views[view_id] = stored
        if stored.get("external_id"):
            self._external_views[str(stored["external_id"])] = view_id
        return stored

    def _views_open(self, params: JsonDict, *, previous: str | None = None) -> JsonDict:
        error = self._use_trigger(params, consume=False)
        if error is not None:
            return {"ok": False, "error": error}
        problem = self._view_problem(params.get("view"), "modal")
        if problem is not None:
            return problem
        self._use_trigger(params, consume=True)
        return {"ok": True, "view": self._store_view(params["view"], None, previous)}

    def _views_push(self, params: JsonDict) -> JsonDict:
        return self._views_open(params, previous=None)

    def _views_update(self, params: JsonDict) -> JsonDict:
        view = params.get("view")
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        if not view_id and not external_id:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": ["[ERROR] view_id or external_id required"]},
            }
        if not view_id:
            view_id = self._external_views.get(str(external_id))
            if view_id is None:
                return {"ok": False, "error": "not_found"}
        kind: Literal["modal", "home"] = (
            "home" if isinstance(view, dict) and view.get("type") == "home" else "modal"
        )
        problem = self._view_problem(view, kind)
        if problem is not None:
            return problem
        known = self._views.get(str(view_id))
        wanted_hash = params.get("hash")
        if known is not None and wanted_hash and wanted_hash != known.get("hash"):
            return {"ok": False, "error": "hash_conflict"}
        assert isinstance(view, dict)
        return {"ok": True, "view": self._store_view(view, str(view_id), None)}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        user_id = params.get("user_id")
        if not user_id:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": ["[ERROR] missing required field: user_id"]},
            }
        view = params.get("view")
        problem = self._view_problem(view, "home")
        if problem is not None:
            return problem
        assert isinstance(view, dict)
        return {"ok": True, "view": self._store_view(view, None, None)}

    def _users_info(self, params: JsonDict) -> JsonDict:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        if not _truthy(params.get("include_locale", "")):
            user = {key: value for key, value in user.items() if key != "locale"}
        return {"ok": True, "user": user}

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        users = params.get("users")
        if isinstance(users, list):
            user_ids = [str(u) for u in users]
        else:
            user_ids = [u.strip() for u in str(users or "").split(",") if u.strip()]
        if not user_ids:
            if params.get("channel"):
                return {"ok": True, "channel": {"id": params["channel"]}}
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(set(user_ids) - {BOT_USER_ID}) > MAX_GROUP_DM_USERS:
            return {"ok": False, "error": "too_many_users"}
        return {"ok": True, "channel": {"id": self._dm_channel(user_ids)}}

    def _conversations_create(self, params: JsonDict) -> JsonDict:
        name = str(params.get("name") or "")
        if not name:
            return {"ok": False, "error": "invalid_name_required"}
        if self._creation_refused:
            return {"ok": False, "error": "restricted_action"}
        if len(name) > MAX_CHANNEL_NAME:
            return {"ok": False, "error": "invalid_name_maxlength"}
        if not _CHANNEL_NAME.fullmatch(name):
            return {"ok": False, "error": "invalid_name_specials"}
        if not any(ch.isalnum() for ch in name):
            return {"ok": False, "error": "invalid_name_punctuation"}
        # Names stay taken by archived channels and by private channels the bot can't see.
        if any(c["name"] == name for c in self._named.values()):
            return {"ok": False, "error": "name_taken"}
        private = _truthy(params.get("is_private", False))
        channel = self._new_named_channel(name, is_private=private, members=[BOT_USER_ID])
        return {"ok": True, "channel": self._channel_object(channel)}

    def _named_channel(self, params: JsonDict) -> str | JsonDict:
        """A named channel the bot may act on (it is in it, it is not archived), or the error."""
        channel = str(params.get("channel") or "")
        if channel in self._dm_channels.values():
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if channel not in self._named or self._hidden_from_bot(channel):
            return {"ok": False, "error": "channel_not_found"}
        return channel

    def _conversations_invite(self, params: JsonDict) -> JsonDict:
        """All or nothing, as Slack documents: one refused user and nobody is invited; the
        answer names each refusal in "errors". With force=true the valid ones are invited
        (the docs give no answer shape for that case: this fake answers ok with "errors")."""
        channel = self._named_channel(params)
        if isinstance(channel, dict):
            return channel
        if channel in self._archived:
            return {"ok": False, "error": "is_archived"}
        members: list[str] = self._named[channel]["members"]
        if BOT_USER_ID not in members:
            return {"ok": False, "error": "not_in_channel"}
        wanted = list(dict.fromkeys(u.strip() for u in str(params.get("users") or "").split(",")))
        wanted = [u for u in wanted if u]
        if not wanted:
            return {"ok": False, "error": "no_user"}
        if len(wanted) > MAX_INVITES:
            return {"ok": False, "error": "too_many_users"}
        refusals: list[JsonDict] = []
        for user in wanted:
            if user == BOT_USER_ID:
                error = "cant_invite_self"
            elif user not in self.users:
                error = "user_not_found"
            elif user in members:
                error = "already_in_channel"
            else:
                continue
            refusals.append({"user": user, "ok": False, "error": error})
        refused = {r["user"] for r in refusals}
        force = _truthy(params.get("force", False))
        if refusals and not force:
            return {"ok": False, "error": refusals[0]["error"], "errors": refusals}
        members.extend(u for u in wanted if u not in refused)
        answer: JsonDict = {"ok": True, "channel": self._channel_object(channel)}
        if refusals:
            answer["errors"] = refusals
        return answer

    def _conversations_kick(self, params: JsonDict) -> JsonDict:
        """Slack's answers (docs: conversations.kick): a DM or group DM can't lose members;
        the bot can't remove itself; someone not in it is `not_in_channel`."""
        channel, user = str(params.get("channel") or ""), str(params.get("user") or "")
        if channel in self._dm_channels.values():
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if channel not in self._named or self._hidden_from_bot(channel):
            return {"ok": False, "error": "channel_not_found"}
        if user == BOT_USER_ID:
            return {"ok": False, "error": "cant_kick_self"}
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        members: list[str] = self._named[channel]["members"]
        if user not in members:
            return {"ok": False, "error": "not_in_channel"}
        members.remove(user)
        return {"ok": True}

    def _conversations_archive(self, params: JsonDict) -> JsonDict:
        channel = str(params.get("channel") or "")
        if channel in self._dm_channels.values():
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        if channel not in self._channels or self._hidden_from_bot(channel):
            return {"ok": False, "error": "channel_not_found"}
        if channel in self._archived:
            return {"ok": False, "error": "already_archived"}
        named = self._named.get(channel)
        if named is not None and BOT_USER_ID not in named["members"]:
            return {"ok": False, "error": "not_in_channel"}
        self._archived.add(channel)
        return {"ok": True}

    def _conversations_list(self, params: JsonDict) -> JsonDict:
        """Named channels of the asked types (public_channel by default, as in Slack); private
        ones only where the bot is a member. Paged with response_metadata.next_cursor."""
        types = {t.strip() for t in str(params.get("types") or "public_channel").split(",")}
        if not types <= {"public_channel", "private_channel", "mpim", "im"}:
            return {"ok": False, "error": "invalid_types"}
        skip_archived = _truthy(params.get("exclude_archived", False))
        found = [
            self._channel_object(channel)
            for channel, stored in self._named.items()
            if ("private_channel" if stored["is_private"] else "public_channel") in types
            and not self._hidden_from_bot(channel)
            and not (skip_archived and channel in self._archived)
        ]
        try:
            limit = int(params.get("limit") or 100)
            cursor = str(params.get("cursor") or "")
            start = int(cursor.removeprefix(_LIST_CURSOR)) if cursor else 0
        except ValueError:
            return {"ok": False, "error": "invalid_cursor"}
        limit = max(1, min(limit, 1000))
        more = start + limit < len(found)
        return {
            "ok": True,
            "channels": found[start : start + limit],
            "response_metadata": {"next_cursor": f"{_LIST_CURSOR}{start + limit}" if more else ""},
        }

    def _files_get_upload_url(self, params: JsonDict) -> JsonDict:
        filename = params.get("filename")
        if not filename or params.get("length") in (None, ""):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = self._next_id("F")
        self._uploads[file_id] = _Upload(file_id=file_id, filename=str(filename))
        return {"ok": True, "upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: JsonDict) -> JsonDict:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        done: list[JsonDict] = []
        for item in files:
            upload = self._uploads.get(str(item.get("id"))) if isinstance(item, dict) else None
            if upload is None or upload.data is None:
                return {"ok": False, "error": "file_not_found"}
            upload.title = item.get("title") or upload.title
            done.append(
                {
                    "id": upload.file_id,
                    "name": upload.filename,
                    "title": upload.title or upload.filename,
                    "size": len(upload.data),
                }
            )
        return {"ok": True, "files": done}


_METHODS: dict[str, Callable[[FakeSlackApi, JsonDict], JsonDict]] = {
    "auth.test": FakeSlackApi._auth_test,
    "chat.postMessage": FakeSlackApi._chat_post_message,
    "chat.postEphemeral": FakeSlackApi._chat_post_ephemeral,
    "chat.update": FakeSlackApi._chat_update,
    "chat.delete": FakeSlackApi._chat_delete,
    "chat.getPermalink": FakeSlackApi._chat_get_permalink,
    "conversations.history": FakeSlackApi._conversations_history,
    "conversations.replies": FakeSlackApi._conversations_replies,
    "views.open": FakeSlackApi._views_open,
    "views.push": FakeSlackApi._views_push,
    "views.update": FakeSlackApi._views_update,
    "views.publish": FakeSlackApi._views_publish,
    "users.info": FakeSlackApi._users_info,
    "conversations.open": FakeSlackApi._conversations_open,
    "conversations.create": FakeSlackApi._conversations_create,
    "conversations.invite": FakeSlackApi._conversations_invite,
    "conversations.archive": FakeSlackApi._conversations_archive,
    "conversations.kick": FakeSlackApi._conversations_kick,
    "conversations.list": FakeSlackApi._conversations_list,
    "files.getUploadURLExternal": FakeSlackApi._files_get_upload_url,
    "files.completeUploadExternal": FakeSlackApi._files_complete_upload,
}


class _Server(ThreadingHTTPServer):
    """One thread per request (so ``latency`` overlaps across concurrent calls), with room
    for many clients connecting at once (the default backlog is 5)."""

    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer (a process killed while its call was under
        way) is what a real server sees too: not worth a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _make_handler(fake: FakeSlackApi) -> type[BaseHTTPRequestHandler]:
    """Request handler class bound to one fake (http.server wants a class, not an instance)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSlackApi/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def do_GET(self) -> None:
            self._dispatch(b"")

        def do_POST(self) -> None:
            self._dispatch(self._read_body())

        def _read_body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def _dispatch(self, body: bytes) -> None:
            url = urllib.parse.urlsplit(self.path)
            path = url.path
            headers = dict(self.headers.items())
            ctype = self.headers.get("Content-Type", "")
            if fake.latency > 0:
                time.sleep(fake.latency)
            try:
                if path.startswith("/upload/"):
                    data = body
                    if ctype.lower().startswith("multipart/form-data"):
                        files = [d for _, fn, d in _multipart_parts(ctype, body) if fn is not None]
                        data = files[0] if files else body
                    ok = fake._store_upload(path.rsplit("/", 1)[-1], data)
                    text = f"OK - {len(data)}" if ok else "file_not_found"
                    self._send_raw(200 if ok else 404, text.encode(), "text/plain")
                    return
                params = _decode_form(url.query)
                params.update(_decode_body(ctype, body))
            except (ValueError, UnicodeDecodeError) as exc:
                self._send_json(400, {}, {"ok": False, "error": "invalid_json", "detail": str(exc)})
                return
            if path.startswith("/response/"):
                fake._record_response(path, params, headers)
                self._send_json(200, {}, {"ok": True})
            elif path.startswith("/api/") and len(path) > len("/api/"):
                auth = self.headers.get("Authorization", "")
                token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
                try:
                    status, extra, answer = fake._handle_api(path[5:], params, headers, token)
                except Exception as exc:  # a bug in a custom handler: surface it, don't hang
                    status, extra = 500, {}
                    answer = {"ok": False, "error": "fake_internal_error", "detail": repr(exc)}
                self._send_json(status, extra, answer)
            else:
                self._send_json(404, {}, {"ok": False, "error": "not_found"})

        def _send_json(self, status: int, extra: dict[str, str], payload: JsonDict) -> None:
            self._send_raw(status, json.dumps(payload).encode(), "application/json", extra)

        def _send_raw(
            self, status: int, data: bytes, ctype: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
