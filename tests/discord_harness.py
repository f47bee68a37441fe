"""Drive the real Discord adapter end to end, the way Discord does, against the fake.

`DiscordHarness` builds the adapter with `build_discord` (DISCORD_API_URL pointing at
`FakeDiscord`), connects it over the fake's websocket gateway in its own thread, and sends
interactions built by the fake's payload builders: `command`, `click`, `choose`, `submit`.
Each returns what the person saw (`Seen`): the interaction's response, or, when the adapter
deferred, the message that replaced "thinking…".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.wiring import DiscordParts, Runtime, build_discord
from scheduler.runner import Runner
from tests.fakes.discord_api import FakeDiscord

MESSAGE, DEFERRED, MODAL = 4, 5, 9


class Seconds:
    """The fake's interaction clock (seconds): moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@dataclass
class Seen:
    """One interaction's answer as the person saw it."""

    interaction_id: str
    type: int  # 4 a message, 7 the clicked message updated, 9 a modal, 6 nothing to show
    body: dict[str, Any]  # the message body (after a deferral: the edit) or the modal
    message: dict[str, Any] | None  # the message as the fake stored it (to click on)

    @property
    def text(self) -> str:
        """Everything readable: content, embed titles and descriptions, button labels."""
        parts: list[str] = [str(self.body.get("content") or "")]
        for embed in self.body.get("embeds") or []:
            parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
            parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
        parts += [str(c.get("label") or "") for c in components(self.body)]
        parts.append(str(self.body.get("title") or ""))
        return "\n".join(p for p in parts if p)

    @property
    def only_them(self) -> bool:
        """Ephemeral, read on the message Discord shows: a deferred answer's edit carries
        no flags, the "thinking" message it filled in was ephemeral."""
        return self.message is not None and bool(self.message.get("flags", 0) & 64)

    def custom_id(self, label: str) -> str:
        """The custom_id of the button (or menu, by placeholder) whose label holds `label`."""
        for component in components(self.body):
            if label in str(component.get("label") or component.get("placeholder") or ""):
                return str(component["custom_id"])
        raise AssertionError(f"no component labelled {label!r} in {self.text!r}")


def components(body: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    def walk(items: list[Any]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield item
            if isinstance(item.get("components"), list):
                yield from walk(item["components"])
            if isinstance(item.get("component"), dict):
                yield from walk([item["component"]])

    yield from walk(list(body.get("components") or []))


class DiscordHarness:
    def __init__(self, runtime: Runtime, fake: FakeDiscord) -> None:
        self.runtime = runtime
        self.fake = fake
        self.parts: DiscordParts = build_discord(runtime, guild_ready_timeout=0.05)
        self.parts.connection.start(timeout=10)

    def close(self) -> None:
        self.parts.close()

    # ---- interactions ----------------------------------------------------------------------

    def command(self, text: str | None, user: str | None = None) -> Seen:
        payload = self.fake.slash_command(user or self.fake.member_id, text)
        return self.send(payload)

    def autocomplete(self, partial: str, user: str | None = None) -> list[str]:
        payload = self.fake.interact(self.fake.autocomplete(user or self.fake.member_id, partial))
        call = self._callback(payload)
        return [c["value"] for c in call.json["data"]["choices"]]

    def click(self, seen: Seen, label: str, user: str | None = None) -> Seen:
        assert seen.message is not None, "that answer has no message to click on"
        custom_id = seen.custom_id(label)
        payload = self.fake.button_click(user or self.fake.member_id, custom_id, seen.message)
        return self.send(payload)

    def form(self, seen: Seen, user: str | None = None) -> Seen:
        """The modal a person gets to: the answer itself, or the one "Open the form" opens
        (a form with an intro is offered under it; and when a loaded machine took the slow
        path, no modal can follow a deferral)."""
        for _ in range(5):  # the click can be slow too: the person clicks the new offer
            if seen.type not in (DEFERRED, MESSAGE) or "Open the form" not in seen.text:
                break
            seen = self.click(seen, "Open the form", user=user)
        return seen

    def submit(
        self, modal: Seen, values: Mapping[str, str | list[str]], user: str | None = None
    ) -> Seen:
        assert modal.type == MODAL, f"not a modal: {modal.text!r}"
        payload = self.fake.modal_submit(
            user or self.fake.member_id, modal.body["custom_id"], values, labels=True
        )
        return self.send(payload)

    def send(self, payload: dict[str, Any]) -> Seen:
        """Dispatch an interaction and wait for what the person sees."""
        edited_before = len(self._clicked_edits(payload))
        self.fake.interact(payload)
        return self.seen(payload, edited_before)

    def _clicked_edits(self, payload: dict[str, Any]) -> list[Any]:
        """Edits of the clicked message through the channel (how a slow click replaces it)."""
        message = payload.get("message")
        if not message:
            return []
        path = rf"/channels/{message['channel_id']}/messages/{message['id']}"
        return list(self.fake.calls_to("PATCH", path))

    def seen(self, payload: dict[str, Any], edited_before: int | None = None) -> Seen:
        call = self._callback(payload)
        assert call.status in (200, 204), f"Discord refused the answer: {call.response}"
        kind = int(call.json["type"])
        body: dict[str, Any] = dict(call.json.get("data") or {})
        if kind == DEFERRED:
            token = re.escape(payload["token"])
            done = self._wait_any(
                [
                    ("PATCH", rf"/webhooks/\d+/{token}/messages/@original"),
                    ("DELETE", rf"/webhooks/\d+/{token}/messages/@original"),
                ]
            )
            assert done.status in (200, 204), f"Discord refused the edit: {done.response}"
            body = dict(done.json or {}) if done.method == "PATCH" else {}
            if done.method == "DELETE" and edited_before is not None:
                # "thinking…" removed: the answer, if any, replaced the clicked message.
                edits = self._clicked_edits(payload)[edited_before:]
                body = dict(edits[-1].json or {}) if edits else {}
        original = self.fake.interaction(payload["id"]).original
        return Seen(str(payload["id"]), kind, body, original)

    def _callback(self, payload: dict[str, Any]) -> Any:
        path = rf"/interactions/{payload['id']}/{re.escape(payload['token'])}/callback"
        (call,) = self.fake.wait_for("POST", path)
        return call

    def _wait_any(self, wanted: list[tuple[str, str]], timeout: float = 20.0) -> Any:
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                for method, pattern in wanted:
                    found = self.fake.calls_to(method, pattern)
                    if found:
                        return found[0]
                deadline.wait(0.02)
        finally:
            timer.cancel()
        raise AssertionError(f"no answer after the deferral: {wanted}")


World = tuple[DiscordHarness, Runner]  # the adapter and the scheduler (tests/discord `world`)
