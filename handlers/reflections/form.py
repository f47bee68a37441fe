"""The reflection form: only the choices a prompt really has. (A facilitator's stand-alone
question is a broadcast that asks one: `/cop prompt` opens the broadcast form.)"""

from __future__ import annotations

from core.context import RequestContext
from core.i18n import N_, _
from core.labels import shown
from core.reflections import export as export
from core.reflections import service as reflections
from core.sessions.models import Prompt, Visibility
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
