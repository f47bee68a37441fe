"""The facilitators' peer-coaching settings form: building it from the stored settings,
and reading its numbers back."""

from __future__ import annotations

from core import i18n
from core.i18n import N_, _, t
from core.pairing import service as pairing
from core.pairing.matching import Blend
from core.pairing.models import PairingSettings
from core.ui import (
    FieldKind,
    Form,
    FormField,
    FormValues,
    Option,
)

SETTINGS_FORM = "pairing.settings"  # untranslated: form id


# What each weight is about (N_: shown with `_()` in the form's "Weight: …" label).
WEIGHT_LABELS = {
    "weight_organisation": N_("Different organisations"),
    "weight_hours": N_("Overlapping working hours"),
    "weight_lived_experience": N_("Lived-experience preference (when both chose it)"),
    "weight_theme": N_("A shared theme"),
    "weight_org_size": N_("Organisation size"),
    "weight_role_level": N_("Role level"),
}


def weekday_options() -> list[Option]:
    """The days of the week, in the reader's language (built per request)."""
    return [Option(str(i), _(name)) for i, name in enumerate(pairing.WEEKDAYS)]


def number_text(value: float) -> str:
    return f"{value:g}"


def settings_form(row: PairingSettings, saved: bool) -> Form:
    """Prefilled from saved settings, or the defaults with rounds ticked on."""
    fields = [
        FormField(
            "enabled",
            _("Rounds"),
            FieldKind.CHECKBOX,
            required=False,
            options=[Option("yes", _("Run peer-coaching rounds"))],
            initial=bool(row.enabled) if saved else True,
        ),
        FormField(
            "weekday",
            _("Day"),
            FieldKind.SELECT,
            options=weekday_options(),
            initial=str(row.weekday),
        ),
        FormField(
            "local_time",
            _("Time"),
            FieldKind.TIME,
            initial=row.local_time,
            hint=_("In the community's timezone."),
        ),
        FormField(
            "recency_weeks",
            _("No repeats within (weeks)"),
            FieldKind.NUMBER,
            initial=str(row.recency_weeks),
            hint=_(
                "From 1 to 52. Pairs who met more recently aren't paired again unless "
                "there's no other way."
            ),
        ),
        FormField(
            "blend",
            _("Organisation size and role level"),
            FieldKind.SELECT,
            options=[
                Option(Blend.MIX.value, _("Mix them")),
                Option(Blend.MATCH.value, _("Match them")),
            ],
            initial=row.blend,
        ),
        *[
            FormField(
                name,
                # Translators: a form label; {label} is what the weight is about, e.g.
                # "Different organisations".
                t("Weight: {label}", label=_(label)),
                FieldKind.NUMBER,
                initial=number_text(float(getattr(row, name))),
                hint=_("From 0 to 100.")
                if name != "weight_organisation"
                else _("From 0 to 100; the default 20 makes this count most."),
            )
            for name, label in WEIGHT_LABELS.items()
        ],
    ]
    return Form(SETTINGS_FORM, _("Peer-coaching settings"), fields)


def float_answer(
    values: FormValues, name: str, low: float, high: float, errors: dict[str, str]
) -> float:
    raw = values.get(name)
    try:
        number = float(raw) if isinstance(raw, str) else float("nan")
    except ValueError:
        number = float("nan")
    if not (low <= number <= high):
        errors[name] = t(
            "Enter a number from {low} to {high}.", low=i18n.number(low), high=i18n.number(high)
        )
        return low
    return number
