"""The broadcast form: the message, who it is for, how and when. One form for every way a
facilitator reaches people (`/cop broadcast`, and `/cop prompt`, which ticks the question)."""

from __future__ import annotations

from datetime import timedelta

from core import i18n
from core.broadcasts import audiences
from core.broadcasts import service as broadcasts
from core.broadcasts.models import Broadcast, Repeat, Way
from core.context import RequestContext
from core.i18n import _, t
from core.sessions.plan import community_channel
from core.timefmt import local
from core.ui import FieldKind, Form, FormField, Option

BROADCAST_FORM = "broadcast.write"  # untranslated: a form id
QUESTION = "question"  # untranslated: the question checkbox's value
NOTIFY = "notify"  # untranslated: the notify checkbox's value


def audience_menu(
    ctx: RequestContext, chosen: list[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """The audiences on offer now, with what is `chosen` kept on offer, and the choice."""
    menu = audiences.options(ctx.session, ctx.community, ctx.now())
    known = {code for code, _label in menu}
    for code in chosen:
        if code not in known and audiences.check([code]):
            menu.append((code, audiences.describe(ctx.session, ctx.community, [code])))
            known.add(code)
    chosen = [code for code in chosen if code in known] or [audiences.EVERYONE]
    if len(menu) > audiences.MAX_OPTIONS:  # Slack's limit: what is chosen stays
        menu = [m for m in menu if m[0] in chosen] + [m for m in menu if m[0] not in chosen]
        menu = menu[: audiences.MAX_OPTIONS]
    return menu, chosen


def audience_field(menu: list[tuple[str, str]], chosen: list[str]) -> FormField:
    """ "Who it is for": the broadcast form's picker, shared with polls and the survey."""
    return FormField(
        "audience",
        _("Who it is for"),
        FieldKind.MULTI_SELECT,
        options=[Option(code, label) for code, label in menu],
        initial=chosen,
        hint=_(
            "Pick several to narrow it down: people who match every kind you pick "
            "(two themes: either theme)."
        ),
    )


def way_field(ctx: RequestContext, way: str) -> FormField:
    """ "How": a DM to each person or a post in the channel, shared with polls."""
    return FormField(
        "way",
        _("How"),
        FieldKind.SELECT,
        options=[
            Option(Way.DM.value, _("A DM to each person")),
            Option(Way.CHANNEL.value, _("A post in the community channel")),
        ],
        initial=way,
        hint=t(
            "DMs arrive between {hours}, in each person's own timezone.",
            hours=broadcasts.hours_for(ctx.community, ctx.settings).replace("-", "–"),
        ),
    )


def broadcast_form(
    ctx: RequestContext,
    existing: Broadcast | None = None,
    *,
    question: bool = False,
    timing: bool = True,
) -> Form:
    """The form, empty or filled from `existing`; without `timing` (a broadcast that has
    gone out at least once) it asks nothing about when: those times are kept."""
    zone = ctx.community.timezone
    soon = local(ctx.now() + timedelta(hours=1), zone)
    has_channel = community_channel(ctx.community, ctx.settings) is not None
    body: str | None = None
    chosen = [audiences.EVERYONE]
    way = (Way.CHANNEL if has_channel and question else Way.DM).value
    notify = False
    when = broadcasts.When.NOW
    day, at, until = soon.date().isoformat(), f"{soon:%H}:00", None
    language = ctx.community.language
    if existing is not None:
        starts = local(existing.starts_at, zone)
        body, question, chosen = existing.body, existing.asks_question, list(existing.audience)
        way, notify = existing.way, existing.notify_channel
        when = existing.repeat if existing.repeat != Repeat.ONCE.value else broadcasts.When.AT
        day, at = starts.date().isoformat(), f"{starts:%H:%M}"
        language = existing.language or ctx.community.language
        if existing.repeat_until is not None:
            until = local(existing.repeat_until, zone).date().isoformat()
    # What an edited broadcast was for stays on offer even if the menu has moved on (an
    # older session): an edit must never quietly widen the audience to everyone.
    menu, chosen = audience_menu(ctx, chosen)
    timing_fields = [
        FormField(
            "when",
            _("When"),
            FieldKind.SELECT,
            options=[
                Option(broadcasts.When.NOW, _("Now")),
                Option(broadcasts.When.AT, _("At the date and time below")),
                Option(broadcasts.When.WEEKLY, _("Every week, from the date and time below")),
                Option(broadcasts.When.MONTHLY, _("Every month, from the date and time below")),
            ],
            initial=when,
        ),
        FormField(
            "date",
            _("Date"),
            FieldKind.DATE,
            required=False,
            initial=day,
        ),
        FormField(
            "time",
            _("Time"),
            FieldKind.TIME,
            required=False,
            initial=at,
            hint=t("In the community's timezone ({zone}).", zone=zone.replace("_", " ")),
        ),
        FormField(
            "until",
            _("Repeat until"),
            FieldKind.DATE,
            required=False,
            initial=until,
            hint=_("For a weekly or monthly message: the last day it may go out."),
        ),
    ]
    return Form(
        form_id=BROADCAST_FORM,
        title=_("Broadcast") if not question else _("Ask a question"),
        submit_label=_("Preview"),
        fields=[
            FormField(
                "body",
                _("Message"),
                FieldKind.LONG_TEXT,
                initial=body,
                # Said the same on every platform: each writes bold its own way.
                hint=_("Formatting works: bold, italic, lists and links."),
            ),
            FormField(
                "question",
                _("A question?"),
                FieldKind.CHECKBOX,
                required=False,
                options=[
                    Option(QUESTION, _("It asks a question: keep the replies as reflections"))
                ],
                initial=question,
            ),
            audience_field(menu, chosen),
            way_field(ctx, way),
            FormField(
                "notify",
                _("Notify"),
                FieldKind.CHECKBOX,
                required=False,
                options=[Option(NOTIFY, _("Notify everyone in the channel"))],
                initial=notify,
            ),
            FormField(
                "language",
                _("Language of a channel post"),
                FieldKind.SELECT,
                options=[Option(code, i18n.name_of(code)) for code in i18n.available()],
                initial=language,
                required=False,  # left out: the community's language
                hint=_("Of Catalyst's words around it. By DM, each person gets their own."),
            ),
            *(timing_fields if timing else []),
        ],
        state=f"edit:{existing.id}" if existing is not None else "",
    )
