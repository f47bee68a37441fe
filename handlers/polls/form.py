"""The poll form, the suggestion form, and the survey's two forms (sending and answering)."""

from __future__ import annotations

from datetime import timedelta

from core.broadcasts.models import Way
from core.context import RequestContext
from core.i18n import _, t
from core.polls import service, surveys
from core.polls.models import Survey
from core.sessions.plan import community_channel
from core.timefmt import local
from core.ui import FieldKind, Form, FormField, Option
from handlers.broadcasts.form import audience_field, audience_menu, way_field

POLL_FORM = "poll.write"  # untranslated: a form id
SUGGEST_FORM = "poll.suggest"  # untranslated: a form id
SURVEY_FORM = "survey.write"  # untranslated: a form id
ANSWER_FORM = "survey.answer"  # untranslated: a form id
MEMBERS_ADD = "members_add"  # untranslated: a checkbox value
ANONYMOUS = "anonymous"  # untranslated: a checkbox value
SINGLE, MULTIPLE = "single", "multiple"  # untranslated: select values
NAMED = "named"  # untranslated: a select value


def _closing_fields(ctx: RequestContext, days: int) -> list[FormField]:
    zone = ctx.community.timezone
    closes = local(ctx.now() + timedelta(days=days), zone)
    return [
        FormField("date", _("Closing date"), FieldKind.DATE, initial=closes.date().isoformat()),
        FormField(
            "time",
            _("Closing time"),
            FieldKind.TIME,
            initial="17:00",
            hint=t("In the community's timezone ({zone}).", zone=zone.replace("_", " ")),
        ),
    ]


def poll_form(ctx: RequestContext, *, themes: bool = False) -> Form:
    """The poll form; for the theme poll, its options are the community's themes and
    members may add their own."""
    menu, chosen = audience_menu(ctx, [])
    has_channel = community_channel(ctx.community, ctx.settings) is not None
    options = "\n".join(ctx.community.themes) if themes else None
    return Form(
        form_id=POLL_FORM,
        title=_("Theme poll") if themes else _("Poll"),
        submit_label=_("Preview"),
        fields=[
            FormField(
                "question",
                _("Question"),
                FieldKind.TEXT,
                max_length=service.QUESTION_MAX,
                initial=_("Which themes should the next cycle cover?") if themes else None,
            ),
            FormField(
                "options",
                _("Options, one per line"),
                FieldKind.LONG_TEXT,
                required=False,
                initial=options,
                hint=_(
                    "2 to 10, one per line (or on one line, separated by ;). Leave it short "
                    "(or empty) if members may add options."
                ),
            ),
            FormField(
                "members_add",
                _("Members' options"),
                FieldKind.CHECKBOX,
                required=False,
                options=[Option(MEMBERS_ADD, _("Members may add options"))],
                initial=themes,
            ),
            FormField(
                "choice",
                _("Choices"),
                FieldKind.SELECT,
                options=[
                    Option(SINGLE, _("One choice each")),
                    Option(MULTIPLE, _("Several choices each")),
                ],
                initial=MULTIPLE if themes else SINGLE,
            ),
            FormField(
                "anonymous",
                _("Votes"),
                FieldKind.SELECT,
                options=[
                    Option(ANONYMOUS, _("Anonymous: nobody can see who chose what")),
                    Option(NAMED, _("Named: facilitators can see who chose what")),
                ],
                initial=ANONYMOUS,
            ),
            *_closing_fields(ctx, 7),
            audience_field(menu, chosen),
            way_field(ctx, (Way.CHANNEL if has_channel else Way.DM).value),
        ],
        state="themes" if themes else "",
    )


def suggest_form(poll_id: int) -> Form:
    return Form(
        form_id=SUGGEST_FORM,
        title=_("Suggest an option"),
        submit_label=_("Add"),
        fields=[
            FormField(
                "option",
                _("Your option"),
                FieldKind.TEXT,
                max_length=service.OPTION_MAX,
                hint=_("It is added for everyone to vote on; your name isn't kept with it."),
            )
        ],
        state=str(poll_id),
    )


def survey_form(ctx: RequestContext) -> Form:
    menu, chosen = audience_menu(ctx, [])
    questions = "\n".join(f"• {_(q['label'])}" for q in surveys.DEFAULT_QUESTIONS)
    return Form(
        form_id=SURVEY_FORM,
        title=_("End-of-programme survey"),
        submit_label=_("Preview"),
        fields=[
            audience_field(menu, chosen),
            *_closing_fields(ctx, 14),
            FormField(
                "anonymous",
                _("Anonymous"),
                FieldKind.CHECKBOX,
                required=False,
                options=[Option(ANONYMOUS, _("Keep answers without names"))],
                initial=True,
                hint=t("The questions, sent by DM: {questions}", questions=questions),
            ),
        ],
    )


def answer_form(survey: Survey) -> Form:
    fields: list[FormField] = []
    for question in survey.questions:
        label = _(str(question["label"]))
        if question["kind"] == surveys.SCALE:
            fields.append(
                FormField(
                    str(question["key"]),
                    label,
                    FieldKind.SELECT,
                    required=False,
                    options=[Option(v, v) for v in surveys.SCALE_VALUES],
                )
            )
        else:
            fields.append(
                FormField(
                    str(question["key"]),
                    label,
                    FieldKind.LONG_TEXT,
                    required=False,
                    max_length=surveys.ANSWER_MAX,
                )
            )
    return Form(
        form_id=ANSWER_FORM,
        title=_("Survey"),
        submit_label=_("Send"),
        fields=fields,
        state=str(survey.id),
    )
