"""Words people see for stored choices (one place, so Slack and the console agree)."""

from __future__ import annotations

from core.defaults import LANGUAGES
from core.i18n import N_, _
from core.models import OrgSize, PairingCadence, Role, RoleLevel

ORG_SIZE_LABELS: dict[str, str] = {
    OrgSize.UNDER_10K: N_("Under £10k income"),
    OrgSize.FROM_10K_TO_100K: N_("£10k–£100k"),
    OrgSize.FROM_100K_TO_1M: N_("£100k–£1m"),
    OrgSize.FROM_1M_TO_10M: N_("£1m–£10m"),
    OrgSize.OVER_10M: N_("Over £10m"),
    OrgSize.NOT_A_CHARITY: N_("Not a charity"),
}

ROLE_LEVEL_LABELS: dict[str, str] = {
    RoleLevel.FRONTLINE: N_("Frontline"),
    RoleLevel.MANAGER: N_("Manager"),
    RoleLevel.SENIOR_LEADER: N_("Senior leader"),
    RoleLevel.TRUSTEE: N_("Trustee / board"),
    RoleLevel.OTHER: N_("Other"),
}

CADENCE_LABELS: dict[str, str] = {
    PairingCadence.WEEKLY: N_("Weekly"),
    PairingCadence.FORTNIGHTLY: N_("Every two weeks"),
    PairingCadence.MONTHLY: N_("Monthly"),
    PairingCadence.NOT_NOW: N_("Not now"),
}

ROLE_LABELS: dict[str, str] = {Role.MEMBER: N_("member"), Role.FACILITATOR: N_("facilitator")}

LANGUAGE_LABELS: dict[str, str] = dict(LANGUAGES)


def shown(labels: dict[str, str], code: str) -> str:
    """The label for a stored choice in the reader's language (the code itself if unknown)."""
    return _(labels[code]) if code in labels else code


def language_names(codes: list[str]) -> str:
    return ", ".join(shown(LANGUAGE_LABELS, code) for code in codes) or "—"
