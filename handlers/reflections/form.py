"""The reflection form (only the choices a prompt really has) and the facilitators'
stand-alone prompt form."""

from __future__ import annotations

from datetime import timedelta

from core import i18n
from core.context import RequestContext
from core.i18n import N_, _, t
from core.labels import shown
from core.reflections import export as export
from core.reflections import service as reflections
from core.sessions.models import Prompt, PromptAudience, Visibility
from core.sessions.plan import community_channel
from core.timefmt import local
from core.ui import (
    Block,
    FieldKind,
    Form,
    FormField,
    Option,
    Section,
    literal,
    text,
)

REFLECTION_FORM = "reflection.write"  # untranslated: a form id
PROMPT_FORM = "reflection.prompt"  # untranslated: a form id


def visibility_hint(prompt: Prompt) -> str:
    if reflections.has_thread(prompt):
        return _("Private reflections are a journal: nobody else sees them, facilitators included.")
    return _(
        "This question has no thread to share in, so it's for the facilitators or you. "
        "Private reflections are a journal: nobody else sees them, facilitators included."
    )


QUOTE_OPTION = N_("You may quote this in the newsletter")


def _quotable_field(prompt: Prompt) -> list[FormField]:
    """Consent to be quoted, asked only where the reflection can be shared; unticked."""
    if Visibility.SHARED not in reflections.visibility_choices(prompt):
        return []
    return [
        FormField(
            "quotable",
            _("The newsletter"),
            FieldKind.CHECKBOX,
            required=False,
            options=[Option(value="yes", label=_(QUOTE_OPTION))],
            initial=False,
            hint=_(
                "Only if you share it in the thread. The facilitators may quote two or "
                "three shared reflections, with your name, in the monthly newsletter."
            ),
        )
    ]


def reflection_form(ctx: RequestContext, prompt: Prompt) -> Form:
    cs = reflections.session_of(ctx.session, prompt)
    intro: list[Block] = []
    if cs is not None:
        intro.append(Section(text("After *{title}*:", title=cs.title)))
    intro.append(Section(literal(prompt.text)))
    return Form(
        form_id=REFLECTION_FORM,
        # Translators: the title of the form for writing a reflection.
        title=_("Reflect"),
        fields=[
            FormField(
                "body",
                _("Your reflection"),
                FieldKind.LONG_TEXT,
                max_length=reflections.BODY_MAX,
                placeholder=_("A line or two is plenty."),
            ),
            FormField(
                "visibility",
                _("Who can read it"),
                FieldKind.SELECT,
                options=[
                    Option(value=v.value, label=shown(reflections.VISIBILITY_LABELS, v))
                    for v in reflections.visibility_choices(prompt)
                ],
                initial=reflections.default_visibility(prompt).value,
                hint=visibility_hint(prompt),
            ),
            *_quotable_field(prompt),
        ],
        intro=intro,
        state=str(prompt.id),
    )


def prompt_form(ctx: RequestContext) -> Form:
    zone = ctx.community.timezone
    soon = local(ctx.now() + timedelta(hours=1), zone)
    has_channel = community_channel(ctx.community, ctx.settings) is not None
    return Form(
        form_id=PROMPT_FORM,
        title=_("Post a question"),
        submit_label=_("Schedule"),
        fields=[
            FormField(
                "text",
                _("The question"),
                FieldKind.LONG_TEXT,
                max_length=reflections.PROMPT_MAX,
                placeholder=_("e.g. What's one thing you'll do differently this month?"),
            ),
            FormField("date", _("Date"), FieldKind.DATE, initial=soon.date().isoformat()),
            FormField(
                "time",
                _("Time"),
                FieldKind.TIME,
                initial=f"{soon:%H}:00",
                hint=t("In the community's timezone ({zone}).", zone=zone.replace("_", " ")),
            ),
            FormField(
                "where",
                _("Where"),
                FieldKind.SELECT,
                options=[
                    Option(
                        PromptAudience.CHANNEL.value, _("In the community channel, as a thread")
                    ),
                    Option(PromptAudience.DMS.value, _("By DM to all members")),
                ],
                initial=(PromptAudience.CHANNEL if has_channel else PromptAudience.DMS).value,
            ),
            FormField(
                "language",
                _("Language of the channel post"),
                FieldKind.SELECT,
                options=[Option(code, i18n.name_of(code)) for code in i18n.available()],
                initial=ctx.community.language,
                required=False,  # left out: the community's language
                hint=_("By DM, each member gets it in their own language."),
            ),
        ],
    )
