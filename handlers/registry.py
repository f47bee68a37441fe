"""The catalogue of what people can say and click, with who may do it.

Access is declared here, next to each entry, and checked once by the dispatcher, so a
handler body never mixes permission checks with its work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from core import i18n
from core.context import RequestContext
from core.i18n import N_
from core.ui import Block, FormValues, HomePage, Replies, Reply


class Access(StrEnum):
    ANYONE = "anyone"
    MEMBER = "member"  # an active member
    FACILITATOR = "facilitator"


CommandRun = Callable[[RequestContext, str], Reply | Replies]
ActionRun = Callable[[RequestContext, str], Reply | Replies]
FormRun = Callable[[RequestContext, FormValues, str], Reply | Replies]
HomeRun = Callable[[RequestContext], HomePage]


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    run: CommandRun
    access: Access = Access.MEMBER
    usage: str = ""  # arguments, shown in help, e.g. "grant @someone facilitator"
    aliases: tuple[str, ...] = ()
    group: str = N_("Your membership")  # groups and summaries are N_-marked; help translates
    takes_args: bool = True  # False: words after the command are a mistake worth saying
    # What facilitators can also type after it, shown in their help only.
    facilitator_usage: str = ""
    # True for commands that lead to losing something (leaving, erasure): only the exact
    # name or an alias listed here starts them, never a near spelling (see `command_for`).
    destructive: bool = False


@dataclass(frozen=True)
class Action:
    action_id: str
    run: ActionRun
    access: Access = Access.MEMBER


@dataclass(frozen=True)
class FormHandler:
    form_id: str
    run: FormRun
    access: Access = Access.ANYONE


def loose(word: str) -> str:
    """A command word with case and separators ignored: `My_Data` and `mydata` read `my-data`."""
    return "".join(ch for ch in word.lower() if ch not in "-_ ")


class HomePlace(StrEnum):
    """Where a section goes on the Home page: for people who haven't joined (or left), for
    members, or in the facilitators' part below."""

    VISITOR = "visitor"
    MEMBER = "member"
    FACILITATOR = "facilitator"


HomeBuild = Callable[[RequestContext], Sequence[Block]]


@dataclass(frozen=True)
class HomeSection:
    place: HomePlace
    order: int  # smaller first; capabilities leave gaps (10, 20, ...) for newcomers
    build: HomeBuild


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    forms: dict[str, FormHandler] = field(default_factory=dict)
    home: HomeRun | None = None
    home_sections: list[HomeSection] = field(default_factory=list)

    def add_home_section(self, place: HomePlace, order: int, build: HomeBuild) -> None:
        self.home_sections.append(HomeSection(place, order, build))

    def sections_for(self, place: HomePlace) -> list[HomeSection]:
        return sorted((s for s in self.home_sections if s.place is place), key=lambda s: s.order)

    def add_command(self, command: Command) -> None:
        for word in (command.name, *command.aliases):
            if word in self.commands or word in self.aliases:
                raise ValueError(f"command word {word!r} registered twice")
            if self._loosely(word) is not None:
                raise ValueError(f"command word {word!r} reads like another command's")
        if command.destructive:
            variants = [a for a in command.aliases if loose(a) == loose(command.name)]
            if variants:
                # A spelling of the name is a typo caught in advance: for a command that
                # loses something, the near miss must get the did-you-mean instead.
                raise ValueError(
                    f"{command.name!r} is destructive: {variants!r} would let a typo start it"
                )
        self.commands[command.name] = command
        for alias in command.aliases:
            self.aliases[alias] = command.name

    def add_action(self, action: Action) -> None:
        if action.action_id in self.actions:
            raise ValueError(f"action {action.action_id!r} registered twice")
        self.actions[action.action_id] = action

    def add_form(self, form: FormHandler) -> None:
        if form.form_id in self.forms:
            raise ValueError(f"form {form.form_id!r} registered twice")
        self.forms[form.form_id] = form

    def command_for(self, word: str) -> Command | None:
        """The command a typed word starts, or None.

        The exact name or a listed alias starts any command. Ordinary commands also answer
        to the same word with other separators or case (`mydata`, `My_Data`); destructive
        ones never do, so a slip of the keyboard gets the did-you-mean, not the erase
        question.
        """
        name = self.aliases.get(word, word)
        if name in self.commands:
            return self.commands[name]
        found = self._loosely(word)
        return found if found is not None and not found.destructive else None

    def _loosely(self, word: str) -> Command | None:
        key = loose(word)
        if not key:
            return None
        for name, command in self.commands.items():
            if key in {loose(name), *(loose(a) for a in command.aliases)}:
                return command
        return None

    def translated_words(self) -> dict[str, str]:
        """Every command's name as each catalogue translates it ("aide" → "help").

        Subcommands are the same words in every language; these are only for the
        did-you-mean, so someone who types the word in their language is shown the command.
        Read from the catalogues (msgctxt "command word"), so a new language brings its own.
        """
        words: dict[str, str] = {}
        for language in i18n.available():
            with i18n.speaking(language):
                for name in self.commands:
                    spoken = i18n.pgettext("command word", name).lower()
                    if spoken != name:
                        words[spoken] = name
        return words

    def visible_commands(self, facilitator: bool) -> Iterable[Command]:
        return (
            c for c in self.commands.values() if facilitator or c.access is not Access.FACILITATOR
        )
