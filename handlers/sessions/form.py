"""The session form (add and edit) and the small "can't make it" form: building, reading."""

from __future__ import annotations

from core import i18n
from core.context import RequestContext
from core.i18n import _, t
from core.offsets import describe_all, in_words
from core.sessions import plan as planner
from core.sessions.checks import (
    APOLOGY_MAX,
    DEFAULT_DURATION,
    DESCRIPTION_MAX,
    DURATION_MAX,
    DURATION_MIN,
    LOCATION_MAX,
    PROMPT_MAX,
    TITLE_MAX,
    SessionDraft,
)
from core.sessions.models import CommunitySession
from core.timefmt import local
from core.ui import (
    FieldKind,
    Form,
    FormField,
    FormValues,
    Option,
    Section,
    text,
    text_of,
)

ADD_FORM = "session.add"  # untranslated: a form id
EDIT_FORM = "session.edit"  # untranslated: a form id
DECLINE_FORM = "session.decline"  # untranslated: a form id
NO_THEME = "_none"  # Slack can't clear a chosen option, so "no theme" is an option itself


def default_offsets(ctx: RequestContext) -> str:
    """The community's reminder times, as typed: e.g. "7d,1d,1h"."""
    return ctx.community.reminder_offsets or describe_all(ctx.settings.reminder_offsets)


def session_form(ctx: RequestContext, cs: CommunitySession | None) -> Form:
    """The add form, or the edit form prefilled from `cs` (its number travels in `state`)."""
    zone = ctx.community.timezone
    starts = local(cs.starts_at, zone) if cs else None
    themes = [Option(value=theme, label=_(theme)) for theme in ctx.community.themes]
    fields = [
        FormField(
            "title",
            _("Title"),
            FieldKind.TEXT,
            max_length=TITLE_MAX,
            initial=cs.title if cs else None,
        ),
        FormField(
            "theme",
            _("Theme"),
            FieldKind.SELECT,
            required=False,
            options=[*themes, Option(value=NO_THEME, label=_("No particular theme"))],
            initial=(cs.theme if cs and cs.theme else None),
        ),
        FormField(
            "date",
            _("Date"),
            FieldKind.DATE,
            initial=f"{starts:%Y-%m-%d}" if starts else None,
            # Translators: the date format to type; keep it as it is unless your readers
            # write dates another way (the form also accepts DD/MM/YYYY).
            placeholder=_("YYYY-MM-DD"),
        ),
        FormField(
            "start_time",
            _("Start time"),
            FieldKind.TIME,
            initial=f"{starts:%H:%M}" if starts else None,
            # Translators: hours and minutes, as a placeholder for a 24-hour time.
            placeholder=_("HH:MM"),
            hint=t(
                "24-hour, {zone} time. Members see it in their own timezone.",
                zone=zone.replace("_", " "),
            ),
        ),
        FormField(
            "duration",
            _("Length in minutes"),
            FieldKind.NUMBER,
            initial=str(cs.duration_minutes if cs else DEFAULT_DURATION),
            hint=t(
                "From {least} to {most}.",
                least=i18n.number(DURATION_MIN),
                most=i18n.number(DURATION_MAX),
            ),
        ),
        FormField(
            "location",
            _("Joining link or place"),
            FieldKind.TEXT,
            max_length=LOCATION_MAX,
            initial=cs.location if cs else None,
            placeholder=_("https://… or the address"),
        ),
        FormField(
            "description",
            _("Description and preparation"),
            FieldKind.LONG_TEXT,
            required=False,
            max_length=DESCRIPTION_MAX,
            initial=cs.description if cs else None,
            hint=_("What it's about and anything to read or think about first."),
        ),
        FormField(
            "reminder_offsets",
            _("Reminders"),
            FieldKind.TEXT,
            required=False,
            max_length=100,
            initial=cs.reminder_offsets if cs else None,
            placeholder=default_offsets(ctx),
            # Translators: d, h and m (days, hours, minutes) are what people type: keep them.
            hint=t(
                "How long before the start to remind members. Leave empty for the usual "
                "({usual}); use d, h or m, like 7d,1d,1h or 10m.",
                usual=default_offsets(ctx),
            ),
        ),
        FormField(
            "reflection_prompt",
            _("Reflection question"),
            FieldKind.LONG_TEXT,
            required=False,
            max_length=PROMPT_MAX,
            initial=cs.reflection_prompt if cs else None,
            hint=_(
                "Posted after the session for members to reflect on. Leave empty for a general "
                "question about what they'll take into their work."
            ),
        ),
    ]
    if cs is None:
        # Translators: a form's title and its button (short: Slack cuts titles at 24 characters).
        return Form(ADD_FORM, _("Add a session"), fields, submit_label=_("Add"))
    return Form(EDIT_FORM, t("Edit session {n}", n=cs.number), fields, state=str(cs.number))


def draft_from(values: FormValues) -> SessionDraft:
    """Read submitted values; anything missing or of the wrong shape reads as empty."""
    theme = text_of(values.get("theme"))
    return SessionDraft(
        title=text_of(values.get("title")),
        theme=None if theme == NO_THEME else theme,
        date=text_of(values.get("date")),
        start_time=text_of(values.get("start_time")),
        duration=text_of(values.get("duration")),
        location=text_of(values.get("location")),
        description=text_of(values.get("description")),
        reminder_offsets=text_of(values.get("reminder_offsets")),
        reflection_prompt=text_of(values.get("reflection_prompt")),
    )


def decline_form(cs: CommunitySession) -> Form:
    """One optional note and the recap choice; the session id travels in `state`."""
    return Form(
        DECLINE_FORM,
        _("Can't make it"),
        [
            FormField(
                "apology",
                _("Anything to pass on?"),
                FieldKind.LONG_TEXT,
                required=False,
                max_length=APOLOGY_MAX,
                hint=_("Optional: a note for the facilitators."),
            ),
            FormField(
                "wants_recap",
                _("Recap"),
                FieldKind.CHECKBOX,
                required=False,
                options=[Option(value="yes", label=_("Send me the recap"))],
                initial=True,
            ),
        ],
        submit_label=_("Send"),
        intro=[
            Section(
                text(
                    "Thanks for letting us know about *{title}*. Missing one never means "
                    "missing out.",
                    title=cs.title,
                )
            )
        ],
        state=str(cs.id),
    )


def reminder_words(ctx: RequestContext, cs: CommunitySession) -> str | None:
    """ "7 days, 1 day and 1 hour" for the reminders still ahead, or None if none are."""
    ahead = [
        o
        for o in planner.offsets_for(cs, ctx.community, ctx.settings)
        if planner.reminder_due(cs.starts_at, o, ctx.community.timezone) > ctx.now()
    ]
    words = [in_words(o) for o in ahead]
    if not words:
        return None
    return i18n.and_list(words)
