"""INTERACTION_CREATE → the dispatcher → answers, within Discord's 3 seconds.

Every interaction (the `/cop` command, its autocomplete, a button, a menu, a modal page) is
turned into a `Caller` and neutral input, and the dispatcher runs in a worker thread. A
person picked in `/cop`'s `person` option becomes the `<@id>` mention a typed one is, in the
command's text (`with_person`), so the handlers don't know the difference. If it
answers within `ACK_BUDGET` the answer is the interaction's response; otherwise the
interaction is deferred (type 5, "Catalyst is thinking…", only the person sees it) and the
answer fills that message in when it is ready (PATCH `@original`), as the Slack slow path
does with response_url. Replies are ephemeral; DMs and files go to the person's DM.

A replayed INTERACTION_CREATE (the same interaction id twice) is handled once: the id is
claimed in the database before any work, and a second arrival does nothing. One that
arrives too old to be answered (its id's timestamp more than `STALE_AFTER` ago: replayed
after a gateway resume, or held up in a stall) is left alone: Discord would refuse the
answer, so the work would happen while the person is told "the application did not
respond".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import discord
from discord.http import Route

from bot.discord import messages, modals
from bot.discord.directory import DiscordDirectory
from core import i18n, ui
from core.config import Settings
from core.context import Caller
from core.i18n import N_, _
from core.models import Role
from handlers.dispatch import Dispatcher
from handlers.ids import number_in

log = logging.getLogger(__name__)

PLATFORM = "discord"
ACK_BUDGET = 2.0  # seconds from an interaction's arrival before it is deferred
EPHEMERAL = 64
CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
MAX_CHOICES = 25
FORM_EXPIRED = N_("That form has expired. Please start again.")
DMS_CLOSED = N_(
    "I couldn't send you that: your direct messages are closed to members of this server. "
    "Allow direct messages from server members in Discord's Privacy Settings for this "
    "server, then try again."
)
DM_FAILED = N_("I couldn't send you that in a direct message just now. Please try again.")
CANNOT_DM = 50007  # Discord: "Cannot send messages to this user" (their DMs are closed)
# Discord takes an interaction's first response within 3 s of its creation. Past this age on
# arrival none can be given; the margin over 3 s is for a host clock a few seconds off
# Discord's, which would otherwise make every interaction look stale.
STALE_AFTER = timedelta(seconds=10)


def caller_for(interaction: discord.Interaction[Any], settings: Settings, guild_id: str) -> Caller:
    user_id = str(interaction.user.id)
    return Caller(
        platform=PLATFORM,
        community_external_id=str(interaction.guild_id or guild_id),
        user_id=user_id,
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
        facilitator_by_config=user_id in settings.facilitators,
    )


@dataclass
class Answer:
    """What the worker thread decided: replies to deliver, or a modal page to open."""

    replies: list[ui.Reply] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    raw: dict[str, Any] | None = None  # a body as it is (a button's "are you sure?")
    replayed: bool = False


class Interactions:
    def __init__(
        self,
        client: discord.Client,
        dispatcher: Dispatcher,
        settings: Settings,
        *,
        pool: concurrent.futures.Executor,
        guild_id: Callable[[], str],
    ) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.settings = settings
        self.pool = pool
        self.guild_id = guild_id
        self.drafts = modals.Drafts()

    # ---- entry -----------------------------------------------------------------------------

    async def handle(self, interaction: discord.Interaction[Any]) -> None:
        # Discord's 3 s run from the interaction, so the budget counts from here, not from
        # when the work starts after the lookups below.
        deadline = asyncio.get_running_loop().time() + ACK_BUDGET
        try:
            await self._handle(interaction, deadline)
        except discord.HTTPException as error:  # too late (10062), answered already (40060)…
            log.warning("Discord refused an answer to an interaction: %s %s", error.code, error)
        except Exception:
            log.exception("failed while answering a Discord interaction")

    async def _handle(self, interaction: discord.Interaction[Any], deadline: float) -> None:
        age = self.dispatcher.clock.now() - interaction.created_at
        if age > STALE_AFTER:
            # A warning, not info: if every interaction looks this old, this machine's clock
            # is ahead of Discord's and Catalyst would otherwise fall silent without a word.
            log.warning(
                "interaction %s arrived %d s old, too late to answer: left alone (if every "
                "interaction says this, check this machine's clock: it may be ahead)",
                interaction.id,
                age.total_seconds(),
            )
            return
        caller = caller_for(interaction, self.settings, self.guild_id())
        if isinstance(self.dispatcher.directory, DiscordDirectory):
            self.dispatcher.directory.saw_locale(caller.user_id, str(interaction.locale.value))
        if interaction.type is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction, caller)
            return
        work = self._work(interaction, caller)
        if work is None:
            return
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.pool, work)
        responder = Responder(self, interaction, caller)
        try:
            answer = await asyncio.wait_for(
                asyncio.shield(future), max(0.0, deadline - loop.time())
            )
        except TimeoutError:
            await responder.defer()
            answer = await future
        if answer.replayed:
            return
        if answer.modal is not None:
            await responder.open_modal(answer.modal)
            return
        if answer.raw is not None:
            await responder.send_raw(answer.raw)
            return
        await responder.deliver(answer.replies)

    def _work(
        self, interaction: discord.Interaction[Any], caller: Caller
    ) -> Callable[[], Answer] | None:
        """The blocking part of an interaction, for a worker thread; None: not ours."""
        data: Mapping[str, Any] = interaction.data or {}
        kind = interaction.type
        interaction_id = str(interaction.id)

        def once(run: Callable[[], Answer]) -> Callable[[], Answer]:
            def claimed() -> Answer:
                try:
                    first = self.dispatcher.first_delivery(
                        PLATFORM, f"interaction:{interaction_id}"
                    )
                except Exception:  # the database is away: the work says so in a sentence
                    log.exception("could not record interaction %s", interaction_id)
                    first = True
                if not first:
                    log.info("interaction %s arrived again; answered already", interaction_id)
                    return Answer(replayed=True)
                return run()

            return claimed

        if kind is discord.InteractionType.application_command:
            text = with_person(_option(data, "text"), _option(data, "person"))
            return once(lambda: Answer(self.dispatcher.command(caller, text)))
        if kind is discord.InteractionType.component:
            custom_id = str(data.get("custom_id") or "")
            chosen = data.get("values")
            if messages.asks_confirmation(custom_id):  # "are you sure?" first, no work
                label = _label_of(interaction, custom_id)
                return once(lambda: Answer(raw=messages.confirm_prompt(custom_id, label=label)))
            return once(lambda: self._component(caller, custom_id, chosen))
        if kind is discord.InteractionType.modal_submit:
            custom_id = str(data.get("custom_id") or "")
            components = list(data.get("components") or [])
            return once(lambda: self._modal_page(caller, custom_id, components))
        return None

    # ---- components ----------------------------------------------------------------------

    def _component(self, caller: Caller, custom_id: str, chosen: object) -> Answer:
        action_id, value = messages.parse_custom_id(custom_id)
        page = modals.parse_id(action_id, modals.OPEN_PREFIX)
        if page is not None:  # Continue / Fix / Open: the next modal page
            draft = self.drafts.get(page[0], caller.user_id, self.dispatcher.clock.now())
            if draft is None or page[1] >= len(draft.pages):
                return Answer(self._in_their_language(caller, lambda: [ui.notice(FORM_EXPIRED)]))
            return Answer(modal=modals.modal(draft, page[1]))
        if isinstance(chosen, list):  # a menu: its choice is the value
            value = str(chosen[0]) if chosen else ""
        return Answer(self.dispatcher.action(caller, action_id, value))

    # ---- forms in pages --------------------------------------------------------------------

    def _modal_page(
        self, caller: Caller, custom_id: str, components: Sequence[Mapping[str, Any]]
    ) -> Answer:
        now = self.dispatcher.clock.now()
        parsed = modals.parse_id(custom_id, modals.MODAL_PREFIX)
        draft = self.drafts.get(parsed[0], caller.user_id, now) if parsed else None
        if parsed is None or draft is None or parsed[1] >= len(draft.pages):
            return Answer(self._in_their_language(caller, lambda: [ui.notice(FORM_EXPIRED)]))
        number = parsed[1]
        page = draft.pages[number]
        typed = modals.page_values(page, modals.submitted(components))
        draft.values.update(typed)
        language = self.dispatcher.language_of(caller)
        with i18n.speaking(language):
            problems = ui.form_problems(page, typed)
        names = {f.name for f in page}
        draft.errors = {k: v for k, v in draft.errors.items() if k not in names} | problems
        if draft.errors:
            return Answer(self._fix(draft, language))
        if number + 1 < len(draft.pages):
            with i18n.speaking(language):
                saved = ui.Message(
                    summary=_("Page {page} of {pages} saved.").format(
                        page=number + 1, pages=len(draft.pages)
                    ),
                    blocks=(
                        ui.Section(
                            ui.text(
                                "Page {page} of {pages} saved.",
                                page=number + 1,
                                pages=len(draft.pages),
                            )
                        ),
                        ui.Actions(
                            (
                                ui.Button(
                                    _("Continue"),
                                    modals.open_id(draft, number + 1),
                                    style="primary",
                                ),
                            )
                        ),
                    ),
                )
            return Answer([saved])
        replies = self.dispatcher.submit(
            caller, draft.form.form_id, dict(draft.values), draft.form.state, draft.key
        )
        errors = next((r for r in replies if isinstance(r, ui.FormErrors)), None)
        if errors is not None:
            draft.errors = dict(errors.errors)
            return Answer(self._fix(draft, language))
        self.drafts.finish(draft.key)
        return Answer(replies)

    def _fix(self, draft: modals.Draft, language: str) -> list[ui.Reply]:
        """What's wrong, and a button that reopens the first page with an error on it."""
        page = min(draft.page_of(name) for name in draft.errors)
        labels = {f.name: f.label for f in draft.form.fields}
        with i18n.speaking(language):
            lines = [
                ui.Section(ui.literal(f"{labels.get(name, '')}: {problem}".lstrip(": ")))
                for name, problem in draft.errors.items()
            ]
            intro = ui.text("Please fix this and send the form again:")
            return [
                ui.Message(
                    summary=intro.plain(),
                    blocks=(
                        ui.Section(intro),
                        *lines,
                        ui.Actions(
                            (
                                ui.Button(
                                    _("Fix page {page}").format(page=page + 1)
                                    if len(draft.pages) > 1
                                    else _("Fix it"),
                                    modals.open_id(draft, page),
                                    style="primary",
                                ),
                            )
                        ),
                    ),
                )
            ]

    def open_form(self, caller: Caller, form: ui.Form) -> modals.Draft:
        return self.drafts.start(caller.user_id, form, self.dispatcher.clock.now())

    def open_message(
        self, caller: Caller, key: str, page: int, form: ui.Form | None = None
    ) -> ui.Message:
        """A form offered by a button, where a modal can't be the answer (after a deferral,
        or in a DM read as a command), or must not be yet (the form has an intro to read
        first, which a modal can't show): the click opens it."""
        with i18n.speaking(self.dispatcher.language_of(caller)):
            body = ui.text("Your form is ready.")
            intro = tuple(form.intro) if form is not None and page == 0 else ()
            return ui.Message(
                summary=form.title if intro and form is not None else body.plain(),
                blocks=(
                    *(intro or (ui.Section(body),)),
                    ui.Actions(
                        (
                            ui.Button(
                                _("Open the form"),
                                f"{modals.OPEN_PREFIX}{key}:{page}",
                                style="primary",
                            ),
                        )
                    ),
                ),
            )

    def _in_their_language(
        self, caller: Caller, build: Callable[[], list[ui.Reply]]
    ) -> list[ui.Reply]:
        with i18n.speaking(self.dispatcher.language_of(caller)):
            return build()

    # ---- autocomplete ----------------------------------------------------------------------

    async def _autocomplete(self, interaction: discord.Interaction[Any], caller: Caller) -> None:
        """Suggest subcommands for what has been typed so far (the first word)."""
        typed = _option(interaction.data or {}, "text").strip()
        loop = asyncio.get_running_loop()
        role = await loop.run_in_executor(self.pool, self.dispatcher.role_of, caller)
        facilitator = role is Role.FACILITATOR
        word, _sep, rest = typed.lower().partition(" ")
        names = sorted(c.name for c in self.dispatcher.registry.visible_commands(facilitator))
        if rest:  # past the first word: offer what they typed, as typed
            choices = [typed]
        else:
            choices = [n for n in names if n.startswith(word)] or [n for n in names if word in n]
        body = {
            "type": AUTOCOMPLETE_RESULT,
            "data": {
                "choices": [
                    {"name": modals.clip(c, 100), "value": modals.clip(c, 100)}
                    for c in choices[:MAX_CHOICES]
                ]
            },
        }
        await callback(self.client, interaction, body)


def _label_of(interaction: discord.Interaction[Any], custom_id: str) -> str:
    """The clicked button's label, from the message that holds it."""
    message = interaction.message
    for row in message.components if message is not None else []:
        for child in getattr(row, "children", []):
            if getattr(child, "custom_id", None) == custom_id:
                return str(getattr(child, "label", "") or "")
    return ""


def with_person(text: str, person_id: str) -> str:
    """The command's text with the person picked in `/cop`'s `person` option written in as
    the mention a typed `@someone` is, so the handlers read both alike. It goes where the
    grammar has `@someone`: before a set number at the end (`sets move @someone 3`, `sets
    add @someone 3`), else last (`pair avoid @someone`, `sets swap @one @another`)."""
    if not person_id:
        return text
    mention = f"<@{person_id}>"
    words = text.split()
    if len(words) > 2 and number_in(words[-1]) is not None:
        return " ".join([*words[:-1], mention, words[-1]])
    return " ".join([*words, mention])


def _option(data: Mapping[str, Any], name: str) -> str:
    for option in data.get("options") or []:
        if option.get("name") == name:
            return str(option.get("value") or "")
    return ""


async def callback(
    client: discord.Client, interaction: discord.Interaction[Any], body: Mapping[str, Any]
) -> None:
    """The interaction's one response (POST …/callback)."""
    route = Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=interaction.id,
        interaction_token=interaction.token,
    )
    await client.http.request(route, json=dict(body))


class Responder:
    """Answers one interaction: the response first, then followups, all ephemeral."""

    def __init__(
        self, owner: Interactions, interaction: discord.Interaction[Any], caller: Caller
    ) -> None:
        self.owner = owner
        self.client = owner.client
        self.interaction = interaction
        self.caller = caller
        self.responded = False
        self.thinking = False  # deferred: the "thinking" message waits to be filled in

    @property
    def _webhook(self) -> dict[str, Any]:
        return {
            "application_id": self.interaction.application_id,
            "interaction_token": self.interaction.token,
        }

    async def defer(self) -> None:
        await callback(
            self.client, self.interaction, {"type": DEFERRED_MESSAGE, "data": {"flags": EPHEMERAL}}
        )
        self.responded = self.thinking = True

    async def send_raw(self, payload: dict[str, Any]) -> None:
        if not self.responded:
            await callback(
                self.client, self.interaction, {"type": CHANNEL_MESSAGE, "data": payload}
            )
            self.responded = True
            return
        await self.client.http.request(
            Route(
                "PATCH",
                "/webhooks/{application_id}/{interaction_token}/messages/@original",
                **self._webhook,
            ),
            json={k: v for k, v in payload.items() if k != "flags"},
        )
        self.thinking = False

    async def open_modal(self, modal: dict[str, Any]) -> None:
        if not self.responded:
            await callback(self.client, self.interaction, {"type": MODAL, "data": modal})
            self.responded = True
            return
        # Deferred (the page took long to build): a modal can only be a first response.
        key, page = modals.parse_id(modal["custom_id"], modals.MODAL_PREFIX) or ("", 0)
        loop = asyncio.get_running_loop()
        offer = await loop.run_in_executor(
            self.owner.pool, self.owner.open_message, self.caller, key, page
        )
        await self.deliver([offer])

    async def deliver(self, replies: Sequence[ui.Reply]) -> None:
        if not self.responded and any(
            isinstance(r, ui.DirectMessage | ui.SendFile) for r in replies
        ):
            # Opening a DM and uploading can outlast Discord's 3 s: answer first.
            await self.defer()
        failed: int | None = None  # a DM or file not delivered: Discord's error code
        for reply in replies:
            if failed is not None and isinstance(reply, ui.Message):
                # The sentence after a DM part says "I've sent you…": not true now.
                reply, failed = await self._undelivered(failed), None
            try:
                await self._one(reply)
            except discord.HTTPException as error:
                log.warning(
                    "Discord refused %s: %s %s", type(reply).__name__, error.code, error.text
                )
                if isinstance(reply, ui.DirectMessage | ui.SendFile):
                    failed = error.code
            except Exception:  # one failed call must not drop the replies after it
                log.exception("could not deliver %s", type(reply).__name__)
                if isinstance(reply, ui.DirectMessage | ui.SendFile):
                    failed = 0
        if failed is not None:  # no sentence followed: the person still hears of it
            await self._one(await self._undelivered(failed))
        if not self.responded:
            await self._acknowledge()
        elif self.thinking:  # deferred, and nothing came to fill the message in
            await self.client.http.request(
                Route(
                    "DELETE",
                    "/webhooks/{application_id}/{interaction_token}/messages/@original",
                    **self._webhook,
                )
            )
            self.thinking = False

    async def _acknowledge(self) -> None:
        """Nothing to show in place: a click is acknowledged silently; a command (which
        can't be) gets a deferral whose empty message is removed."""
        if self.interaction.type is discord.InteractionType.application_command:
            await self.defer()
            await self.deliver([])
            return
        await callback(self.client, self.interaction, {"type": DEFERRED_UPDATE})
        self.responded = True

    async def _one(self, reply: ui.Reply) -> None:
        if isinstance(reply, ui.Message):
            await self.say(reply)
        elif isinstance(reply, ui.OpenForm):
            draft = self.owner.open_form(self.caller, reply.form)
            if reply.form.intro:
                # A modal shows only inputs: the intro (the join form's ground rules and
                # privacy notice) is read first, and its button opens the form.
                loop = asyncio.get_running_loop()
                offer = await loop.run_in_executor(
                    self.owner.pool, self.owner.open_message, self.caller, draft.key, 0, draft.form
                )
                await self.say(offer)
            else:
                await self.open_modal(modals.modal(draft, 0))
        elif isinstance(reply, ui.DirectMessage):
            channel = await self._dm()
            await self.client.http.send_message(
                channel.id, params=_params(messages.message_payload(reply.message))
            )
        elif isinstance(reply, ui.SendFile):
            channel = await self._dm()
            await channel.send(
                content=reply.comment or None,
                file=discord.File(io.BytesIO(reply.content.encode()), filename=reply.filename),
            )
        elif isinstance(reply, ui.FormErrors):
            await self.say(ui.said(" ".join(reply.errors.values())))
        # RefreshHome: Discord has no home tab; nothing to redraw.

    async def _undelivered(self, code: int) -> ui.Message:
        sentence = DMS_CLOSED if code == CANNOT_DM else DM_FAILED
        dispatcher = self.owner.dispatcher

        def build() -> ui.Message:
            with i18n.speaking(dispatcher.language_of(self.caller)):
                return ui.notice(sentence)

        return await asyncio.get_running_loop().run_in_executor(self.owner.pool, build)

    async def _dm(self) -> discord.DMChannel:
        return await self.interaction.user.create_dm()

    async def say(self, message: ui.Message) -> None:
        payload = messages.message_payload(message, ephemeral=True)
        if not self.responded:
            replace = (
                message.replace_original
                and self.interaction.type is discord.InteractionType.component
            )
            if replace:
                payload = {k: v for k, v in payload.items() if k != "flags"}
            body = {"type": UPDATE_MESSAGE if replace else CHANNEL_MESSAGE, "data": payload}
            await callback(self.client, self.interaction, body)
            self.responded = True
        elif self.thinking:
            edit = {k: v for k, v in payload.items() if k != "flags"}
            original = "/webhooks/{application_id}/{interaction_token}/messages/@original"
            if await self._replace_clicked(message, edit):
                await self.client.http.request(Route("DELETE", original, **self._webhook))
            else:
                await self.client.http.request(Route("PATCH", original, **self._webhook), json=edit)
            self.thinking = False
        else:
            await self.client.http.request(
                Route("POST", "/webhooks/{application_id}/{interaction_token}", **self._webhook),
                json={**payload, "flags": EPHEMERAL},
            )

    async def _replace_clicked(self, message: ui.Message, edit: dict[str, Any]) -> bool:
        """After a deferral "thinking…" is the interaction's message: an answer that
        replaces the clicked message edits that message instead (one in a channel or a DM;
        an ephemeral one exists only for its interaction). False: not done, say it below."""
        clicked = self.interaction.message
        if (
            not message.replace_original
            or self.interaction.type is not discord.InteractionType.component
            or clicked is None
            or clicked.flags.ephemeral
        ):
            return False
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=clicked.channel.id,
            message_id=clicked.id,
        )
        try:
            await self.client.http.request(route, json=edit)
        except discord.HTTPException as error:
            log.warning("could not edit the clicked message: %s %s", error.code, error.text)
            return False
        return True


def _params(payload: Mapping[str, Any]) -> Any:
    """A rendered body as discord.py's send_message takes it."""
    from discord.http import MultipartParameters

    clean = {k: v for k, v in payload.items() if k != "flags"}
    return MultipartParameters(payload=clean, multipart=None, files=None)
