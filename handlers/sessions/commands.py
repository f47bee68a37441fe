"""Sessions: facilitators add, edit and cancel them; members answer in one click.

Buttons carry the session id (the same ids the scheduler's reminders use); forms carry the
session number (edit) or id (can't make it) in their state. A button on a session that was
cancelled or is over gets a sentence and changes nothing.
"""

from __future__ import annotations

from core import communities, i18n
from core.context import RequestContext
from core.errors import UserError
from core.i18n import N_, NP_, _, t, tn
from core.sessions import buttons as button_ids
from core.sessions import service as sessions
from core.sessions.calendar import PRODUCT, session_ics
from core.sessions.models import CommunitySession, RsvpAnswer
from core.sessions.service import ANSWER_LABELS, rsvp_actions
from core.timefmt import local, span
from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    DirectMessage,
    Divider,
    Fields,
    FormValues,
    Header,
    Message,
    OpenForm,
    RefreshHome,
    Replies,
    Reply,
    Section,
    SendFile,
    Text,
    notice,
    text,
)
from handlers.guide import DISMISS
from handlers.ids import number_in, record_id
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry
from handlers.sessions.form import (
    ADD_FORM,
    DECLINE_FORM,
    EDIT_FORM,
    decline_form,
    draft_from,
    reminder_words,
    session_form,
)

CONFIRM_CANCEL = "session.cancel"  # untranslated: an action id
WHO_IS_COMING = "session.who"  # untranslated: an action id
NAMES_PER_SECTION = 20  # names alone: well inside a section's 3,000 characters
NOTES_PER_SECTION = 4  # people with an apology note of up to 500 characters each
WHO_BLOCKS = 45  # of Slack's fifty a message may hold, leaving room for the small print
LISTED = 10  # sessions in one message: each takes four blocks of Slack's fifty
PREP_PREVIEW = 280  # characters of preparation notes in a list; the full text comes later


def zone_of(ctx: RequestContext) -> str:
    """The person's timezone, else the community's (a facilitator who hasn't joined)."""
    return ctx.member.timezone if ctx.member is not None else ctx.community.timezone


def _when(ctx: RequestContext, cs: CommunitySession) -> str:
    return span(cs.starts_at, cs.ends_at, zone_of(ctx))


def _counts_line(ctx: RequestContext, cs: CommunitySession) -> Text:
    counted = sessions.counts(ctx.session, cs)
    return text(
        "Session {n} · {going} going, {maybe} maybe, {declined} can't make it · "
        "`{cmd} session edit {n}`",
        n=cs.number,
        going=counted.going,
        maybe=counted.maybe,
        declined=counted.declined,
        cmd=ctx.command,
    )


def session_card(ctx: RequestContext, cs: CommunitySession, answer: str | None) -> list[Block]:
    """One session for a list or the home page: what, when, where, and the answer buttons."""
    blocks: list[Block] = [
        Section(
            text(
                "*{title}*\n{when}\n{where}",
                title=cs.title,
                when=_when(ctx, cs),
                where=cs.location,
            )
        )
    ]
    small: list[Text] = []
    if cs.theme:
        small.append(text("Theme: {theme}", theme=_(cs.theme)))
    if cs.description:
        preview = cs.description
        if len(preview) > PREP_PREVIEW:
            preview = preview[: PREP_PREVIEW - 1].rstrip() + "…"
        small.append(text("To prepare: {notes}", notes=preview))
    label = ANSWER_LABELS.get(answer or "")
    small.append(
        text("Your answer: *{a}*", a=_(label))
        if label
        else text("Can you make it? One click lets the facilitators know.")
    )
    actions = rsvp_actions(cs, answer)
    if ctx.is_facilitator:
        small.append(_counts_line(ctx, cs))
        actions = Actions([*actions.elements, who_is_coming_button(cs)])
    blocks += [Context(small), actions]
    return blocks


def who_is_coming_button(cs: CommunitySession) -> Button:
    return Button(_("Who's coming"), WHO_IS_COMING, str(cs.id))


# ---- finding the session a command or button means ----------------------------------------------


def _upcoming_numbers(ctx: RequestContext) -> str:
    found = sessions.upcoming(ctx.session, ctx.community, ctx.now())
    if not found:
        return _("There are no upcoming sessions.")
    shown = ", ".join(
        f"{cs.number} ({i18n.weekday_day_month(local(cs.starts_at, zone_of(ctx)))})"
        for cs in found[:LISTED]
    )
    return t("Upcoming: {sessions}.", sessions=shown)


def _by_number(ctx: RequestContext, arg: str, verb: str) -> CommunitySession | Message:
    word = arg.strip().lstrip("#")
    number = number_in(word)
    found = None if number is None else sessions.by_number(ctx.session, ctx.community, number)
    if found is not None:
        return found
    # `{verb}` is a subcommand word and its space ("edit ", "cancel "), or nothing.
    values = {
        "command": ctx.command,
        "verb": f"{verb} " if verb else "",
        "upcoming": _upcoming_numbers(ctx),
    }
    if not word:
        return notice(
            "Which session? Type `{command} session {verb}3` with its number. {upcoming}",
            **values,
        )
    return notice(
        "There's no session with that number. Type `{command} session {verb}3` with its "
        "number. {upcoming}",
        **values,
    )


def _from_button(ctx: RequestContext, value: str) -> CommunitySession | Message:
    """The session a button means, or a sentence if it is gone, cancelled or over."""
    session_id = record_id(value)
    found = None if session_id is None else sessions.by_id(ctx.session, ctx.community, session_id)
    if found is None:
        return notice(
            "That session no longer exists. Type `{command} sessions` to see what's coming up.",
            command=ctx.command,
        )
    if not found.is_scheduled:
        return _sentence(
            text(
                "*{title}* was cancelled, so there's nothing to answer. Type `{cmd} sessions` "
                "to see what's coming up.",
                title=found.title,
                cmd=ctx.command,
            )
        )
    if found.ends_at <= ctx.now():
        return _sentence(
            text(
                "*{title}* has already happened. Type `{cmd} sessions` to see what's next.",
                title=found.title,
                cmd=ctx.command,
            )
        )
    return found


def _sentence(body: Text) -> Message:
    return Message(summary=body.plain().replace("*", ""), blocks=(Section(body),))


# ---- members: the list and the answers ---------------------------------------------------------


def sessions_command(ctx: RequestContext, _args: str) -> Reply:
    member = ctx.require_member()
    found = sessions.upcoming(ctx.session, ctx.community, ctx.now())
    if not found:
        return notice(
            "Nothing is planned just yet. I'll remind you as soon as the next session is set."
        )
    answered = sessions.answers(ctx.session, member, found)
    blocks: list[Block] = [Header(_("Upcoming sessions"))]
    for cs in found[:LISTED]:
        blocks += [*session_card(ctx, cs, answered.get(cs.id)), Divider()]
    more = len(found) - LISTED
    notes = [
        text(
            "Times are in your timezone, {tz}. You can change it in `{cmd} profile`.",
            tz=member.timezone.replace("_", " "),
            cmd=ctx.command,
        )
    ]
    if more > 0:
        notes.insert(0, text("…and {n} more further ahead.", n=more))
    blocks.append(Context(notes))
    first = found[0]
    return Message(
        summary=t("Upcoming sessions: next is {title}", title=first.title), blocks=blocks
    )


def _answered(ctx: RequestContext, cs: CommunitySession, answer: RsvpAnswer) -> Message:
    """The confirmation that replaces the message the person clicked in."""
    lead = {
        RsvpAnswer.GOING: N_("You're going to *{title}*. See you there!"),
        RsvpAnswer.MAYBE: N_("Noted: *maybe* for *{title}*. Change your answer whenever you know."),
        RsvpAnswer.DECLINED: N_("Thanks for letting us know you can't make *{title}*."),
    }[answer]
    blocks: list[Block] = [
        Section(text(lead, title=cs.title)),
        Section(text("{when}\n{where}", when=_when(ctx, cs), where=cs.location)),
    ]
    if cs.description and answer is not RsvpAnswer.DECLINED:
        blocks.append(Section(text("*To prepare:* {notes}", notes=cs.description)))
    ahead = reminder_words(ctx, cs)
    if ahead and answer is not RsvpAnswer.DECLINED:
        blocks.append(Context([text("I'll remind you {ahead} before.", ahead=ahead)]))
    blocks.append(rsvp_actions(cs, answer.value))
    return Message(
        summary=text(lead, title=cs.title).plain().replace("*", ""),
        blocks=blocks,
        replace_original=True,
    )


def _answer(ctx: RequestContext, value: str, answer: RsvpAnswer) -> Replies:
    member = ctx.require_member()
    found = _from_button(ctx, value)
    if isinstance(found, Message):
        return [found]
    sessions.rsvp(ctx.session, member, found, answer, ctx.now())
    return [_answered(ctx, found, answer), RefreshHome()]


def going(ctx: RequestContext, value: str) -> Replies:
    return _answer(ctx, value, RsvpAnswer.GOING)


def maybe(ctx: RequestContext, value: str) -> Replies:
    return _answer(ctx, value, RsvpAnswer.MAYBE)


def decline(ctx: RequestContext, value: str) -> Reply:
    found = _from_button(ctx, value)
    return found if isinstance(found, Message) else OpenForm(decline_form(found))


def submit_decline(ctx: RequestContext, values: FormValues, state: str) -> Replies:
    member = ctx.require_member()
    found = _from_button(ctx, state)
    if isinstance(found, Message):
        return [DirectMessage(found)]
    apology = values.get("apology")
    wants_recap = values.get("wants_recap") is True
    sessions.rsvp(
        ctx.session,
        member,
        found,
        RsvpAnswer.DECLINED,
        ctx.now(),
        wants_recap=wants_recap,
        apology=apology if isinstance(apology, str) else None,
    )
    confirmation = _answered(ctx, found, RsvpAnswer.DECLINED)
    follow_up = (
        text("Missing one never means missing out: I'll send you a short catch-up afterwards.")
        if wants_recap
        else text("No recap then; the reflection thread stays open in the channel whenever suits.")
    )
    blocks = [*confirmation.blocks[:-1], Context([follow_up]), confirmation.blocks[-1]]
    return [
        DirectMessage(Message(summary=confirmation.summary, blocks=blocks)),
        RefreshHome(),
    ]


def calendar_file(ctx: RequestContext, value: str) -> Replies:
    found = _from_button(ctx, value)
    if isinstance(found, Message):
        return [found]
    return [
        SendFile(
            filename=f"catalyst-session-{found.number}.ics",
            content=session_ics(found, ctx.now(), name=ctx.community.name or PRODUCT),
            title=t("{title} (calendar file)", title=found.title),
            comment=_("Open this file to add the session to your calendar."),
        ),
        _sentence(
            text(
                "I've sent you *{title}* as a calendar file in our direct messages.",
                title=found.title,
            )
        ),
    ]


# ---- facilitators: add, edit, cancel ----------------------------------------------------------


def session_command(ctx: RequestContext, args: str) -> Reply:
    word, _, rest = args.strip().partition(" ")
    word = word.lower()
    if word in {"add", "new"}:
        return OpenForm(session_form(ctx, None))
    if word in {"edit", "change"}:
        found = _by_number(ctx, rest, "edit")
        if isinstance(found, Message):
            return found
        sessions.ensure_open(found, ctx.now())
        return OpenForm(session_form(ctx, found))
    if word == "cancel":
        found = _by_number(ctx, rest, "cancel")
        return found if isinstance(found, Message) else _confirm_cancel(ctx, found)
    if number_in(word) is not None and not rest.strip():
        found = _by_number(ctx, word, "")
        return found if isinstance(found, Message) else who_is_coming(ctx, found)
    return notice(
        "Type `{command} session 3` to see who's coming to session 3, `{command} session add` "
        "to add a session, or `{command} session edit 3` or `{command} session cancel 3` with "
        "its number. {upcoming}",
        command=ctx.command,
        upcoming=_upcoming_numbers(ctx),
    )


# ---- facilitators: who's coming ---------------------------------------------------------------


def _listing(heading: str, lines: str, values: dict[str, str]) -> Text:
    """A translated heading (may be empty) over lines that are placeholders for names and
    notes: one item a line, each line marked right-to-left in a right-to-left language."""
    template = f"{heading}\n{lines}" if heading else lines
    return Text(i18n.directed(template), {k: i18n.isolate(v) for k, v in values.items()})


def _names(heading: str, people: list[sessions.Attendee]) -> list[Block]:
    """ "*Going (3)*" and the names, a section per twenty (names are escaped values).
    `heading` is an `N_`-marked msgid with `{n}`."""
    count = {"n": i18n.number(len(people))}
    if not people:
        return [Section(_listing(_(heading), _("Nobody."), count))]
    blocks: list[Block] = []
    for start in range(0, len(people), NAMES_PER_SECTION):
        chunk = people[start : start + NAMES_PER_SECTION]
        # A list of names, one value each (Arabic readers get Arabic commas from the list).
        names = ", ".join(f"{{p{i}}}" for i in range(len(chunk)))
        values = {f"p{i}": person.name for i, person in enumerate(chunk)}
        lead = _(heading) if start == 0 else ""
        blocks.append(Section(_listing(lead, names, {**count, **values})))
    return blocks


def _apologies(people: list[sessions.Attendee]) -> list[Block]:
    """ "*Can't make it (2)*", one line each, with the note they sent, if any."""
    heading = _("*Can't make it ({n})*")
    count = {"n": i18n.number(len(people))}
    if not people:
        return [Section(_listing(heading, _("Nobody."), count))]
    with_note = _("• {name}: “{note}”")
    without_note = _("• {name}, no note")
    blocks: list[Block] = []
    for start in range(0, len(people), NOTES_PER_SECTION):
        chunk = people[start : start + NOTES_PER_SECTION]
        # Each line's template names its own placeholders (p0, a0, p1...), filled when shown.
        lines = [
            with_note.format(name=f"{{p{i}}}", note=f"{{a{i}}}")
            if person.apology
            else without_note.format(name=f"{{p{i}}}")
            for i, person in enumerate(chunk)
        ]
        values = {f"p{i}": person.name for i, person in enumerate(chunk)}
        values |= {f"a{i}": person.apology for i, person in enumerate(chunk) if person.apology}
        lead = heading if start == 0 else ""
        blocks.append(Section(_listing(lead, "\n".join(lines), {**count, **values})))
    return blocks


def who_is_coming(ctx: RequestContext, cs: CommunitySession) -> Message:
    """For facilitators: going, maybe and can't make it, by name, with apology notes."""
    seen = sessions.attendance(ctx.session, ctx.community, cs)
    title = text(
        "*Who's coming to session {n}, {title}*\n{when}",
        n=cs.number,
        title=cs.title,
        when=_when(ctx, cs),
    )
    blocks: list[Block] = [
        Section(title),
        *_names(N_("*Going ({n})*"), seen.going),
        *_names(N_("*Maybe ({n})*"), seen.maybe),
        *_apologies(seen.declined),
    ]
    small = [
        text(
            "Not answered yet: {n}.",
            n=seen.no_answer,
        ),
        text("Only facilitators can see this list and the notes people sent with their apologies."),
    ]
    if not cs.is_scheduled:
        small.insert(0, text("This session was cancelled."))
    if len(blocks) > WHO_BLOCKS:
        blocks = blocks[:WHO_BLOCKS]
        small.insert(0, text("The list is longer than one message holds; the counts are complete."))
    return Message(
        summary=t(
            "Who's coming to session {number}: {going} going, {maybe} maybe, {declined} can't "
            "make it",
            number=cs.number,
            going=i18n.number(len(seen.going)),
            maybe=i18n.number(len(seen.maybe)),
            declined=i18n.number(len(seen.declined)),
        ),
        blocks=[*blocks, Context(small)],
    )


def who_is_coming_clicked(ctx: RequestContext, value: str) -> Reply:
    session_id = record_id(value)
    cs = None if session_id is None else sessions.by_id(ctx.session, ctx.community, session_id)
    if cs is None:
        return notice("That session no longer exists.")
    return who_is_coming(ctx, cs)


def _confirm_cancel(ctx: RequestContext, cs: CommunitySession) -> Message:
    if not cs.is_scheduled:
        raise UserError(t("Session {n} is already cancelled.", n=cs.number))
    if cs.starts_at <= ctx.now():
        raise UserError(
            t("Session {n} has already started, so it can't be cancelled.", n=cs.number)
        )
    counted = sessions.counts(ctx.session, cs)
    coming = counted.going + counted.maybe
    body = _escaped(
        tn(
            "*Cancel session {number}, {title}?* It's on {when}. Its reminders will stop, and "
            "the one member who said going or maybe will get a message.",
            "*Cancel session {number}, {title}?* It's on {when}. Its reminders will stop, and "
            "the {n} members who said going or maybe will get a message.",
            coming,
            **_kept("number", "title", "when"),
        ),
        number=cs.number,
        title=cs.title,
        when=_when(ctx, cs),
    )
    return Message(
        summary=t("Cancel session {n}?", n=cs.number),
        blocks=(
            Section(body),
            Actions(
                [
                    Button(_("Cancel the session"), CONFIRM_CANCEL, str(cs.id), "danger"),
                    Button(_("Keep it"), DISMISS),
                ]
            ),
        ),
    )


def _kept(*names: str) -> dict[str, object]:
    """Placeholders left as they are by `tn`, so the chosen form can still be filled (and
    escaped) as a `Text`: `tn(one, many, n, **_kept("title"))`."""
    return {name: f"{{{name}}}" for name in names}


def _escaped(template: str, **values: object) -> Text:
    """A plural sentence `tn` chose (its `{n}` written) as `Text`: the other values are
    filled in when shown, escaped, as `text` does."""
    return Text(i18n.directed(template), {k: str(v) for k, v in values.items()})


def confirm_cancel(ctx: RequestContext, value: str) -> Replies:
    session_id = record_id(value)
    cs = None if session_id is None else sessions.by_id(ctx.session, ctx.community, session_id)
    if cs is None:
        return [notice("That session no longer exists, so there's nothing to cancel.")]
    told = sessions.cancel(ctx.session, ctx.community, ctx.settings, cs, ctx.now())
    body = (
        _escaped(
            tn(
                "Session {number}, *{title}*, is cancelled and its reminders are stopped. I'm "
                "letting the one member who said going or maybe know.",
                "Session {number}, *{title}*, is cancelled and its reminders are stopped. I'm "
                "letting the {n} members who said going or maybe know.",
                told,
                **_kept("number", "title"),
            ),
            number=cs.number,
            title=cs.title,
        )
        if told
        else text(
            "Session {number}, *{title}*, is cancelled and its reminders are stopped. Nobody "
            "had said they were coming, so there's no one to tell.",
            number=cs.number,
            title=cs.title,
        )
    )
    return [
        Message(
            summary=body.plain().replace("*", ""), blocks=(Section(body),), replace_original=True
        ),
        RefreshHome(),
    ]


def _saved(ctx: RequestContext, cs: CommunitySession, lead: Text, extra: str | None) -> Replies:
    """`lead`: the first line; `extra`: a sentence already in the reader's language."""
    ahead = reminder_words(ctx, cs)
    lines = [
        lead,
        text("{when}\n{where}", when=_when(ctx, cs), where=cs.location),
    ]
    notes = [
        text("Reminders go out {ahead} before.", ahead=ahead)
        if ahead
        else text("It's too close for reminders; members can still answer with the buttons."),
        text("Members see it with `{cmd} sessions`.", cmd=ctx.command),
    ]
    if extra:
        notes.insert(0, Text(i18n.directed(extra)))
    message = Message(
        summary=lines[0].plain().replace("*", ""),
        blocks=[*(Section(line) for line in lines), Context(notes)],
    )
    return [DirectMessage(message), RefreshHome()]


def submit_add(ctx: RequestContext, values: FormValues, _state: str) -> Replies:
    cs = sessions.create(
        ctx.session,
        ctx.community,
        ctx.settings,
        draft_from(values),
        ctx.now(),
        created_by=ctx.active_member,
    )
    lead = text("Session {n} is added: *{title}*.", n=cs.number, title=cs.title)
    return _saved(ctx, cs, lead, None)


def submit_edit(ctx: RequestContext, values: FormValues, state: str) -> Replies:
    number = record_id(state)
    cs = None if number is None else sessions.by_number(ctx.session, ctx.community, number)
    if cs is None:
        return [DirectMessage(notice("That session no longer exists, so nothing was changed."))]
    edited = sessions.edit(
        ctx.session, ctx.community, ctx.settings, cs, draft_from(values), ctx.now()
    )
    extra = None
    if edited.changes:
        news = sessions.what_changed(edited.changes, cs.location)
        if edited.moved and edited.told:
            extra = tn(
                "Its reminders moved with it, and the one member who said going or maybe is "
                "being told it has {news}.",
                "Its reminders moved with it, and the {n} members who said going or maybe are "
                "being told it has {news}.",
                edited.told,
                news=news,
            )
        elif edited.moved:
            extra = _("Its reminders moved with it.")
        elif edited.told:
            extra = tn(
                "The one member who said going or maybe is being told it has {news}.",
                "The {n} members who said going or maybe are being told it has {news}.",
                edited.told,
                news=news,
            )
    lead = text("Session {n} is updated: *{title}*.", n=cs.number, title=cs.title)
    return _saved(ctx, cs, lead, extra)


# ---- the home page ------------------------------------------------------------------------------


def next_session_blocks(ctx: RequestContext) -> list[Block]:
    """'Next session' for the home page, with the person's answer and the buttons."""
    cs = sessions.next_session(ctx.session, ctx.community, ctx.now())
    if cs is None:
        return [
            Section(
                text("*Next session*\nNothing is planned just yet; I'll remind you when it is.")
            )
        ]
    member = ctx.active_member
    answer = sessions.answers(ctx.session, member, [cs]).get(cs.id) if member else None
    return [Section(text("*Next session*")), *session_card(ctx, cs, answer)]


def facilitator_home_blocks(ctx: RequestContext) -> list[Block]:
    """Who is coming to the next session, so facilitators can follow up before it."""
    active_members = communities.active_count(ctx.session, ctx.community.id)
    cs = sessions.next_session(ctx.session, ctx.community, ctx.now())
    if cs is None:
        return [
            Context(
                [text("No session is planned. Add one with `{cmd} session add`.", cmd=ctx.command)]
            )
        ]
    counted = sessions.counts(ctx.session, cs)
    answered = counted.going + counted.maybe + counted.declined
    blocks: list[Block] = [
        Section(
            text(
                "*Next session ({n}):* {title}, {when}",
                n=cs.number,
                title=cs.title,
                when=span(cs.starts_at, cs.ends_at, zone_of(ctx)),
            )
        ),
        Fields(
            [
                (_("Going"), i18n.number(counted.going)),
                (_("Maybe"), i18n.number(counted.maybe)),
                (_("Can't make it"), i18n.number(counted.declined)),
                (_("No answer yet"), i18n.number(max(0, active_members - answered))),
            ]
        ),
    ]
    if ctx.active_member is None:
        # A facilitator who is also a member has the button on the session card above.
        blocks.append(Actions([who_is_coming_button(cs)]))
    return blocks


def register(registry: Registry) -> None:
    registry.add_home_section(HomePlace.MEMBER, 10, next_session_blocks)
    registry.add_home_section(HomePlace.FACILITATOR, 10, facilitator_home_blocks)
    registry.add_command(
        Command(
            NP_("command word", "sessions"),
            N_("Upcoming sessions: say if you're coming in one click"),
            sessions_command,
            group=N_("Sessions"),
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "session"),
            N_("See who's coming to a session; add, change or cancel one"),
            session_command,
            Access.FACILITATOR,
            # Translators: N is a session's number; add, edit and cancel are typed as they
            # are, in English.
            usage=N_("N | add | edit N | cancel N"),
            group=N_("Facilitating"),
        )
    )
    registry.add_action(Action(button_ids.RSVP_GOING, going))
    registry.add_action(Action(button_ids.RSVP_MAYBE, maybe))
    registry.add_action(Action(button_ids.RSVP_DECLINE, decline))
    registry.add_action(Action(button_ids.SESSION_CALENDAR, calendar_file))
    registry.add_action(Action(CONFIRM_CANCEL, confirm_cancel, Access.FACILITATOR))
    registry.add_action(Action(WHO_IS_COMING, who_is_coming_clicked, Access.FACILITATOR))
    registry.add_form(FormHandler(ADD_FORM, submit_add, Access.FACILITATOR))
    registry.add_form(FormHandler(EDIT_FORM, submit_edit, Access.FACILITATOR))
    registry.add_form(FormHandler(DECLINE_FORM, submit_decline, Access.MEMBER))
