"""`/cop broadcast` (and `/cop prompt`): write, preview, test, confirm; `/cop broadcasts`:
what is planned and how what went is doing, with Edit and Cancel."""

from __future__ import annotations

from core import i18n
from core.broadcasts import buttons, notices, reports
from core.broadcasts import service as broadcasts
from core.broadcasts.models import Broadcast, BroadcastStatus, Repeat, Way
from core.context import RequestContext
from core.errors import UserError
from core.i18n import N_, NP_, _, tn
from core.timefmt import when
from core.ui import (
    Actions,
    Block,
    Button,
    Confirm,
    Context,
    DirectMessage,
    Divider,
    FormValues,
    Message,
    OpenForm,
    Replies,
    Reply,
    Section,
    list_of,
    notice,
    text,
    text_of,
    translated,
)
from handlers.broadcasts.form import BROADCAST_FORM, NOTIFY, QUESTION, broadcast_form
from handlers.ids import record_id
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry

CONFIRM = "broadcast.confirm"  # untranslated: an action id
TEST = "broadcast.test"  # untranslated: an action id
DISCARD = "broadcast.discard"  # untranslated: an action id
SHOWN = 5  # broadcasts in one list: each is a few blocks, and a message holds 50


def broadcast_command(ctx: RequestContext, _args: str) -> Reply:
    return OpenForm(broadcast_form(ctx))


def prompt_command(ctx: RequestContext, _args: str) -> Reply:
    return OpenForm(broadcast_form(ctx, question=True))


def _ticked(value: object, option: str) -> bool:
    return value is True or (isinstance(value, list) and option in value) or value == option


def _draft(values: FormValues) -> broadcasts.Draft:
    return broadcasts.Draft(
        body=text_of(values.get("body")),
        asks_question=_ticked(values.get("question"), QUESTION),
        audience=list_of(values.get("audience")),
        way=text_of(values.get("way")),
        notify_channel=_ticked(values.get("notify"), NOTIFY),
        when=text_of(values.get("when")),
        date=text_of(values.get("date")),
        time=text_of(values.get("time")),
        until=text_of(values.get("until")),
        language=text_of(values.get("language")),
    )


def _find(ctx: RequestContext, value: str) -> Broadcast:
    found = record_id(value)
    broadcast = broadcasts.find(ctx.session, ctx.community, found) if found else None
    if broadcast is None:
        raise UserError(
            i18n.t(
                "That broadcast no longer exists. Type `{command} broadcasts` to see them.",
                command=ctx.command,
            )
        )
    return broadcast


def _times(preview: broadcasts.Preview, zone: str) -> Block:
    times = preview.times
    if len(times) == 1:
        return Context([text("Goes out: {when}.", when=when(times[0], zone))])
    return Context(
        [
            translated(
                tn(
                    "Goes out {n} time: first {first}, last {last}.",
                    "Goes out {n} times: first {first}, last {last}.",
                    len(times),
                    first="{first}",
                    last="{last}",
                ),
                first=when(times[0], zone),
                last=when(times[-1], zone),
            )
        ]
    )


def preview_message(ctx: RequestContext, broadcast: Broadcast) -> Message:
    """What it will look like, who it reaches (counted), and the buttons to go on."""
    preview = broadcasts.preview(ctx.session, ctx.community, broadcast, ctx.now())
    by_dm = broadcast.way == Way.DM.value
    if by_dm:
        lead = translated(
            tn(
                "*Preview.* This goes by DM to *{n} person*: {audience}.",
                "*Preview.* This goes by DM to *{n} people*: {audience}.",
                preview.people,
                audience="{audience}",
            ),
            audience=preview.audience_words,
        )
    else:
        lead = text("*Preview.* This is posted in the community channel, for everyone.")
    blocks: list[Block] = [Section(lead), Divider()]
    with i18n.speaking((broadcast.language or ctx.community.language) if not by_dm else None):
        blocks.extend(broadcasts.message_for(broadcast, None, sample=True).blocks)
    blocks.append(Divider())
    if preview.excluded:
        blocks.append(Context([translated(reports._excluded_sentence(preview.excluded))]))
    blocks.append(_times(preview, ctx.community.timezone))
    if broadcast.asks_question:
        blocks.append(
            Context([text("Members get a Reflect button; replies are kept as reflections.")])
        )
    actions: list[Button] = []
    nobody = by_dm and preview.people == 0
    if nobody and broadcast.repeat == Repeat.ONCE.value:
        blocks.append(
            Section(
                text(
                    "Nobody matches this audience right now, so nothing would be sent. "
                    "Edit it to choose other people."
                )
            )
        )
    else:
        if nobody:
            again = text("Nobody matches yet: the audience is worked out again each time.")
            blocks.append(Context([again]))
        second_look = (
            Confirm(
                title=_("Send to this many people?"),
                body=(
                    i18n.tn(
                        "It goes to {n} person. Check the audience once more before it goes.",
                        "It goes to {n} people. Check the audience once more before it goes.",
                        preview.people,
                    )
                    if not broadcast.notify_channel
                    else _("It notifies everyone in the channel. Send it?")
                ),
                confirm_label=_("Yes, send it"),
                deny_label=_("Not yet"),
            )
            if preview.needs_second_look
            else None
        )
        actions.append(
            Button(_("Confirm"), CONFIRM, str(broadcast.id), "primary", confirm=second_look)
        )
    actions.append(Button(_("Send a test to me"), TEST, str(broadcast.id)))
    actions.append(Button(_("Edit"), buttons.EDIT, str(broadcast.id)))
    actions.append(Button(_("Discard"), DISCARD, str(broadcast.id)))
    blocks.append(Actions(actions))
    return Message(summary=lead.plain(), blocks=blocks)


def submit_broadcast(ctx: RequestContext, values: FormValues, state: str) -> Reply | Replies:
    editing = _find(ctx, state.removeprefix("edit:")) if state.startswith("edit:") else None
    started = editing is not None and broadcasts.has_started(ctx.session, editing)
    plan = broadcasts.check(
        _draft(values),
        ctx.session,
        ctx.community,
        ctx.settings,
        ctx.now(),
        keep_timing_of=editing if started else None,
    )
    if editing is not None:
        broadcast = editing
        if broadcast.status != BroadcastStatus.DRAFT.value:
            outcome = broadcasts.edit(ctx.session, ctx.community, broadcast, plan, ctx.now())
            lines = [text("Broadcast {number} is changed.", number=broadcast.id)]
            if outcome.rewritten:
                lines.append(
                    translated(
                        tn(
                            "{n} queued message now has the new text.",
                            "{n} queued messages now have the new text.",
                            outcome.rewritten,
                        )
                    )
                )
            if outcome.corrected:
                lines.append(text("The post in the channel is being corrected."))
            return Message(summary=lines[0].plain(), blocks=[Section(line) for line in lines])
        broadcasts.edit(ctx.session, ctx.community, broadcast, plan, ctx.now())
    else:
        broadcast = broadcasts.save(ctx.session, ctx.community, plan, ctx.active_member, ctx.now())
    return preview_message(ctx, broadcast)


def confirm(ctx: RequestContext, value: str) -> Reply:
    broadcast = _find(ctx, value)
    preview = broadcasts.preview(ctx.session, ctx.community, broadcast, ctx.now())
    if (
        broadcast.way == Way.DM.value
        and preview.people == 0
        and broadcast.repeat == Repeat.ONCE.value
    ):
        return notice("Nobody matches this audience, so nothing was sent.")
    if not broadcasts.confirm(ctx.session, ctx.community, broadcast, ctx.now()):
        return notice(
            "Broadcast {number} was already confirmed (or cancelled): nothing new was sent. "
            "Type `{command} broadcasts` to see how it is going.",
            number=broadcast.id,
            command=ctx.command,
        )
    starts = when(broadcast.starts_at, ctx.community.timezone)
    lead = text(
        "Confirmed: broadcast {number} goes out {when}. Type `{command} broadcasts` to see how "
        "it is going; you'll get a report when it has all gone.",
        number=broadcast.id,
        when=starts,
        command=ctx.command,
    )
    return Message(summary=lead.plain(), blocks=[Section(lead)], replace_original=True)


def send_test(ctx: RequestContext, value: str) -> Replies:
    broadcast = _find(ctx, value)
    sample = broadcasts.message_for(broadcast, None, sample=True)
    note = text("*Test* of broadcast {number}, only to you:", number=broadcast.id)
    return [
        DirectMessage(Message(summary=note.plain(), blocks=[Section(note), *sample.blocks])),
        notice("A test is in your DMs with Catalyst."),
    ]


def discard(ctx: RequestContext, value: str) -> Reply:
    broadcast = _find(ctx, value)
    if not broadcasts.discard(ctx.session, broadcast):
        return notice(
            "Broadcast {number} is already confirmed, so it stays. To stop it, use Cancel in "
            "`{command} broadcasts`.",
            number=broadcast.id,
            command=ctx.command,
        )
    return Message(
        summary=_("Discarded: nothing was sent."),
        blocks=[Section(text("Discarded: nothing was sent."))],
        replace_original=True,
    )


def edit(ctx: RequestContext, value: str) -> Reply:
    broadcast = _find(ctx, value)
    if broadcast.status == BroadcastStatus.CANCELLED.value:
        return notice("This broadcast was cancelled: send a new one instead.")
    started = broadcasts.has_started(ctx.session, broadcast)
    return OpenForm(broadcast_form(ctx, broadcast, timing=not started))


def cancel(ctx: RequestContext, value: str) -> Reply:
    broadcast = _find(ctx, value)
    stopped = broadcasts.cancel(ctx.session, broadcast, ctx.now())
    lead = translated(
        tn(
            "Stopped: {n} queued message won't go. What had gone stays.",
            "Stopped: {n} queued messages won't go. What had gone stays.",
            stopped,
        )
    )
    found = broadcasts.report(ctx.session, broadcast)
    blocks = [
        Section(lead),
        *reports.report_blocks(ctx.session, ctx.community, found, buttons_too=False),
    ]
    return Message(summary=lead.plain(), blocks=blocks, replace_original=True)


def report(ctx: RequestContext, value: str) -> Reply:
    broadcast = _find(ctx, value)
    found = broadcasts.report(ctx.session, broadcast)
    blocks = reports.report_blocks(ctx.session, ctx.community, found)
    return Message(summary=_("Delivery report"), blocks=blocks)


def broadcasts_command(ctx: RequestContext, _args: str) -> Reply:
    listed = broadcasts.listing(ctx.session, ctx.community)[:SHOWN]
    if not listed:
        return notice(
            "No broadcasts yet. Type `{command} broadcast` to write one.", command=ctx.command
        )
    blocks: list[Block] = []
    for broadcast in listed:
        if blocks:
            blocks.append(Divider())
        found = broadcasts.report(ctx.session, broadcast)
        blocks.extend(reports.report_blocks(ctx.session, ctx.community, found))
    return Message(summary=_("Broadcasts"), blocks=blocks)


def _dms(ctx: RequestContext, enabled: bool) -> Reply:
    member = ctx.require_member()
    broadcasts.set_dms(member, enabled)
    if enabled:
        return notice("Done: facilitators' messages come by DM again.")
    return notice(
        "Done: no more facilitators' messages by DM (posts in the channel still show). Turn "
        "them back on any time with `{command} notifications`.",
        command=ctx.command,
    )


def dms_off(ctx: RequestContext, _value: str) -> Reply:
    return _dms(ctx, enabled=False)


def dms_on(ctx: RequestContext, _value: str) -> Reply:
    return _dms(ctx, enabled=True)


NEW = "broadcast.new"  # untranslated: an action id


def new_broadcast(ctx: RequestContext, _value: str) -> Reply:
    return OpenForm(broadcast_form(ctx))


def home_blocks(ctx: RequestContext) -> list[Block]:
    """For the facilitators' part of Home: what is planned, how the last one went, and a
    button to write one."""
    listed = broadcasts.listing(ctx.session, ctx.community)
    planned = sum(1 for b in listed if b.status == BroadcastStatus.SCHEDULED.value)
    lines = [
        translated(
            tn(
                "*Broadcasts*: {n} planned or on its way.",
                "*Broadcasts*: {n} planned or on their way.",
                planned,
            )
        )
    ]
    latest = next((b for b in listed if b.status == BroadcastStatus.DONE.value), None)
    if latest is not None:
        found = broadcasts.report(ctx.session, latest)
        if found.runs:
            last = found.runs[-1]
            figures = notices.counts_line(
                last.delivered, last.waiting, last.failed, last.cancelled, last.replies
            )
            lines.append(
                text(
                    "The last one ({when}): {figures}.",
                    when=when(last.run.occurrence, ctx.community.timezone),
                    figures=figures,
                )
            )
    return [
        Section(lines[0]),
        *([Context(lines[1:])] if len(lines) > 1 else []),
        Actions([Button(_("New broadcast"), NEW), Button(_("All broadcasts"), LIST)]),
    ]


LIST = "broadcast.list"  # untranslated: an action id


def list_button(ctx: RequestContext, _value: str) -> Reply:
    return broadcasts_command(ctx, "")


def register(registry: Registry) -> None:
    group = N_("Facilitating")
    registry.add_command(
        Command(
            NP_("command word", "broadcast"),
            N_("Send a message to the right people, now or later, with a delivery report"),
            broadcast_command,
            Access.FACILITATOR,
            group=group,
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "broadcasts"),
            N_("What you've broadcast: delivered, failed, replies; edit or cancel"),
            broadcasts_command,
            Access.FACILITATOR,
            group=group,
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "prompt"),
            N_("Schedule a question for members to reflect on"),
            prompt_command,
            Access.FACILITATOR,
            group=group,
        )
    )
    registry.add_action(Action(CONFIRM, confirm, Access.FACILITATOR))
    registry.add_action(Action(TEST, send_test, Access.FACILITATOR))
    registry.add_action(Action(DISCARD, discard, Access.FACILITATOR))
    registry.add_action(Action(buttons.EDIT, edit, Access.FACILITATOR))
    registry.add_action(Action(buttons.CANCEL, cancel, Access.FACILITATOR))
    registry.add_action(Action(buttons.REPORT, report, Access.FACILITATOR))
    registry.add_action(Action(NEW, new_broadcast, Access.FACILITATOR))
    registry.add_action(Action(LIST, list_button, Access.FACILITATOR))
    registry.add_home_section(HomePlace.FACILITATOR, 25, home_blocks)
    registry.add_action(Action(buttons.DMS_OFF, dms_off))
    registry.add_action(Action(buttons.DMS_ON, dms_on))
    registry.add_form(FormHandler(BROADCAST_FORM, submit_broadcast, Access.FACILITATOR))
