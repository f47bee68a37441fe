"""The newsletter: `/cop newsletter` (the latest one), the facilitators' draft and its
buttons (Edit, Send now, Schedule, Skip this month), its forms and the Home sections."""

from __future__ import annotations

from core import i18n
from core.context import RequestContext
from core.i18n import N_, NP_, _, tn
from core.newsletter import buttons as button_ids
from core.newsletter import service as newsletter_service
from core.newsletter.builder import message as newsletter_message
from core.newsletter.models import Newsletter
from core.sessions.plan import community_channel
from core.timefmt import when
from core.ui import (
    Actions,
    Block,
    Button,
    DirectMessage,
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
from handlers.ids import record_id
from handlers.newsletter.form import EDIT_FORM, SCHEDULE_FORM, edit_form, schedule_form
from handlers.registry import Access, Action, Command, FormHandler, HomePlace, Registry

SHOW_LATEST = "newsletter.latest"  # untranslated: an action id
SHOW_DRAFT = "newsletter.draft"  # untranslated: an action id

NONE_YET = N_(
    "No newsletter has gone out yet. The facilitators send one each month; it will arrive "
    "in your messages."
)
USAGE = N_(
    "Type `{command} newsletter` for the latest newsletter. Facilitators can also type "
    "`{command} newsletter draft`, or `{command} newsletter day 1 09:00` to choose the day "
    "it is drafted."
)
DRAFT_FOR_FACILITATORS = N_(
    "Only facilitators can see the newsletter draft. Type `{command} newsletter` for the "
    "latest one."
)
GONE = N_(
    "That newsletter no longer exists. Type `{command} newsletter draft` to see the current one."
)


def latest(ctx: RequestContext) -> Reply:
    found = newsletter_service.latest_sent(ctx.session, ctx.community)
    if found is None:
        return notice(NONE_YET)
    said = newsletter_service.content(ctx.session, ctx.community, found, ctx.now())
    # RSVP buttons only while the session it announced is still to come.
    upcoming = said.next is not None and said.next.starts_at > ctx.now()
    return newsletter_message(said, _reader_zone(ctx), rsvp=upcoming)


def _reader_zone(ctx: RequestContext) -> str:
    return ctx.member.timezone if ctx.member is not None else ctx.community.timezone


def draft(ctx: RequestContext) -> Reply:
    newsletter, _new = newsletter_service.make_draft(ctx.session, ctx.community, ctx.now())
    return newsletter_service.draft_for(
        ctx.session, ctx.community, newsletter, _reader_zone(ctx), ctx.now()
    )


def day(ctx: RequestContext, value: str) -> Reply:
    if value:
        setting = newsletter_service.set_day(ctx.community, value)
    else:
        setting = newsletter_service.parse_day(ctx.community.newsletter_day)
    return notice(
        "The newsletter is drafted {day}, in the community's timezone, and sent to you to "
        "check. To change it, type `{command} newsletter day 1 09:00` (a day of the month "
        "and a time) or `{command} newsletter day after-session 2`.",
        day=newsletter_service.day_in_words(setting),
        command=ctx.command,
    )


def newsletter_command(ctx: RequestContext, args: str) -> Reply:
    word, _sep, rest = args.strip().partition(" ")
    word = word.lower()
    if not word:
        return latest(ctx)
    if word in {"draft", "day"} and not ctx.is_facilitator:
        return notice(DRAFT_FOR_FACILITATORS, command=ctx.command)
    if word == "draft" and not rest.strip():
        return draft(ctx)
    if word == "day":
        return day(ctx, rest.strip())
    return notice(USAGE, command=ctx.command)


# ---- the draft's buttons ---------------------------------------------------------------------


def _newsletter(ctx: RequestContext, value: str) -> Newsletter | None:
    newsletter_id = record_id(value)
    if newsletter_id is None:
        return None
    return newsletter_service.by_id(ctx.session, ctx.community, newsletter_id)


def edit_button(ctx: RequestContext, value: str) -> Reply:
    found = _newsletter(ctx, value)
    if found is None:
        return notice(GONE, command=ctx.command)
    newsletter_service.check_open(found)
    return OpenForm(edit_form(ctx, found))


def schedule_button(ctx: RequestContext, value: str) -> Reply:
    found = _newsletter(ctx, value)
    if found is None:
        return notice(GONE, command=ctx.command)
    newsletter_service.check_open(found)
    return OpenForm(schedule_form(ctx, found))


def _done(body: Message) -> Message:
    return Message(summary=body.summary, blocks=body.blocks, replace_original=True)


def send_button(ctx: RequestContext, value: str) -> Reply:
    found = _newsletter(ctx, value)
    if found is None:
        return notice(GONE, command=ctx.command)
    channel = community_channel(ctx.community, ctx.settings)
    sent = newsletter_service.send(ctx.session, ctx.community, found, channel, ctx.now())
    if sent is None:
        return notice(
            "Newsletter {number} has already been sent, so nothing more was sent.",
            number=i18n.number(found.number),
        )
    said = (
        tn(
            "Newsletter {number} is on its way to {n} person by direct message, and to the "
            "community channel.",
            "Newsletter {number} is on its way to {n} people by direct message, and to the "
            "community channel.",
            sent.people,
            number=i18n.number(found.number),
        )
        if sent.channel
        else tn(
            "Newsletter {number} is on its way to {n} person by direct message.",
            "Newsletter {number} is on its way to {n} people by direct message.",
            sent.people,
            number=i18n.number(found.number),
        )
    )
    body = translated(said)
    return Message(summary=body.plain(), blocks=(Section(body),), replace_original=True)


def skip_button(ctx: RequestContext, value: str) -> Reply:
    found = _newsletter(ctx, value)
    if found is None:
        return notice(GONE, command=ctx.command)
    newsletter_service.skip(ctx.session, found, ctx.now())
    return _done(
        notice(
            "Newsletter {number} is skipped this month. The next one will be drafted as usual.",
            number=i18n.number(found.number),
        )
    )


# ---- the forms ---------------------------------------------------------------------------------


def submit_edit(ctx: RequestContext, values: FormValues, state: str) -> Replies:
    found = _newsletter(ctx, state)
    if found is None:
        return [notice(GONE, command=ctx.command)]
    newsletter_service.edit(
        ctx.session,
        ctx.community,
        found,
        title=text_of(values.get("title")),
        note=text_of(values.get("note")),
        quote_ids=list_of(values.get("quotes")),
        now=ctx.now(),
    )
    updated = newsletter_service.draft_for(
        ctx.session, ctx.community, found, _reader_zone(ctx), ctx.now()
    )
    return [DirectMessage(updated)]


def submit_schedule(ctx: RequestContext, values: FormValues, state: str) -> Replies:
    found = _newsletter(ctx, state)
    if found is None:
        return [notice(GONE, command=ctx.command)]
    at = newsletter_service.schedule(
        ctx.session,
        ctx.community,
        found,
        text_of(values.get("date")),
        text_of(values.get("time")),
        community_channel(ctx.community, ctx.settings),
        ctx.now(),
    )
    return [
        DirectMessage(
            notice(
                "Newsletter {number} will go out on {when}. Type `{command} newsletter draft` "
                "to change it or send it sooner.",
                number=i18n.number(found.number),
                when=when(at, _reader_zone(ctx)),
                command=ctx.command,
            )
        )
    ]


# ---- Home ----------------------------------------------------------------------------------------


def home_blocks(ctx: RequestContext) -> list[Block]:
    found = newsletter_service.latest_sent(ctx.session, ctx.community)
    if found is None or found.sent_at is None:
        return []
    return [
        Section(
            text(
                "*Newsletter*\nThe latest newsletter went out on {date}.",
                date=i18n.day_month_year(found.sent_at.astimezone(ctx.zone())),
            )
        ),
        Actions([Button(_("Read the newsletter"), SHOW_LATEST)]),
    ]


def facilitator_home_blocks(ctx: RequestContext) -> list[Block]:
    found = newsletter_service.current(ctx.session, ctx.community)
    if found is None:
        return [
            Section(
                text(
                    "*Newsletter:* the next draft comes on the community's newsletter day, or "
                    "now with `{command} newsletter draft`.",
                    command=ctx.command,
                )
            )
        ]
    return [
        Section(text("*Newsletter {number}* is waiting for you to check.", number=found.number)),
        Actions([Button(_("See the newsletter draft"), SHOW_DRAFT, str(found.id))]),
    ]


def show_draft(ctx: RequestContext, value: str) -> Reply:
    """The Home button: that draft as it stands (a button never makes one)."""
    found = _newsletter(ctx, value)
    if found is None:
        return notice(GONE, command=ctx.command)
    return newsletter_service.draft_for(
        ctx.session, ctx.community, found, _reader_zone(ctx), ctx.now()
    )


def register(registry: Registry) -> None:
    registry.add_home_section(HomePlace.MEMBER, 35, home_blocks)
    registry.add_home_section(HomePlace.FACILITATOR, 50, facilitator_home_blocks)
    registry.add_command(
        Command(
            NP_("command word", "newsletter"),
            N_("Read the latest monthly newsletter"),
            newsletter_command,
            facilitator_usage=N_("`draft` (check, edit and send it), `day 1 09:00`"),
            group=N_("Your community"),
        )
    )
    registry.add_action(Action(SHOW_LATEST, lambda ctx, _value: latest(ctx)))
    registry.add_action(Action(SHOW_DRAFT, show_draft, Access.FACILITATOR))
    registry.add_action(Action(button_ids.EDIT, edit_button, Access.FACILITATOR))
    registry.add_action(Action(button_ids.SEND, send_button, Access.FACILITATOR))
    registry.add_action(Action(button_ids.SCHEDULE, schedule_button, Access.FACILITATOR))
    registry.add_action(Action(button_ids.SKIP, skip_button, Access.FACILITATOR))
    registry.add_form(FormHandler(EDIT_FORM, submit_edit, Access.FACILITATOR))
    registry.add_form(FormHandler(SCHEDULE_FORM, submit_schedule, Access.FACILITATOR))
