"""The Discord client: the gateway connection, `/cop`, and what arrives on it.

Intents: guilds (the server and its channels), guild messages and DMs (thread replies are
reflections; a DM is read as a command), message content (a reply's words: privileged,
switched on in the Developer Portal), and members (names for the directory: privileged).

`/cop` is one application command with a `text` option whose autocomplete suggests
subcommands, so the grammar (help, typos, did-you-mean) is the Slack one, and a `person`
option, Discord's member picker, for the commands about someone (`pair avoid`, `role
grant`, `sets move`…): the adapter writes the pick into the text as the mention a typed
`@someone` is (see `interactions.with_person`). No command takes a channel, so there is no
channel picker. The descriptions carry `description_localizations` from the catalogues, for
each Catalyst language Discord's client has a locale for (French; Discord has no Arabic).
It is registered to DISCORD_GUILD_ID when set (instant), else globally, and only when what
Discord holds (read with its localizations) differs from the definition here, so a restart
doesn't churn Discord's command cache.
GUILD_MEMBER_ADD needs nothing: Slack's team_join does nothing either (people join with
`/cop join`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import discord
from discord.http import Route

from bot.discord import endpoints, messages
from bot.discord.interactions import PLATFORM, Interactions
from core import i18n, ui
from core.capability import MessageChange, MessageEvent
from core.config import Settings
from core.context import Caller
from core.i18n import N_, _
from handlers.dispatch import Dispatcher

log = logging.getLogger(__name__)

STRING_OPTION, USER_OPTION = 3, 6
TEXT_OPTION, PERSON_OPTION = "text", "person"
# Shown by Discord's command picker (at most 100 characters each, in every language). One
# definition serves the whole server: the other languages go in description_localizations.
COMMAND_DESCRIPTION = N_("Catalyst: type help to see everything you can do")
TEXT_DESCRIPTION = N_("What to do, e.g. help, join, sessions")
PERSON_DESCRIPTION = N_("Who it is about, for pair avoid, role grant, set swap, sets move…")


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True
    wanted.members = True
    return wanted


def discord_locales(language: str) -> list[str]:
    """Discord's locales for a Catalyst language (`fr` → `fr`; `es` would be `es-ES` and
    `es-419`); none when Discord's client doesn't come in it (Arabic)."""
    return [locale.value for locale in discord.Locale if locale.value.split("-")[0] == language]


def localizations(msgid: str) -> dict[str, str]:
    """`msgid` in every language Catalyst speaks that Discord has a locale for, keyed by
    that locale (Discord refuses a key that isn't one of its locales)."""
    found: dict[str, str] = {}
    for language in i18n.available():
        if language == i18n.SOURCE_LANGUAGE:
            continue
        with i18n.speaking(language):
            translated = _(msgid)
        if translated != msgid:  # not translated yet: Discord shows the English
            found.update(dict.fromkeys(discord_locales(language), translated))
    return found


def command_definition(settings: Settings) -> dict[str, Any]:
    """`/cop` as Discord stores it (the fields compared to decide on re-registering)."""
    return {
        "name": settings.command_word,
        "type": 1,
        "description": COMMAND_DESCRIPTION,
        "description_localizations": localizations(COMMAND_DESCRIPTION),
        "options": [
            {
                "name": TEXT_OPTION,
                "type": STRING_OPTION,
                "description": TEXT_DESCRIPTION,
                "description_localizations": localizations(TEXT_DESCRIPTION),
                "required": False,
                "autocomplete": True,
            },
            {
                "name": PERSON_OPTION,
                "type": USER_OPTION,
                "description": PERSON_DESCRIPTION,
                "description_localizations": localizations(PERSON_DESCRIPTION),
                "required": False,
            },
        ],
    }


def _same(stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    def options(command: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (
                o.get("name"),
                o.get("type"),
                o.get("description"),
                o.get("description_localizations") or {},
                bool(o.get("required")),
                bool(o.get("autocomplete")),
            )
            for o in command.get("options") or []
        ]

    return (
        stored.get("name") == wanted["name"]
        and stored.get("type", 1) == wanted["type"]
        and stored.get("description") == wanted["description"]
        and (stored.get("description_localizations") or {}) == wanted["description_localizations"]
        and options(stored) == options(wanted)
    )


async def stored_commands(client: discord.Client, application_id: object, guild: str) -> Any:
    """The commands Discord holds, with their localizations (discord.py's own getters leave
    them out, so a comparison with them would re-register on every start)."""
    route = (
        Route(
            "GET",
            "/applications/{application_id}/guilds/{guild_id}/commands",
            application_id=application_id,
            guild_id=guild,
        )
        if guild
        else Route("GET", "/applications/{application_id}/commands", application_id=application_id)
    )
    return await client.http.request(route, params={"with_localizations": "true"})


class CatalystDiscord(discord.Client):
    def __init__(
        self,
        settings: Settings,
        dispatcher: Dispatcher,
        *,
        pool: concurrent.futures.ThreadPoolExecutor,
        guild_ready_timeout: float = 2.0,
        on_ready_hook: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(intents=intents(), guild_ready_timeout=guild_ready_timeout)
        self.settings = settings
        self.dispatcher = dispatcher
        self.pool = pool
        self.on_ready_hook = on_ready_hook
        self._busy: set[asyncio.Task[Any]] = set()
        self.interactions = Interactions(
            self,
            dispatcher,
            settings,
            pool=pool,
            guild_id=self.community_guild_id,
        )

    def known_guild_id(self) -> str | None:
        """The server the community lives in: DISCORD_GUILD_ID, else the first one joined;
        None while the bot is in none."""
        if self.settings.discord_guild_id:
            return self.settings.discord_guild_id
        return str(self.guilds[0].id) if self.guilds else None

    def community_guild_id(self) -> str:
        """The community's id for a caller (an interaction in a DM carries no guild)."""
        return self.known_guild_id() or "unknown"

    async def setup_hook(self) -> None:
        if self.settings.discord_api_url:  # a proxy or the test fake names its gateway
            await endpoints.use_gateway_of(self)
        await self.register_commands()

    async def register_commands(self) -> None:
        application_id = self.settings.discord_application_id or self.application_id
        if application_id is None:
            log.warning("no Discord application id: /cop not registered")
            return
        wanted = command_definition(self.settings)
        guild = self.settings.discord_guild_id
        stored = await stored_commands(self, application_id, guild or "")
        if len(stored) == 1 and _same(dict(stored[0]), wanted):
            log.info("/%s is registered already", wanted["name"])
            return
        if guild:
            await self.http.bulk_upsert_guild_commands(application_id, guild, [wanted])
        else:
            await self.http.bulk_upsert_global_commands(application_id, [wanted])
        log.info("registered /%s %s", wanted["name"], f"in server {guild}" if guild else "globally")

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s", self.user)
        if self.on_ready_hook is not None:
            self.on_ready_hook()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        with self._working():
            await self.interactions.handle(interaction)

    @contextlib.contextmanager
    def _working(self) -> Iterator[None]:
        """Counts the handler in, so `drain` can wait for it."""
        task = asyncio.current_task()
        if task is not None:
            self._busy.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._busy.discard(task)

    async def drain(self, timeout: float = 10.0) -> None:
        """Let interactions under way finish answering (before the connection closes)."""
        busy = set(self._busy)
        if busy:
            await asyncio.wait(busy, timeout=timeout)

    # ---- messages: thread replies are reflections; a DM is a command ------------------------

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None and message.author.id == self.user.id:
            return  # Discord sends the bot its own messages too
        if message.author.bot:
            return
        with self._working():
            if isinstance(message.channel, discord.DMChannel):
                await self._dm_command(message)
                return
            await self._message_event(
                MessageChange.POSTED,
                message.channel.id,
                message.id,
                message.content,
                message.author.id,
            )

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data: Mapping[str, Any] = payload.data
        author: Mapping[str, Any] = data.get("author") or {}
        if author.get("bot"):
            return
        content = data.get("content")
        if content is None:
            return  # an embed unfurled, not an edit of the words
        with self._working():
            await self._message_event(
                MessageChange.EDITED,
                payload.channel_id,
                payload.message_id,
                str(content),
                author.get("id") or "",
            )

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        with self._working():
            await self._message_event(
                MessageChange.DELETED, payload.channel_id, payload.message_id, "", ""
            )

    async def _message_event(
        self,
        change: MessageChange,
        channel_id: int,
        message_id: int,
        words: str,
        author_id: object,
    ) -> None:
        """On Discord a thread started from a message has that message's id, so a reply in
        it reads as Slack's: the parent channel, the reply's id, the thread's (= the prompt
        message's) id as thread_ts. Messages outside threads are not replies."""
        thread = self.get_channel(channel_id)
        if thread is None:
            try:
                thread = await self.fetch_channel(channel_id)
            except discord.HTTPException:
                return
        if not isinstance(thread, discord.Thread) or thread.parent_id is None:
            return
        event = MessageEvent(
            change=change,
            channel=str(thread.parent_id),
            ts=str(message_id),
            thread_ts=str(thread.id),
            text=words,
        )
        caller = Caller(
            platform=PLATFORM, community_external_id=str(thread.guild.id), user_id=str(author_id)
        )
        await asyncio.get_running_loop().run_in_executor(
            self.pool, self.dispatcher.message_event, caller, event
        )

    async def _dm_command(self, message: discord.Message) -> None:
        """A DM to the bot is read as a command, answered in the DM (never silence)."""
        user_id = str(message.author.id)
        caller = Caller(
            platform=PLATFORM,
            community_external_id=self.community_guild_id(),
            user_id=user_id,
            channel_id=str(message.channel.id),
            facilitator_by_config=user_id in self.settings.facilitators,
        )
        content = message.content

        def work() -> list[ui.Message | ui.SendFile]:
            shown: list[ui.Message | ui.SendFile] = []
            for reply in self.dispatcher.command(caller, content):
                if isinstance(reply, ui.OpenForm):  # a modal needs an interaction: a button
                    draft = self.interactions.open_form(caller, reply.form)
                    shown.append(self.interactions.open_message(caller, draft.key, 0, draft.form))
                elif isinstance(reply, ui.DirectMessage):
                    shown.append(reply.message)
                elif isinstance(reply, ui.Message | ui.SendFile):  # a file: into this DM
                    shown.append(reply)
                elif isinstance(reply, ui.FormErrors):
                    shown.append(ui.said(" ".join(reply.errors.values())))
            return shown

        loop = asyncio.get_running_loop()
        for shown in await loop.run_in_executor(self.pool, work):
            if isinstance(shown, ui.SendFile):
                try:
                    await message.channel.send(
                        content=shown.comment or None,
                        file=discord.File(
                            io.BytesIO(shown.content.encode()), filename=shown.filename
                        ),
                    )
                except discord.HTTPException as error:
                    log.warning("could not send a file in a DM: %s", error)
                continue
            payload = {k: v for k, v in messages.message_payload(shown).items() if k != "flags"}
            try:
                await self.http.send_message(
                    message.channel.id,
                    params=discord.http.MultipartParameters(
                        payload=payload, multipart=None, files=None
                    ),
                )
            except discord.HTTPException as error:
                log.warning("could not answer a DM: %s", error)


class Connection:
    """The client running on an event loop in a thread of its own, so `catalyst run` can
    serve Slack in the main thread at the same time (and tests can drive it)."""

    def __init__(self, client: CatalystDiscord, token: str) -> None:
        self.client = client
        self.token = token
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.loop = asyncio.new_event_loop()
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="catalyst-discord", daemon=True)
        previous = client.on_ready_hook

        def on_ready() -> None:
            self.ready.set()
            if previous is not None:
                previous()

        client.on_ready_hook = on_ready

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._run())
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _run(self) -> None:
        self._stopping = asyncio.Event()
        start = asyncio.create_task(self.client.start(self.token))
        stop = asyncio.create_task(self._stopping.wait())
        await asyncio.wait({start, stop}, return_when=asyncio.FIRST_COMPLETED)
        if start.done():  # it failed: a refused token, an intent not enabled…
            stop.cancel()
            self.error = start.exception()
            self.ready.set()
            return
        await self.client.drain()
        await self.client.close()
        with contextlib.suppress(Exception):
            await start
        # discord.py may leave a task behind (waiting for guilds): end it before the loop
        # closes, or Python reports it destroyed while pending.
        left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in left:
            task.cancel()
        await asyncio.gather(*left, return_exceptions=True)

    def start(self, timeout: float = 30.0) -> None:
        """Connect and wait until the gateway is ready; raise what stopped it if it failed."""
        self._thread.start()
        if not self.ready.wait(timeout):
            raise TimeoutError("Discord did not get ready in time")  # untranslated: a log
        if self.error is not None:
            raise self.error

    def wait(self) -> None:
        """Until the connection ends (stopped, or failed for good)."""
        self._thread.join()

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive() and self._stopping is not None:
            stopping = self._stopping
            self.loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout)
