"""One entry point per kind of input, shared by every adapter.

For each request the dispatcher opens one unit of work, finds the community and the
member, checks access, runs the handler, and turns whatever goes wrong into a plain
sentence: a person never sees a stack trace, and a failed request changes nothing
(the transaction is rolled back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rapidfuzz import fuzz, process

from core import capabilities, communities, i18n
from core.capability import MessageChange, MessageEvent
from core.clock import Clock
from core.config import Settings
from core.context import Caller, Directory, RequestContext
from core.db import SessionFactory, unit_of_work
from core.delivery import events as events
from core.errors import InvalidInput, UserError
from core.i18n import N_
from core.membership import service as membership
from core.models import Role
from core.ui import FormErrors, FormValues, HomePage, Replies, Reply, notice, said
from handlers.mentions import shorten
from handlers.registry import Access, Registry

log = logging.getLogger(__name__)

SOMETHING_WENT_WRONG = N_(
    "Sorry, something went wrong on our side and nothing was changed. Please try again in a "
    "minute, and tell a facilitator if it keeps happening."
)
MAX_COMMAND_TEXT = 2000


def _as_list(result: Reply | Replies) -> list[Reply]:
    if isinstance(result, list | tuple):
        return list(result)
    return [result]  # type: ignore[list-item]


class _TrialOver(Exception):
    """Ends a trial submission: leaves the unit of work (rolling it back) with its errors."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("trial over")
        self.errors = errors


class Dispatcher:
    def __init__(
        self,
        registry: Registry,
        session_factory: SessionFactory,
        settings: Settings,
        clock: Clock,
        directory: Directory,
    ) -> None:
        self.registry = registry
        self.session_factory = session_factory
        self.settings = settings
        self.clock = clock
        self.directory = directory

    @contextmanager
    def _context(self, caller: Caller, *, reading: bool = True) -> Iterator[RequestContext]:
        """One unit of work for a request, in the language of the person it answers.

        `reading`: someone will read what this builds. Then a person who hasn't joined is
        answered in their platform's language when Catalyst speaks it (Slack's locale,
        cached by the directory), else the community's.
        """
        with unit_of_work(self.session_factory) as session:
            community = communities.get_or_create(
                session,
                caller.platform,
                caller.community_external_id,
                timezone=self.settings.timezone,
                now=self.clock.now(),
                language=self.settings.language,
            )
            member = membership.find(session, community, caller.user_id)
            # Everything built from here to the end of the request's scope (replies, and
            # the sentence for an error caught after the unit of work) is in their language.
            if member is not None:
                membership.seen(member, self.clock.now())
                i18n.use(member.speaks)
            else:
                visitor = self._visitor_language(caller) if reading else None
                i18n.use(visitor or community.language)
            yield RequestContext(
                session=session,
                settings=self.settings,
                clock=self.clock,
                directory=self.directory,
                caller=caller,
                community=community,
                member=member,
            )

    def _visitor_language(self, caller: Caller) -> str | None:
        try:
            profile = self.directory.profile(caller.user_id)
        except Exception:  # a directory problem must never cost a reply
            log.info("no profile for a visitor's language", exc_info=True)
            return None
        return i18n.normalise(profile.locale) if profile is not None else None

    def _guarded(
        self, what: str, work: Callable[[], list[Reply]], *, in_form: bool = False
    ) -> list[Reply]:
        with i18n.scope():
            try:
                return work()
            except InvalidInput as problem:
                if in_form:
                    return [FormErrors(problem.errors)]
                return [said(str(problem))]
            except UserError as problem:
                return [said(str(problem))]
            except Exception:
                log.exception("failed while handling %s", what)
                return [notice(SOMETHING_WENT_WRONG)]

    def _denied(self, ctx: RequestContext, access: Access) -> Reply | None:
        if access is Access.MEMBER and ctx.active_member is None:
            if ctx.member is not None:
                return notice(
                    "You've left the community, so that's paused. Type `{command} join` to "
                    "come back.",
                    command=ctx.command,
                )
            return notice(
                "You haven't joined yet. Type `{command} join` to join.", command=ctx.command
            )
        if access is Access.FACILITATOR and not ctx.is_facilitator:
            return notice(
                "Only facilitators can do that. Type `{command} help` to see what you can do.",
                command=ctx.command,
            )
        return None

    # ---- inputs ---------------------------------------------------------------------------

    def command(self, caller: Caller, text: str) -> list[Reply]:
        """A slash command (or a console line) with the text after the command word."""
        # Words copied from an Arabic message carry invisible isolation marks around each
        # value (`/cop sets merge ⁨3⁩ ⁨4⁩`): they are layout, not part of what was typed.
        text = i18n.without_marks(text)

        def work() -> list[Reply]:
            with self._context(caller) as ctx:
                return self._route_command(ctx, text)

        return self._guarded(f"command {shorten(text)!r}", work)

    def _route_command(self, ctx: RequestContext, text: str) -> list[Reply]:
        if len(text) > MAX_COMMAND_TEXT:
            return [
                notice(
                    "That's too long for a command ({count} characters). Type `{command} help` "
                    "to see what you can do.",
                    count=i18n.number(len(text)),
                    command=ctx.command,
                )
            ]
        stripped = text.strip()
        word, _, rest = stripped.partition(" ")
        word = word.lower() or "help"
        command = self.registry.command_for(word)
        if command is None:
            return [self._unknown_command(ctx, word)]
        denied = self._denied(ctx, command.access)
        if denied is not None:
            return [denied]
        if rest.strip() and not command.takes_args:
            return [
                notice(
                    "`{command} {name}` doesn't take anything after it (you wrote `{typed}`). "
                    "Type `{command} {name}` on its own.",
                    command=ctx.command,
                    name=command.name,
                    typed=shorten(rest, 30),
                )
            ]
        return _as_list(command.run(ctx, rest.strip()))

    def _unknown_command(self, ctx: RequestContext, word: str) -> Reply:
        visible = [c.name for c in self.registry.visible_commands(ctx.is_facilitator)]
        # Each word someone might type, and the command it means: the names, their aliases,
        # and the names in every language Catalyst speaks (`aide` and `مساعدة` mean help).
        meaning = {name: name for name in visible}
        meaning |= {a: name for a, name in self.registry.aliases.items() if name in meaning}
        meaning |= {
            spoken: name
            for spoken, name in self.registry.translated_words().items()
            if name in visible
        }
        best = process.extractOne(word, list(meaning), scorer=fuzz.WRatio, score_cutoff=70)
        if best is not None:
            suggestion = meaning[best[0]]
            return notice(
                "I don't know `{word}`. Did you mean `{command} {suggestion}`? Type "
                "`{command} help` to see everything you can do.",
                word=shorten(word, 30),
                command=ctx.command,
                suggestion=suggestion,
            )
        return notice(
            "I don't know `{word}`. Type `{command} help` to see everything you can do.",
            word=shorten(word, 30),
            command=ctx.command,
        )

    def action(self, caller: Caller, action_id: str, value: str) -> list[Reply]:
        """A button click or menu choice."""

        def work() -> list[Reply]:
            with self._context(caller) as ctx:
                action = self.registry.actions.get(action_id)
                if action is None:
                    return [
                        notice(
                            "That button no longer works. Type `{command} help` to see what "
                            "you can do.",
                            command=ctx.command,
                        )
                    ]
                denied = self._denied(ctx, action.access)
                if denied is not None:
                    return [denied]
                return _as_list(action.run(ctx, value))

        return self._guarded(f"action {action_id!r}", work)

    def submit(
        self,
        caller: Caller,
        form_id: str,
        values: FormValues,
        state: str,
        submission_id: str | None = None,
    ) -> list[Reply]:
        """A submitted form. InvalidInput becomes field errors and the form stays open.

        `submission_id` names the form as the platform shows it (Slack's view id): once a
        submission of it is accepted, the same form sent again (a replay, a double click)
        changes nothing. The claim is written in the request's own transaction, so a
        submission refused with field errors leaves no claim and can be corrected and sent.
        """

        def work() -> list[Reply]:
            with self._context(caller) as ctx:
                if submission_id and not events.first_delivery(
                    ctx.session, caller.platform, "form:" + submission_id, ctx.now()
                ):
                    log.info("form %r was already accepted; ignoring it again", form_id)
                    return []
                form = self.registry.forms.get(form_id)
                if form is None:
                    return [notice("That form has expired. Please start again.")]
                denied = self._denied(ctx, form.access)
                if denied is not None:
                    return [denied]
                return _as_list(form.run(ctx, values, state))

        return self._guarded(f"form {form_id!r}", work, in_form=True)

    def trial_submit(
        self, caller: Caller, form_id: str, values: FormValues, state: str
    ) -> dict[str, str]:
        """The field errors a submission of `values` would get, changing nothing.

        The console asks a form one question at a time; to tell someone at once that a
        date has passed or a link is already in the library (rules that need the database
        or several answers), it submits what it has so far in a transaction that is always
        rolled back, and keeps the errors for the questions already answered. The rules
        stay in the services, once, for every platform.
        """
        try:
            with i18n.scope(), self._context(caller) as ctx:
                form = self.registry.forms.get(form_id)
                if form is None or self._denied(ctx, form.access) is not None:
                    raise _TrialOver({})
                try:
                    form.run(ctx, values, state)
                except InvalidInput as problem:
                    raise _TrialOver(dict(problem.errors)) from None
                raise _TrialOver({})
        except _TrialOver as over:  # raised inside the unit of work, so it rolled back
            return over.errors
        except Exception:  # the real submission will say what's wrong, in its own words
            log.debug("trial submission of %r failed", form_id, exc_info=True)
            return {}

    def members_named(self, caller: Caller, name: str) -> list[tuple[str, str]]:
        """(user id, display name) of the active members a typed `@name` may mean."""
        with i18n.scope(), self._context(caller, reading=False) as ctx:
            return [
                (m.platform_user_id, m.display_name)
                for m in membership.named(ctx.session, ctx.community, name)
            ]

    def role_of(self, caller: Caller) -> Role:
        """The caller's role as every reply sees it (stored, or from the settings)."""
        with i18n.scope(), self._context(caller, reading=False) as ctx:
            return ctx.role

    def language_of(self, caller: Caller) -> str:
        """The language the caller reads (as every reply to them is built)."""
        with i18n.scope(), self._context(caller):
            return i18n.current()

    def set_own_role(self, caller: Caller, facilitator: bool) -> bool:
        """Store the caller's own role; False if they haven't joined (nothing to store on).

        Only for the console: whoever types there is at the machine that runs Catalyst,
        the same trust as being listed in CATALYST_FACILITATORS. Stored, the role is the
        one Home, `my-data`, `members` and the next start all see.
        """
        with i18n.scope(), self._context(caller, reading=False) as ctx:
            if ctx.active_member is None:
                return False
            membership.set_role(
                ctx.session,
                ctx.community,
                caller.user_id,
                Role.FACILITATOR if facilitator else Role.MEMBER,
                ctx.now(),
                configured_facilitators=frozenset(),
            )
            return True

    def home(self, caller: Caller) -> HomePage | None:
        """The person's home page, or None if it couldn't be built (logged)."""
        if self.registry.home is None:
            return None
        render = self.registry.home
        try:
            with i18n.scope(), self._context(caller) as ctx:
                return render(ctx)
        except Exception:
            log.exception("failed to build the home page")
            return None

    def message_event(self, caller: Caller, message: MessageEvent) -> None:
        """A message posted, edited or deleted where the bot can see it (thread replies).

        Nobody is waiting for an answer, so problems are logged, never raised.
        """
        deleted = message.change is MessageChange.DELETED
        if not (message.is_thread_reply or deleted):
            return  # most channel chatter: not a reply in a thread, so no database work
        try:
            with i18n.scope(), self._context(caller, reading=False) as ctx:
                capabilities.message_event(
                    ctx.session, ctx.community, caller.user_id, message, ctx.now()
                )
        except Exception:
            log.exception("failed while handling a %s message event", message.change.value)

    def first_delivery(self, platform: str, event_id: str) -> bool:
        """True if this platform event has not been handled before (dedupes retries)."""
        with unit_of_work(self.session_factory) as session:
            return events.first_delivery(session, platform, event_id, self.clock.now())
