"""Tests of the fake Discord itself, driven by a real discord.py client.

A ``discord.Client`` (intents: guilds, guild messages, message content, DMs, members) runs
in a thread of its own against :class:`FakeDiscord`, pointed there the way the adapter will
do it (docs/discord-testing.md): ``Route.BASE`` from the API URL, the gateway URL from
``GET /gateway/bot``. Interaction expiry moves on a manual clock; nothing sleeps to wait,
the tests wait on the fake (``wait_for``) or on the client's own events.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import json
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import discord
import pytest
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.webhook.async_ import async_context, interaction_response_params

from bot.discord.endpoints import DISCORD_API_BASE, DISCORD_GATEWAY, use_api, use_gateway_of
from tests.fakes.discord_api import FakeDiscord, Intents
from tests.fakes.discord_validation import (
    autocomplete_errors,
    commands_errors,
    message_errors,
    modal_errors,
)

T = TypeVar("T")
Handler = Callable[[discord.Interaction[Any]], Awaitable[None]]


class ManualClock:
    """Monotonic-like seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


class Bot(discord.Client):
    """A minimal client shaped like the coming adapter: one ``/cop`` command, raw handling
    of components and modals, and the gateway URL asked of ``GET /gateway/bot``.
    """

    def __init__(self, *, intents: discord.Intents | None = None) -> None:
        if intents is None:
            intents = discord.Intents.none()
            intents.guilds = True
            intents.guild_messages = True
            intents.message_content = True
            intents.dm_messages = True
            intents.members = True
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.ready = threading.Event()
        self.on_cop: Callable[[discord.Interaction[Any], str | None], Awaitable[None]] | None
        self.on_cop = None
        self.on_other: Handler | None = None
        self.outcomes: list[object] = []  # what handlers returned or raised, in order
        self.events: list[tuple[str, Any]] = []
        self.changed = threading.Condition()
        self._add_cop()

    def _add_cop(self) -> None:
        bot = self

        @app_commands.command(name="cop", description="Catalyst: type help to see what I do")
        @app_commands.describe(text="a command, e.g. help")
        async def cop(interaction: discord.Interaction[Any], text: str | None = None) -> None:
            await bot._run(bot.on_cop, interaction, text)

        @cop.autocomplete("text")
        async def suggest(
            interaction: discord.Interaction[Any], current: str
        ) -> list[app_commands.Choice[str]]:
            words = ["help", "join", "profile", "sessions"]
            return [app_commands.Choice(name=w, value=w) for w in words if w.startswith(current)]

        self.tree.add_command(cop)

    async def _run(self, handler: Any, *args: Any) -> None:
        try:
            result = await handler(*args) if handler is not None else None
        except Exception as exc:
            result = exc
        self.note("outcome", result)

    def note(self, kind: str, value: Any) -> None:
        with self.changed:
            if kind == "outcome":
                self.outcomes.append(value)
            self.events.append((kind, value))
            self.changed.notify_all()

    def wait_outcomes(self, count: int, timeout: float = 5.0) -> list[object]:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.outcomes) >= count, timeout):
                raise AssertionError(f"{len(self.outcomes)} outcome(s) of {count}")
            return list(self.outcomes)

    def wait_event(
        self, kind: str, where: Callable[[Any], bool] = lambda _: True, timeout: float = 5.0
    ) -> Any:
        """The first event of ``kind`` that satisfies ``where``, waiting for it."""
        with self.changed:
            found: list[Any] = []

            def seen() -> bool:
                found[:] = [v for k, v in self.events if k == kind and where(v)]
                return bool(found)

            if not self.changed.wait_for(seen, timeout):
                raise AssertionError(f"no {kind} event; saw {[k for k, _ in self.events]}")
            return found[0]

    # What the adapter does at start when DISCORD_API_URL is set (docs/discord-testing.md).
    async def setup_hook(self) -> None:
        await use_gateway_of(self)

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type in (
            discord.InteractionType.component,
            discord.InteractionType.modal_submit,
        ):
            await self._run(self.on_other, interaction)

    async def on_message(self, message: discord.Message) -> None:
        self.note("message", message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        self.note("edit", payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        self.note("delete", payload)

    async def on_member_join(self, member: discord.Member) -> None:
        self.note("member_join", member)

    async def on_resumed(self) -> None:
        self.note("resumed", None)


class Running:
    """A client running ``start()`` on an event loop in its own thread."""

    def __init__(self, bot: Bot, token: str) -> None:
        self.bot = bot
        self.loop = asyncio.new_event_loop()
        self.error: BaseException | None = None
        self.stopping = asyncio.Event()
        self.thread = threading.Thread(target=self._main, args=(token,), daemon=True)

    def _main(self, token: str) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._run(token))
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _run(self, token: str) -> None:
        start = asyncio.create_task(self.bot.start(token))
        stop = asyncio.create_task(self.stopping.wait())
        await asyncio.wait({start, stop}, return_when=asyncio.FIRST_COMPLETED)
        if start.done():  # it failed (a wrong token, a refused intent…)
            stop.cancel()
            self.error = start.exception()
            self.bot.ready.set()
            return
        await self.bot.close()
        with contextlib.suppress(Exception):
            await start

    def start(self, timeout: float = 10.0) -> Running:
        self.thread.start()
        if not self.bot.ready.wait(timeout):
            raise AssertionError("the client did not get ready")
        if self.error is not None:
            raise self.error
        return self

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the client's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(10)
        assert not self.thread.is_alive(), "the client did not stop"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeDiscord]:
    with FakeDiscord(clock=clock, heartbeat_interval=200) as api:
        use_api(api.api_base)  # what the adapter does when DISCORD_API_URL is set
        try:
            yield api
        finally:
            use_api(None)  # discord.py's class attributes are process-wide
        assert api.errors == []


@pytest.fixture
def run(fake: FakeDiscord) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(bot: Bot | None = None, token: str | None = None) -> Running:
        running = Running(bot or Bot(), token or fake.token)
        started.append(running)
        return running.start()

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def client(run: Callable[..., Running]) -> Running:
    return run()


def raw(
    fake: FakeDiscord, method: str, path: str, body: Any = None, *, auth: bool = True
) -> tuple[int, dict[str, str], Any]:
    """One request to the fake without discord.py, for what discord.py would refuse to send."""
    url = urllib.parse.urlsplit(fake.api_base + path)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if auth:
        headers["Authorization"] = f"Bot {fake.token}"
    connection = http.client.HTTPConnection(url.netloc, timeout=5)
    try:
        data = json.dumps(body).encode() if body is not None else None
        target = f"{url.path}?{url.query}" if url.query else url.path
        connection.request(method, target, body=data, headers=headers)
        response = connection.getresponse()
        text = response.read()
        return response.status, dict(response.headers), json.loads(text) if text else None
    finally:
        connection.close()


def button_row(*custom_ids: str) -> dict[str, Any]:
    return {
        "type": 1,
        "components": [{"type": 2, "style": 1, "label": c, "custom_id": c} for c in custom_ids],
    }


def text_inputs(count: int) -> list[dict[str, Any]]:
    return [
        {
            "type": 1,
            "components": [{"type": 4, "custom_id": f"f{i}", "style": 1, "label": f"Field {i}"}],
        }
        for i in range(count)
    ]


# ---- connecting ---------------------------------------------------------------------------


def test_client_connects_identifies_and_gets_ready(fake: FakeDiscord, client: Running) -> None:
    bot = client.bot
    identify = fake.wait_identified()
    assert identify["token"] == fake.token
    wanted = (
        Intents.GUILDS
        | Intents.GUILD_MEMBERS
        | Intents.GUILD_MESSAGES
        | Intents.DIRECT_MESSAGES
        | Intents.MESSAGE_CONTENT
    )
    assert identify["intents"] == wanted
    assert bot.user is not None
    assert str(bot.user.id) == fake.application_id
    assert bot.application_id == int(fake.application_id)
    guild = bot.get_guild(int(fake.guild_id))
    assert guild is not None
    assert guild.name == "Catalyst Community"
    assert guild.get_channel(int(fake.channel_id)) is not None
    assert guild.get_member(int(fake.member_id)) is not None  # from the member chunk
    login = fake.calls_to("GET", "/users/@me")[0]
    assert login.headers["Authorization"] == f"Bot {fake.token}"
    assert fake.calls_to("GET", "/gateway/bot")
    out = [f.t for f in fake.frames if f.direction == "out" and f.op == 0]
    assert out[:3] == ["READY", "GUILD_CREATE", "GUILD_MEMBERS_CHUNK"]
    assert fake.gateway_queries == [{"v": "10", "encoding": "json", "compress": "zlib-stream"}]
    fake.wait_for_frame("in", 1, count=2)  # heartbeats, every 200 ms here
    assert fake.wait_for_frame("out", 11, count=2)


def test_endpoints_point_discord_py_at_the_fake_and_back(
    fake: FakeDiscord, client: Running
) -> None:
    assert fake.api_base == Route.BASE
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    use_api(None)
    assert Route.BASE == DISCORD_API_BASE == "https://discord.com/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == str(DISCORD_GATEWAY)
    assert str(DISCORD_GATEWAY) == "wss://gateway.discord.gg/"


def test_heartbeats_are_acknowledged_and_latency_known(fake: FakeDiscord, client: Running) -> None:
    fake.wait_for_frame("out", 11, count=3)
    assert client.bot.latency < 1.0


def test_wrong_token_fails_login(fake: FakeDiscord) -> None:
    bot = Bot()
    with pytest.raises(discord.LoginFailure):
        Running(bot, "not-the-token").start()
    status, _, body = raw(fake, "GET", "/users/@me", auth=False)
    assert (status, body) == (401, {"code": 0, "message": "401: Unauthorized"})


def test_privileged_intent_not_enabled_is_refused(clock: ManualClock) -> None:
    with FakeDiscord(clock=clock, privileged_intents=frozenset({"members"})) as fake:
        use_api(fake.api_base)
        try:
            with pytest.raises(discord.PrivilegedIntentsRequired):
                Running(Bot(), fake.token).start()
        finally:
            use_api(None)


def test_resume_after_reconnect_replays_nothing_lost(fake: FakeDiscord, client: Running) -> None:
    bot = client.bot
    fake.request_reconnect()
    bot.wait_event("resumed")
    resume = fake.wait_for_frame("in", 6)[0].d
    assert resume["token"] == fake.token
    assert resume["seq"] >= 3
    fake.user_message(fake.member_id, "after the resume")
    message = bot.wait_event("message")
    assert message.content == "after the resume"
    sequences = [f.s for f in fake.frames if f.direction == "out" and f.op == 0]
    assert sequences == sorted(sequences)
    assert len(set(sequences)) == len(sequences)


# ---- gateway events -----------------------------------------------------------------------


def test_message_events_and_member_join_reach_the_client(
    fake: FakeDiscord, client: Running
) -> None:
    bot = client.bot
    sent = fake.user_message(fake.member_id, "a reflection")
    message = bot.wait_event("message")
    assert message.content == "a reflection"
    assert message.author.id == int(fake.member_id)
    fake.edit_user_message(fake.channel_id, sent["id"], "a better reflection")
    edit = bot.wait_event("edit")
    assert edit.message.content == "a better reflection"
    fake.delete_user_message(fake.channel_id, sent["id"])
    assert bot.wait_event("delete").message_id == int(sent["id"])
    fake.member_join("carol")
    assert bot.wait_event("member_join").name == "carol"


def test_without_message_content_intent_content_is_empty(
    fake: FakeDiscord, run: Callable[..., Running]
) -> None:
    intents = discord.Intents.none()
    intents.guilds = intents.guild_messages = True
    bot = run(Bot(intents=intents)).bot
    fake.member_join("dave")  # no GUILD_MEMBERS intent: not sent
    fake.user_message(fake.member_id, "secret words")
    message = bot.wait_event("message")
    assert message.content == ""
    assert not [k for k, _ in bot.events if k == "member_join"]


def test_own_messages_come_back_as_message_create(fake: FakeDiscord, client: Running) -> None:
    bot = client.bot
    channel = bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    client.call(channel.send("hello, community"))
    echoed = bot.wait_event("message")
    assert echoed.author == bot.user


# ---- interactions -------------------------------------------------------------------------


def test_sync_registers_cop_command(fake: FakeDiscord, client: Running) -> None:
    guild = discord.Object(int(fake.guild_id))
    client.bot.tree.copy_global_to(guild=guild)
    synced = client.call(client.bot.tree.sync(guild=guild))
    assert [c.name for c in synced] == ["cop"]
    put = fake.wait_for("PUT", "/applications/{app}/guilds/{guild}/commands")[0]
    assert put.json[0]["options"][0]["name"] == "text"
    assert put.json[0]["options"][0]["autocomplete"] is True
    listing = f"/applications/{fake.application_id}/guilds/{fake.guild_id}/commands"
    assert raw(fake, "GET", f"{listing}?with_localizations=true")[2] == put.response
    # As Discord: without ?with_localizations=true, no localization dictionaries.
    (plain,) = raw(fake, "GET", listing)[2]
    assert "description_localizations" not in plain
    assert all("description_localizations" not in o for o in plain["options"])
    again = client.call(client.bot.tree.sync(guild=guild))
    assert [c.id for c in again] == [c.id for c in synced]  # same ids on re-registration
    client.call(client.bot.tree.sync())
    assert fake.calls_to("PUT", "/applications/{app}/commands")[0].json[0]["name"] == "cop"


def test_slash_command_answered_with_an_ephemeral_message(
    fake: FakeDiscord, client: Running
) -> None:
    async def answer(interaction: discord.Interaction[Any], text: str | None) -> str | None:
        await interaction.response.send_message(f"help for {text}", ephemeral=True)
        return text

    client.bot.on_cop = answer
    payload = fake.interact(fake.slash_command(fake.member_id, "help"))
    assert client.bot.wait_outcomes(1) == ["help"]
    call = fake.wait_for("POST", "/interactions/{id}/{token}/callback")[0]
    assert call.path == f"/interactions/{payload['id']}/{payload['token']}/callback"
    assert call.json["type"] == 4
    assert call.json["data"]["content"] == "help for help"
    assert call.json["data"]["flags"] & 64
    assert "Authorization" not in call.headers  # the token in the path is the credential
    assert fake.interaction(payload["id"]).response_type == 4
    assert fake.messages_in(fake.channel_id) == []  # ephemeral: in nobody's history


def test_defer_then_follow_up_and_edit_original(fake: FakeDiscord, client: Running) -> None:
    async def slow(interaction: discord.Interaction[Any], text: str | None) -> int:
        await interaction.response.defer(ephemeral=True, thinking=True)
        first = await interaction.followup.send("done: 3 sessions", ephemeral=True, wait=True)
        await interaction.edit_original_response(content="done: 3 sessions (updated)")
        extra = await interaction.followup.send("one more thing", wait=True)
        return extra.id - first.id

    client.bot.on_cop = slow
    fake.interact(fake.slash_command(fake.member_id, "sessions"))
    (outcome,) = client.bot.wait_outcomes(1)
    assert isinstance(outcome, int)
    assert outcome > 0
    assert fake.wait_for("POST", "/interactions/{id}/{token}/callback")[0].json["type"] == 5
    followups = fake.wait_for("POST", "/webhooks/{app}/{token}", count=2)
    assert followups[0].json["content"] == "done: 3 sessions"
    edit = fake.wait_for("PATCH", "/webhooks/{app}/{token}/messages/@original")[0]
    assert edit.status == 200
    assert edit.response["content"] == "done: 3 sessions (updated)"
    assert [m["content"] for m in fake.messages_in(fake.channel_id)] == ["one more thing"]


def test_follow_up_before_any_ack_is_unknown_webhook(fake: FakeDiscord, client: Running) -> None:
    async def too_soon(interaction: discord.Interaction[Any], text: str | None) -> None:
        await interaction.followup.send("no ack yet")

    client.bot.on_cop = too_soon
    fake.interact(fake.slash_command(fake.member_id, "help"))
    (outcome,) = client.bot.wait_outcomes(1)
    assert isinstance(outcome, discord.NotFound)
    assert outcome.code == 10015


def test_modal_opens_and_its_submission_arrives(fake: FakeDiscord, client: Running) -> None:
    class Profile(discord.ui.Modal, title="Your profile"):
        role = discord.ui.TextInput(label="Role", custom_id="role")
        bio = discord.ui.TextInput(
            label="About you", custom_id="bio", style=discord.TextStyle.paragraph
        )

    async def open_modal(interaction: discord.Interaction[Any], text: str | None) -> None:
        await interaction.response.send_modal(Profile(custom_id="profile:page1"))

    async def submitted(interaction: discord.Interaction[Any]) -> dict[str, str]:
        data: dict[str, Any] = interaction.data or {}
        values = {
            c["custom_id"]: c["value"] for row in data["components"] for c in row["components"]
        }
        await interaction.response.send_message("Saved.", ephemeral=True)
        return values

    client.bot.on_cop = open_modal
    client.bot.on_other = submitted
    fake.interact(fake.slash_command(fake.member_id, "profile"))
    client.bot.wait_outcomes(1)
    call = fake.wait_for("POST", "/interactions/{id}/{token}/callback")[0]
    assert call.status == 200
    assert call.json["type"] == 9
    assert call.json["data"]["custom_id"] == "profile:page1"
    assert call.json["data"]["title"] == "Your profile"
    fake.interact(
        fake.modal_submit(fake.member_id, "profile:page1", {"role": "Nurse", "bio": "Hi"})
    )
    assert client.bot.wait_outcomes(2)[1] == {"role": "Nurse", "bio": "Hi"}


def test_six_input_modal_is_refused(fake: FakeDiscord, client: Running) -> None:
    async def six(interaction: discord.Interaction[Any], text: str | None) -> None:
        modal = discord.ui.Modal(title="Join")
        for i in range(5):
            modal.add_item(discord.ui.TextInput(label=f"Field {i}"))
        with pytest.raises(ValueError, match="maximum number of children"):
            modal.add_item(discord.ui.TextInput(label="Field 5"))  # discord.py refuses too
        data = {"custom_id": "join", "title": "Join", "components": text_inputs(6)}
        params = interaction_response_params(9, data)
        await async_context.get().create_interaction_response(
            interaction.id, interaction.token, session=interaction._session, params=params
        )

    client.bot.on_cop = six
    fake.interact(fake.slash_command(fake.member_id, "join"))
    (outcome,) = client.bot.wait_outcomes(1)
    assert isinstance(outcome, discord.HTTPException)
    assert outcome.status == 400
    assert outcome.code == 50035
    call = fake.wait_for("POST", "/interactions/{id}/{token}/callback")[0]
    assert call.response["message"] == "Invalid Form Body"
    assert call.response["errors"]["data"]["components"]["_errors"][0]["code"] == (
        "BASE_TYPE_MAX_LENGTH"
    )


def test_callback_after_three_seconds_is_unknown_interaction(
    fake: FakeDiscord, client: Running, clock: ManualClock
) -> None:
    async def late(interaction: discord.Interaction[Any], text: str | None) -> None:
        clock.advance(3.01)  # the slow work took just over Discord's 3 seconds
        await interaction.response.send_message("too late")

    client.bot.on_cop = late
    fake.interact(fake.slash_command(fake.member_id, "help"))
    (outcome,) = client.bot.wait_outcomes(1)
    assert isinstance(outcome, discord.NotFound)
    assert outcome.code == 10062
    assert outcome.text == "Unknown interaction"


def test_modal_submit_in_labels_as_discord_sends_it(fake: FakeDiscord, client: Running) -> None:
    async def submitted(interaction: discord.Interaction[Any]) -> list[Any]:
        data: dict[str, Any] = interaction.data or {}
        await interaction.response.defer()
        return [c["component"] for c in data["components"]]

    client.bot.on_other = submitted
    fake.interact(
        fake.modal_submit(
            fake.member_id, "join:2", {"bio": "Hi", "themes": ["care", "data"]}, labels=True
        )
    )
    (components,) = client.bot.wait_outcomes(1)
    assert components == [
        {"type": 4, "id": 2, "custom_id": "bio", "value": "Hi"},
        {"type": 3, "id": 4, "custom_id": "themes", "values": ["care", "data"]},
    ]
    assert fake.wait_for("POST", "/interactions/{id}/{token}/callback")[0].json == {"type": 6}


def test_second_acknowledgement_is_refused(fake: FakeDiscord, client: Running) -> None:
    async def answer(interaction: discord.Interaction[Any], text: str | None) -> None:
        await interaction.response.send_message("hello", ephemeral=True)

    client.bot.on_cop = answer
    payload = fake.slash_command(fake.member_id, "help")
    fake.interact(payload)
    client.bot.wait_outcomes(1)
    fake.interact(payload)  # the same event again, as a replay after a resume can bring
    first, second = client.bot.wait_outcomes(2)
    assert first is None
    assert isinstance(second, discord.HTTPException)
    assert (second.status, second.code) == (400, 40060)


def test_autocomplete_suggests_subcommands(fake: FakeDiscord, client: Running) -> None:
    fake.interact(fake.autocomplete(fake.member_id, "s"))
    call = fake.wait_for("POST", "/interactions/{id}/{token}/callback")[0]
    assert call.status == 200
    assert call.json == {
        "type": 8,
        "data": {"choices": [{"name": "sessions", "value": "sessions"}]},
    }


def test_message_with_buttons_then_click_updates_it(fake: FakeDiscord, client: Running) -> None:
    bot = client.bot
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Going", custom_id="rsvp:yes:7"))
    view.add_item(discord.ui.Button(label="Not going", custom_id="rsvp:no:7"))
    channel = bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    sent = client.call(channel.send("Session on Thursday", view=view))
    post = fake.wait_for("POST", "/channels/{channel}/messages")[0]
    buttons = post.response["components"][0]["components"]
    assert [b["custom_id"] for b in buttons] == ["rsvp:yes:7", "rsvp:no:7"]
    assert post.response["author"]["id"] == fake.application_id
    assert post.response["channel_id"] == fake.channel_id

    async def clicked(interaction: discord.Interaction[Any]) -> str:
        data: dict[str, Any] = interaction.data or {}
        await interaction.response.edit_message(content="Session on Thursday: 1 going")
        return str(data["custom_id"])

    bot.on_other = clicked
    fake.interact(fake.button_click(fake.member_id, "rsvp:yes:7", post.response))
    assert bot.wait_outcomes(1) == ["rsvp:yes:7"]
    callback = fake.wait_for("POST", "/interactions/{id}/{token}/callback")[0]
    assert callback.json["type"] == 7
    (stored,) = fake.messages_in(fake.channel_id)
    assert stored["id"] == str(sent.id)
    assert stored["content"] == "Session on Thursday: 1 going"


def test_a_button_in_a_dm_is_clicked_by_the_user_not_a_member(
    fake: FakeDiscord, client: Running
) -> None:
    bot = client.bot

    async def remind() -> discord.Message:
        user = await bot.fetch_user(int(fake.member_id))
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Going", custom_id="rsvp:yes:9"))
        return await user.send("Session tomorrow", view=view)

    client.call(remind())
    (reminder,) = fake.dms_to(fake.member_id)

    async def clicked(interaction: discord.Interaction[Any]) -> tuple[bool, int]:
        await interaction.response.send_message("See you there", ephemeral=True)
        return interaction.guild is None, interaction.user.id

    bot.on_other = clicked
    payload = fake.interact(fake.button_click(fake.member_id, "rsvp:yes:9", reminder))
    assert "member" not in payload
    assert payload["user"]["id"] == fake.member_id
    assert bot.wait_outcomes(1) == [(True, int(fake.member_id))]
    assert fake.open_dm(fake.member_id) == reminder["channel_id"]


def test_deferred_work_may_follow_up_long_after_three_seconds(
    fake: FakeDiscord, client: Running, clock: ManualClock
) -> None:
    async def slow(interaction: discord.Interaction[Any], text: str | None) -> None:
        await interaction.response.defer(ephemeral=True)
        clock.advance(60)  # a minute of work: the token lasts 15 minutes
        await interaction.followup.send("Here are the results", ephemeral=True)

    client.bot.on_cop = slow
    fake.interact(fake.slash_command(fake.member_id, "search care"))
    assert client.bot.wait_outcomes(1) == [None]
    assert fake.wait_for("POST", "/webhooks/{app}/{token}")[0].status == 200


def test_replies_in_a_thread_reach_the_client(fake: FakeDiscord, client: Running) -> None:
    bot = client.bot
    channel = bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)

    async def prompt() -> discord.Thread:
        message = await channel.send("What did you try this week?")
        return await message.create_thread(name="Reflections")

    thread = client.call(prompt())
    fake.user_message(fake.member_id, "I tried pairing", channel_id=str(thread.id))
    reply = bot.wait_event("message", lambda m: m.author.id == int(fake.member_id))
    assert isinstance(reply.channel, discord.Thread)
    assert reply.channel.parent_id == int(fake.channel_id)
    assert reply.content == "I tried pairing"


def test_direct_messages_and_closed_dms(fake: FakeDiscord, client: Running) -> None:
    bot = client.bot

    async def dm(user_id: str, text: str) -> discord.Message:
        user = await bot.fetch_user(int(user_id))
        return await user.send(text)

    client.call(dm(fake.member_id, "Reminder: session tomorrow"))
    opened = fake.wait_for("POST", "/users/@me/channels")[0]
    assert str(opened.json["recipient_id"]) == fake.member_id
    assert opened.response["type"] == 1
    assert [m["content"] for m in fake.dms_to(fake.member_id)] == ["Reminder: session tomorrow"]

    fake.close_dms(fake.other_member_id)
    with pytest.raises(discord.Forbidden) as info:
        client.call(dm(fake.other_member_id, "Reminder"))
    assert info.value.code == 50007
    assert info.value.text == "Cannot send messages to this user"
    assert fake.dms_to(fake.other_member_id) == []


def test_nonce_enforced_send_is_not_duplicated(fake: FakeDiscord, client: Running) -> None:
    channel = client.bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    first = client.call(channel.send("Pairing intro", nonce="outbox-42"))
    again = client.call(channel.send("Pairing intro", nonce="outbox-42"))  # a crashed retry
    assert first.id == again.id
    assert len(fake.messages_in(fake.channel_id)) == 1


# ---- rate limits --------------------------------------------------------------------------


def test_429_retry_after_is_honoured(fake: FakeDiscord, client: Running) -> None:
    channel = client.bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    fake.fail_next("POST", "/channels/{channel_id}/messages", retry_after=0.2)
    started = time.monotonic()
    client.call(channel.send("after a wait"))
    elapsed = time.monotonic() - started
    limited, sent = fake.wait_for("POST", "/channels/{channel_id}/messages", count=2)
    assert limited.status == 429
    assert limited.response == {
        "message": "You are being rate limited.",
        "retry_after": 0.2,
        "global": False,
        "code": 0,
    }
    assert limited.response_headers["Retry-After"] == "1"
    assert limited.response_headers["X-RateLimit-Scope"] == "user"
    assert sent.status == 200
    assert sent.at - limited.at >= 0.2
    assert elapsed >= 0.2


def test_bucket_headers_and_pre_emptive_waiting(fake: FakeDiscord, client: Running) -> None:
    fake.set_rate_limit("POST", "/channels/{channel_id}/messages", limit=2, window=1.0)
    channel = client.bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)

    async def three() -> None:
        for text in ("one", "two", "three"):
            await channel.send(text)

    client.call(three())
    calls = fake.wait_for("POST", "/channels/{channel_id}/messages", count=3)
    assert [c.status for c in calls] == [200, 200, 200]  # discord.py waited, no 429
    headers = calls[0].response_headers
    assert headers["X-RateLimit-Limit"] == "2"
    assert headers["X-RateLimit-Remaining"] == "1"
    assert calls[1].response_headers["X-RateLimit-Remaining"] == "0"
    assert float(headers["X-RateLimit-Reset-After"]) <= 1.0
    assert float(headers["X-RateLimit-Reset"]) > 0
    assert len(headers["X-RateLimit-Bucket"]) == 32
    assert calls[2].at - calls[0].at >= 0.9


def test_exceeding_a_bucket_answers_429(fake: FakeDiscord) -> None:
    fake.set_rate_limit("GET", "/users/@me", limit=1, window=5.0)
    assert raw(fake, "GET", "/users/@me")[0] == 200
    status, headers, body = raw(fake, "GET", "/users/@me")
    assert status == 429
    assert headers["X-RateLimit-Remaining"] == "0"
    assert 4.0 < body["retry_after"] <= 5.0
    assert headers["Retry-After"] == "5"
    assert headers["Via"] == "1.1 google"


def test_global_limit_is_honoured(fake: FakeDiscord, client: Running) -> None:
    channel = client.bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    fake.set_global_limit(2)

    async def burst() -> None:
        await asyncio.gather(*(channel.send(f"m{i}") for i in range(4)))

    client.call(burst())
    calls = fake.calls_to("POST", "/channels/{channel_id}/messages")
    refused = [c for c in calls if c.status == 429]
    assert refused
    assert all(c.response["global"] is True for c in refused)
    assert refused[0].response_headers["X-RateLimit-Global"] == "true"
    assert len(fake.messages_in(fake.channel_id)) == 4


def test_random_429s_are_seeded(fake: FakeDiscord) -> None:
    def pattern() -> list[int]:
        fake.random_429(0.5, seed=7, retry_after=0.01)
        return [raw(fake, "GET", "/users/@me")[0] for _ in range(12)]

    first = pattern()
    assert first == pattern()
    assert 429 in first
    assert 200 in first


# ---- threads, members, scheduled events ---------------------------------------------------


def test_threads_private_threads_and_members(fake: FakeDiscord, client: Running) -> None:
    bot = client.bot
    channel = bot.get_channel(int(fake.channel_id))
    forum = bot.get_channel(int(fake.forum_id))
    assert isinstance(channel, discord.TextChannel)
    assert isinstance(forum, discord.ForumChannel)

    async def work() -> tuple[discord.Thread, discord.Thread, discord.Thread]:
        prompt = await channel.send("What did you try this week?")
        public = await prompt.create_thread(name="Reflections: week 12")
        await public.send("Reply here")
        pair = await channel.create_thread(
            name="Alice and Bob", type=discord.ChannelType.private_thread, invitable=False
        )
        for user_id in (fake.member_id, fake.other_member_id):
            await pair.add_user(discord.Object(int(user_id)))
        post = await forum.create_thread(name="Week 12", content="What did you try?")
        return public, pair, post.thread

    public, pair, post = client.call(work())
    assert public.id == int(fake.messages_in(fake.channel_id)[0]["id"])  # id of its message
    assert [m["content"] for m in fake.messages_in(str(public.id))] == ["Reply here"]
    created = fake.wait_for("POST", "/channels/{channel_id}/threads", count=2)
    assert created[0].json["type"] == 12
    assert created[0].response["thread_metadata"]["invitable"] is False
    assert (
        fake.wait_for("PUT", "/channels/{thread}/thread-members/{user}", count=2)[0].status == 204
    )
    assert set(fake.thread_members[str(pair.id)]) == {
        fake.application_id,
        fake.member_id,
        fake.other_member_id,
    }
    assert fake.messages_in(str(post.id))[0]["content"] == "What did you try?"
    again = raw(
        fake, "POST", f"/channels/{fake.channel_id}/messages/{public.id}/threads", {"name": "x"}
    )
    assert again[0] == 400
    assert again[2]["code"] == 160004


def test_fetch_member_and_history(fake: FakeDiscord, client: Running) -> None:
    bot = client.bot
    guild = bot.get_guild(int(fake.guild_id))
    channel = bot.get_channel(int(fake.channel_id))
    assert guild is not None
    assert isinstance(channel, discord.TextChannel)
    member = client.call(guild.fetch_member(int(fake.member_id)))
    assert member.display_name == "Alice"
    for text in ("one", "two", "three"):
        client.call(channel.send(text))

    async def history() -> list[str]:
        return [m.content async for m in channel.history(limit=2)]

    assert client.call(history()) == ["three", "two"]
    with pytest.raises(discord.NotFound) as info:
        client.call(guild.fetch_member(42))
    assert info.value.code == 10007


def test_scheduled_events_created_moved_cancelled_deleted(
    fake: FakeDiscord, client: Running
) -> None:
    guild = client.bot.get_guild(int(fake.guild_id))
    assert guild is not None
    start = datetime(2031, 3, 6, 18, 0, tzinfo=UTC)  # any aware time; the fake has no "now"

    async def life() -> tuple[discord.ScheduledEvent, discord.ScheduledEvent]:
        event = await guild.create_scheduled_event(
            name="Community session",
            start_time=start,
            end_time=start + timedelta(hours=1),
            entity_type=discord.EntityType.external,
            privacy_level=discord.PrivacyLevel.guild_only,
            location="https://meet.example/cop",
            description="Bring a case",
        )
        moved = await event.edit(
            start_time=start + timedelta(days=1), end_time=start + timedelta(days=1, hours=1)
        )
        cancelled = await moved.cancel()
        return moved, cancelled

    moved, cancelled = client.call(life())
    assert moved.start_time == start + timedelta(days=1)
    assert cancelled.status == discord.EventStatus.cancelled
    created = fake.wait_for("POST", "/guilds/{guild_id}/scheduled-events")[0]
    assert created.json["entity_metadata"] == {"location": "https://meet.example/cop"}
    status, _, body = raw(
        fake, "PATCH", f"/guilds/{fake.guild_id}/scheduled-events/{moved.id}", {"status": 2}
    )
    assert status == 400
    assert body["code"] == 50035
    client.call(cancelled.delete())
    assert fake.scheduled_events == {}


def test_scheduled_event_in_the_past_is_refused(clock: ManualClock) -> None:
    now = datetime(2031, 3, 6, 12, 0, tzinfo=UTC)
    with FakeDiscord(clock=clock, event_clock=lambda: now) as fake:
        status, _, body = raw(
            fake,
            "POST",
            f"/guilds/{fake.guild_id}/scheduled-events",
            {
                "name": "Too late",
                "privacy_level": 2,
                "entity_type": 3,
                "entity_metadata": {"location": "Online"},
                "scheduled_start_time": (now - timedelta(hours=1)).isoformat(),
                "scheduled_end_time": now.isoformat(),
            },
        )
    assert status == 400
    assert body["errors"]["scheduled_start_time"]["_errors"][0]["code"] == (
        "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST"
    )


# ---- payload limits, without a client -----------------------------------------------------


def test_over_long_content_answers_invalid_form_body(fake: FakeDiscord) -> None:
    status, _, body = raw(
        fake, "POST", f"/channels/{fake.channel_id}/messages", {"content": "x" * 2001}
    )
    assert status == 400
    assert body == {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "content": {
                "_errors": [
                    {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}
                ]
            }
        },
    }
    assert fake.messages_in(fake.channel_id) == []


def test_discord_py_surfaces_the_form_errors(fake: FakeDiscord, client: Running) -> None:
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=int(fake.channel_id))
    payload = {"content": "rows", "components": [button_row(f"b{i}") for i in range(6)]}
    with pytest.raises(discord.HTTPException) as info:
        client.call(client.bot.http.request(route, json=payload))
    assert info.value.code == 50035
    assert "components" in str(info.value)


@pytest.mark.parametrize(
    ("payload", "path", "code"),
    [
        ({"content": "x" * 2001}, "content", "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [{"title": "t"}] * 11}, "embeds", "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [{"title": "x" * 257}]}, "embeds.0.title", "BASE_TYPE_MAX_LENGTH"),
        ({"embeds": [{"description": "x" * 4097}]}, "embeds.0.description", "BASE_TYPE_MAX_LENGTH"),
        (
            {"embeds": [{"description": "x" * 4000}, {"description": "x" * 2001}]},
            "embeds",
            "MAX_EMBED_SIZE_EXCEEDED",
        ),
        ({"components": [button_row("a")] * 6}, "components", "BASE_TYPE_MAX_LENGTH"),
        (
            {"components": [button_row("a", "b", "c", "d", "e", "f")]},
            "components.0.components",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {"components": [button_row("x" * 101)]},
            "components.0.components.0.custom_id",
            "BASE_TYPE_BAD_LENGTH",
        ),
        (
            {"components": [button_row("same"), button_row("same")]},
            "components.1.components.0.custom_id",
            "COMPONENT_CUSTOM_ID_DUPLICATED",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {"type": 2, "style": 1, "label": "x" * 81, "custom_id": "long"}
                        ],
                    }
                ]
            },
            "components.0.components.0.label",
            "BASE_TYPE_MAX_LENGTH",
        ),
        (
            {
                "components": [
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 3,
                                "custom_id": "pick",
                                "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                            }
                        ],
                    }
                ]
            },
            "components.0.components.0.options",
            "BASE_TYPE_MAX_LENGTH",
        ),
        ({"content": "hi", "flags": 64}, "flags", "MESSAGE_FLAGS_INVALID"),
        ({}, "(body)", "EMPTY_MESSAGE"),
    ],
)
def test_message_limits(payload: dict[str, Any], path: str, code: str) -> None:
    errors = message_errors(payload)
    assert code in errors.codes(), errors.problems()
    assert any(p.startswith(f"{path}:") for p in errors.problems()), errors.problems()


def test_valid_messages_pass() -> None:
    rows = [button_row(*(f"r{r}b{b}" for b in range(5))) for r in range(5)]
    embed = {"title": "t" * 256, "description": "d" * 4096, "fields": [{"name": "n", "value": "v"}]}
    assert not message_errors({"content": "x" * 2000, "embeds": [embed], "components": rows})
    v2 = {"flags": 1 << 15, "components": [{"type": 10, "content": "Hello"}]}
    assert not message_errors(v2)
    assert message_errors({**v2, "content": "no"}).codes() == [
        "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2"
    ]


def test_modal_limits() -> None:
    good = {"custom_id": "join:1", "title": "x" * 45, "components": text_inputs(5)}
    assert not modal_errors(good)
    assert "BASE_TYPE_MAX_LENGTH" in modal_errors({**good, "components": text_inputs(6)}).codes()
    assert modal_errors({**good, "title": "x" * 46}).problems() == [
        "data.title: Must be between 1 and 45 in length."
    ]
    long_label = text_inputs(1)
    long_label[0]["components"][0]["label"] = "x" * 46
    assert modal_errors({**good, "components": long_label}).problems() == [
        "data.components.0.components.0.label: Must be between 1 and 45 in length."
    ]
    assert modal_errors({**good, "custom_id": "x" * 101}).codes() == ["BASE_TYPE_BAD_LENGTH"]
    label = {
        "type": 18,
        "label": "Your role",
        "component": {"type": 4, "custom_id": "role", "style": 1},
    }
    assert not modal_errors({**good, "components": [label]})


def test_autocomplete_and_command_limits() -> None:
    choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    assert autocomplete_errors({"choices": choices}).codes() == ["BASE_TYPE_MAX_LENGTH"]
    assert not autocomplete_errors({"choices": choices[:25]})
    cop = {"name": "cop", "description": "Catalyst", "options": []}
    assert not commands_errors([cop])
    assert commands_errors([cop, cop]).codes() == ["APPLICATION_COMMANDS_DUPLICATE_NAME"]
    assert commands_errors([{**cop, "name": "Cop"}]).codes() == ["APPLICATION_COMMAND_INVALID_NAME"]


# ---- more of Discord's rules, without a client ---------------------------------------------


def test_callback_rules_and_webhook_token_life(fake: FakeDiscord, clock: ManualClock) -> None:
    command = fake.slash_command(fake.member_id, "help")
    callback = f"/interactions/{command['id']}/{command['token']}/callback"
    status, _, body = raw(fake, "POST", callback, {"type": 7, "data": {"content": "x"}}, auth=False)
    assert status == 400
    assert body["errors"]["type"]["_errors"][0]["code"] == "INTERACTION_RESPONSE_TYPE_INVALID"
    assert raw(fake, "POST", callback, {"type": 4, "data": {"content": "hi"}}, auth=False)[0] == 204
    followup = f"/webhooks/{fake.application_id}/{command['token']}"
    assert raw(fake, "POST", followup, {"content": "later"}, auth=False)[0] == 200
    clock.advance(15 * 60 + 1)
    status, _, body = raw(fake, "POST", followup, {"content": "much later"}, auth=False)
    assert (status, body["code"]) == (401, 50027)
    unknown = f"/interactions/{command['id']}/not-the-token/callback"
    assert raw(fake, "POST", unknown, {"type": 4, "data": {"content": "x"}}, auth=False)[2] == {
        "code": 10062,
        "message": "Unknown interaction",
    }


def test_other_refusals(fake: FakeDiscord) -> None:
    theirs = fake.user_message(fake.member_id, "mine")
    status, _, body = raw(
        fake,
        "PATCH",
        f"/channels/{fake.channel_id}/messages/{theirs['id']}",
        {"content": "edited by the bot"},
    )
    assert (status, body["code"]) == (403, 50005)
    status, _, thread = raw(
        fake, "POST", f"/channels/{fake.channel_id}/threads", {"name": "pair", "type": 12}
    )
    assert status == 201
    assert thread["type"] == 12
    missing = raw(fake, "PUT", f"/channels/{thread['id']}/thread-members/42")
    assert (missing[0], missing[2]["code"]) == (404, 10007)
    assert raw(fake, "GET", "/channels/42/messages")[2]["code"] == 10003
    assert raw(fake, "GET", "/no/such/route")[0] == 404
    assert (
        raw(fake, "POST", f"/channels/{fake.forum_id}/messages", {"content": "x"})[2]["code"]
        == 50008
    )


def test_a_file_alone_is_a_message(fake: FakeDiscord, client: Running) -> None:
    channel = client.bot.get_channel(int(fake.channel_id))
    assert isinstance(channel, discord.TextChannel)
    file = discord.File(io.BytesIO(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), "session.ics")
    client.call(channel.send(file=file))
    call = fake.wait_for("POST", "/channels/{channel_id}/messages")[0]
    assert call.status == 200
    assert call.headers["Content-Type"].startswith("multipart/form-data")
    [attachment] = fake.messages_in(fake.channel_id)[-1]["attachments"]
    assert attachment["filename"] == "session.ics"
    assert attachment["size"] == 32
    assert fake.attachment_content(attachment) == b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
