"""Reflecting: the reflect form, your own reflections, nudges, prompts and the export."""

from __future__ import annotations

from core import i18n
from core.broadcasts import buttons as broadcast_buttons
from core.context import RequestContext
from core.errors import UserError
from core.i18n import N_, NP_, _, t, tn
from core.labels import shown
from core.reflections import export as export
from core.reflections import service as reflections
from core.sessions import buttons as button_ids
from core.sessions.models import Prompt, Visibility
from core.timefmt import when
from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    FormValues,
    Header,
    Message,
    OpenForm,
    Replies,
    Reply,
    Section,
    SendFile,
    notice,
    said,
    text,
    text_of,
)
from handlers.ids import number_in, page_offset, record_id
from handlers.mentions import shorten
from handlers.reflections.form import REFLECTION_FORM, reflection_form
from handlers.registry import Access, Action, Command, FormHandler, Registry

MORE_REFLECTIONS = "reflection.more"  # untranslated: an action id


NUDGES_ON = "notifications.on"  # untranslated: an action id


# Buttons on the `notifications` message replace it; the same button in a nudge DM must
# not (it would wipe the question and its Reflect button), so they say which they are.
REPLACE = "replace"


LIST_BODY_LIMIT = 2000  # a long reflection is cut in the list; the whole is in `my-data`


NO_PROMPT_YET = N_(
    "There's no question to reflect on yet: the next one comes after the next session. "
    "Type `{command} sessions` to see when that is."
)


PROMPT_GONE = N_(
    "That question is no longer open for reflections. Type `{command} reflect` for the latest."
)


EXPORT_USAGE = N_(
    "Type `{command} export` for a CSV file, `{command} export md` for Markdown, or add a "
    "session number, like `{command} export 3`."
)


def reflect_command(ctx: RequestContext, _args: str) -> Reply:
    prompt = reflections.latest_prompt(ctx.session, ctx.community)
    if prompt is None:
        return notice(NO_PROMPT_YET, command=ctx.command)
    return OpenForm(reflection_form(ctx, prompt))


def _prompt_from(ctx: RequestContext, value: str) -> Prompt | None:
    prompt_id = record_id(value)
    return (
        None if prompt_id is None else reflections.prompt_for(ctx.session, ctx.community, prompt_id)
    )


def reflect_button(ctx: RequestContext, value: str) -> Reply:
    prompt = _prompt_from(ctx, value)
    if prompt is None:
        return notice(PROMPT_GONE, command=ctx.command)
    return OpenForm(reflection_form(ctx, prompt))


def _saved(visibility: str, command: str) -> Message:
    if visibility == Visibility.SHARED:
        return notice(
            "Thank you: your reflection will appear in the thread in a moment. Type "
            "`{command} reflections` to see everything you've written.",
            command=command,
        )
    if visibility == Visibility.FACILITATORS:
        return notice(
            "Thank you: your reflection is saved. Only the facilitators can read it. Type "
            "`{command} reflections` to see everything you've written.",
            command=command,
        )
    return notice(
        "Thank you: your reflection is saved in your private journal. Only you can read it. "
        "Type `{command} reflections` to see everything you've written.",
        command=command,
    )


def submit_reflection(ctx: RequestContext, values: FormValues, state: str) -> Reply:
    member = ctx.require_member()
    prompt = _prompt_from(ctx, state)
    if prompt is None:
        return notice(PROMPT_GONE, command=ctx.command)
    saved = reflections.add_from_form(
        ctx.session,
        member,
        prompt,
        text_of(values.get("body")),
        text_of(values.get("visibility")),
        ctx.now(),
        quotable=values.get("quotable") is True,
    )
    return _saved(saved.visibility, ctx.command)


def reflections_page(ctx: RequestContext, offset: int) -> Message:
    member = ctx.require_member()
    page = reflections.own(ctx.session, member, offset=offset)
    if page.total == 0:
        return notice(
            "You haven't written any reflections yet. Type `{command} reflect` to write one: "
            "you choose who can read it.",
            command=ctx.command,
        )
    if not page.entries:
        return notice(
            "That's all of them. Type `{command} reflections` to start again.",
            command=ctx.command,
        )
    blocks: list[Block] = [Header(_("Your reflections"))]
    for entry in page.entries:
        body = entry.reflection.body
        if len(body) > LIST_BODY_LIMIT:
            body = body[: LIST_BODY_LIMIT - 1] + "…"
        blocks += [
            Section(
                text("_{question}_\n{body}", question=shorten(entry.prompt.text, 150), body=body)
            ),
            Context(
                [
                    text(
                        "{who} · {when}",
                        who=shown(reflections.VISIBILITY_SHOWN, entry.reflection.visibility),
                        when=when(entry.reflection.created_at, member.timezone),
                    )
                ]
            ),
        ]
    shown_to = page.offset + len(page.entries)
    blocks.append(
        Context(
            [
                text(
                    "Showing {a}–{b} of {n}.",
                    a=page.offset + 1,
                    b=shown_to,
                    n=i18n.number(page.total),
                )
            ]
        )
    )
    if shown_to < page.total:
        blocks.append(Actions([Button(_("Show older"), MORE_REFLECTIONS, str(shown_to))]))
    return Message(summary=t("Your reflections ({n})", n=i18n.number(page.total)), blocks=blocks)


def reflections_command(ctx: RequestContext, _args: str) -> Reply:
    return reflections_page(ctx, 0)


def more_reflections(ctx: RequestContext, value: str) -> Reply:
    return reflections_page(ctx, page_offset(value))


def notifications_command(ctx: RequestContext, _args: str) -> Reply:
    member = ctx.require_member()
    if member.nudges_enabled:
        body = text(
            "Nudges and catch-ups are *on*: after a session, at most one gentle reminder to "
            "reflect, and a short catch-up if you missed it."
        )
        button = Button(_("Turn them off"), button_ids.NUDGES_OFF, REPLACE)
    else:
        body = text(
            "Nudges and catch-ups are *off*. Session reminders still come, so you can plan."
        )
        button = Button(_("Turn them on"), NUDGES_ON, REPLACE, style="primary")
    if member.broadcasts_enabled:
        dms = text("Facilitators' messages by DM are *on*.")
        dm_button = Button(_("Turn them off"), broadcast_buttons.DMS_OFF)
    else:
        dms = text("Facilitators' messages by DM are *off* (posts in the channel still show).")
        dm_button = Button(_("Turn them on"), broadcast_buttons.DMS_ON, style="primary")
    return Message(
        summary=body.plain(),
        blocks=(Section(body), Actions([button]), Section(dms), Actions([dm_button])),
    )


def _nudges(ctx: RequestContext, value: str, enabled: bool) -> Reply:
    member = ctx.require_member()
    reflections.set_nudges(ctx.session, member, enabled)
    body = (
        text("Done: nudges and catch-ups are on again.")
        if enabled
        else text(
            "Done: no more nudges or catch-ups. Turn them back on any time with "
            "`{command} notifications`.",
            command=ctx.command,
        )
    )
    return Message(summary=body.plain(), blocks=(Section(body),), replace_original=value == REPLACE)


def nudges_off(ctx: RequestContext, value: str) -> Reply:
    return _nudges(ctx, value, enabled=False)


def nudges_on(ctx: RequestContext, value: str) -> Reply:
    return _nudges(ctx, value, enabled=True)


def _export_request(args: str) -> tuple[export.ExportFormat, int | None] | None:
    fmt, number = export.ExportFormat.CSV, None
    for word in args.lower().replace("#", " ").split():
        if word in {"csv"}:
            fmt = export.ExportFormat.CSV
        elif word in {"md", "markdown"}:
            fmt = export.ExportFormat.MARKDOWN
        elif number_in(word) is not None:
            number = number_in(word)
        elif word not in {"session", "reflections"}:
            return None
    return fmt, number


def export_command(ctx: RequestContext, args: str) -> Replies:
    request = _export_request(args)
    if request is None:
        return [notice(EXPORT_USAGE, command=ctx.command)]
    fmt, number = request
    rows = export.reflection_rows(ctx.session, ctx.community, number)
    if not rows:
        raise UserError(
            _(
                "There are no shared reflections to export yet. (Private reflections are "
                "never exported.)"
            )
            if number is None
            else t(
                "There are no shared reflections for session {number} to export yet. (Private "
                "reflections are never exported.)",
                number=number,
            )
        )
    content = export.render(rows, fmt, ctx.community, ctx.now())
    kind = "CSV" if fmt is export.ExportFormat.CSV else "Markdown"  # untranslated: format names
    n = len(rows)
    if number is None:
        title = _("Reflections")
        comment = tn(
            "{n} reflection, shared in the thread or with facilitators.",
            "{n} reflections, shared in the thread or with facilitators.",
            n,
        )
        sentence = tn(
            "I've sent you {n} reflection as a {kind} file in our DM. Private reflections are "
            "never included.",
            "I've sent you {n} reflections as a {kind} file in our DM. Private reflections are "
            "never included.",
            n,
            kind=kind,
        )
    else:
        title = t("Reflections for session {number}", number=number)
        comment = tn(
            "{n} reflection for session {number}, shared in the thread or with facilitators.",
            "{n} reflections for session {number}, shared in the thread or with facilitators.",
            n,
            number=number,
        )
        sentence = tn(
            "I've sent you {n} reflection for session {number} as a {kind} file in our DM. "
            "Private reflections are never included.",
            "I've sent you {n} reflections for session {number} as a {kind} file in our DM. "
            "Private reflections are never included.",
            n,
            number=number,
            kind=kind,
        )
    return [
        SendFile(
            filename=export.filename(fmt, number),
            content=content,
            title=title,
            comment=comment,
        ),
        said(sentence),
    ]


def register(registry: Registry) -> None:
    group = N_("Reflecting")
    registry.add_command(
        Command(
            NP_("command word", "reflect"),
            N_("Reflect on the latest question"),
            reflect_command,
            group=group,
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "reflections"),
            N_("See what you've written, newest first"),
            reflections_command,
            group=group,
            aliases=("journal",),
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "notifications"),
            N_("Turn nudges and catch-ups on or off"),
            notifications_command,
            group=group,
            aliases=("nudges",),
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "export"),
            N_("Reflections for your evaluation report, as a file"),
            export_command,
            Access.FACILITATOR,
            # Translators: help for the command; keep `md` as it is.
            usage=N_("[md] [session number]"),
            group=N_("Facilitating"),
        )
    )
    registry.add_action(Action(button_ids.REFLECT, reflect_button))
    registry.add_action(Action(MORE_REFLECTIONS, more_reflections))
    registry.add_action(Action(button_ids.NUDGES_OFF, nudges_off))
    registry.add_action(Action(NUDGES_ON, nudges_on))
    registry.add_form(FormHandler(REFLECTION_FORM, submit_reflection, Access.MEMBER))
