"""Words people see for stored choices (one place, so Slack and the console agree)."""

from __future__ import annotations

from core.defaults import LANGUAGES
from core.models import OrgSize, PairingCadence, Role, RoleLevel

ORG_SIZE_LABELS: dict[str, str] = {
    OrgSize.UNDER_10K: "Under £10k income",
    OrgSize.FROM_10K_TO_100K: "£10k–£100k",
    OrgSize.FROM_100K_TO_1M: "£100k–£1m",
    OrgSize.FROM_1M_TO_10M: "£1m–£10m",
    OrgSize.OVER_10M: "Over £10m",
    OrgSize.NOT_A_CHARITY: "Not a charity",
}

ROLE_LEVEL_LABELS: dict[str, str] = {
    RoleLevel.FRONTLINE: "Frontline",
    RoleLevel.MANAGER: "Manager",
    RoleLevel.SENIOR_LEADER: "Senior leader",
    RoleLevel.TRUSTEE: "Trustee / board",
    RoleLevel.OTHER: "Other",
}

CADENCE_LABELS: dict[str, str] = {
    PairingCadence.WEEKLY: "Weekly",
    PairingCadence.FORTNIGHTLY: "Every two weeks",
    PairingCadence.MONTHLY: "Monthly",
    PairingCadence.NOT_NOW: "Not now",
}

ROLE_LABELS: dict[str, str] = {Role.MEMBER: "member", Role.FACILITATOR: "facilitator"}

LANGUAGE_LABELS: dict[str, str] = dict(LANGUAGES)


def language_names(codes: list[str]) -> str:
    return ", ".join(LANGUAGE_LABELS.get(code, code) for code in codes) or "—"
