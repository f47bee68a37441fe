"""The newsletter's forms: editing a draft (title, note, which reflections to quote) and
choosing when to send it."""

from __future__ import annotations

from datetime import timedelta

from core.context import RequestContext
from core.i18n import _, t
from core.newsletter import builder
from core.newsletter import service as newsletter_service
from core.newsletter.models import Newsletter, NewsletterQuote
from core.timefmt import local
from core.ui import Block, Context, FieldKind, Form, FormField, Option, text

EDIT_FORM = "newsletter.edit"  # untranslated: a form id
SCHEDULE_FORM = "newsletter.schedule"  # untranslated: a form id
OPTION_MAX = 75  # Slack shows at most 75 characters of an option


def _option_label(name: str, body: str) -> str:
    return builder.cut(f"{name}: {' '.join(body.split())}", OPTION_MAX)


def edit_form(ctx: RequestContext, newsletter: Newsletter) -> Form:
    choices = newsletter_service.quotable(ctx.session, ctx.community, newsletter, ctx.now())
    chosen = {
        str(q.reflection_id)
        for q in ctx.session.query(NewsletterQuote).filter_by(newsletter_id=newsletter.id)
    }
    fields = [
        FormField(
            "title",
            _("Title"),
            FieldKind.TEXT,
            required=False,
            max_length=builder.TITLE_MAX,
            initial=newsletter.title or "",
            hint=_("Leave it empty for “Community newsletter” and the date."),
        ),
        FormField(
            "note",
            _("A note from the facilitators"),
            FieldKind.LONG_TEXT,
            required=False,
            max_length=builder.NOTE_MAX,
            initial=newsletter.note or "",
            placeholder=_("A few friendly lines at the top."),
        ),
    ]
    intro: list[Block] = []
    if choices:
        fields.append(
            FormField(
                "quotes",
                _("Reflections to quote"),
                FieldKind.MULTI_SELECT,
                required=False,
                options=[
                    Option(str(reflection.id), _option_label(name, reflection.body))
                    for reflection, name in choices
                ],
                initial=[str(r.id) for r, _name in choices if str(r.id) in chosen],
                max_selected=builder.MAX_QUOTES,
                hint=_(
                    "Only shared reflections whose authors said yes to being quoted. Pick two "
                    "or three."
                ),
            )
        )
    else:
        intro.append(
            Context(
                [
                    text(
                        "No reflection can be quoted yet: only shared ones whose authors said "
                        "yes to being quoted are offered."
                    )
                ]
            )
        )
    return Form(
        form_id=EDIT_FORM,
        # Translators: a form's title; Slack cuts it at 24 characters.
        title=_("Edit the newsletter"),
        fields=fields,
        intro=intro,
        state=str(newsletter.id),
    )


def schedule_form(ctx: RequestContext, newsletter: Newsletter) -> Form:
    zone = ctx.community.timezone
    soon = local(ctx.now() + timedelta(days=1), zone)
    return Form(
        form_id=SCHEDULE_FORM,
        # Translators: a form's title; Slack cuts it at 24 characters.
        title=_("Schedule the newsletter"),
        submit_label=_("Schedule"),
        fields=[
            FormField("date", _("Date"), FieldKind.DATE, initial=soon.date().isoformat()),
            FormField(
                "time",
                _("Time"),
                FieldKind.TIME,
                initial="09:00",
                hint=t("In the community's timezone ({zone}).", zone=zone.replace("_", " ")),
            ),
        ],
        state=str(newsletter.id),
    )
