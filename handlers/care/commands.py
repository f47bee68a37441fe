"""`/cop care` (facilitators): the people to reach out to, each with Send a check-in and
Snooze; the check-in form; the answers a member clicks; `/cop pause` and `/cop resume`."""

from __future__ import annotations

from datetime import datetime

from core import i18n
from core.care import buttons, durations, notices
from core.care import service as care
from core.care.models import CareCheckin, CheckinAnswer
from core.care.rules import CareRules, parse_rules
from core.context import RequestContext
from core.errors import UserError
from core.i18n import N_, NP_, _, t, tn
from core.models import Member
from core.timefmt import local
from core.ui import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    FieldKind,
    Form,
    FormField,
    FormValues,
    Message,
    OpenForm,
    Reply,
    Section,
    notice,
    text,
    text_of,
    translated,
)
from handlers.ids import record_id
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry

CHECKIN_FORM = "care.checkin"  # untranslated: a form id
SHOWN = 15  # people in one list: each is a few blocks, and a message holds 50
MAX_TEXT = 2000


def _day(instant: datetime, zone: str) -> str:
    return i18n.day_month_year(local(instant, zone))


def _entry_blocks(ctx: RequestContext, entry: care.Drifting) -> list[Block]:
    zone = ctx.community.timezone
    why = i18n.and_list([notices.reason_words(r) for r in entry.reasons])
    lines = [text("*{name}*: {reasons}.", name=entry.member.display_name, reasons=why)]
    context = []
    if entry.last_seen_at is not None:
        context.append(text("Last active {day}.", day=_day(entry.last_seen_at, zone)))
    else:
        context.append(text("Not active with Catalyst since joining."))
    if entry.checked_in_at is not None:
        context.append(text("Checked in on {day}.", day=_day(entry.checked_in_at, zone)))
    member_id = str(entry.member.id)
    return [
        Section(lines[0]),
        Context(context),
        Actions(
            [
                Button(_("Send a check-in"), buttons.CHECKIN, member_id, "primary"),
                Button(_("Snooze"), buttons.SNOOZE, member_id),
            ]
        ),
    ]


def care_message(ctx: RequestContext) -> Message:
    found = care.drifting(ctx.session, ctx.community, ctx.now())
    if not found:
        lead = text("Nobody seems to be drifting away right now.")
        return Message(summary=lead.plain(), blocks=[Section(lead)])
    lead = text(
        "People whose participation has dropped, in alphabetical order. A kind word often "
        "helps; only facilitators see this list."
    )
    blocks: list[Block] = [Section(lead)]
    for entry in found[:SHOWN]:
        blocks.append(Divider())
        blocks.extend(_entry_blocks(ctx, entry))
    if len(found) > SHOWN:
        more = len(found) - SHOWN
        rest = tn(
            "And {n} more person: snooze or check in on some to see the rest.",
            "And {n} more people: snooze or check in on some to see the rest.",
            more,
        )
        blocks.append(Context([translated(rest)]))
    return Message(summary=lead.plain(), blocks=blocks)


def care_command(ctx: RequestContext, args: str) -> Reply:
    word, _sep, rest = args.strip().partition(" ")
    if word.lower() == "rules":
        return _rules(ctx, rest.strip())
    if args.strip():
        return notice(
            "Type `{command} care` on its own to see who might need a kind word, or "
            "`{command} care rules` to see and change when someone is listed.",
            command=ctx.command,
        )
    return care_message(ctx)


def _rules(ctx: RequestContext, typed: str) -> Reply:
    """`care rules` shows this community's thresholds; `care rules no-shows=3` changes only
    those named; `care rules defaults` goes back. A typo changes nothing."""
    current = care.rules_for(ctx.community)
    if not typed:
        return notices.rules_message(current, ctx.command)
    if typed.lower() in {"default", "defaults", "reset"}:
        care.set_rules(ctx.community, CareRules())
        lead = _("Done: back to the default rules. Someone is now listed when")
        return notices.rules_message(CareRules(), ctx.command, lead)
    try:
        chosen = parse_rules(typed, current)
    except ValueError as problem:
        return notice(
            "{problem} For example: `{command} care rules no-shows=3, reminders=0`.",
            problem=str(problem),
            command=ctx.command,
        )
    care.set_rules(ctx.community, chosen)
    lead = _("Saved. For this community, someone is now listed when")
    return notices.rules_message(care.rules_for(ctx.community), ctx.command, lead)


def _find(ctx: RequestContext, value: str) -> Member:
    found = record_id(value)
    member = care.find_member(ctx.session, ctx.community, found) if found else None
    if member is None:
        raise UserError(
            t(
                "That person is no longer in the community. Type `{command} care` to see the "
                "list again.",
                command=ctx.command,
            )
        )
    return member


def checkin_form(ctx: RequestContext, member: Member) -> Form:
    facilitator = ctx.require_member()
    return Form(
        form_id=CHECKIN_FORM,
        title=_("Send a check-in"),
        submit_label=_("Send"),
        intro=[
            Section(
                text(
                    "A direct message to *{name}*, from you. Change anything you like; it comes "
                    "with buttons to pause, hear less, or say they're fine.",
                    name=member.display_name,
                )
            )
        ],
        fields=[
            FormField(
                "body",
                _("Message"),
                FieldKind.LONG_TEXT,
                initial=care.default_checkin_text(facilitator, member),
                max_length=MAX_TEXT,
            )
        ],
        state=str(member.id),
    )


def open_checkin(ctx: RequestContext, value: str) -> Reply:
    return OpenForm(checkin_form(ctx, _find(ctx, value)))


def submit_checkin(ctx: RequestContext, values: FormValues, state: str) -> Reply:
    member = _find(ctx, state)
    body = (text_of(values.get("body")) or "").strip()
    if not body:
        return notice(
            "The message was empty, so nothing was sent. Write a few words and send it again."
        )
    care.send_checkin(ctx.session, ctx.community, ctx.require_member(), member, body, ctx.now())
    return notice(
        "Sent: {name} gets your message by DM. The list shows when you checked in.",
        name=member.display_name,
    )


def snooze(ctx: RequestContext, value: str) -> Reply:
    member = _find(ctx, value)
    until = care.snooze(ctx.session, ctx.community, member, ctx.now())
    return notice(
        "{name} is hidden from the list until {day}.",
        name=member.display_name,
        day=_day(until, ctx.community.timezone),
    )


def list_button(ctx: RequestContext, _value: str) -> Reply:
    return care_message(ctx)


def home_blocks(ctx: RequestContext) -> list[Block]:
    """For the facilitators' part of Home: how many people might need a kind word."""
    found = care.drifting(ctx.session, ctx.community, ctx.now())
    if not found:
        return [Section(text("*Who is drifting*: nobody right now."))]
    names = i18n.and_list([entry.member.display_name for entry in found])
    return [
        Section(text("*Who is drifting*: {names}.", names=names)),
        Actions([Button(_("See why and check in"), buttons.LIST)]),
    ]


# ---- the member's side ------------------------------------------------------------------------


def _checkin_of(ctx: RequestContext, value: str) -> tuple[Member, CareCheckin]:
    member = ctx.require_member()
    checkin_id = record_id(value.partition(":")[0])
    checkin = care.checkin_for(ctx.session, member, checkin_id) if checkin_id else None
    if checkin is None:
        raise UserError(
            t(
                "That message is no longer there. Type `{command} pause` to take a break.",
                command=ctx.command,
            )
        )
    return member, checkin


def _paused_reply(ctx: RequestContext, member: Member, until: datetime) -> Reply:
    return notice(
        "Paused until {day}: no reminders, pairing or messages from the community until then; "
        "your place in any set is kept. Type `{command} resume` to come back sooner.",
        day=_day(until, member.timezone),
        command=ctx.command,
    )


def answer_pause(ctx: RequestContext, value: str) -> Reply:
    member, checkin = _checkin_of(ctx, value)
    months = record_id(value.partition(":")[2])
    if months not in care.PAUSE_MONTHS:
        return notice("Choose one of the pause buttons: 1, 2 or 3 months.")
    until = durations.add_months(ctx.now(), months)
    care.pause(ctx.session, member, until, ctx.now())
    care.answer_checkin(checkin, CheckinAnswer.PAUSE, ctx.now())
    return _paused_reply(ctx, member, until)


def answer_essentials(ctx: RequestContext, value: str) -> Reply:
    member, checkin = _checkin_of(ctx, value)
    care.essentials_only(member, ctx.now())
    care.answer_checkin(checkin, CheckinAnswer.ESSENTIALS, ctx.now())
    return notice(
        "Done: from now on you only get session reminders. Change it any time with "
        "`{command} notifications`.",
        command=ctx.command,
    )


def answer_fine(ctx: RequestContext, value: str) -> Reply:
    _member, checkin = _checkin_of(ctx, value)
    care.answer_checkin(checkin, CheckinAnswer.FINE, ctx.now())
    return notice("Thanks for letting us know. Good to hear from you!")


def pause_command(ctx: RequestContext, args: str) -> Reply:
    member = ctx.require_member()
    if not args.strip():
        return notice(
            "How long would you like to pause? For example `{command} pause 2 months`, "
            "`{command} pause 3 weeks` or `{command} pause until 2027-02-01`.",
            command=ctx.command,
        )
    until = durations.pause_until(args, ctx.now(), member.timezone, ctx.command)
    care.pause(ctx.session, member, until, ctx.now())
    return _paused_reply(ctx, member, until)


def resume_command(ctx: RequestContext, _args: str) -> Reply:
    member = ctx.require_member()
    if not member.is_paused(ctx.now()) or not care.resume(
        ctx.session, member, ctx.now(), welcome=False
    ):
        return notice("You aren't paused: everything reaches you as usual.")
    return notice(
        "Welcome back! Reminders, pairing and messages from the community reach you again."
    )


def resume_button(ctx: RequestContext, _value: str) -> Reply:
    return resume_command(ctx, "")


def member_home_blocks(ctx: RequestContext) -> list[Block]:
    """On a paused member's Home: until when, and a way back sooner."""
    member = ctx.active_member
    if member is None or member.paused_until is None or not member.is_paused(ctx.now()):
        return []
    lead = text(
        "You're taking a break until {day}: nothing optional reaches you until then.",
        day=_day(member.paused_until, member.timezone),
    )
    return [Section(lead), Actions([Button(_("Resume now"), buttons.RESUME)])]


def register(registry: Registry) -> None:
    registry.add_command(
        Command(
            NP_("command word", "care"),
            N_("Who might be drifting away, and why, with a kind check-in"),
            care_command,
            Access.FACILITATOR,
            # Translators: keep `rules` and `no-shows` as they are: they are typed as shown.
            usage=N_("[rules | rules no-shows=3]"),
            group=N_("Facilitating"),
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "pause"),
            N_("Take a break from everything for a while; it resumes on its own"),
            pause_command,
            usage=N_("2 months | 3 weeks | until 2027-02-01"),
        )
    )
    registry.add_command(
        Command(
            NP_("command word", "resume"),
            N_("End your pause now"),
            resume_command,
            takes_args=False,
        )
    )
    registry.add_action(Action(buttons.CHECKIN, open_checkin, Access.FACILITATOR))
    registry.add_action(Action(buttons.SNOOZE, snooze, Access.FACILITATOR))
    registry.add_action(Action(buttons.LIST, list_button, Access.FACILITATOR))
    registry.add_form(FormHandler(CHECKIN_FORM, submit_checkin, Access.FACILITATOR))
    for months in care.PAUSE_MONTHS:
        registry.add_action(Action(buttons.pause_for(months), answer_pause))
    registry.add_action(Action(buttons.ESSENTIALS, answer_essentials))
    registry.add_action(Action(buttons.FINE, answer_fine))
    registry.add_action(Action(buttons.RESUME, resume_button))
    registry.add_home_section(HomePlace.FACILITATOR, 15, home_blocks)
    registry.add_home_section(HomePlace.MEMBER, 5, member_home_blocks)
