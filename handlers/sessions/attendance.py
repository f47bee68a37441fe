"""Who came: `/cop attendance N` (facilitators) opens the tick list for a session that has
ended; the "Tick who came" button in the DM after a session opens the same form; members
answer "Did you make it?" with Yes / No on their nudge or catch-up."""

from __future__ import annotations

from core.context import RequestContext
from core.i18n import N_, NP_, _, tn
from core.sessions import attendance
from core.sessions import buttons as button_ids
from core.sessions import service as sessions
from core.sessions.models import CommunitySession
from core.ui import (
    FieldKind,
    Form,
    FormField,
    FormValues,
    Message,
    OpenForm,
    Option,
    Reply,
    Section,
    list_of,
    notice,
    said,
    text,
)
from handlers.ids import number_in, record_id
from handlers.registry import Access, Action, Command, FormHandler, Registry

ATTENDANCE_FORM = "session.attendance"  # untranslated: a form id
CAME = "came"  # untranslated: a field name

USAGE = N_(
    "Type `{command} attendance 3` with the number of a session that has ended to tick who came."
)
GONE = N_("That session no longer exists. Type `{command} sessions` to see the upcoming ones.")


def _session_by_id(ctx: RequestContext, value: str) -> CommunitySession | None:
    session_id = record_id(value)
    return sessions.by_id(ctx.session, ctx.community, session_id) if session_id else None


def tick_form(ctx: RequestContext, cs: CommunitySession) -> Form:
    attendance.check_ended(cs, ctx.now())
    listing = attendance.tick_list(ctx.session, cs)
    options = [Option(str(member_id), name) for member_id, name in listing.choices]
    return Form(
        form_id=ATTENDANCE_FORM,
        title=_("Who came?"),
        intro=[
            Section(
                text(
                    "Session {number}, *{title}*. Everyone who said they were going is ticked: "
                    "untick anyone who didn't make it and add anyone else who came.",
                    number=cs.number,
                    title=cs.title,
                )
            )
        ],
        fields=[
            FormField(
                CAME,
                _("Who came"),
                FieldKind.MULTI_SELECT,
                required=False,
                options=options,
                initial=[str(member_id) for member_id in listing.ticked],
            )
        ],
        state=str(cs.id),
    )


def attendance_command(ctx: RequestContext, args: str) -> Reply:
    number = number_in(args.strip()) if args.strip() else None
    if number is None:
        return notice(USAGE, command=ctx.command)
    cs = sessions.by_number(ctx.session, ctx.community, number)
    if cs is None:
        return notice(
            "There's no session {number}. Type `{command} sessions` to see the upcoming ones.",
            number=number,
            command=ctx.command,
        )
    return OpenForm(tick_form(ctx, cs))


def open_button(ctx: RequestContext, value: str) -> Reply:
    cs = _session_by_id(ctx, value)
    if cs is None:
        return notice(GONE, command=ctx.command)
    return OpenForm(tick_form(ctx, cs))


def submit_ticks(ctx: RequestContext, values: FormValues, state: str) -> Reply:
    cs = _session_by_id(ctx, state)
    if cs is None:
        return notice(GONE, command=ctx.command)
    attendance.check_ended(cs, ctx.now())
    offered = [member_id for member_id, _name in attendance.tick_list(ctx.session, cs).choices]
    came = {int(v) for v in list_of(values.get(CAME)) if v.isdigit()}
    count = attendance.record_ticks(ctx.session, cs, came, offered, ctx.now())
    return said(
        tn(
            "Thank you: {n} person came to session {number}. The programme report counts them.",
            "Thank you: {n} people came to session {number}. The programme report counts them.",
            count,
            number=cs.number,
        )
    )


def _member_answer(ctx: RequestContext, value: str, came: bool) -> Reply:
    member = ctx.require_member()
    cs = _session_by_id(ctx, value)
    if cs is None:
        return notice(GONE, command=ctx.command)
    attendance.check_ended(cs, ctx.now())
    if not attendance.answer(ctx.session, cs, member, came, ctx.now()):
        return notice(
            "Thank you. A facilitator has already noted who came to *{title}*.", title=cs.title
        )
    if came:
        return Message(
            summary=_("Thank you"),
            blocks=[Section(text("Thank you: noted that you came to *{title}*.", title=cs.title))],
        )
    return notice(
        "Thank you for letting us know. Missing one is fine: the catch-up above has the gist of "
        "*{title}*.",
        title=cs.title,
    )


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            NP_("command word", "attendance"),
            N_("Tick who came to a session that has ended"),
            attendance_command,
            Access.FACILITATOR,
            # Translators: N is a session's number.
            usage=N_("N"),
            group=N_("Facilitating"),
        )
    )
    registry.add_action(Action(button_ids.ATTENDANCE_OPEN, open_button, Access.FACILITATOR))
    registry.add_action(
        Action(button_ids.ATTENDED_YES, lambda ctx, value: _member_answer(ctx, value, True))
    )
    registry.add_action(
        Action(button_ids.ATTENDED_NO, lambda ctx, value: _member_answer(ctx, value, False))
    )
    registry.add_form(FormHandler(ATTENDANCE_FORM, submit_ticks, Access.FACILITATOR))
