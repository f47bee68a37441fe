"""The facilitators' forming form (`sets form`): building it, prefilled from the defaults
or a preview being redone, and reading it back into the service's choices."""

from __future__ import annotations

from core import i18n
from core.i18n import _, t
from core.sets import service as sets
from core.sets.matching import MAX_SET_SIZE, Grouping
from core.sets.models import SpaceKind
from core.ui import FieldKind, Form, FormField, FormValues, Option, text_of

FORMING_FORM = "sets.form"  # untranslated: form id
MEETING_MINUTES = (90, 120, 180, 240)


def _sizes() -> list[Option]:
    return [Option(str(n), i18n.number(n)) for n in range(2, MAX_SET_SIZE + 1)]


def _minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return i18n.tn("{n} hour", "{n} hours", hours)
    # Translators: a meeting's length, e.g. "1 h 30 min".
    return t("{hours} h {minutes} min", hours=i18n.number(hours), minutes=i18n.number(rest))


def forming_form(choices: sets.FormChoices) -> Form:
    minutes = sorted({*MEETING_MINUTES, choices.meeting_minutes})
    fields = [
        FormField(
            "min_size",
            _("Smallest set"),
            FieldKind.SELECT,
            options=_sizes(),
            initial=str(choices.min_size),
        ),
        FormField(
            "max_size",
            _("Largest set"),
            FieldKind.SELECT,
            options=_sizes(),
            initial=str(choices.max_size),
            hint=_("5 or 6 is typical; at most 8."),
        ),
        FormField(
            "grouping",
            _("How to group people"),
            FieldKind.SELECT,
            options=[
                Option(Grouping.SAME_BAND.value, _("Similar-sized organisations together")),
                Option(Grouping.MIXED.value, _("Mixed organisation sizes")),
            ],
            initial=choices.grouping,
        ),
        FormField(
            "meetings",
            _("Meetings in the cycle"),
            FieldKind.NUMBER,
            initial=str(choices.meetings),
            hint=_("Usually 6, over about six months."),
        ),
        FormField(
            "rhythm_weeks",
            _("Weeks between meetings"),
            FieldKind.NUMBER,
            initial=str(choices.rhythm_weeks),
            hint=_("Each set chooses its own day and time."),
        ),
        FormField(
            "meeting_minutes",
            _("Meeting length"),
            FieldKind.SELECT,
            options=[Option(str(m), _minutes(m)) for m in minutes],
            initial=str(choices.meeting_minutes),
        ),
        FormField(
            "space_kind",
            _("Each set meets in"),
            FieldKind.SELECT,
            options=[
                Option(SpaceKind.CHANNEL.value, _("A private channel")),
                Option(SpaceKind.GROUP_DM.value, _("A group DM")),
            ],
            initial=choices.space_kind,
        ),
        FormField(
            "advised",
            _("Advisers"),
            FieldKind.CHECKBOX,
            required=False,
            options=[Option("yes", _("A facilitator advises each set"))],
            initial=choices.advised,
        ),
    ]
    return Form(
        FORMING_FORM,
        # Translators: a form's title; Slack cuts it at 24 characters.
        _("Form learning sets"),
        fields,
        # Translators: a button; keep it short.
        submit_label=_("Preview"),
    )


def _whole(values: FormValues, name: str, fallback: int, errors: dict[str, str]) -> int:
    raw = (text_of(values.get(name)) or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 4:
        return int(raw)
    errors[name] = _("Enter a whole number.")
    return fallback


def choices_from(values: FormValues) -> tuple[sets.FormChoices, dict[str, str]]:
    """The submitted choices, and the fields that aren't whole numbers (the service checks
    the ranges)."""
    errors: dict[str, str] = {}
    defaults = sets.FormChoices()
    choices = sets.FormChoices(
        min_size=_whole(values, "min_size", defaults.min_size, errors),
        max_size=_whole(values, "max_size", defaults.max_size, errors),
        grouping=text_of(values.get("grouping")) or "",
        meetings=_whole(values, "meetings", defaults.meetings, errors),
        rhythm_weeks=_whole(values, "rhythm_weeks", defaults.rhythm_weeks, errors),
        meeting_minutes=_whole(values, "meeting_minutes", defaults.meeting_minutes, errors),
        space_kind=text_of(values.get("space_kind")) or "",
        advised=values.get("advised") is True,
    )
    return choices, errors
