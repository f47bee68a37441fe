"""The facilitators' peer-coaching settings form: building it from the stored settings,
and reading its numbers back."""

from __future__ import annotations

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

SETTINGS_FORM = "pairing.settings"
WEEKDAY_OPTIONS = [Option(str(i), name) for i, name in enumerate(pairing.WEEKDAYS)]


WEIGHT_LABELS = {
    "weight_organisation": "Different organisations",
    "weight_hours": "Overlapping working hours",
    "weight_lived_experience": "Lived-experience preference (when both chose it)",
    "weight_theme": "A shared theme",
    "weight_org_size": "Organisation size",
    "weight_role_level": "Role level",
}


def number_text(value: float) -> str:
    return f"{value:g}"


def settings_form(row: PairingSettings, saved: bool) -> Form:
    """Prefilled from saved settings, or the defaults with rounds ticked on."""
    fields = [
        FormField(
            "enabled",
            "Rounds",
            FieldKind.CHECKBOX,
            required=False,
            options=[Option("yes", "Run peer-coaching rounds")],
            initial=bool(row.enabled) if saved else True,
        ),
        FormField(
            "weekday", "Day", FieldKind.SELECT, options=WEEKDAY_OPTIONS, initial=str(row.weekday)
        ),
        FormField(
            "local_time",
            "Time",
            FieldKind.TIME,
            initial=row.local_time,
            hint="In the community's timezone.",
        ),
        FormField(
            "recency_weeks",
            "No repeats within (weeks)",
            FieldKind.NUMBER,
            initial=str(row.recency_weeks),
            hint="From 1 to 52. Pairs who met more recently aren't paired again unless "
            "there's no other way.",
        ),
        FormField(
            "blend",
            "Organisation size and role level",
            FieldKind.SELECT,
            options=[Option(Blend.MIX.value, "Mix them"), Option(Blend.MATCH.value, "Match them")],
            initial=row.blend,
        ),
        *[
            FormField(
                name,
                f"Weight: {label}",
                FieldKind.NUMBER,
                initial=number_text(float(getattr(row, name))),
                hint="From 0 to 100."
                if name != "weight_organisation"
                else "From 0 to 100; the default 20 makes this count most.",
            )
            for name, label in WEIGHT_LABELS.items()
        ],
    ]
    return Form(SETTINGS_FORM, "Peer-coaching settings", fields)


def float_answer(
    values: FormValues, name: str, low: float, high: float, errors: dict[str, str]
) -> float:
    raw = values.get(name)
    try:
        number = float(raw) if isinstance(raw, str) else float("nan")
    except ValueError:
        number = float("nan")
    if not (low <= number <= high):
        errors[name] = f"Enter a number from {low:g} to {high:g}."
        return low
    return number
