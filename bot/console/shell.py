"""`catalyst shell`: try Catalyst in a terminal, on the same database, with no Slack.

Type commands as in Slack (`/cop join` or just `join`), answer forms one question at a
time, press buttons by typing their number. `:as Sam` acts as another member,
`:facilitator` toggles your facilitator role, `:home` shows the home page, `:quit` leaves.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.console import render
from bot.console.inbox import ConsoleInbox
from core import i18n, ui
from core.config import Settings
from core.context import Caller
from core.i18n import N_, _, t
from core.labels import ROLE_LABELS, shown
from core.models import Role
from handlers.dispatch import Dispatcher

PLATFORM = "console"
COMMUNITY = "local"
CANCEL_WORDS = {":cancel", "cancel"}
# Slack shows pickers for these; the console says what to type instead.
FORMAT_HINTS = {
    ui.FieldKind.DATE: N_("(YYYY-MM-DD)"),
    ui.FieldKind.TIME: N_("(HH:MM, 24-hour)"),
    ui.FieldKind.NUMBER: N_("(a number)"),
    ui.FieldKind.URL: N_("(a web address)"),
}

MENTION_WORD = re.compile(r"(?<![<\w])@([^\W\d_][\w.-]{0,40})")


def user_id_for(name: str) -> str:
    """A stable console user id for a persona name (non-Latin names get a short hash)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        slug = hashlib.sha256(name.strip().casefold().encode()).hexdigest()[:10]
    return "console-" + slug


def _starts_a_word(wanted: str, label: str) -> bool:
    if not wanted:
        return False
    words = re.split(r"[\s/–—(),-]+", label.replace("_", " ").casefold())
    spaced = " ".join(w for w in words if w)
    return any(spaced[i:].startswith(wanted) for i in _word_starts(spaced))


def _word_starts(value: str) -> list[int]:
    return [i for i, ch in enumerate(value) if ch != " " and (i == 0 or value[i - 1] == " ")]


class Cancelled(Exception):
    pass


class EndOfInput(Exception):
    pass


@dataclass
class Console:
    dispatcher: Dispatcher
    settings: Settings
    stdin: TextIO
    stdout: TextIO
    colour: bool = False
    exports_dir: Path = Path("catalyst-exports")
    persona: str = "you"
    facilitators: set[str] = field(default_factory=set)
    buttons: list[ui.Button | ui.Select] = field(default_factory=list)
    inbox: ConsoleInbox | None = None
    # At a terminal, lines are read with input() after `readline` is loaded: arrow keys
    # edit the line and Up recalls earlier ones, instead of printing ^[[A.
    line_editing: bool = False

    def __post_init__(self) -> None:
        self.persona = render.safe(self.persona)[:40] or "you"

    # ---- plumbing ---------------------------------------------------------------------------

    @property
    def style(self) -> render.Style:
        return render.Style(self.colour)

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def ask(self, prompt: str) -> str:
        if self.line_editing:
            try:
                return input(prompt)
            except EOFError:
                raise EndOfInput from None
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EndOfInput
        return line.rstrip("\r\n")

    @contextmanager
    def speaking(self) -> Iterator[str]:
        """The console's own words in the acting person's language (theirs, once they have
        joined, else the community's); the dispatcher's replies come in it already."""
        with i18n.speaking(self.dispatcher.language_of(self.caller)) as language:
            yield language

    @property
    def caller(self) -> Caller:
        user_id = user_id_for(self.persona)
        return Caller(
            platform=PLATFORM,
            community_external_id=COMMUNITY,
            user_id=user_id,
            channel_id="console",
            facilitator_by_config=user_id in self.facilitators,
        )

    # ---- the loop ---------------------------------------------------------------------------

    def run(self) -> int:
        word = self.settings.command_word
        with self.speaking():
            self.say(self.style.bold(_("Catalyst — local console")))
            self.say(
                render.wrap(
                    t(
                        "You're trying Catalyst without Slack, on the same database. Type what "
                        "you would type in Slack, like `{command} join` or just `join`; `help` "
                        "lists everything. Console extras: `:as Sam` to act as someone else, "
                        "`:facilitator` to switch your facilitator role on or off, `:home` for "
                        "the home page, `:quit` to leave.",
                        command=f"/{word}",
                    )
                )
            )
            self.say(t("You are acting as '{name}'.", name=self.persona))
        while True:
            try:
                with self.speaking():
                    self.show_inbox()
                line = self.ask(f"\n{self.persona}> ").strip()
            except EndOfInput:
                self.say()
                return 0
            except KeyboardInterrupt:
                self.say()
                return 0
            if not line:
                continue
            if line in {":quit", ":q", ":exit", "exit", "quit"}:
                with self.speaking():
                    self.say(_("Bye for now."))
                return 0
            try:
                with self.speaking():
                    self.handle(line)
            except EndOfInput:
                self.say()
                return 0
            except (Cancelled, KeyboardInterrupt):
                with self.speaking():
                    self.say(_("Cancelled; nothing was saved."))

    def handle(self, line: str) -> None:
        if line.startswith(":"):
            self.meta(line)
            return
        if line.isdigit():  # includes "²", which int() refuses: that's "no such button"
            self.press(int(line) if line.isdecimal() and len(line) < 6 else 0)
            return
        prefix = "/" + self.settings.command_word
        if line.lower().startswith(prefix + " ") or line.lower() == prefix:
            line = line[len(prefix) :].strip()
        elif line.startswith("/"):
            self.say(
                t("In this console the command is {command}; try `{command} help`.", command=prefix)
            )
            return
        self.deliver(self.dispatcher.command(self.caller, self.mentions(line)))

    def mentions(self, line: str) -> str:
        """`@Sam` becomes the platform mention Slack would send: <@console-sam|Sam>.

        The name is a persona (`:as Sam`) or a member's display name, whole or its first
        word (`@Amina`, `@Amina-Yusuf`); when several members share it, the person picks.
        """
        return MENTION_WORD.sub(lambda m: self.mention_for(m.group(1)), line)

    def mention_for(self, name: str) -> str:
        persona_id = user_id_for(name)
        matches = self.dispatcher.members_named(self.caller, name)
        ids = [user_id for user_id, _display in matches]
        if not matches or persona_id in ids:
            return f"<@{persona_id}|{name}>"
        if len(matches) == 1:
            return f"<@{ids[0]}|{name}>"
        options = [
            ui.Option(user_id, f"{display} ({user_id.removeprefix('console-')})")
            for user_id, display in matches
        ]
        picked = self.choose_one(
            t("More than one member is called {name}: which one?", name=name), options, None
        )
        return f"<@{picked or persona_id}|{name}>"

    def meta(self, line: str) -> None:
        word, _sep, rest = line.partition(" ")
        if word == ":as":
            name = rest.strip()
            if not name or not re.search(r"\w", name):
                self.say(_("Give a name to act as, like `:as Sam`."))
                return
            self.persona = render.safe(name)[:40]
            self.buttons = []
            with self.speaking():  # the new persona's language
                self.say(t("You are now acting as '{name}'.", name=self.persona))
        elif word == ":facilitator":
            self.toggle_facilitator()
        elif word == ":home":
            page = self.dispatcher.home(self.caller)
            if page is None:
                self.say(_("The home page isn't available right now."))
            else:
                self.show(page.blocks)
        elif word == ":who":
            role = shown(ROLE_LABELS, self.dispatcher.role_of(self.caller).value)
            self.say(
                t(
                    "You are '{name}' ({user}); role: {role}.",
                    name=self.persona,
                    user=self.caller.user_id,
                    role=role,
                )
            )
        else:
            self.say(_("Console extras: `:as NAME`, `:facilitator`, `:home`, `:who`, `:quit`."))

    def toggle_facilitator(self) -> None:
        """Switch the persona's facilitator role, storing it once they have joined.

        Before joining there is no member to store it on, so it holds for this console
        (as CATALYST_FACILITATORS would) and is stored when they join.
        """
        user_id = self.caller.user_id
        becoming = self.dispatcher.role_of(self.caller) is not Role.FACILITATOR
        if becoming:
            self.facilitators.add(user_id)
        else:
            self.facilitators.discard(user_id)
        stored = self.dispatcher.set_own_role(self.caller, becoming)
        if becoming and stored:
            said = _(
                "'{name}' is now acting as a facilitator. It's stored with your membership, so "
                "Home, `my-data` and the next start agree."
            )
        elif becoming:
            said = _(
                "'{name}' is now acting as a facilitator. It will be stored with your "
                "membership when you join."
            )
        elif stored:
            said = _(
                "'{name}' is no longer acting as a facilitator. It's stored with your "
                "membership, so Home, `my-data` and the next start agree."
            )
        else:
            said = _("'{name}' is no longer acting as a facilitator.")
        self.say(i18n.fill(said, {"name": self.persona}))

    def press(self, number: int) -> None:
        if not 1 <= number <= len(self.buttons):
            self.say(_("There's no button with that number. Type `help` to see what you can do."))
            return
        element = self.buttons[number - 1]
        if isinstance(element, ui.Select):
            value = self.choose_one(element.placeholder, element.options, element.initial)
            self.deliver(self.dispatcher.action(self.caller, element.action_id, value or ""))
            return
        if element.confirm is not None:
            answer = self.ask(f"{element.confirm.title} {element.confirm.body} [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                self.say(_("Okay, nothing changed."))
                return
        self.deliver(self.dispatcher.action(self.caller, element.action_id, element.value))

    # ---- replies ----------------------------------------------------------------------------

    def show(self, blocks: Sequence[ui.Block]) -> None:
        text, buttons = render.blocks(blocks, self.style)
        self.buttons = buttons
        self.say(text)

    def show_inbox(self) -> None:
        """Messages the scheduler sent since the last prompt, as Slack would show them."""
        if self.inbox is None:
            return
        for delivery in self.inbox.take_for(self.caller.user_id):
            if delivery.edited:
                where = _("— Catalyst corrected an earlier message —")
            elif delivery.room is not None:  # a set's private space, shown as Slack names it
                where = t("— Catalyst, in #{room} —", room=render.safe(delivery.room))
            elif delivery.recipient.startswith(("console-", "archive:console-")):
                where = _("— Catalyst, in your DMs —")
            else:
                where = _("— Catalyst, in the channel —")
            self.say(self.style.dim("\n" + where))
            self.show(delivery.message.blocks or [ui.Section(ui.literal(delivery.message.summary))])
            if delivery.closes_room:
                self.say(self.style.dim(_("(this room is now archived)")))

    def deliver(self, replies: Sequence[ui.Reply]) -> None:
        for reply in replies:
            if isinstance(reply, ui.Message):
                self.show(reply.blocks or [ui.Section(ui.literal(reply.summary))])
            elif isinstance(reply, ui.DirectMessage):
                self.say(self.style.dim(_("— direct message from Catalyst —")))
                self.show(reply.message.blocks)
            elif isinstance(reply, ui.OpenForm):
                self.fill(reply.form)
            elif isinstance(reply, ui.SendFile):
                self.exports_dir.mkdir(parents=True, exist_ok=True)
                path = self.exports_dir / f"{user_id_for(self.persona)}-{reply.filename}"
                path.write_text(reply.content, encoding="utf-8")
                saved = t("Saved to {path}.", path=path)
                self.say(f"{reply.comment or reply.title} {saved}")
            elif isinstance(reply, ui.FormErrors):
                self.say(" ".join(reply.errors.values()))
            # RefreshHome: the console draws the home page only when asked (`:home`).

    # ---- forms ------------------------------------------------------------------------------

    def fill(self, form: ui.Form) -> None:
        """Ask each field; on errors ask again only the fields that need fixing."""
        self.say(self.style.bold(form.title))
        if form.intro:
            self.show(form.intro)
        self.say(
            self.style.dim(
                _("Enter keeps [what is shown]; - clears an optional answer; `cancel` stops.")
            )
        )
        values: dict[str, ui.FieldValue] = {}
        answered: set[str] = set()
        to_ask = list(form.fields)
        while True:
            while to_ask:
                form_field = to_ask.pop(0)
                values[form_field.name] = self.ask_field(form_field, values.get(form_field.name))
                answered.add(form_field.name)
                problems = self.problems_so_far(form, values, answered, form_field)
                if problems:
                    to_ask = self.fields_to_fix(form, problems, to_ask)
            replies = self.dispatcher.submit(self.caller, form.form_id, values, form.state)
            errors = next((r for r in replies if isinstance(r, ui.FormErrors)), None)
            if errors is None:
                self.deliver(replies)
                return
            known = {f.name for f in form.fields}
            if not set(errors.errors) & known:
                # Errors for questions the form doesn't ask: say them; nothing to re-ask.
                self.say(" ".join(errors.errors.values()))
                return
            to_ask = self.fields_to_fix(form, errors.errors, [])

    def problems_so_far(
        self,
        form: ui.Form,
        values: Mapping[str, ui.FieldValue],
        answered: set[str],
        just_answered: ui.FormField,
    ) -> dict[str, str]:
        """What is wrong with the answers given so far, kept to the questions already
        answered: the service's own words (a trial submission) where it has them, else the
        field's own rules from the form definition."""
        found = self.dispatcher.trial_submit(self.caller, form.form_id, values, form.state)
        problems = {name: problem for name, problem in found.items() if name in answered}
        own = ui.field_problem(just_answered, values.get(just_answered.name))
        if own is not None and just_answered.name not in problems:
            problems[just_answered.name] = own
        return problems

    def fields_to_fix(
        self, form: ui.Form, problems: Mapping[str, str], still_to_ask: list[ui.FormField]
    ) -> list[ui.FormField]:
        """Say each problem under its question, then ask exactly those questions again
        (in the form's order), before the ones not asked yet."""
        again = [f for f in form.fields if f.name in problems]
        for form_field in again:
            self.say(self.style.bold(f"  • {form_field.label}: ") + problems[form_field.name])
        return again + [f for f in still_to_ask if f not in again]

    def ask_field(self, form_field: ui.FormField, previous: ui.FieldValue) -> ui.FieldValue:
        current = previous if previous is not None else form_field.initial
        self.say()
        label = (
            form_field.label
            if form_field.required
            else t("{label} (optional)", label=form_field.label)
        )
        if form_field.hint:
            self.say(self.style.dim(render.wrap(form_field.hint)))
        kind = form_field.kind
        if kind is ui.FieldKind.SELECT:
            initial = current if isinstance(current, str) else None
            return self.choose_one(label, form_field.options, initial)
        if kind is ui.FieldKind.MULTI_SELECT:
            initial_many = list(current) if isinstance(current, list | tuple) else []
            return self.choose_many(
                label, form_field.options, initial_many, required=form_field.required
            )
        if kind is ui.FieldKind.CHECKBOX:
            question = form_field.options[0].label if form_field.options else label
            shown = "y" if current is True else "n"
            while True:
                answer = self.read(
                    t("{question} [y/n, now {current}]", question=question, current=shown) + " "
                ).lower()
                if not answer:
                    return current is True
                if answer in {"y", "yes", "n", "no"}:
                    return answer.startswith("y")
                self.say(_("Please answer y or n."))
        shown_text = f" [{render.safe(current)}]" if isinstance(current, str) and current else ""
        hint = f" {_(FORMAT_HINTS[kind])}" if kind in FORMAT_HINTS else ""
        answer = self.read(f"{label}{hint}{shown_text}: ")
        if answer == "-":
            return None
        return answer or (current if isinstance(current, str) else None)

    def read(self, prompt: str) -> str:
        answer = self.ask(prompt).strip()
        if answer.lower() in CANCEL_WORDS:
            raise Cancelled
        return answer

    def choose_one(
        self, label: str, options: Sequence[ui.Option], initial: str | None
    ) -> str | None:
        self.say(label)
        for number, option in enumerate(options, 1):
            mark = " *" if option.value == initial else ""
            self.say(f"  {number}. {option.label}{mark}")
        while True:
            answer = self.read((_("Number [Enter keeps *]:") if initial else _("Number:")) + " ")
            if not answer:
                return initial
            picked = self._pick(answer, options)
            if picked is not None:
                return picked
            self.say(t("Please type a number from 1 to {last}.", last=i18n.number(len(options))))

    def choose_many(
        self,
        label: str,
        options: Sequence[ui.Option],
        initial: list[str],
        *,
        required: bool = False,
    ) -> list[str]:
        self.say(t("{label} (numbers separated by commas)", label=label))
        for number, option in enumerate(options, 1):
            mark = " *" if option.value in initial else ""
            self.say(f"  {number}. {option.label}{mark}")
        while True:
            if not initial:
                prompt = _("Numbers:")
            elif required:
                prompt = _("Numbers [Enter keeps *]:")
            else:
                prompt = _("Numbers [Enter keeps *, - for none]:")
            answer = self.read(prompt + " ")
            if not answer:
                return initial
            if answer == "-" and not required:
                return []
            picks = [
                self._pick(part.strip(), options) for part in answer.split(",") if part.strip()
            ]
            if picks and all(p is not None for p in picks):
                return list(dict.fromkeys(p for p in picks if p is not None))
            self.say(
                t("Please type numbers from 1 to {last}, like 1,3.", last=i18n.number(len(options)))
            )

    @staticmethod
    def _pick(answer: str, options: Sequence[ui.Option]) -> str | None:
        if answer.isdecimal() and len(answer) < 6 and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1].value
        wanted = " ".join(answer.replace("_", " ").split()).casefold()
        by_label = {o.label.casefold(): o.value for o in options}
        if wanted in by_label:
            return by_label[wanted]
        # A label's own words, as people say them: "Amman" for "Asia/Amman", "new york",
        # "£10k" for "£10k–£100k". Only when exactly one option fits.
        fits = [o.value for o in options if _starts_a_word(wanted, o.label)]
        return fits[0] if len(fits) == 1 else None
